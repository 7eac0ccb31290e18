package coordinator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
)

// Proactive key refresh of ECDSA keys with a two-phase epoch switch, made
// atomic by the holders' signed votes.
//
//  1. The coordinator records the refresh (the attempt: its session id) as
//     started, pauses the key's ECDSA signing and presigning and waits for
//     the sessions in flight to end, then runs CGGMP21 key refresh among
//     every holder. Each node stores its new share sealed as the pending
//     epoch e+1 beside the active epoch e and reports it stored with its
//     signed "stored" vote on the attempt.
//  2. With a "stored" vote from every holder, the coordinator records the
//     key's new epoch (in one transaction with the refresh record), drops
//     the key's presignature pools (made under e, they can never sign
//     again) and sends each holder commit-epoch with the votes. Otherwise
//     it asks the holders for their votes (refresh-vote): a holder that
//     never stored the attempt votes "abort" and never stores it after;
//     one such vote aborts the attempt (abort-epoch carries it). While no
//     holder voted abort and some have not voted, the refresh is
//     undecided: holders keep both epochs and sign with the old one, and
//     the decision is taken when the missing holders reconnect. Holders
//     that did not confirm an outcome stay in the record and are told
//     again when they reconnect; until a holder confirmed a commit it
//     takes part in no signing of the key.
//
// Nodes check the votes themselves (internal/node/epochvote.go): this
// coordinator cannot commit some holders and abort others.
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
	c.gate.open[r.KeyID] = r.clone()
}

// record returns a copy of a key's unsettled refresh record, or nil.
func (c *Coordinator) record(keyID string) *Refresh {
	c.gate.mu.Lock()
	defer c.gate.mu.Unlock()
	r := c.gate.open[keyID]
	if r == nil {
		return nil
	}
	return r.clone()
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
// refresh the coordinator died in is undecided: it is decided by the
// holders' votes as they reconnect.
func (c *Coordinator) loadRefreshes(ctx context.Context) error {
	rs, err := c.cfg.Store.Refreshes(ctx)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.State == RefreshStarted {
			c.cfg.Log.Warn("a key refresh was interrupted by a coordinator restart; the holders' votes decide it as they reconnect", "key", r.KeyID, "epoch", r.Epoch)
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
	cer, want, err := c.sendEach(nodes, &wire.Control{Kind: kind, KeyID: r.KeyID, Epoch: r.Epoch, Refresh: r.Attempt, Votes: r.Votes})
	if err != nil {
		return nil, err
	}
	defer c.close(cer)
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

// sendEach sends ctl, under a new session, to each of nodes that is
// online, and returns the session (to close) and how many got it.
func (c *Coordinator) sendEach(nodes []string, ctl *wire.Control) (*ceremony, int, error) {
	sid, err := newSession()
	if err != nil {
		return nil, 0, err
	}
	parties := make([]wire.Party, len(nodes))
	for i, n := range nodes {
		parties[i] = wire.Party{ID: uint16(i + 1), Node: n}
	}
	cer := c.open(sid, parties)
	sent := 0
	for _, n := range nodes {
		cc := *ctl
		cc.Session = sid[:]
		if c.control(n, &cc) {
			sent++
		}
	}
	return cer, sent, nil
}

// settleNode tells a node that (re)connected the outcome of every refresh
// it has not confirmed, and asks for its vote on undecided ones.
func (c *Coordinator) settleNode(node string) {
	c.gate.mu.Lock()
	var todo, undecided []*Refresh
	for _, r := range c.gate.open {
		switch {
		case r.State == RefreshStarted:
			undecided = append(undecided, r.clone())
		case slices.Contains(r.Pending, node):
			todo = append(todo, r.clone())
		}
	}
	c.gate.mu.Unlock()
	for _, r := range undecided {
		// A refresh running now decides itself when it ends.
		if !c.refreshMu.TryLock() {
			continue
		}
		if r = c.record(r.KeyID); r != nil && r.State == RefreshStarted {
			ctx := context.Background()
			if err := c.pause(ctx, r.KeyID); err != nil {
				c.cfg.Log.Warn("deciding a key refresh: cannot pause the key", "key", r.KeyID, "err", err)
			} else {
				if _, err := c.decide(ctx, r); err != nil {
					c.cfg.Log.Warn("a key refresh is still undecided", "key", r.KeyID, "epoch", r.Epoch, "err", err)
				}
				c.resume(r.KeyID)
			}
		}
		c.refreshMu.Unlock()
	}
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

// validVote reports whether v is node's vote on r's attempt, signed by
// the node's identity. The nodes check votes themselves; the coordinator
// checks them so it never relays (or decides on) one that would not do.
func (c *Coordinator) validVote(r *Refresh, node string, v *wire.EpochVote) bool {
	if v == nil || v.Node != node || (v.Vote != wire.VoteStored && v.Vote != wire.VoteAbort) {
		return false
	}
	peer, ok := c.cfg.Roster[node]
	return ok && peer.Identity.VerifyStatement(wire.EpochVoteKind, wire.EpochVoteMessage(r.KeyID, r.Epoch, r.Attempt, v.Vote), v.Signature) == nil
}

// addVote adds a valid vote to a record (at most one per node).
func addVote(r *Refresh, v *wire.EpochVote) {
	if !slices.ContainsFunc(r.Votes, func(x wire.EpochVote) bool { return x.Node == v.Node }) {
		r.Votes = append(r.Votes, *v)
	}
}

// askVotes asks the online holders that have not voted on r's attempt for
// their votes and adds those that come back by timeout.
func (c *Coordinator) askVotes(ctx context.Context, r *Refresh, holders []string, timeout time.Duration) error {
	var ask []string
	online := c.Online()
	for _, h := range holders {
		if online[h] && !slices.ContainsFunc(r.Votes, func(v wire.EpochVote) bool { return v.Node == h }) {
			ask = append(ask, h)
		}
	}
	if len(ask) == 0 {
		return nil
	}
	cer, want, err := c.sendEach(ask, &wire.Control{Kind: wire.ControlRefreshVote, KeyID: r.KeyID, Epoch: r.Epoch, Refresh: r.Attempt})
	if err != nil {
		return err
	}
	defer c.close(cer)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for got := 0; got < want; {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return nil
		case ev := <-cer.in:
			st := ev.status
			switch {
			case st == nil:
			case st.Kind == wire.StatusEpochVote && st.KeyID == r.KeyID && st.Epoch == r.Epoch:
				got++
				if c.validVote(r, ev.node, st.Vote) {
					addVote(r, st.Vote)
				} else {
					c.cfg.Log.Error("a node sent an invalid refresh vote", "key", r.KeyID, "node", ev.node)
				}
			case st.Kind == wire.StatusRefused:
				got++
				c.cfg.Log.Error("a node refused to vote on a key refresh", "key", r.KeyID, "node", ev.node, "reason", st.Reason)
			}
		}
	}
	return nil
}

// ErrRefreshUndecided reports a refresh that some holders stored and no
// holder voted to abort, while others have not voted: it is decided when
// they reconnect.
var ErrRefreshUndecided = errors.New("coordinator: refresh undecided")

// decide settles an undecided (started) refresh by the holders' votes and
// returns the outcome: one "abort" vote aborts it, a "stored" vote from
// every holder commits it; otherwise it stays undecided
// (ErrRefreshUndecided). The caller holds refreshMu and has paused the
// key.
func (c *Coordinator) decide(ctx context.Context, r *Refresh) (string, error) {
	k, err := c.key(ctx, r.KeyID)
	if err != nil {
		return "", err
	}
	holders := nodesOf(k.Parties)
	bg := context.WithoutCancel(ctx)
	if err := c.askVotes(ctx, r, holders, 4*c.cfg.RoundTimeout); err != nil {
		return "", err
	}
	if i := slices.IndexFunc(r.Votes, func(v wire.EpochVote) bool { return v.Vote == wire.VoteAbort }); i >= 0 {
		r.State, r.Votes, r.Pending = RefreshAborted, []wire.EpochVote{r.Votes[i]}, holders
		if err := c.setRecord(bg, r); err != nil {
			return "", err
		}
		done, _ := c.settle(bg, r, r.Pending, 4*c.cfg.RoundTimeout)
		c.cfg.Log.Warn("key refresh aborted by a holder's vote; the old epoch stays active", "key", k.ID, "epoch", k.Epoch, "voter", r.Votes[0].Node, "discarded_on", done)
		return RefreshAborted, nil
	}
	if len(r.Votes) == len(holders) {
		return RefreshCommitted, c.commit(bg, k, r)
	}
	// Keep the votes so far (a restart keeps them too).
	if err := c.setRecord(bg, r); err != nil {
		return "", err
	}
	var missing []string
	for _, h := range holders {
		if !slices.ContainsFunc(r.Votes, func(v wire.EpochVote) bool { return v.Node == h }) {
			missing = append(missing, h)
		}
	}
	return "", fmt.Errorf("%w: no vote yet from %v (offline); the old epoch stays active, and the refresh is decided when they reconnect", ErrRefreshUndecided, missing)
}

// commit records a refresh with a "stored" vote from every holder as the
// key's new epoch and tells the holders. From here on the refresh is done
// whatever happens to the nodes; those that miss the commit get it when
// they reconnect.
func (c *Coordinator) commit(ctx context.Context, k *Key, r *Refresh) error {
	slices.SortFunc(r.Votes, func(a, b wire.EpochVote) int { return strings.Compare(a.Node, b.Node) })
	r.Pending = nodesOf(k.Parties)
	if err := c.setRecord(ctx, r); err != nil { // the votes, durable first
		return err
	}
	if err := c.cfg.Store.CommitRefresh(ctx, k.ID, r.Epoch, r.Pending); err != nil {
		return err
	}
	nk := *k
	nk.Epoch = r.Epoch
	c.keys.Store(k.ID, &nk)
	r.State = RefreshCommitted
	c.trackRecord(r)
	c.drainPresignatures(k.ID)
	c.cfg.Log.Info("key epoch committed", "key", k.ID, "epoch", r.Epoch)
	if _, err := c.settle(ctx, r, r.Pending, 4*c.cfg.RoundTimeout); err != nil {
		c.cfg.Log.Error("recording the nodes' epoch confirmations failed", "key", k.ID, "err", err)
	}
	return nil
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
	// A previous refresh must be decided and settled on every holder
	// first: a holder still on an old epoch could not take part.
	if r := c.record(k.ID); r != nil {
		if r.State == RefreshStarted {
			if err := c.pause(ctx, k.ID); err != nil {
				return nil, err
			}
			_, err := c.decide(ctx, r)
			c.resume(k.ID)
			if err != nil {
				return nil, fmt.Errorf("coordinator: the previous refresh of key %q: %w", k.ID, err)
			}
		} else if _, err := c.settle(ctx, r, r.Pending, 4*c.cfg.RoundTimeout); err != nil {
			return nil, err
		}
		if r := c.record(k.ID); r != nil {
			return nil, fmt.Errorf("coordinator: the refresh to epoch %d is not yet %s on %v", r.Epoch, r.State, r.Pending)
		}
		if k, err = c.key(ctx, req.KeyID); err != nil {
			return nil, err
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
	sid, err := newSession()
	if err != nil {
		return nil, err
	}
	rec := &Refresh{KeyID: k.ID, Epoch: k.Epoch + 1, State: RefreshStarted, Pending: nodesOf(k.Parties), Attempt: sid[:]}
	// Durable before any node can store the new epoch.
	if err := c.setRecord(ctx, rec); err != nil {
		return nil, err
	}
	c.cfg.Log.Info("key refresh started", "key", k.ID, "epoch", k.Epoch, "new_epoch", rec.Epoch)
	pkg, statuses, err := c.runSessionStatuses(ctx, sid, k.ID, "refresh", wire.StatusRefreshStored, c.cfg.AuxTimeout, k.Parties, func(sid [32]byte) *wire.Control {
		return &wire.Control{Kind: wire.ControlRefresh, Session: sid[:], KeyID: k.ID, Parties: k.Parties, Epoch: k.Epoch, PaillierBits: req.PaillierBits}
	})
	if err == nil && !bytes.Equal(pkg, k.PublicKey) {
		err = errors.New("coordinator: nodes report another public key after the refresh")
	}
	for node, st := range statuses {
		if c.validVote(rec, node, st.Vote) && st.Vote.Vote == wire.VoteStored {
			addVote(rec, st.Vote)
		}
	}
	bg := context.WithoutCancel(ctx)
	if err == nil && len(rec.Votes) == len(k.Parties) {
		err = c.commit(bg, k, rec)
	} else {
		// Not every holder stored the new epoch, or we cannot show it:
		// the holders' votes decide.
		outcome, derr := c.decide(bg, rec)
		if derr != nil {
			return nil, errors.Join(err, derr)
		}
		if outcome != RefreshCommitted {
			return nil, fmt.Errorf("coordinator: refresh aborted, key %q stays at epoch %d: %w", k.ID, k.Epoch, err)
		}
		c.cfg.Log.Info("the refresh failed to report but every holder voted stored: committed", "key", k.ID, "epoch", rec.Epoch, "err", err)
		err = nil
	}
	if err != nil {
		return nil, err
	}
	pub, err := scheme.ParseECDSAPublic(k.PublicKey)
	if err != nil {
		return nil, err
	}
	resp := &wire.RefreshKeyResponse{KeyID: k.ID, OldEpoch: k.Epoch, NewEpoch: rec.Epoch, PublicKey: pub.Key[:]}
	if r := c.record(k.ID); r != nil {
		resp.Pending = r.Pending
	}
	for _, n := range nodesOf(k.Parties) {
		if !slices.Contains(resp.Pending, n) {
			resp.Committed = append(resp.Committed, n)
		}
	}
	slices.Sort(resp.Committed)
	return resp, nil
}
