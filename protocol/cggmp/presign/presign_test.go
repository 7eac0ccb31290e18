package presign_test

import (
	"crypto/rand"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/protocol/cggmp/presign"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/cggmp/share/sharetest"
	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

func sid() round.SessionID {
	var s round.SessionID
	rand.Read(s[:])
	return s
}

// run presigns with signers and returns every outcome.
func run(t testing.TB, keys map[round.PartyID]*share.Key, signers round.Parties, opts presign.Options, net *sim.Network) map[round.PartyID]sim.Outcome {
	t.Helper()
	each := map[round.PartyID]presign.Options{}
	for _, id := range signers {
		each[id] = opts
	}
	return runEach(t, keys, signers, each, net)
}

// runEach presigns with per-party options.
func runEach(t testing.TB, keys map[round.PartyID]*share.Key, signers round.Parties, opts map[round.PartyID]presign.Options, net ...*sim.Network) map[round.PartyID]sim.Outcome {
	t.Helper()
	s := sid()
	parties := map[round.PartyID]*sim.Party{}
	for _, id := range signers {
		cfg := round.Config{Session: s, Protocol: presign.Protocol, Self: id, Parties: signers}
		first, msgs, err := presign.Start(cfg, keys[id], opts[id], rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		m, initial, err := round.NewMachine(cfg, first, msgs)
		if err != nil {
			t.Fatal(err)
		}
		parties[id] = &sim.Party{Machine: m, Initial: initial}
	}
	n := &sim.Network{}
	if len(net) > 0 && net[0] != nil {
		n = net[0]
	}
	return n.Run(parties)
}

func TestPresign(t *testing.T) {
	keys := sharetest.Deal(t, 3, 5)
	signers := round.Parties{1, 3, 4}
	out := run(t, keys, signers, presign.Options{}, nil)
	g := group.Secp256k1
	k := g.NewScalar()
	chi := g.NewScalar()
	var R group.Element
	for _, id := range signers {
		o := out[id]
		if o.Err != nil {
			t.Fatalf("party %d: %v", id, o.Err)
		}
		p := o.Result.(*presign.Presignature)
		if R == nil {
			R = p.R
		} else if !R.Equal(p.R) {
			t.Fatal("parties disagree on R")
		}
		k.Add(k, p.KShare)
		chi.Add(chi, p.Chi)
		q, err := presign.Parse(p.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		if string(q.Marshal()) != string(p.Marshal()) {
			t.Fatal("presignature encoding does not round-trip")
		}
	}
	// R = k⁻¹·G and χ = k·x.
	if !g.NewElement().ScalarMult(k, R).Equal(g.Generator()) {
		t.Fatal("R ≠ k⁻¹·G")
	}
	if !g.NewElement().ScalarMult(k, keys[1].PublicKey).Equal(g.NewElement().ScalarBaseMult(chi)) {
		t.Fatal("χ ≠ k·x")
	}
}
