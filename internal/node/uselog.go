package node

import (
	"context"
	"sync"

	"github.com/custos-mpc/custos/internal/keystore"
)

// groupCommit batches keystore writes: concurrent callers queue their item,
// one goroutine hands everything queued to apply (one keystore transaction,
// one fsync), then releases every caller with its own result. Signing
// sessions use it to make a nonce's use durable before they send the share
// computed from it (persist, then send) without one fsync per signature.
type groupCommit[Req, Res any] struct {
	apply func([]Req) []Res
	once  sync.Once
	reqs  chan batchReq[Req, Res]
}

type batchReq[Req, Res any] struct {
	req  Req
	done chan Res
}

const maxBatch = 512

// do queues req and waits for its result. Once queued it waits even if ctx
// ends: the caller must learn whether the write happened.
func (g *groupCommit[Req, Res]) do(ctx context.Context, req Req) (Res, error) {
	g.once.Do(func() {
		g.reqs = make(chan batchReq[Req, Res], maxBatch)
		go g.run()
	})
	r := batchReq[Req, Res]{req: req, done: make(chan Res, 1)}
	select {
	case g.reqs <- r:
	case <-ctx.Done():
		var zero Res
		return zero, ctx.Err()
	}
	return <-r.done, nil
}

func (g *groupCommit[Req, Res]) run() {
	batch := make([]batchReq[Req, Res], 0, maxBatch)
	items := make([]Req, 0, maxBatch)
	for first := range g.reqs {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-g.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		items = items[:0]
		for _, r := range batch {
			items = append(items, r.req)
		}
		res := g.apply(items)
		for i, r := range batch {
			r.done <- res[i]
		}
	}
}

// consumed is one nonce consumption's outcome.
type consumed struct {
	secret *keystore.Secret
	err    error
}

func newUseLog(st keystore.Store) *groupCommit[keystore.NonceUse, error] {
	return &groupCommit[keystore.NonceUse, error]{apply: func(uses []keystore.NonceUse) []error {
		return st.RecordNonceUses(context.Background(), uses)
	}}
}

func newConsumeLog(st keystore.Store) *groupCommit[keystore.NonceUse, consumed] {
	return &groupCommit[keystore.NonceUse, consumed]{apply: func(uses []keystore.NonceUse) []consumed {
		secs, errs := st.ConsumeNonces(context.Background(), uses)
		out := make([]consumed, len(uses))
		for i := range out {
			out[i] = consumed{secs[i], errs[i]}
		}
		return out
	}}
}

func newPresignConsumeLog(st keystore.Store) *groupCommit[keystore.NonceUse, consumed] {
	return &groupCommit[keystore.NonceUse, consumed]{apply: func(uses []keystore.NonceUse) []consumed {
		secs, errs := st.ConsumePresignatures(context.Background(), uses)
		out := make([]consumed, len(uses))
		for i := range out {
			out[i] = consumed{secs[i], errs[i]}
		}
		return out
	}}
}
