package coordinator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
)

// Proactive key refresh of ECDSA keys with a two-phase epoch switch.
//
//  1. The coordinator records the refresh as started, pauses the key's
//     ECDSA signing and presigning and waits for the sessions in flight to
//     end, then runs CGGMP21 key refresh among every holder. Each node
//     stores its new share sealed as the pending epoch e+1 beside the
//     active epoch e and reports it stored.
//  2. Only when every holder reported stored does the coordinator record
//     the key's new epoch (with the refresh record, in one transaction),
//     drop the key's presignature pools (made under e, they can never sign
//     again) and send each holder commit-epoch. Otherwise it records the
//     refresh aborted and sends abort-epoch. Holders that did not confirm
//     stay in the record and are told again when they reconnect; until a
//     holder confirmed a commit it takes part in no signing of the key.
//
// Signing resumes when the commit or abort has been sent.

// ErrKeyRefreshing reports a signing request for a key whose refresh is
// running: retry when it is done.
var ErrKeyRefreshing = errors.New("coordinator: the key is being refreshed; retry shortly")

// keyGate pauses a key's ECDSA sessions during its refresh.
type keyGate struct {
	mu       sync.Mutex
	paused   map[string]bool
	inflight map[string]int
	// open are the unsettled refresh records by key id (at most one per
	// key); a holder in a committed record's Pending has not switched
	// epochs yet.
	open map[string]*Refresh
}

func newKeyGate() *keyGate {
	return &keyGate{paused: map[string]bool{}, inflight: map[string]int{}, open: map[string]*Refresh{}}
}

// enterECDSA registers an ECDSA session of a key, unless the key is paused.
// The caller must call the release function when the session ends.
func (c *Coordinator) enterECDSA(keyID string) (func(), error) {
	g := c.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.paused[keyID] {
		return nil, ErrKeyRefreshing
	}
	g.inflight[keyID]++
	return func() {
		g.mu.Lock()
		g.inflight[keyID]--
		g.mu.Unlock()
	}, nil
}

// pause stops new ECDSA sessions of a key and waits for those in flight.
func (c *Coordinator) pause(ctx context.Context, keyID string) error {
	g := c.gate
	g.mu.Lock()
	if g.paused[keyID] {
		g.mu.Unlock()
		return fmt.Errorf("coordinator: key %q is already being refreshed", keyID)
	}
	g.paused[keyID] = true
	g.mu.Unlock()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		g.mu.Lock()
		n := g.inflight[keyID]
		g.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			c.resume(keyID)
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (c *Coordinator) resume(keyID string) {
	c.gate.mu.Lock()
	delete(c.gate.paused, keyID)
	c.gate.mu.Unlock()
	c.kickPresign()
}

// lagging lists the holders of a key that have not yet switched to its
// committed epoch: they sign and presign nothing for it meanwhile.
func (c *Coordinator) lagging(keyID string) map[string]bool {
	g := c.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.open[keyID]
	if r == nil || r.State != RefreshCommitted {
		return nil
	}
	out := make(map[string]bool, len(r.Pending))
	for _, n := range r.Pending {
		out[n] = true
	}
	return out
}

// setRecord writes a refresh record durably, then makes it current.
func (c *Coordinator) setRecord(ctx context.Context, r *Refresh) error {
	if err := c.cfg.Store.PutRefresh(ctx, r); err != nil {
		return err
	}
	c.trackRecord(r)
	return nil
}

func (c *Coordinator) trackRecord(r *Refresh) {
	c.gate.mu.Lock()
	defer c.gate.mu.Unlock()
	if r.Settled() {
		delete(c.gate.open, r.KeyID)
		return
	}
	cp := *r
	cp.Pending = slices.Clone(r.Pending)
	c.gate.open[r.KeyID] = &cp
}

// record returns a copy of a key's unsettled refresh record, or nil.
func (c *Coordinator) record(keyID string) *Refresh {
	c.gate.mu.Lock()
	defer c.gate.mu.Unlock()
	r := c.gate.open[keyID]
	if r == nil {
		return nil
	}
	cp := *r
	cp.Pending = slices.Clone(r.Pending)
	return &cp
}

// confirmed removes the nodes that confirmed a record's outcome from its
// pending list, durably.
func (c *Coordinator) confirmed(ctx context.Context, keyID string, epoch uint64, nodes []string) error {
	c.settleMu.Lock()
	defer c.settleMu.Unlock()
	r := c.record(keyID)
	if r == nil || r.Epoch != epoch || len(nodes) == 0 {
		return nil
	}
	r.Pending = slices.DeleteFunc(r.Pending, func(n string) bool { return slices.Contains(nodes, n) })
	return c.setRecord(ctx, r)
}

// loadRefreshes reads the unsettled refresh records at start-up. A
// refresh the coordinator died in was never committed: it is aborted.
func (c *Coordinator) loadRefreshes(ctx context.Context) error {
	rs, err := c.cfg.Store.Refreshes(ctx)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.State == RefreshStarted {
			k, err := c.cfg.Store.Key(ctx, r.KeyID)
			if err != nil {
				return err
			}
			r.State, r.Pending = RefreshAborted, nodesOf(k.Parties)
			if err := c.cfg.Store.PutRefresh(ctx, r); err != nil {
				return err
			}
			c.cfg.Log.Warn("a key refresh was interrupted by a coordinator restart; aborting it", "key", r.KeyID, "epoch", r.Epoch)
		}
		c.trackRecord(r)
	}
	return nil
}

func nodesOf(ps []wire.Party) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Node
	}
	return out
}

// settle sends a record's outcome (commit-epoch or abort-epoch) to the
// given nodes that are online, waits for their confirmations until
// timeout, and records who confirmed. It returns the nodes that confirmed.
func (c *Coordinator) settle(ctx context.Context, r *Refresh, nodes []string, timeout time.Duration) ([]string, error) {
	if r.State == RefreshStarted {
		return nil, errors.New("coordinator: settle: the refresh has no outcome yet")
	}
	kind := wire.ControlCommitEpoch
	if r.State == RefreshAborted {
		kind = wire.ControlAbortEpoch
	}
	sid, err := newSession()
	if err != nil {
		return nil, err
	}
	parties := make([]wire.Party, len(nodes))
	for i, n := range nodes {
		parties[i] = wire.Party{ID: uint16(i + 1), Node: n}
	}
	cer := c.open(sid, parties)
	defer c.close(cer)
	want := 0
	for _, n := range nodes {
		if c.control(n, &wire.Control{Kind: kind, Session: sid[:], KeyID: r.KeyID, Epoch: r.Epoch}) {
			want++
		}
	}
	var done []string
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for len(done) < want {
		select {
		case <-ctx.Done():
			return done, c.confirmed(context.WithoutCancel(ctx), r.KeyID, r.Epoch, done)
		case <-timer.C:
			return done, c.confirmed(ctx, r.KeyID, r.Epoch, done)
		case ev := <-cer.in:
			st := ev.status
			if st == nil {
				continue
			}
			switch {
			case st.Kind == wire.StatusEpochSettled && st.KeyID == r.KeyID && st.Epoch == r.Epoch:
				done = append(done, ev.node)
			case st.Kind == wire.StatusRefused:
				c.cfg.Log.Error("a node refused to settle a key epoch", "key", r.KeyID, "epoch", r.Epoch, "outcome", kind, "node", ev.node, "reason", st.Reason)
				want--
			}
		}
	}
	return done, c.confirmed(ctx, r.KeyID, r.Epoch, done)
}

// settleNode tells a node that (re)connected the outcome of every refresh
// it has not confirmed.
func (c *Coordinator) settleNode(node string) {
	c.gate.mu.Lock()
	var todo []*Refresh
	for _, r := range c.gate.open {
		if r.State != RefreshStarted && slices.Contains(r.Pending, node) {
			cp := *r
			cp.Pending = slices.Clone(r.Pending)
			todo = append(todo, &cp)
		}
	}
	c.gate.mu.Unlock()
	for _, r := range todo {
		done, err := c.settle(context.Background(), r, []string{node}, 4*c.cfg.RoundTimeout)
		if err != nil {
			c.cfg.Log.Error("recording a node's epoch confirmation failed", "key", r.KeyID, "node", node, "err", err)
		}
		if len(done) == 1 {
			c.cfg.Log.Info("a reconnected node settled a key epoch", "key", r.KeyID, "epoch", r.Epoch, "outcome", r.State, "node", node)
			c.kickPresign()
		}
	}
}

// RefreshKey refreshes an ECDSA key: new shares of the same public key and
// new Paillier keys on every holder, switched to in two phases (see the
// top of this file). Every holder must be online.
func (c *Coordinator) RefreshKey(ctx context.Context, req *wire.RefreshKeyRequest) (*wire.RefreshKeyResponse, error) {
	k, err := c.key(ctx, req.KeyID)
	if err != nil {
		return nil, err
	}
	if !scheme.IsECDSA(k.Scheme) {
		return nil, fmt.Errorf("coordinator: key %q is %s: only ECDSA keys are refreshed", k.ID, k.Scheme)
	}
	if b := req.PaillierBits; b != 0 && (b%2 != 0 || b < paillier.MinBits || b > paillier.MaxBits) {
		return nil, fmt.Errorf("coordinator: a Paillier modulus of %d bits is not supported (even, %d to %d)", b, paillier.MinBits, paillier.MaxBits)
	}
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	// A previous refresh must be settled on every holder first: a holder
	// still on an old epoch could not take part.
	if r := c.record(k.ID); r != nil {
		if _, err := c.settle(ctx, r, r.Pending, 4*c.cfg.RoundTimeout); err != nil {
			return nil, err
		}
		if r := c.record(k.ID); r != nil {
			return nil, fmt.Errorf("coordinator: the refresh to epoch %d is not yet %s on %v", r.Epoch, r.State, r.Pending)
		}
	}
	online := c.Online()
	for _, p := range k.Parties {
		if !online[p.Node] {
			return nil, fmt.Errorf("coordinator: holder %s is offline: every holder takes part in a refresh", p.Node)
		}
	}
	if err := c.pause(ctx, k.ID); err != nil {
		return nil, err
	}
	defer c.resume(k.ID)
	// The key cannot change while paused and refreshMu is held.
	if k, err = c.key(ctx, req.KeyID); err != nil {
		return nil, err
	}
	rec := &Refresh{KeyID: k.ID, Epoch: k.Epoch + 1, State: RefreshStarted, Pending: nodesOf(k.Parties)}
	// Durable before any node can store the new epoch.
	if err := c.setRecord(ctx, rec); err != nil {
		return nil, err
	}
	c.cfg.Log.Info("key refresh started", "key", k.ID, "epoch", k.Epoch, "new_epoch", rec.Epoch)
	sid, err := newSession()
	if err == nil {
		var pkg []byte
		pkg, err = c.runSession(ctx, sid, k.ID, "refresh", wire.StatusRefreshStored, c.cfg.AuxTimeout, k.Parties, func(sid [32]byte) *wire.Control {
			return &wire.Control{Kind: wire.ControlRefresh, Session: sid[:], KeyID: k.ID, Parties: k.Parties, Epoch: k.Epoch, PaillierBits: req.PaillierBits}
		})
		if err == nil && !bytes.Equal(pkg, k.PublicKey) {
			err = errors.New("coordinator: nodes report another public key after the refresh")
		}
	}
	// Not every holder stored the new epoch: nobody switches.
	if err != nil {
		rec.State = RefreshAborted
		bg := context.WithoutCancel(ctx)
		if serr := c.setRecord(bg, rec); serr != nil {
			return nil, errors.Join(err, serr)
		}
		done, _ := c.settle(bg, rec, rec.Pending, 4*c.cfg.RoundTimeout)
		c.cfg.Log.Warn("key refresh aborted; the old epoch stays active", "key", k.ID, "epoch", k.Epoch, "discarded_on", done, "err", err)
		return nil, fmt.Errorf("coordinator: refresh aborted, key %q stays at epoch %d: %w", k.ID, k.Epoch, err)
	}
	// Every holder stored it: commit. From here on the refresh is done
	// whatever happens to the nodes; those that miss the commit get it
	// when they reconnect.
	bg := context.WithoutCancel(ctx)
	if err := c.cfg.Store.CommitRefresh(bg, k.ID, rec.Epoch, rec.Pending); err != nil {
		return nil, err
	}
	nk := *k
	nk.Epoch = rec.Epoch
	c.keys.Store(k.ID, &nk)
	rec.State = RefreshCommitted
	c.trackRecord(rec)
	c.drainPresignatures(k.ID)
	c.cfg.Log.Info("key epoch committed", "key", k.ID, "epoch", rec.Epoch)
	done, err := c.settle(bg, rec, rec.Pending, 4*c.cfg.RoundTimeout)
	if err != nil {
		c.cfg.Log.Error("recording the nodes' epoch confirmations failed", "key", k.ID, "err", err)
	}
	pub, err := scheme.ParseECDSAPublic(k.PublicKey)
	if err != nil {
		return nil, err
	}
	resp := &wire.RefreshKeyResponse{KeyID: k.ID, OldEpoch: k.Epoch, NewEpoch: rec.Epoch, PublicKey: pub.Key[:], Committed: done}
	if r := c.record(k.ID); r != nil {
		resp.Pending = r.Pending
	}
	slices.Sort(resp.Committed)
	return resp, nil
}
