// Package sharetest deals CGGMP key shares for tests and benchmarks: a
// trusted dealer splits a random key and gives each party a Paillier key
// built from crypto/paillier/testprimes, so a test gets a 5-of-9 key in
// milliseconds. Protocol tests that exercise key generation and auxiliary
// information run the real protocols; everything else starts here.
// Never use it outside tests: the dealer sees the whole key.
package sharetest

import (
	"crypto/rand"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/vss"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

// MaxParties is the number of distinct test Paillier keys available.
const MaxParties = 10

// IDs returns the parties 1..n.
func IDs(n int) round.Parties {
	p := make(round.Parties, n)
	for i := range p {
		p[i] = round.PartyID(i + 1)
	}
	return p
}

// Deal returns the shares of a fresh threshold-of-n key for parties 1..n.
func Deal(t testing.TB, threshold, n int) map[round.PartyID]*share.Key {
	t.Helper()
	if n > MaxParties {
		t.Fatalf("sharetest: at most %d parties", MaxParties)
	}
	g := share.Group
	x, err := g.RandomScalar(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	poly, err := vss.NewPolynomial(g, rand.Reader, threshold-1, x)
	if err != nil {
		t.Fatal(err)
	}
	parties := IDs(n)
	aux := map[round.PartyID]share.Aux{}
	sks := map[round.PartyID]*paillier.SecretKey{}
	peds := map[round.PartyID]*pedersen.Secret{}
	shares := map[round.PartyID]group.Element{}
	for i, id := range parties {
		p, q := testprimes.Pair(i)
		sk, err := paillier.NewSecretKey(p, q)
		if err != nil {
			t.Fatal(err)
		}
		rp, sec, err := pedersen.FromKey(rand.Reader, sk)
		if err != nil {
			t.Fatal(err)
		}
		sks[id], peds[id] = sk, sec
		aux[id] = share.Aux{Paillier: sk.PublicKey(), Pedersen: rp}
		shares[id] = g.NewElement().ScalarBaseMult(poly.Evaluate(uint64(id)))
	}
	var cc [32]byte
	rand.Read(cc[:])
	out := map[round.PartyID]*share.Key{}
	for _, id := range parties {
		auxCopy := make(map[round.PartyID]share.Aux, n)
		sharesCopy := make(map[round.PartyID]group.Element, n)
		for k, v := range aux {
			auxCopy[k] = v
		}
		for k, v := range shares {
			sharesCopy[k] = g.NewElement().Set(v)
		}
		out[id] = &share.Key{
			ID: id, Threshold: threshold, Parties: parties,
			Secret: poly.Evaluate(uint64(id)), PublicKey: g.NewElement().ScalarBaseMult(x),
			Shares: sharesCopy, ChainCode: cc, Paillier: sks[id], Pedersen: peds[id], Aux: auxCopy,
		}
	}
	x.Zero()
	return out
}
