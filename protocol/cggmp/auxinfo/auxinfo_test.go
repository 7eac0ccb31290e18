package auxinfo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/crypto/zk/fac"
	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

func TestAuxInfoGivesEveryPartyTheSamePublicData(t *testing.T) {
	sid := session(t)
	all := ids(3)
	ps := map[round.PartyID]*sim.Party{}
	for _, id := range all {
		// Through Start with a warm pool: the pair of party id.
		pool := paillier.NewPool(1024, nil, 1)
		p, q := testprimes.Pair(int(id) - 1)
		if err := pool.Put(p, q); err != nil {
			t.Fatal(err)
		}
		cfg := round.Config{Session: sid, Protocol: Protocol, Self: id, Parties: all}
		first, msgs, err := Start(context.Background(), cfg, Options{Bits: 2048, Pool: pool}, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if pool.Len() != 0 {
			t.Fatalf("party %d did not take its primes from the pool", id)
		}
		m, initial, err := round.NewMachine(cfg, first, msgs)
		if err != nil {
			t.Fatal(err)
		}
		ps[id] = &sim.Party{Machine: m, Initial: initial}
	}
	net := &sim.Network{Reorder: true, Seed: 7}
	res := net.Run(ps)
	var ref *Result
	for _, id := range all {
		o := res[id]
		if o.Err != nil {
			t.Fatalf("party %d: %v", id, o.Err)
		}
		r := o.Result.(*Result)
		if ref == nil {
			ref = r
		}
		if r.ID != id || r.RID != ref.RID || len(r.Public) != len(all) {
			t.Fatalf("party %d: wrong id, rid or party count", id)
		}
		for _, k := range all {
			a, b := r.Public[k], ref.Public[k]
			if !a.Paillier.Equal(b.Paillier) || !a.Pedersen.Equal(b.Pedersen) {
				t.Fatalf("parties %d and %d disagree on party %d's public data", id, ref.ID, k)
			}
			if a.Paillier.N().Cmp(a.Pedersen.N) != 0 || a.Paillier.BitLen() != 2048 {
				t.Fatalf("party %d: N̂ ≠ N or wrong size", k)
			}
		}
		own := r.Public[id]
		if !r.Paillier.PublicKey().Equal(own.Paillier) {
			t.Fatalf("party %d: secret key does not match its public key", id)
		}
		// s = t^λ mod N̂.
		if new(big.Int).Exp(own.Pedersen.T, r.Pedersen.Lambda, own.Pedersen.N).Cmp(own.Pedersen.S) != 0 {
			t.Fatalf("party %d: λ is not the trapdoor of its parameters", id)
		}
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(verb, ref)
		if !strings.Contains(s, "<redacted>") || strings.Contains(s, ref.Paillier.P().Text(16)[:16]) {
			t.Fatalf("%s prints %q", verb, s)
		}
	}
	ref.Destroy()
	if ref.Pedersen.Lambda.Sign() != 0 {
		t.Fatal("Destroy left λ")
	}
	t.Logf("%d payload bytes sent by party 1", net.BytesSent[1])
}

// expectAbort runs three parties under the faults and checks that every
// honest party aborts blaming exactly want and that nobody outputs.
func expectAbort(t *testing.T, want []round.PartyID, cause string, ps map[round.PartyID]*sim.Party, net *sim.Network) {
	t.Helper()
	res := net.Run(ps)
	for id, o := range res {
		if o.Result != nil {
			t.Errorf("party %d produced auxiliary info despite the fault", id)
		}
		if slices.Contains(want, id) {
			continue
		}
		var ae *round.AbortError
		if !errors.As(o.Err, &ae) {
			t.Errorf("honest party %d did not abort: %v", id, o.Err)
			continue
		}
		if !strings.Contains(ae.Err.Error(), cause) {
			t.Errorf("party %d aborts for another cause: %v, want %q", id, ae.Err, cause)
		}
		if !slices.Equal(ae.Culprits, want) || len(ae.Evidence) == 0 {
			t.Errorf("party %d blames %v with %d bytes of evidence, want %v (%v)", id, ae.Culprits, len(ae.Evidence), want, o.Err)
		}
	}
}

func isFacMessage(m round.Message, from round.PartyID) bool {
	return m.From == from && m.Round == 3 && m.Kind == round.KindRound && !m.IsBroadcast()
}

func TestAuxInfoAbortsNamingTheCulprit(t *testing.T) {
	t.Run("a modulus with a small factor is blamed on its owner", func(t *testing.T) {
		x := new(big.Int).Lsh(big.NewInt(1), 2046)
		x.Add(x, big.NewInt(1))
		n := new(big.Int).Mul(x, big.NewInt(3)) // 2048 bits, divisible by 3
		ps, _ := parties(t, session(t), 3, map[round.PartyID]adversary{
			2: {beforeCommit: func(r *round1) { r.dec.params = paramsBytes(n, big.NewInt(4), big.NewInt(16)) }},
		})
		expectAbort(t, []round.PartyID{2}, "small prime factor", ps, &sim.Network{})
	})
	t.Run("a valid modulus of the wrong size is blamed on its owner", func(t *testing.T) {
		sp := testprimes.SafePrimes1024()
		n := new(big.Int).Mul(sp[6], sp[7])
		n.Mul(n, sp[8]) // 3072 bits where 2048 are configured
		ps, _ := parties(t, session(t), 3, map[round.PartyID]adversary{
			3: {beforeCommit: func(r *round1) { r.dec.params = paramsBytes(n, big.NewInt(4), big.NewInt(16)) }},
		})
		expectAbort(t, []round.PartyID{3}, "bits, want 2048", ps, &sim.Network{})
	})
	t.Run("ring-Pedersen parameters with a tampered proof are blamed", func(t *testing.T) {
		ps, _ := parties(t, session(t), 3, map[round.PartyID]adversary{
			1: {beforeCommit: func(r *round1) { r.dec.prm[len(r.dec.prm)-1] ^= 1 }},
		})
		expectAbort(t, []round.PartyID{1}, "invalid ring-Pedersen proof", ps, &sim.Network{})
	})
	t.Run("a tampered Paillier-Blum proof is blamed", func(t *testing.T) {
		ps, _ := parties(t, session(t), 3, map[round.PartyID]adversary{
			1: {beforeCommit: func(r *round1) {
				r.tamper = func(rnd uint16, out []round.Message) {
					if rnd == 3 {
						p := out[0].Payload // the Π^mod broadcast
						p[len(p)-1] ^= 1    // a_m of the last repetition
					}
				}
			}},
		})
		expectAbort(t, []round.PartyID{1}, "invalid Paillier–Blum modulus proof", ps, &sim.Network{})
	})
	t.Run("a no-small-factor proof made under the prover's own parameters is blamed", func(t *testing.T) {
		sid := session(t)
		ps, st := parties(t, sid, 3, nil)
		net := &sim.Network{}
		adv := st[2]
		net.Faults = []sim.Fault{func(m round.Message, to round.PartyID) []round.Message {
			if !isFacMessage(m, 2) {
				return []round.Message{m}
			}
			rid := ridFromLog(net.Log)
			pf, err := fac.Prove(rand.Reader, adv.sk, adv.rp, zkParams, proofContext(sid, rid, 2, to))
			if err != nil {
				t.Fatal(err)
			}
			if m.Payload, err = pf.Marshal(adv.sk.PublicKey(), adv.rp, zkParams); err != nil {
				t.Fatal(err)
			}
			return []round.Message{m}
		}}
		expectAbort(t, []round.PartyID{2}, "invalid no-small-factor proof", ps, net)
	})
	t.Run("a decommitment that does not open the commitment is blamed", func(t *testing.T) {
		ps, _ := parties(t, session(t), 3, map[round.PartyID]adversary{
			3: {afterCommit: func(r *round1) { r.raw[5] ^= 1 }}, // inside rid
		})
		expectAbort(t, []round.PartyID{3}, "does not open", ps, &sim.Network{})
	})
	t.Run("a decommitment altered on the way is caught by the echo", func(t *testing.T) {
		ps, _ := parties(t, session(t), 3, nil)
		expectAbort(t, []round.PartyID{3}, "equivocation", ps, &sim.Network{Faults: []sim.Fault{
			sim.Corrupt(sim.Match{From: 3, Round: 2, Kind: round.KindRound}, func(p []byte) []byte {
				p[5] ^= 1
				return p
			}),
		}})
	})
	t.Run("a confirmation of another view is blamed", func(t *testing.T) {
		ps, _ := parties(t, session(t), 3, map[round.PartyID]adversary{
			1: {beforeCommit: func(r *round1) {
				r.tamper = func(rnd uint16, out []round.Message) {
					if rnd == 4 {
						out[0].Payload = make([]byte, 32)
					}
				}
			}},
		})
		expectAbort(t, []round.PartyID{1}, "confirmation of another view", ps, &sim.Network{})
	})
	t.Run("an equivocated round-1 commitment is blamed on its sender", func(t *testing.T) {
		ps, _ := parties(t, session(t), 3, nil)
		expectAbort(t, []round.PartyID{2}, "equivocation", ps, &sim.Network{Faults: []sim.Fault{
			sim.Equivocate(2, 1, 3, func(p []byte) []byte {
				p[0] ^= 1
				return p
			}),
		}})
	})
	t.Run("proofs replayed from another session are blamed", func(t *testing.T) {
		if testing.Short() {
			t.Skip("runs an extra session")
		}
		old := &sim.Network{}
		ps, _ := parties(t, session(t), 3, nil)
		for id, o := range old.Run(ps) {
			if o.Err != nil {
				t.Fatalf("old session, party %d: %v", id, o.Err)
			}
		}
		// Party 2 keeps its modulus across sessions and sends, in the new
		// session, its proofs from the old one.
		oldPayload := func(m round.Message) []byte {
			for _, o := range old.Log {
				if o.From == 2 && o.Round == 3 && o.Kind == round.KindRound && o.To == m.To {
					return o.Payload
				}
			}
			t.Fatal("no message to replay")
			return nil
		}
		for _, c := range []struct {
			name, cause string
			replay      func(round.Message) bool
		}{
			{"Π^mod", "invalid Paillier–Blum modulus proof", func(m round.Message) bool { return m.IsBroadcast() }},
			{"Π^fac", "invalid no-small-factor proof", func(m round.Message) bool { return !m.IsBroadcast() }},
		} {
			t.Run(c.name, func(t *testing.T) {
				ps, _ := parties(t, session(t), 3, map[round.PartyID]adversary{
					2: {beforeCommit: func(r *round1) {
						r.tamper = func(rnd uint16, out []round.Message) {
							for i := range out {
								if rnd != 3 {
									break
								}
								if c.replay(out[i]) {
									out[i].Payload = oldPayload(out[i])
								}
							}
						}
					}},
				})
				expectAbort(t, []round.PartyID{2}, c.cause, ps, &sim.Network{})
			})
		}
	})
}

func TestStartRejectsBadParameters(t *testing.T) {
	cfg := round.Config{Session: session(t), Protocol: Protocol, Self: 1, Parties: ids(3)}
	ctx := context.Background()
	for _, bits := range []int{1024, 2047, paillier.MaxBits + 2} {
		if _, _, err := Start(ctx, cfg, Options{Bits: bits}, rand.Reader); err == nil {
			t.Fatalf("%d bits accepted", bits)
		}
	}
	if _, _, err := StartWithKey(cfg, Options{Bits: 3072}, testKey(t, 1), rand.Reader); err == nil {
		t.Fatal("a 2048-bit key accepted for 3072-bit moduli")
	}
	bad := cfg
	bad.Protocol = "other"
	if _, _, err := StartWithKey(bad, testOpts, testKey(t, 1), rand.Reader); err == nil {
		t.Fatal("wrong protocol accepted")
	}
}

func TestParseDecommitRoundTrips(t *testing.T) {
	d := &decommit{params: []byte{1, 2, 3}, prm: []byte{4}}
	d.rid[0], d.u[31] = 7, 9
	b := d.marshal()
	got, err := parseDecommit(b)
	if err != nil || string(got.marshal()) != string(b) {
		t.Fatalf("%v", err)
	}
	for name, mutate := range map[string]func([]byte) []byte{
		"another version":     func(b []byte) []byte { b[0] = 2; return b },
		"trailing data":       func(b []byte) []byte { return append(b, 0) },
		"a truncated field":   func(b []byte) []byte { return b[:len(b)-1] },
		"an oversized length": func(b []byte) []byte { b[1+2*randLen] = 0xff; return b },
		"no header":           func(b []byte) []byte { return b[:10] },
	} {
		t.Run("rejects "+name, func(t *testing.T) {
			if _, err := parseDecommit(mutate(slices.Clone(b))); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
