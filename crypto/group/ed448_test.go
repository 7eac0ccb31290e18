package group

import (
	"bytes"
	"crypto/rand"
	"crypto/sha3"
	"math/big"
	"slices"
	"testing"

	"github.com/cloudflare/circl/ecc/goldilocks"
	"github.com/cloudflare/circl/sign/ed448"
)

// ed448PubFromSeed derives an RFC 8032 Section 5.2.5 public key with this
// package's ScalarBaseMult.
func ed448PubFromSeed(t *testing.T, seed []byte) []byte {
	h := make([]byte, 114)
	sh := sha3.NewSHAKE256()
	sh.Write(seed)
	sh.Read(h)
	s := h[:57]
	s[0] &= 0xfc
	s[55] |= 0x80
	s[56] = 0
	k, err := Edwards448.NewScalar().SetUniformBytes(s)
	if err != nil {
		t.Fatal(err)
	}
	return Edwards448.NewElement().ScalarBaseMult(k).Bytes()
}

func TestEdwards448MatchesRFC8032(t *testing.T) {
	// RFC 8032 Section 7.4, test "Blank".
	seed := mustHex(t, "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b")
	pub := mustHex(t, "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180")
	if got := ed448PubFromSeed(t, seed); !bytes.Equal(got, pub) {
		t.Fatalf("public key %x", got)
	}
	if e, err := Edwards448.ParseElement(pub); err != nil || !bytes.Equal(e.Bytes(), pub) {
		t.Fatalf("RFC 8032 public key does not parse: %v", err)
	}
	// Random seeds against circl's sign/ed448.
	for range 10 {
		seed := make([]byte, ed448.SeedSize)
		rand.Read(seed)
		want := ed448.NewKeyFromSeed(seed).Public().(ed448.PublicKey)
		if got := ed448PubFromSeed(t, seed); !bytes.Equal(got, want) {
			t.Fatal("public key differs from circl sign/ed448")
		}
	}
}

// ed448MulL computes [L]P by double-and-add with circl's complete addition,
// independently of ScalarMult (which drops torsion components).
func ed448MulL(p *goldilocks.Point) *goldilocks.Point {
	acc := *goldilocks.Curve{}.Identity()
	for i := ed448Order.BitLen() - 1; i >= 0; i-- {
		acc.Double()
		if ed448Order.Bit(i) == 1 {
			acc.Add(p)
		}
	}
	return &acc
}

func TestEdwards448RejectsBadElementEncodings(t *testing.T) {
	p448 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 448), new(big.Int).Lsh(big.NewInt(1), 224))
	p448.Sub(p448, big.NewInt(1))
	enc := func(y *big.Int, sign byte) []byte {
		b := make([]byte, 57)
		y.FillBytes(b[:56])
		slices.Reverse(b[:56])
		b[56] = sign
		return b
	}
	pMinus1 := new(big.Int).Sub(p448, big.NewInt(1))
	torsion := map[string][]byte{
		"identity (0, 1)": enc(big.NewInt(1), 0),
		"order 2 (0, −1)": enc(pMinus1, 0),
		"order 4 (1, 0)":  enc(big.NewInt(0), 0x80),
		"order 4 (−1, 0)": enc(big.NewInt(0), 0),
	}
	for name, b := range torsion {
		p, err := goldilocks.FromBytes(b)
		if err != nil {
			t.Fatalf("%s: not a curve point: %v", name, err)
		}
		if ed448MulL(p).IsIdentity() != p.IsIdentity() {
			t.Fatalf("%s: [L]T = 0 for a nonzero torsion point", name)
		}
		if _, err := Edwards448.ParseElement(b); err == nil {
			t.Errorf("%s accepted", name)
		}
		// A prime-order point plus this torsion point is rejected unless
		// the torsion point is the identity.
		q := randElement(t, Edwards448).(*ed448Element).p
		q.Add(p)
		qb, _ := q.MarshalBinary()
		_, err = Edwards448.ParseElement(qb)
		inSubgroup := ed448MulL(&q).IsIdentity()
		if (err == nil) != inSubgroup {
			t.Errorf("P + %s: accepted = %v, in subgroup = %v", name, err == nil, inSubgroup)
		}
	}
	bad := map[string][]byte{
		"y = p":                         enc(p448, 0),
		"y = p+1 (non-canonical 1)":     enc(new(big.Int).Add(p448, big.NewInt(1)), 0),
		"y = 2^448−1":                   enc(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 448), big.NewInt(1)), 0),
		"x = 0 with the sign bit set":   enc(big.NewInt(1), 0x80),
		"low bits of the last byte":     enc(big.NewInt(1), 0x01),
		"generator with last byte 0x7f": append(Edwards448.Generator().Bytes()[:56:56], 0x7f),
		"y = 2 (not on the curve)":      enc(big.NewInt(2), 0),
	}
	for name, b := range bad {
		if _, err := Edwards448.ParseElement(b); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	// Random prime-order points are in the subgroup by [L]P too.
	for range 3 {
		e := randElement(t, Edwards448).(*ed448Element)
		if !ed448MulL(&e.p).IsIdentity() {
			t.Fatal("[L]P ≠ 0 for a generated point")
		}
	}
}
