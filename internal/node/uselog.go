package node

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custos-mpc/custos/internal/keystore"
)

// groupCommit batches keystore writes: concurrent callers queue their item,
// one goroutine hands everything queued to apply (one keystore transaction,
// one fsync), then releases every caller with its own result. Signing
// sessions use it to make a nonce's use durable before they send the share
// computed from it (persist, then send) without one fsync per signature.
//
// Callers may announce a request before they queue it (expect), while they
// still do work that precedes it (the verification gate, parsing). When a
// batch is drained and announced requests are still on their way, the
// committer waits for them, up to linger, so that one fsync covers them
// too: under load this turns one commit per signature into one per
// handful, and an idle node (nothing announced) commits at once.
type groupCommit[Req, Res any] struct {
	apply  func([]Req) []Res
	linger time.Duration
	once   sync.Once
	reqs   chan batchReq[Req, Res]
	wake   chan struct{} // an announced request was queued or withdrawn
	coming atomic.Int64  // announced and not yet queued
}

func (g *groupCommit[Req, Res]) start() {
	g.once.Do(func() {
		g.reqs = make(chan batchReq[Req, Res], maxBatch)
		g.wake = make(chan struct{}, 1)
		go g.run()
	})
}

// defaultLinger bounds how long a commit waits for announced requests: a
// few times a commit's own cost, small against a signature's latency.
const defaultLinger = 2 * time.Millisecond

// expect announces a request that the caller will queue (with do) or
// abandon (with abandon).
func (g *groupCommit[Req, Res]) expect() { g.coming.Add(1) }

// abandon withdraws an announced request that will not be queued (do
// calls it for one that was).
func (g *groupCommit[Req, Res]) abandon() {
	g.start()
	g.coming.Add(-1)
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

type batchReq[Req, Res any] struct {
	req  Req
	done chan Res
}

const maxBatch = 512

// do queues req and waits for its result. Once queued it waits even if ctx
// ends: the caller must learn whether the write happened. announced says
// whether the caller announced req with expect.
func (g *groupCommit[Req, Res]) do(ctx context.Context, req Req, announced bool) (Res, error) {
	g.start()
	r := batchReq[Req, Res]{req: req, done: make(chan Res, 1)}
	select {
	case g.reqs <- r:
	case <-ctx.Done():
		if announced {
			g.abandon()
		}
		var zero Res
		return zero, ctx.Err()
	}
	if announced {
		// Counted down only once queued, so a committer never sees
		// nothing on its way while the request is not yet in the queue.
		g.abandon()
	}
	return <-r.done, nil
}

// gather adds announced requests to batch as they are queued, until none
// is on its way, the batch is full, or linger has passed.
func (g *groupCommit[Req, Res]) gather(batch []batchReq[Req, Res]) []batchReq[Req, Res] {
	if g.linger <= 0 || g.coming.Load() <= 0 {
		return batch
	}
	timer := time.NewTimer(g.linger)
	defer timer.Stop()
	for len(batch) < maxBatch {
		if g.coming.Load() <= 0 {
			// Every announced request is queued (or withdrawn): take
			// what the queue holds and commit.
			for len(batch) < maxBatch {
				select {
				case r := <-g.reqs:
					batch = append(batch, r)
				default:
					return batch
				}
			}
			return batch
		}
		select {
		case r := <-g.reqs:
			batch = append(batch, r)
		case <-g.wake:
		case <-timer.C:
			return batch
		}
	}
	return batch
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
		batch = g.gather(batch)
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
	return &groupCommit[keystore.NonceUse, error]{linger: defaultLinger, apply: func(uses []keystore.NonceUse) []error {
		return st.RecordNonceUses(context.Background(), uses)
	}}
}

func newConsumeLog(st keystore.Store, taken *takenNonces) *groupCommit[keystore.NonceUse, consumed] {
	return &groupCommit[keystore.NonceUse, consumed]{linger: defaultLinger, apply: func(uses []keystore.NonceUse) []consumed {
		return consumeAhead(st, taken, uses)
	}}
}

func newPresignConsumeLog(st keystore.Store) *groupCommit[keystore.NonceUse, consumed] {
	return &groupCommit[keystore.NonceUse, consumed]{linger: defaultLinger, apply: func(uses []keystore.NonceUse) []consumed {
		secs, errs := st.ConsumePresignatures(context.Background(), uses)
		out := make([]consumed, len(uses))
		for i := range out {
			out[i] = consumed{secs[i], errs[i]}
		}
		return out
	}}
}
