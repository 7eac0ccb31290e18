package refresh

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	btcecdsa "github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/crypto/zk/prm"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/auxcore"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/cggmp/share/sharetest"
	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

// combine returns Σ_{j∈quorum} λ_j·x_j (tests only: the platform never
// assembles a key).
func combine(t *testing.T, keys map[round.PartyID]*share.Key, quorum round.Parties) group.Scalar {
	t.Helper()
	ls, err := keys[quorum[0]].Lagrange(quorum)
	if err != nil {
		t.Fatal(err)
	}
	x := g.NewScalar()
	for _, j := range quorum {
		x.Add(x, g.NewScalar().Mul(ls[j], keys[j].Secret))
	}
	return x
}

func TestRefreshKeepsTheKeyAndChangesEveryShare(t *testing.T) {
	for _, tn := range [][2]int{{2, 3}, {3, 5}} {
		th, n := tn[0], tn[1]
		t.Run(fmt.Sprintf("%d-of-%d", th, n), func(t *testing.T) {
			old := sharetest.Deal(t, th, n)
			sid := session(t)
			ps := map[round.PartyID]*sim.Party{}
			for id, key := range old {
				// Through Start with a warm pool holding the party's pair.
				pool := paillier.NewPool(1024, nil, 1)
				p, q := testprimes.Pair(sharetest.MaxParties - int(id))
				if err := pool.Put(p, q); err != nil {
					t.Fatal(err)
				}
				cfg := round.Config{Session: sid, Protocol: Protocol, Self: id, Parties: key.Parties}
				first, msgs, err := Start(context.Background(), cfg, key, Options{Bits: 2048, Pool: pool}, rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				m, initial, err := round.NewMachine(cfg, first, msgs)
				if err != nil {
					t.Fatal(err)
				}
				ps[id] = &sim.Party{Machine: m, Initial: initial}
			}
			net := &sim.Network{Reorder: true, Seed: uint64(n)}
			res := net.Run(ps)
			fresh := map[round.PartyID]*share.Key{}
			for _, id := range sharetest.IDs(n) {
				o := res[id]
				if o.Err != nil {
					t.Fatalf("party %d: %v", id, o.Err)
				}
				fresh[id] = o.Result.(*share.Key)
			}
			ref := fresh[1]
			for _, id := range sharetest.IDs(n) {
				k, o := fresh[id], old[id]
				if k.ID != id || !k.PublicKey.Equal(o.PublicKey) || k.Threshold != th ||
					!slices.Equal(k.Parties, o.Parties) || k.ChainCode != o.ChainCode {
					t.Fatalf("party %d: the key's identity changed", id)
				}
				if k.Epoch != o.Epoch+1 {
					t.Fatalf("party %d: epoch %d after %d", id, k.Epoch, o.Epoch)
				}
				if k.Secret.Equal(o.Secret) {
					t.Fatalf("party %d: the secret share did not change", id)
				}
				if err := k.Validate(); err != nil {
					t.Fatalf("party %d: %v", id, err)
				}
				for _, j := range k.Parties {
					if k.Shares[j].Equal(o.Shares[j]) {
						t.Fatalf("party %d: party %d's public share did not change", id, j)
					}
					if !k.Shares[j].Equal(ref.Shares[j]) {
						t.Fatalf("parties %d and 1 disagree on party %d's new share", id, j)
					}
					a, b := k.Aux[j], ref.Aux[j]
					if !a.Paillier.Equal(b.Paillier) || !a.Pedersen.Equal(b.Pedersen) {
						t.Fatalf("parties %d and 1 disagree on party %d's auxiliary information", id, j)
					}
					if a.Paillier.Equal(o.Aux[j].Paillier) || a.Paillier.BitLen() != 2048 {
						t.Fatalf("party %d: party %d's Paillier key was not replaced by a 2048-bit one", id, j)
					}
				}
				if !k.Paillier.PublicKey().Equal(k.Aux[id].Paillier) || k.Paillier.PublicKey().Equal(o.Paillier.PublicKey()) {
					t.Fatalf("party %d: own Paillier key wrong or unchanged", id)
				}
				// The refreshed key survives storage.
				back, err := share.Parse(k.Marshal())
				if err != nil || !back.Secret.Equal(k.Secret) || back.Epoch != k.Epoch {
					t.Fatalf("party %d: stored key does not parse back: %v", id, err)
				}
			}
			// Every quorum of new shares gives the old key...
			all := sharetest.IDs(n)
			for _, quorum := range []round.Parties{all[:th], all[n-th:]} {
				x := combine(t, fresh, quorum)
				if !g.NewElement().ScalarBaseMult(x).Equal(ref.PublicKey) {
					t.Fatalf("quorum %v: Σ λ_j·x_j'·G ≠ X", quorum)
				}
				// ...and signs for it: an ECDSA signature with the combined
				// key verifies under the old public key with btcec.
				priv, _ := btcec.PrivKeyFromBytes(x.Bytes())
				digest := sha256.Sum256([]byte("custos refresh test"))
				sig := btcecdsa.Sign(priv, digest[:])
				pub, err := btcec.ParsePubKey(old[1].PublicKey.Bytes())
				if err != nil || !sig.Verify(digest[:], pub) {
					t.Fatalf("quorum %v: signature with the refreshed shares does not verify under the old key", quorum)
				}
			}
			// ...while old and new shares do not mix.
			mixed := map[round.PartyID]*share.Key{1: old[1]}
			for _, j := range all[1:th] {
				mixed[j] = fresh[j]
			}
			if g.NewElement().ScalarBaseMult(combine(t, mixed, all[:th])).Equal(ref.PublicKey) {
				t.Fatal("an old share combines with new ones")
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
				if s := fmt.Sprintf(verb, ref); !strings.Contains(s, "<redacted>") || strings.Contains(s, fmt.Sprintf("%x", ref.Secret.Bytes())) {
					t.Fatalf("%s prints %q", verb, s)
				}
			}
			t.Logf("%d payload bytes sent by party 1", net.BytesSent[1])
		})
	}
}

// expectAbort runs the session and checks that every honest party that
// aborted blames exactly want, for cause, with evidence, that at least
// one did, and that no honest party output a key.
func expectAbort(t *testing.T, want []round.PartyID, cause string, ps map[round.PartyID]*sim.Party, net *sim.Network) {
	t.Helper()
	res := net.Run(ps)
	aborted := 0
	for id, o := range res {
		if slices.Contains(want, id) {
			continue
		}
		if o.Result != nil {
			t.Errorf("honest party %d output a refreshed key despite the fault", id)
		}
		var ae *round.AbortError
		if !errors.As(o.Err, &ae) {
			if !errors.Is(o.Err, sim.ErrStalled) {
				t.Errorf("honest party %d ended with %v", id, o.Err)
			}
			continue
		}
		aborted++
		if !strings.Contains(ae.Err.Error(), cause) {
			t.Errorf("party %d aborts for another cause: %v, want %q", id, ae.Err, cause)
		}
		if !slices.Equal(ae.Culprits, want) || len(ae.Evidence) == 0 {
			t.Errorf("party %d blames %v with %d bytes of evidence, want %v (%v)", id, ae.Culprits, len(ae.Evidence), want, o.Err)
		}
	}
	if aborted == 0 {
		t.Fatal("no honest party aborted")
	}
}

// sends makes a tamper that rewrites party messages of round rnd matched
// by sel.
func sends(rnd uint16, sel func(round.Message) bool, f func(round.Message) []byte) func(uint16, []round.Message) {
	return func(r uint16, out []round.Message) {
		for i := range out {
			if r == rnd && sel(out[i]) {
				out[i].Payload = f(out[i])
			}
		}
	}
}

func broadcast(m round.Message) bool { return m.IsBroadcast() }
func p2p(m round.Message) bool       { return !m.IsBroadcast() }

func TestRefreshAbortsNamingTheCulprit(t *testing.T) {
	keys := sharetest.Deal(t, 2, 3)
	run := func(t *testing.T, want round.PartyID, cause string, adv map[round.PartyID]adversary, faults ...sim.Fault) {
		t.Helper()
		expectAbort(t, []round.PartyID{want}, cause, parties(t, session(t), keys, adv), &sim.Network{Faults: faults})
	}
	t.Run("a share that fails the Feldman check names its dealer", func(t *testing.T) {
		run(t, 2, "share does not match", map[round.PartyID]adversary{2: {tamper: sends(2,
			func(m round.Message) bool { return m.To == 3 },
			func(round.Message) []byte { s, _ := g.RandomScalar(rand.Reader); return s.Bytes() })}})
	})
	t.Run("a dealer whose shares carry a nonzero constant (a changed key) is named by every recipient", func(t *testing.T) {
		delta, _ := g.RandomScalar(rand.Reader)
		run(t, 1, "share does not match", map[round.PartyID]adversary{1: {tamper: sends(2, p2p, func(m round.Message) []byte {
			s, err := g.ParseScalar(m.Payload)
			if err != nil {
				t.Fatal(err)
			}
			return s.Add(s, delta).Bytes() // f(j) + δ: a polynomial with f(0) = δ
		})}})
	})
	t.Run("a commitment vector with a constant term is rejected", func(t *testing.T) {
		run(t, 3, "commitments, want 1", map[round.PartyID]adversary{3: {beforeCommit: func(r *round1) {
			delta, _ := g.RandomScalar(rand.Reader)
			r.dec.F = append([]group.Element{g.NewElement().ScalarBaseMult(delta)}, r.dec.F...)
		}}})
	})
	t.Run("an invalid proof of knowledge of a coefficient is blamed", func(t *testing.T) {
		run(t, 1, "invalid proof of knowledge of coefficient 1", map[round.PartyID]adversary{1: {tamper: sends(3, broadcast, func(m round.Message) []byte {
			p := slices.Clone(m.Payload)
			p[len(p)-1] ^= 1 // z of the last Π^sch
			return p
		})}})
	})
	t.Run("a Paillier modulus with a small factor is blamed on its owner", func(t *testing.T) {
		x := new(big.Int).Lsh(big.NewInt(1), 2046)
		x.Add(x, big.NewInt(1))
		n := new(big.Int).Mul(x, big.NewInt(3)) // 2048 bits, divisible by 3
		run(t, 2, "small prime factor", map[round.PartyID]adversary{2: {beforeCommit: func(r *round1) {
			r.dec.params = paramsBytes(n, big.NewInt(4), big.NewInt(16))
		}}})
	})
	t.Run("a party that keeps its previous Paillier modulus is blamed", func(t *testing.T) {
		// Party 3 reveals its old parameters with a valid Π^prm for them.
		old := keys[3]
		run(t, 3, "reuses its previous Paillier modulus", map[round.PartyID]adversary{3: {beforeCommit: func(r *round1) {
			rp := old.Aux[3].Pedersen
			pf, err := prm.Prove(rand.Reader, rp, old.Pedersen, auxcore.PrmContext(r.session, 3))
			if err != nil {
				t.Fatal(err)
			}
			r.dec.params, r.dec.prm = rp.Marshal(), pf.Marshal()
		}}})
	})
	t.Run("an equivocated commitment is blamed on its sender", func(t *testing.T) {
		run(t, 2, "equivocation", nil, sim.Equivocate(2, 1, 3, func(p []byte) []byte {
			p[0] ^= 1
			return p
		}))
	})
	t.Run("a party refreshing another state of the key is named in round 1", func(t *testing.T) {
		other := *keys[3]
		other.Epoch = 7
		ks := map[round.PartyID]*share.Key{1: keys[1], 2: keys[2], 3: &other}
		expectAbort(t, []round.PartyID{3}, "refreshes another key state", parties(t, session(t), ks, nil), &sim.Network{})
	})
	t.Run("a confirmation of another view is blamed", func(t *testing.T) {
		run(t, 1, "confirmation of another view", map[round.PartyID]adversary{1: {tamper: sends(4, broadcast, func(round.Message) []byte {
			return make([]byte, hashLen)
		})}})
	})
	t.Run("messages replayed from another session are blamed", func(t *testing.T) {
		if testing.Short() {
			t.Skip("runs an extra session")
		}
		prev := &sim.Network{}
		for id, o := range prev.Run(parties(t, session(t), keys, nil)) {
			if o.Err != nil {
				t.Fatalf("earlier session, party %d: %v", id, o.Err)
			}
		}
		// Party 2 (same key, same new modulus) sends, in a new session,
		// its broadcasts from the earlier one.
		replay := func(rnds ...uint16) func(uint16, []round.Message) {
			return func(r uint16, out []round.Message) {
				for i := range out {
					if !slices.Contains(rnds, r) || !out[i].IsBroadcast() {
						continue
					}
					for _, o := range prev.Log {
						if o.From == 2 && o.Round == r && o.Kind == round.KindRound && o.IsBroadcast() {
							out[i].Payload = o.Payload
						}
					}
				}
			}
		}
		t.Run("commitment and decommitment", func(t *testing.T) {
			run(t, 2, "does not open", map[round.PartyID]adversary{2: {tamper: replay(1, 2)}})
		})
		t.Run("proofs", func(t *testing.T) {
			run(t, 2, "invalid Paillier–Blum modulus proof", map[round.PartyID]adversary{2: {tamper: replay(3)}})
		})
	})
}

func TestAPartyMissingAConfirmationOutputsNothing(t *testing.T) {
	keys := sharetest.Deal(t, 2, 3)
	net := &sim.Network{Faults: []sim.Fault{sim.Drop(sim.Match{From: 2, To: 1, Round: 4, Kind: round.KindRound})}}
	res := net.Run(parties(t, session(t), keys, nil))
	if o := res[1]; o.Result != nil || !errors.Is(o.Err, sim.ErrStalled) {
		t.Fatalf("party 1 without party 2's confirmation ended with %v, %v", o.Result, o.Err)
	}
	// The confirmations are echo-broadcast: party 1 never echoes round 4,
	// so no party outputs a key that party 1 lacks.
	for _, id := range []round.PartyID{2, 3} {
		if o := res[id]; o.Result != nil || !errors.Is(o.Err, sim.ErrStalled) {
			t.Fatalf("party %d output while party 1 still missed a confirmation: %v", id, o.Err)
		}
	}
}

func TestStartRejectsBadParameters(t *testing.T) {
	keys := sharetest.Deal(t, 2, 3)
	good := round.Config{Session: session(t), Protocol: Protocol, Self: 1, Parties: sharetest.IDs(3)}
	exhausted := *keys[1]
	exhausted.Epoch = ^uint32(0)
	tampered := *keys[1]
	tampered.Secret = g.NewScalar().SetUint64(1)
	for _, c := range []struct {
		name string
		cfg  round.Config
		key  *share.Key
		opts Options
		sk   *paillier.SecretKey
	}{
		{"another protocol", round.Config{Session: good.Session, Protocol: "other", Self: 1, Parties: good.Parties}, keys[1], testOpts, nil},
		{"a subset of the key's parties", round.Config{Session: good.Session, Protocol: Protocol, Self: 1, Parties: round.Parties{1, 2}}, keys[1], testOpts, nil},
		{"another party's key", round.Config{Session: good.Session, Protocol: Protocol, Self: 2, Parties: good.Parties}, keys[1], testOpts, nil},
		{"no key", good, nil, testOpts, nil},
		{"an exhausted epoch", good, &exhausted, testOpts, nil},
		{"an inconsistent key", good, &tampered, testOpts, nil},
		{"an odd modulus size", good, keys[1], Options{Bits: 2047}, nil},
		{"a key of the wrong size", good, keys[1], Options{Bits: 3072}, nil},
		{"the key's current Paillier key", good, keys[1], testOpts, keys[1].Paillier},
		{"another party's current Paillier key", good, keys[1], testOpts, keys[2].Paillier},
	} {
		t.Run("rejects "+c.name, func(t *testing.T) {
			sk := c.sk
			if sk == nil {
				sk = newKey(t, 1)
			}
			if _, _, err := StartWithKey(c.cfg, c.key, c.opts, sk, rand.Reader); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if _, _, err := Start(context.Background(), good, keys[1], Options{Bits: 1024}, rand.Reader); err == nil {
		t.Fatal("Start accepted 1024-bit moduli")
	}
}

func TestDecodersRoundTripAndReject(t *testing.T) {
	keys := sharetest.Deal(t, 3, 3)
	cfg := round.Config{Session: session(t), Protocol: Protocol, Self: 1, Parties: sharetest.IDs(3)}
	r1, err := newRound1(cfg, keys[1], testOpts, newKey(t, 1), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r1.commitMessages()
	dec := r1.raw
	if d, err := parseDecommit(dec, 3); err != nil || !bytes.Equal(d.marshal(), dec) {
		t.Fatalf("decommitment: %v", err)
	}
	if _, err := parseDecommit(dec, 2); err == nil {
		t.Fatal("a decommitment accepted for another threshold")
	}
	pr := &proofs{mod: []byte{1, 2, 3}}
	for range 2 {
		s, _ := g.RandomScalar(rand.Reader)
		p, err := schProve(s)
		if err != nil {
			t.Fatal(err)
		}
		pr.sch = append(pr.sch, p)
	}
	raw := pr.marshal()
	if p, err := parseProofs(raw, 3); err != nil || !bytes.Equal(p.marshal(), raw) {
		t.Fatalf("proofs: %v", err)
	}
	el := g.ElementLen()
	for name, c := range map[string]struct {
		b     []byte
		parse func([]byte) error
	}{
		"a decommitment of another version":  {mutate(dec, func(b []byte) []byte { b[0] = 2; return b }), decParse},
		"a decommitment with trailing data":  {append(slices.Clone(dec), 0), decParse},
		"a truncated decommitment":           {dec[:len(dec)-1], decParse},
		"a commitment off the curve":         {mutate(dec, func(b []byte) []byte { b[1+2*randLen+2] = 0x05; return b }), decParse},
		"an oversized parameter length":      {mutate(dec, func(b []byte) []byte { b[1+2*randLen+2+4*el] = 0xff; return b }), decParse},
		"proofs of another version":          {mutate(raw, func(b []byte) []byte { b[0] = 0; return b }), proofsParse},
		"proofs with trailing data":          {append(slices.Clone(raw), 0), proofsParse},
		"truncated proofs":                   {raw[:len(raw)-1], proofsParse},
		"a proof of knowledge with a bad z":  {mutate(raw, func(b []byte) []byte { copy(b[len(b)-32:], bytes.Repeat([]byte{0xff}, 32)); return b }), proofsParse},
		"too few proofs of knowledge":        {(&proofs{mod: []byte{1}, sch: pr.sch[:1]}).marshal(), proofsParse},
		"an oversized proof of modulus size": {mutate(raw, func(b []byte) []byte { b[1] = 0xff; return b }), proofsParse},
	} {
		t.Run("rejects "+name, func(t *testing.T) {
			if err := c.parse(c.b); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func mutate(b []byte, f func([]byte) []byte) []byte { return f(slices.Clone(b)) }
func decParse(b []byte) error                       { _, err := parseDecommit(b, 3); return err }
func proofsParse(b []byte) error                    { _, err := parseProofs(b, 3); return err }
