package keygen

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/vss"
	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

func session(t testing.TB) round.SessionID {
	var sid round.SessionID
	rand.Read(sid[:])
	return sid
}

func parties(t testing.TB, sid round.SessionID, threshold, n int) map[round.PartyID]*sim.Party {
	return partiesWith(t, sid, threshold, n, nil)
}

// partiesWith builds a session in which the parties in bad tamper with
// what they send, at the source (sim.Malicious).
func partiesWith(t testing.TB, sid round.SessionID, threshold, n int, bad map[round.PartyID]func(uint16, []round.Message)) map[round.PartyID]*sim.Party {
	t.Helper()
	ids := make(round.Parties, n)
	for i := range ids {
		ids[i] = round.PartyID(i + 1)
	}
	out := map[round.PartyID]*sim.Party{}
	for _, id := range ids {
		cfg := round.Config{Session: sid, Protocol: Protocol, Self: id, Parties: ids}
		first, msgs, err := Start(group.Secp256k1, cfg, threshold, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if f := bad[id]; f != nil {
			first, msgs = sim.Malicious(first, msgs, f)
		}
		m, initial, err := round.NewMachine(cfg, first, msgs)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = &sim.Party{Machine: m, Initial: initial}
	}
	return out
}

func TestKeygenProducesAConsistentThresholdKey(t *testing.T) {
	g := group.Secp256k1
	for _, tn := range [][2]int{{2, 3}, {3, 5}, {5, 9}} {
		th, n := tn[0], tn[1]
		t.Run(fmt.Sprintf("%d-of-%d", th, n), func(t *testing.T) {
			net := &sim.Network{Reorder: true, Seed: uint64(n)}
			res := net.Run(parties(t, session(t), th, n))
			var first *Result
			for id, o := range res {
				if o.Err != nil {
					t.Fatalf("party %d: %v", id, o.Err)
				}
				r := o.Result.(*Result)
				if first == nil {
					first = r
				}
				if !r.PublicKey.Equal(first.PublicKey) || r.RID != first.RID {
					t.Fatal("parties disagree on the public key or rid")
				}
				if !g.NewElement().ScalarBaseMult(r.Secret).Equal(first.Shares[id]) {
					t.Fatalf("party %d's share does not match its public share", id)
				}
			}
			// Any threshold of shares interpolates to the key (tests only:
			// the platform never assembles it).
			xs := make([]uint64, th)
			for i := range xs {
				xs[i] = uint64(i + 1)
			}
			secret := g.NewScalar()
			for _, x := range xs {
				l, _ := vss.Lagrange(g, xs, x)
				secret.Add(secret, l.Mul(l, res[round.PartyID(x)].Result.(*Result).Secret))
			}
			if !g.NewElement().ScalarBaseMult(secret).Equal(first.PublicKey) {
				t.Fatal("shares do not interpolate to the public key")
			}
			// The key is a valid secp256k1 public key for btcec.
			if _, err := btcec.ParsePubKey(first.PublicKey.Bytes()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func expectAbort(t *testing.T, want []round.PartyID, cause string, bad map[round.PartyID]func(uint16, []round.Message), faults ...sim.Fault) {
	t.Helper()
	net := &sim.Network{Faults: faults}
	res := net.Run(partiesWith(t, session(t), 3, 5, bad))
	aborted := 0
	for id, o := range res {
		// The culprit's own software may finish (it does not check its own
		// proof); no honest party may.
		if o.Result != nil && !slices.Contains(want, id) {
			t.Errorf("honest party %d produced a key share despite the fault", id)
		}
		var ae *round.AbortError
		if slices.Contains(want, id) || !errors.As(o.Err, &ae) {
			continue
		}
		aborted++
		if !slices.Equal(ae.Culprits, want) {
			t.Errorf("party %d blames %v, want %v (%v)", id, ae.Culprits, want, o.Err)
		}
		if !strings.Contains(o.Err.Error(), cause) {
			t.Errorf("party %d aborted for %q, want a reason containing %q", id, o.Err, cause)
		}
	}
	if aborted == 0 {
		t.Fatal("no honest party aborted")
	}
}

// lying makes party j rewrite its own broadcast of round rnd with f.
func lying(j round.PartyID, rnd uint16, f func([]byte) []byte) map[round.PartyID]func(uint16, []round.Message) {
	return map[round.PartyID]func(uint16, []round.Message){j: func(r uint16, out []round.Message) {
		for i := range out {
			if r == rnd && out[i].To == 0 {
				out[i].Payload = f(slices.Clone(out[i].Payload))
			}
		}
	}}
}

func TestKeygenAbortsNamingTheCulprit(t *testing.T) {
	g := group.Secp256k1
	t.Run("a share that does not match the dealer's commitment", func(t *testing.T) {
		expectAbort(t, []round.PartyID{2}, "share does not match", nil, sim.Corrupt(sim.Match{From: 2, To: 4, Round: 2, Kind: round.KindRound}, func(p []byte) []byte {
			if len(p) == 32 {
				x, _ := g.RandomScalar(rand.Reader)
				return x.Bytes()
			}
			return p
		}))
	})
	t.Run("a decommitment that does not open the commitment", func(t *testing.T) {
		expectAbort(t, []round.PartyID{3}, "does not open", lying(3, 2, func(p []byte) []byte {
			p[5] ^= 1 // inside rid
			return p
		}))
	})
	t.Run("a commitment vector of the wrong length", func(t *testing.T) {
		expectAbort(t, []round.PartyID{5}, "commitments, want", lying(5, 2, func(p []byte) []byte {
			p[1+32+1] = 2
			return p
		}))
	})
	t.Run("an invalid proof of knowledge", func(t *testing.T) {
		expectAbort(t, []round.PartyID{1}, "invalid proof of knowledge", lying(1, 3, func(p []byte) []byte {
			p[len(p)-1] ^= 1
			return p
		}))
	})
	t.Run("a proof replayed from another session", func(t *testing.T) {
		old := &sim.Network{}
		old.Run(parties(t, session(t), 3, 5))
		var replay []byte
		for _, m := range old.Log {
			if m.From == 4 && m.Round == 3 && m.Kind == round.KindRound {
				replay = m.Payload
			}
		}
		expectAbort(t, []round.PartyID{4}, "invalid proof of knowledge", lying(4, 3, func([]byte) []byte {
			return slices.Clone(replay)
		}))
	})
	t.Run("an equivocated commitment", func(t *testing.T) {
		expectAbort(t, []round.PartyID{2}, "equivocation", nil, sim.Equivocate(2, 1, 5, func(p []byte) []byte {
			p[0] ^= 1
			return p
		}))
	})
}

func TestKeygenRejectsBadParameters(t *testing.T) {
	cfg := round.Config{Session: session(t), Protocol: Protocol, Self: 1, Parties: round.Parties{1, 2, 3}}
	for _, th := range []int{0, 4} {
		if _, _, err := Start(group.Secp256k1, cfg, th, rand.Reader); err == nil {
			t.Fatalf("threshold %d accepted", th)
		}
	}
	cfg.Protocol = "other"
	if _, _, err := Start(group.Secp256k1, cfg, 2, rand.Reader); err == nil {
		t.Fatal("wrong protocol accepted")
	}
}

func FuzzParseDecommit(f *testing.F) {
	g := group.Secp256k1
	res := parties(f, session(f), 2, 2)
	for _, p := range res {
		for _, m := range p.Initial {
			f.Add(m.Payload)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parseDecommit(g, 2, b)
		if err == nil && string(d.marshal()) != string(b) {
			t.Fatal("re-encoding differs")
		}
	})
}
