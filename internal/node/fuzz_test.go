package node

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/custos-mpc/custos/internal/envelope"
	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/roster"
	"github.com/custos-mpc/custos/internal/sealer"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/frost"
)

func testNode(t testing.TB) *Node {
	t.Helper()
	n, _ := testNodeIDs(t)
	return n
}

// memoryStore is an empty memory keystore.
func memoryStore(t testing.TB) keystore.Store {
	t.Helper()
	pass, _ := sealer.NewPassphrase([]byte("test"))
	s, err := sealer.NewPassphraseSealer(pass, sealer.TestArgon2)
	if err != nil {
		t.Fatal(err)
	}
	st, err := keystore.NewMemory(s)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// testNodeIDs returns node-1 of a three-node roster and every node's
// identity.
func testNodeIDs(t testing.TB) (*Node, map[string]*envelope.Identity) {
	t.Helper()
	st := memoryStore(t)
	var entries []roster.Entry
	var self *envelope.Identity
	ids := map[string]*envelope.Identity{}
	for _, name := range []string{"node-1", "node-2", "node-3"} {
		id, _ := envelope.NewIdentity(rand.Reader)
		ids[name] = id
		if self == nil {
			self = id
		}
		entries = append(entries, roster.Entry{ID: name, Operator: "op-" + name, TrustDomain: "dc-" + name, Identity: hex.EncodeToString(id.Public().Marshal())})
	}
	r, err := roster.New(entries)
	if err != nil {
		t.Fatal(err)
	}
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	n, err := New(Config{ID: "node-1", Store: st, Identity: self, Roster: r, AuthKeys: []ed25519.PublicKey{pub}})
	if err != nil {
		t.Fatal(err)
	}
	return n, ids
}

// FuzzHandleFrame: no frame from the coordinator, however malformed, panics
// a node; what the node sends back is always a well-formed frame.
func FuzzHandleFrame(f *testing.F) {
	n := testNode(f)
	sid := make([]byte, 32)
	for _, c := range []*wire.Control{
		{Kind: wire.ControlKeygen, Session: sid, KeyID: "k", Scheme: "frost-ed25519", Threshold: 2,
			Parties: []wire.Party{{ID: 1, Node: "node-1"}, {ID: 2, Node: "node-2"}, {ID: 3, Node: "node-3"}}},
		{Kind: wire.ControlSignCommit, Session: sid, KeyID: "k", Bundle: []byte("CSBN"), Message: []byte("m")},
		{Kind: wire.ControlSignPackage, Session: sid, KeyID: "k", Package: []byte{1, 1}},
		{Kind: wire.ControlSignOneRound, Session: sid, KeyID: "k", Bundle: []byte("CSBN"), Message: []byte("m"),
			Package: []byte{1, 1}, NonceID: "00112233445566778899aabbccddeeff",
			Parties: []wire.Party{{ID: 1, Node: "node-1"}, {ID: 2, Node: "node-2"}}},
		{Kind: wire.ControlPreprocess, Session: sid, KeyID: "k", Count: 4},
		{Kind: wire.ControlPresign, Session: sid, KeyID: "k", Path: []uint32{0, 1}, Epoch: 1,
			Parties: []wire.Party{{ID: 1, Node: "node-1"}, {ID: 2, Node: "node-2"}}},
		{Kind: wire.ControlCommitEpoch, Session: sid, KeyID: "k", Epoch: 1, Refresh: sid,
			Votes: []wire.EpochVote{{Node: "node-2", Vote: wire.VoteStored, Signature: make([]byte, 64)}}},
		{Kind: wire.ControlCancel, Session: sid},
	} {
		b, err := wire.EncodeControl(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// A JSON control (the encoding before version 1) is dropped.
	legacy, _ := wire.EncodeJSON(wire.FrameControl, map[string]any{"kind": wire.ControlCancel, "session": sid})
	f.Add(legacy)
	f.Add(append([]byte{1, wire.FrameEnvelope, 1}, make([]byte, 40)...))
	f.Fuzz(func(t *testing.T, raw []byte) {
		send := func(fr []byte) error {
			if _, err := wire.ParseFrame(fr); err != nil {
				t.Fatalf("node sent a malformed frame: %v", err)
			}
			return nil
		}
		if err := n.HandleFrame(context.Background(), raw, send); err != nil {
			t.Fatalf("HandleFrame returned a transport error for peer input: %v", err)
		}
	})
}

func FuzzParsePreprocessed(f *testing.F) {
	g := frost.Ed25519.Group
	x, _ := g.RandomScalar(rand.Reader)
	y, _ := g.RandomScalar(rand.Reader)
	cm := frost.Commitment{ID: 2, Hiding: g.NewElement().ScalarBaseMult(x), Binding: g.NewElement().ScalarBaseMult(y)}
	seed, err := MarshalPreprocessed(frost.Ed25519, []PreprocessedCommitment{{NonceID: "00112233445566778899aabbccddeeff", Commitment: cm}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, err := ParsePreprocessed(frost.Ed25519, 2, b)
		if err != nil {
			return
		}
		out, err := MarshalPreprocessed(frost.Ed25519, cs)
		if err != nil || string(out) != string(b) {
			t.Fatalf("re-encoding differs: %v", err)
		}
	})
}
