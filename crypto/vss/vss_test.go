package vss

import (
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
)

func TestSharesReconstructAndVerify(t *testing.T) {
	g := group.Edwards25519
	secret, _ := g.RandomScalar(rand.Reader)
	p, err := NewPolynomial(g, rand.Reader, 2, secret)
	if err != nil {
		t.Fatal(err)
	}
	c := p.Commit()
	ids := []uint64{1, 3, 5}
	sum := g.NewScalar()
	for _, x := range ids {
		share := p.Evaluate(x)
		if !c.Verify(x, share) {
			t.Fatalf("share %d does not verify", x)
		}
		bad := g.NewScalar().Add(share, g.NewScalar().SetUint64(1))
		if c.Verify(x, bad) {
			t.Fatalf("a wrong share for %d verifies", x)
		}
		l, err := Lagrange(g, ids, x)
		if err != nil {
			t.Fatal(err)
		}
		sum.Add(sum, l.Mul(l, share))
	}
	if !sum.Equal(secret) {
		t.Fatal("interpolation at 0 does not give the secret")
	}
	if fmt.Sprint(p) != "<redacted polynomial>" || fmt.Sprint(secret) != "<redacted>" {
		t.Fatal("secrets print their value")
	}
}

func TestLagrangeRejectsBadSets(t *testing.T) {
	g := group.Edwards25519
	for name, xs := range map[string][]uint64{
		"zero identifier":      {0, 1, 2},
		"duplicate identifier": {1, 1, 2},
		"identifier missing":   {2, 3},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Lagrange(g, xs, 1); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestLagrangeAllMatchesLagrange(t *testing.T) {
	for _, g := range []group.Group{group.Edwards25519, group.Secp256k1} {
		xs := []uint64{1, 3, 4, 7, 9}
		all, err := LagrangeAll(g, xs)
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range xs {
			one, _ := Lagrange(g, xs, x)
			if !one.Equal(all[i]) {
				t.Fatalf("%s: coefficient of %d differs", g.Name(), x)
			}
		}
		if _, err := LagrangeAll(g, []uint64{1, 1}); err == nil {
			t.Fatal("duplicate identifiers accepted")
		}
	}
}
