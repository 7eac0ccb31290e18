package frost

import (
	"bytes"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

// expectDKGAbort runs a 3-of-5 DKG in which the parties in bad tamper with
// what they send (at the source) and the network applies faults, and
// asserts that every honest party that aborts names exactly want for a
// reason containing cause, and that no party outputs a key share.
func expectDKGAbort(t *testing.T, s *Suite, want []round.PartyID, cause string, bad map[round.PartyID]func(uint16, []round.Message), faults ...sim.Fault) {
	t.Helper()
	net := &sim.Network{Faults: faults}
	res := net.Run(dkgPartiesWith(t, s, newSession(t), 3, ids(5), bad))
	aborted := 0
	for id, o := range res {
		if o.Result != nil {
			t.Errorf("party %d produced a key share despite the fault", id)
		}
		if slices.Contains(want, id) || o.Err == nil {
			continue
		}
		var ae *round.AbortError
		if !errors.As(o.Err, &ae) {
			continue // stalled behind another party's abort
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
		t.Fatalf("no honest party aborted: %v", res)
	}
}

// lying makes party j send, as its own, a round-1 broadcast rewritten by f.
func lying(j round.PartyID, f func([]byte) []byte) map[round.PartyID]func(uint16, []round.Message) {
	return map[round.PartyID]func(uint16, []round.Message){j: func(rnd uint16, out []round.Message) {
		for i := range out {
			if rnd == 1 && out[i].To == 0 {
				out[i].Payload = f(slices.Clone(out[i].Payload))
			}
		}
	}}
}

func TestDKGAbortsNamingTheCulprit(t *testing.T) {
	for _, s := range []*Suite{Ed25519, Secp256k1} {
		g := s.Group
		el := g.ElementLen()
		sl := g.ScalarLen()
		hdr := 2 + 2 // version, suite, threshold
		t.Run(s.Name+": a share that does not match the commitment names its dealer", func(t *testing.T) {
			expectDKGAbort(t, s, []round.PartyID{2}, "share does not match", nil, sim.Corrupt(
				sim.Match{From: 2, To: 4, Round: 1, Kind: round.KindRound},
				func(p []byte) []byte {
					if len(p) == 2+sl {
						x, _ := g.RandomScalar(rand.Reader)
						return append(p[:2], x.Bytes()...)
					}
					return p
				}))
		})
		t.Run(s.Name+": an invalid proof of possession names its sender", func(t *testing.T) {
			expectDKGAbort(t, s, []round.PartyID{3}, "invalid proof of possession", lying(3, func(p []byte) []byte {
				mu, _ := g.RandomScalar(rand.Reader)
				copy(p[len(p)-sl:], mu.Bytes())
				return p
			}))
		})
		t.Run(s.Name+": a missing proof of possession names its sender", func(t *testing.T) {
			expectDKGAbort(t, s, []round.PartyID{3}, "truncated", lying(3, func(p []byte) []byte {
				return p[:len(p)-el-sl] // commitments only, no (R, μ)
			}))
		})
		t.Run(s.Name+": a rogue key (commitment replaced, proof kept) names its sender", func(t *testing.T) {
			expectDKGAbort(t, s, []round.PartyID{5}, "invalid proof of possession", lying(5, func(p []byte) []byte {
				x, _ := g.RandomScalar(rand.Reader)
				copy(p[hdr:hdr+el], g.NewElement().ScalarBaseMult(x).Bytes())
				return p
			}))
		})
		t.Run(s.Name+": a proof of possession replayed from another session names its sender", func(t *testing.T) {
			old := &sim.Network{}
			old.Run(dkgParties(t, s, newSession(t), 3, ids(5)))
			var replay []byte
			for _, m := range old.Log {
				if m.From == 1 && m.IsBroadcast() && m.Kind == round.KindRound {
					replay = m.Payload
				}
			}
			expectDKGAbort(t, s, []round.PartyID{1}, "invalid proof of possession", lying(1, func([]byte) []byte {
				return slices.Clone(replay)
			}))
		})
		t.Run(s.Name+": a wrong-length commitment vector names its sender", func(t *testing.T) {
			expectDKGAbort(t, s, []round.PartyID{2}, "coefficients", lying(2, func(p []byte) []byte {
				p[3]-- // claims threshold 2 and carries one element fewer
				return append(p[:hdr], p[hdr+el:]...)
			}))
		})
		t.Run(s.Name+": the identity as a commitment names its sender", func(t *testing.T) {
			expectDKGAbort(t, s, []round.PartyID{4}, "group:", lying(4, func(p []byte) []byte {
				copy(p[hdr+el:hdr+2*el], g.NewElement().Bytes())
				return p
			}))
		})
		t.Run(s.Name+": an off-curve commitment names its sender", func(t *testing.T) {
			expectDKGAbort(t, s, []round.PartyID{4}, "group:", lying(4, func(p []byte) []byte {
				for i := hdr; i < hdr+el; i++ {
					p[i] = 0xff
				}
				if s == Secp256k1 {
					p[hdr] = 0x02
				}
				return p
			}))
		})
		t.Run(s.Name+": an equivocated broadcast is caught by the echo and names its sender", func(t *testing.T) {
			expectDKGAbort(t, s, []round.PartyID{2}, "equivocation", nil, sim.Equivocate(2, 1, 5, func(p []byte) []byte {
				if len(p) > 40 {
					x, _ := g.RandomScalar(rand.Reader)
					copy(p[hdr+el:hdr+2*el], g.NewElement().ScalarBaseMult(x).Bytes())
				}
				return p
			}))
		})
	}
	t.Run("a small-order commitment point names its sender", func(t *testing.T) {
		// (0, −1) has order 2 on edwards25519: y = −1 = p − 1, encoded little-endian.
		order2 := []byte{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}
		expectDKGAbort(t, Ed25519, []round.PartyID{3}, "group:", lying(3, func(p []byte) []byte {
			copy(p[4+32:4+64], order2)
			return p
		}))
	})
}

func TestDKGToleratesDuplicatesReorderingAndForeignReplays(t *testing.T) {
	s := Ed25519
	old := &sim.Network{}
	old.Run(dkgParties(t, s, newSession(t), 3, ids(5)))
	net := &sim.Network{
		Reorder: true, Seed: 7,
		Faults: []sim.Fault{
			sim.Duplicate(sim.Match{From: 2}),
			sim.Replay(sim.Match{From: 4}, old.Log), // rejected: wrong session
		},
	}
	res := net.Run(dkgParties(t, s, newSession(t), 3, ids(5)))
	for id, o := range res {
		if o.Err != nil {
			t.Fatalf("party %d: %v", id, o.Err)
		}
	}
}

func TestDKGStallsWhenAMessageIsDropped(t *testing.T) {
	net := &sim.Network{Faults: []sim.Fault{sim.Drop(sim.Match{From: 2, To: 3, Round: 1, Kind: round.KindRound})}}
	res := net.Run(dkgParties(t, Ed25519, newSession(t), 3, ids(5)))
	if !errors.Is(res[3].Err, sim.ErrStalled) {
		t.Fatalf("party 3 did not stall: %v", res[3].Err)
	}
	for id, o := range res {
		if o.Result != nil && id == 3 {
			t.Fatal("party 3 finished without party 2's message")
		}
	}
}

func TestAggregateNamesInvalidShares(t *testing.T) {
	for _, s := range []*Suite{Ed25519, Secp256k1, BIP340} {
		t.Run(s.Name, func(t *testing.T) {
			shares := runDKG(t, s, 3, 5)
			msg := make([]byte, 32)
			signers := []round.PartyID{1, 2, 4, 5}
			zs, _, pkg := signShares(t, shares, signers, msg, nil)
			for i, id := range signers {
				if id == 2 || id == 5 {
					zs[i].Z.Add(zs[i].Z, s.Group.NewScalar().SetUint64(1))
				}
			}
			sig, err := Aggregate(shares[1].Public, pkg, zs)
			if sig != nil {
				t.Fatal("a signature was produced from invalid shares")
			}
			if got := round.Culprits(err); !slices.Equal(got, []round.PartyID{2, 5}) {
				t.Fatalf("culprits %v, want [2 5] (%v)", got, err)
			}
			if err := VerifyShare(shares[1].Public, pkg, zs[1]); !slices.Equal(round.Culprits(err), []round.PartyID{2}) {
				t.Fatalf("VerifyShare: %v", err)
			}
			// A missing share names the signer that withheld it.
			_, err = Aggregate(shares[1].Public, pkg, []SignatureShare{zs[0], zs[2]})
			if got := round.Culprits(err); !slices.Equal(got, []round.PartyID{2, 5}) {
				t.Fatalf("withheld shares: culprits %v", got)
			}
		})
	}
}

// TestAggregateReportedNamesMisreports: a signer that reports a wrong group
// commitment cannot make the aggregator output anything but the package's
// signature, and is named; invalid shares are still named with honest
// reports.
func TestAggregateReportedNamesMisreports(t *testing.T) {
	for _, s := range []*Suite{Ed25519, Secp256k1, BIP340} {
		t.Run(s.Name, func(t *testing.T) {
			shares := runDKG(t, s, 3, 5)
			pub := shares[1].Public
			msg := make([]byte, 32)
			msg[0] = 9
			signers := []round.PartyID{1, 3, 4}
			zs, reported, pkg := signShares(t, shares, signers, msg, nil)
			want, err := Aggregate(pub, pkg, zs)
			if err != nil {
				t.Fatal(err)
			}
			_, otherR, _ := signShares(t, shares, signers, msg, nil) // a valid element, another session's R
			liars := map[string][][]byte{
				"another session's R":    {reported[0], otherR[0], reported[2]},
				"all agree on a wrong R": {otherR[0], otherR[0], otherR[0]},
				"not an element":         {reported[0], reported[1], bytes.Repeat([]byte{0xff}, s.Group.ElementLen())},
				"wrong length":           {reported[0], reported[1], reported[2][1:]},
			}
			wantLiars := map[string][]round.PartyID{
				"another session's R": {3}, "all agree on a wrong R": {1, 3, 4}, "not an element": {4}, "wrong length": {4},
			}
			for name, rep := range liars {
				sig, mis, err := AggregateReported(pub, pkg, zs, rep)
				if err != nil || !bytes.Equal(sig, want) || !slices.Equal(mis, wantLiars[name]) {
					t.Errorf("%s: sig %x (want %x), misreported %v, err %v", name, sig, want, mis, err)
				}
			}
			// Invalid shares are named as by Aggregate.
			bad := slices.Clone(zs)
			bad[1].Z = s.Group.NewScalar().Add(zs[1].Z, s.Group.NewScalar().SetUint64(1))
			sig, mis, err := AggregateReported(pub, pkg, bad, reported)
			if sig != nil || len(mis) != 0 || !slices.Equal(round.Culprits(err), []round.PartyID{3}) {
				t.Fatalf("invalid share: sig %x, misreported %v, err %v", sig, mis, err)
			}
			if _, _, err := AggregateReported(pub, pkg, zs, reported[:2]); err == nil {
				t.Fatal("accepted fewer reports than shares")
			}
		})
	}
}

func TestSignerRefusesTamperedCommitmentLists(t *testing.T) {
	s := Ed25519
	shares := runDKG(t, s, 3, 5)
	msg := []byte("pay 1 BTC to bc1q...")
	fresh := func() (map[round.PartyID]*Nonces, []Commitment) {
		ns := map[round.PartyID]*Nonces{}
		var list []Commitment
		for _, id := range []round.PartyID{1, 2, 3} {
			n, _ := Commit(rand.Reader, shares[id])
			ns[id] = n
			list = append(list, n.Commitment())
		}
		return ns, list
	}
	other, _ := Commit(rand.Reader, shares[1])
	cases := map[string]func([]Commitment) ([]Commitment, []byte){
		"own commitment missing": func(l []Commitment) ([]Commitment, []byte) {
			return []Commitment{l[1], l[2], {ID: 4, Hiding: l[0].Hiding, Binding: l[0].Binding}}, msg
		},
		"own commitment altered": func(l []Commitment) ([]Commitment, []byte) {
			l[0].Binding = other.Commitment().Binding
			return l, msg
		},
		"duplicate identifier": func(l []Commitment) ([]Commitment, []byte) {
			return []Commitment{l[0], l[1], l[1], l[2]}, msg
		},
		"list not sorted": func(l []Commitment) ([]Commitment, []byte) {
			return []Commitment{l[0], l[2], l[1]}, msg
		},
		"fewer than threshold signers": func(l []Commitment) ([]Commitment, []byte) {
			return l[:2], msg
		},
		"a signer that holds no share": func(l []Commitment) ([]Commitment, []byte) {
			l[2].ID = 9
			return l, msg
		},
		"an identity commitment": func(l []Commitment) ([]Commitment, []byte) {
			l[1].Hiding = s.Group.NewElement()
			return l, msg
		},
		"another message than the approved one": func(l []Commitment) ([]Commitment, []byte) {
			return l, []byte("pay 100 BTC to the attacker")
		},
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			ns, list := fresh()
			tl, m := tamper(list)
			z, err := Sign(shares[1], ns[1], msg, &SigningPackage{Message: m, Commitments: tl})
			if err == nil || z != nil {
				t.Fatal("signer produced a share for a tampered package")
			}
			if !ns[1].Used() {
				t.Fatal("refused nonces were not destroyed")
			}
		})
	}
}

func TestNoncesSignOnce(t *testing.T) {
	shares := runDKG(t, Secp256k1, 2, 3)
	n1, _ := Commit(rand.Reader, shares[1])
	n2, _ := Commit(rand.Reader, shares[2])
	pkg := &SigningPackage{Message: []byte("m"), Commitments: []Commitment{n1.Commitment(), n2.Commitment()}}
	if _, err := Sign(shares[1], n1, pkg.Message, pkg); err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(shares[1], n1, pkg.Message, pkg); !errors.Is(err, ErrNonceReused) {
		t.Fatalf("second sign with the same nonces: %v", err)
	}
	if _, err := MarshalNonces(n1); !errors.Is(err, ErrNonceReused) {
		t.Fatal("used nonces can still be exported")
	}

	pool := NewNoncePool(shares[2])
	cs, err := pool.Preprocess(rand.Reader, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Take(cs[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Take(cs[1]); err == nil {
		t.Fatal("a preprocessed commitment was handed out twice")
	}
	if pool.Len() != 2 {
		t.Fatalf("pool has %d nonces, want 2", pool.Len())
	}
}

func TestIdentifiersMustBeNonzeroAndDistinct(t *testing.T) {
	for _, bad := range [][]round.PartyID{{0, 1, 2}, {1, 2, 2}} {
		if _, err := round.NewParties(bad); err == nil {
			t.Fatalf("party list %v accepted", bad)
		}
	}
	shares := runDKG(t, Ed25519, 2, 3)
	z := MarshalSignatureShare(Ed25519, SignatureShare{ID: 1, Z: Ed25519.Group.NewScalar()})
	z[2], z[3] = 0, 0
	if _, err := ParseSignatureShare(Ed25519, z); err == nil {
		t.Fatal("share with identifier 0 parsed")
	}
	_ = shares
	var _ group.Element
}

// TestStoredNoncesKeepTheirCommitment: stored nonces carry their
// commitment; those stored without it (the earlier format) get it
// recomputed, and both sign the same share.
func TestStoredNoncesKeepTheirCommitment(t *testing.T) {
	for _, s := range []*Suite{Ed25519, Secp256k1, BIP340} {
		shares := runDKG(t, s, 2, 3)
		n, _ := Commit(rand.Reader, shares[1])
		b, err := MarshalNonces(n)
		if err != nil {
			t.Fatal(err)
		}
		legacy := b[:len(b)-2*s.Group.ElementLen()]
		for name, blob := range map[string][]byte{"current": b, "legacy": legacy} {
			got, err := ParseNonces(blob)
			if err != nil {
				t.Fatalf("%s %s: %v", s.Name, name, err)
			}
			if !got.Commitment().Equal(n.Commitment()) {
				t.Fatalf("%s %s: commitment differs", s.Name, name)
			}
		}
		if _, err := ParseNonces(b[:len(b)-1]); err == nil {
			t.Fatalf("%s: truncated commitment accepted", s.Name)
		}
	}
}
