package node

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/cggmp/share/sharetest"
)

// voteHarness is node-1 holding epoch 0 of an ECDSA key "k" and, as phase
// one of a refresh leaves it, epoch 1 pending from attempt a with its
// "stored" vote recorded.
type voteHarness struct {
	t    *testing.T
	n    *Node
	sign func(node string, attempt []byte, vote string) wire.EpochVote
	a    []byte
}

func newVoteHarness(t *testing.T) *voteHarness {
	n, ids := testNodeIDs(t)
	ctx := context.Background()
	keys := sharetest.Deal(t, 2, 3)
	nodes := map[uint16]string{1: "node-1", 2: "node-2", 3: "node-3"}
	if err := n.storeShare(ctx, "k", &storedShare{scheme: scheme.ECDSA, ecdsa: keys[1], nodes: nodes}); err != nil {
		t.Fatal(err)
	}
	next, err := share.Parse(keys[1].Marshal())
	if err != nil {
		t.Fatal(err)
	}
	next.Epoch = 1
	a := make([]byte, 32)
	rand.Read(a)
	if err := n.putPendingShare(ctx, "k", 1, &storedShare{scheme: scheme.ECDSA, ecdsa: next, nodes: nodes}); err != nil {
		t.Fatal(err)
	}
	if err := n.recordVote(ctx, "k", 1, a, recStored); err != nil {
		t.Fatal(err)
	}
	return &voteHarness{t: t, n: n, a: a, sign: func(node string, attempt []byte, vote string) wire.EpochVote {
		msg := wire.EpochVoteMessage("k", 1, attempt, vote)
		return wire.EpochVote{Node: node, Vote: vote, Signature: ids[node].SignStatement(wire.EpochVoteKind, msg)}
	}}
}

// control sends one control and returns the node's answer.
func (h *voteHarness) control(c *wire.Control) *wire.Status {
	h.t.Helper()
	c.Session = make([]byte, 32)
	c.KeyID = "k"
	fr, err := wire.EncodeControl(c)
	if err != nil {
		h.t.Fatal(err)
	}
	var out *wire.Status
	send := func(b []byte) error {
		f, err := wire.ParseFrame(b)
		if err != nil || f.Type != wire.FrameStatus {
			h.t.Fatalf("node sent %v %v", f, err)
		}
		out = new(wire.Status)
		return wire.DecodeJSON(f.Body, out)
	}
	if err := h.n.HandleFrame(context.Background(), fr, send); err != nil {
		h.t.Fatal(err)
	}
	if out == nil {
		h.t.Fatal("no answer")
	}
	return out
}

func (h *voteHarness) epoch1() keystore.ShareStatus {
	h.t.Helper()
	info, sec, err := h.n.cfg.Store.Share(context.Background(), "k", 1)
	if err != nil {
		return "absent"
	}
	sec.Destroy()
	return info.Status
}

func TestNodeVotesOneWayAndSwitchesOnlyOnVotes(t *testing.T) {
	h := newVoteHarness(t)
	// Its vote on the attempt it stored is "stored", signed.
	st := h.control(&wire.Control{Kind: wire.ControlRefreshVote, Epoch: 1, Refresh: h.a})
	if st.Kind != wire.StatusEpochVote || st.Vote == nil || st.Vote.Vote != wire.VoteStored ||
		h.n.cfg.Identity.Public().VerifyStatement(wire.EpochVoteKind, wire.EpochVoteMessage("k", 1, h.a, wire.VoteStored), st.Vote.Signature) != nil {
		t.Fatalf("vote on the stored attempt: %+v", st)
	}
	mine := *st.Vote
	// Another attempt it never stored: "abort", and the pending share of
	// the stored attempt stays.
	b := make([]byte, 32)
	rand.Read(b)
	if st := h.control(&wire.Control{Kind: wire.ControlRefreshVote, Epoch: 1, Refresh: b}); st.Vote == nil || st.Vote.Vote != wire.VoteAbort {
		t.Fatalf("vote on an unknown attempt: %+v", st)
	}
	if s := h.epoch1(); s != keystore.StatusPending {
		t.Fatalf("epoch 1 is %s after an abort vote on another attempt", s)
	}
	// No new vote on an epoch other than the next.
	if st := h.control(&wire.Control{Kind: wire.ControlRefreshVote, Epoch: 5, Refresh: b}); st.Kind != wire.StatusRefused {
		t.Fatalf("vote on epoch 5: %+v", st)
	}
	// Lies are refused and change nothing.
	for name, c := range map[string]*wire.Control{
		"commit missing node-3's vote": {Kind: wire.ControlCommitEpoch, Epoch: 1, Refresh: h.a,
			Votes: []wire.EpochVote{mine, h.sign("node-2", h.a, wire.VoteStored)}},
		"commit with node-3's vote on another attempt": {Kind: wire.ControlCommitEpoch, Epoch: 1, Refresh: h.a,
			Votes: []wire.EpochVote{mine, h.sign("node-2", h.a, wire.VoteStored), h.sign("node-3", b, wire.VoteStored)}},
		"commit with a vote relabelled": {Kind: wire.ControlCommitEpoch, Epoch: 1, Refresh: h.a,
			Votes: []wire.EpochVote{mine, h.sign("node-2", h.a, wire.VoteStored), func() wire.EpochVote {
				v := h.sign("node-2", h.a, wire.VoteStored)
				v.Node = "node-3"
				return v
			}()}},
		"abort from a stored vote relabelled": {Kind: wire.ControlAbortEpoch, Epoch: 1, Refresh: h.a,
			Votes: []wire.EpochVote{func() wire.EpochVote { v := h.sign("node-2", h.a, wire.VoteStored); v.Vote = wire.VoteAbort; return v }()}},
		"abort with no vote": {Kind: wire.ControlAbortEpoch, Epoch: 1, Refresh: h.a},
	} {
		if st := h.control(c); st.Kind != wire.StatusRefused {
			t.Fatalf("%s: %+v", name, st)
		}
		if s := h.epoch1(); s != keystore.StatusPending {
			t.Fatalf("%s: epoch 1 is %s", name, s)
		}
	}
	// Every holder's stored vote commits.
	st = h.control(&wire.Control{Kind: wire.ControlCommitEpoch, Epoch: 1, Refresh: h.a,
		Votes: []wire.EpochVote{mine, h.sign("node-2", h.a, wire.VoteStored), h.sign("node-3", h.a, wire.VoteStored)}})
	if st.Kind != wire.StatusEpochSettled || h.epoch1() != keystore.StatusActive {
		t.Fatalf("commit with every vote: %+v, epoch 1 %s", st, h.epoch1())
	}
}

func TestNodeDiscardsOnAnAbortVote(t *testing.T) {
	h := newVoteHarness(t)
	st := h.control(&wire.Control{Kind: wire.ControlAbortEpoch, Epoch: 1, Refresh: h.a,
		Votes: []wire.EpochVote{h.sign("node-3", h.a, wire.VoteAbort)}})
	if st.Kind != wire.StatusEpochSettled || h.epoch1() != "absent" {
		t.Fatalf("abort with node-3's vote: %+v, epoch 1 %s", st, h.epoch1())
	}
	// It still says "stored" of that attempt: it did store it.
	if st := h.control(&wire.Control{Kind: wire.ControlRefreshVote, Epoch: 1, Refresh: h.a}); st.Vote == nil || st.Vote.Vote != wire.VoteStored {
		t.Fatalf("vote after the abort: %+v", st)
	}
}
