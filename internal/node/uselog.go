package node

import (
	"context"
	"sync"

	"github.com/custos-mpc/custos/internal/keystore"
)

// useLog records nonce uses durably with group commit: concurrent signing
// sessions queue their use, one goroutine writes everything queued in one
// keystore transaction (one fsync), then releases every waiter. A session
// sends its share only after its use is on disk (persist, then send).
type useLog struct {
	store keystore.Store
	once  sync.Once
	reqs  chan useReq
}

type useReq struct {
	use  keystore.NonceUse
	done chan error
}

const maxUseBatch = 512

func (l *useLog) record(ctx context.Context, keyID, id string) error {
	l.once.Do(func() {
		l.reqs = make(chan useReq, maxUseBatch)
		go l.run()
	})
	r := useReq{use: keystore.NonceUse{KeyID: keyID, ID: id}, done: make(chan error, 1)}
	select {
	case l.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the share must
	// not be computed unless the use is durable, and the caller learns
	// which it was.
	return <-r.done
}

func (l *useLog) run() {
	batch := make([]useReq, 0, maxUseBatch)
	uses := make([]keystore.NonceUse, 0, maxUseBatch)
	for first := range l.reqs {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < maxUseBatch {
			select {
			case r := <-l.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		uses = uses[:0]
		for _, r := range batch {
			uses = append(uses, r.use)
		}
		errs := l.store.RecordNonceUses(context.Background(), uses)
		for i, r := range batch {
			r.done <- errs[i]
		}
	}
}
