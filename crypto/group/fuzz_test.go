package group

import (
	"bytes"
	"testing"
)

// fuzzParseScalar checks that ParseScalar never panics and that every
// accepted input re-encodes to itself. Seeds live in
// testdata/fuzz/Fuzz<Group>ParseScalar.
func fuzzParseScalar(f *testing.F, g Group) {
	f.Add(make([]byte, g.ScalarLen()))
	f.Add(g.NewScalar().SetUint64(1).Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := g.ParseScalar(b)
		if err != nil {
			if s != nil {
				t.Fatal("non-nil scalar with an error")
			}
			return
		}
		if !bytes.Equal(s.Bytes(), b) {
			t.Fatalf("re-encoding differs: %x", b)
		}
		// Arithmetic on an accepted scalar stays canonical.
		u := g.NewScalar().Mul(s, s)
		if _, err := g.ParseScalar(u.Bytes()); err != nil {
			t.Fatal("product does not re-parse")
		}
		if len(b) <= 2*g.ScalarLen()+16 {
			if _, err := g.NewScalar().SetUniformBytes(b); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// fuzzParseElement checks that ParseElement never panics, that accepted
// inputs re-encode to themselves, and that they are not the identity and
// lie in the prime-order subgroup ([q−1]P = −P).
func fuzzParseElement(f *testing.F, g Group) {
	f.Add(g.Generator().Bytes())
	f.Add(make([]byte, g.ElementLen()))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := g.ParseElement(b)
		if err != nil {
			if e != nil {
				t.Fatal("non-nil element with an error")
			}
			return
		}
		if !bytes.Equal(e.Bytes(), b) {
			t.Fatalf("re-encoding differs: %x", b)
		}
		if e.IsIdentity() {
			t.Fatal("identity accepted")
		}
		minusOne := g.NewScalar().Negate(g.NewScalar().SetUint64(1))
		if !g.NewElement().ScalarMult(minusOne, e).Equal(g.NewElement().Negate(e)) {
			t.Fatal("[q−1]P ≠ −P")
		}
		if !g.NewElement().VarTimeMultiScalarMult([]Scalar{minusOne}, []Element{e}).Equal(g.NewElement().Negate(e)) {
			t.Fatal("MSM [q−1]P ≠ −P")
		}
	})
}

func FuzzSecp256k1ParseScalar(f *testing.F)     { fuzzParseScalar(f, Secp256k1) }
func FuzzSecp256k1ParseElement(f *testing.F)    { fuzzParseElement(f, Secp256k1) }
func FuzzEdwards25519ParseScalar(f *testing.F)  { fuzzParseScalar(f, Edwards25519) }
func FuzzEdwards25519ParseElement(f *testing.F) { fuzzParseElement(f, Edwards25519) }
func FuzzRistretto255ParseScalar(f *testing.F)  { fuzzParseScalar(f, Ristretto255) }
func FuzzRistretto255ParseElement(f *testing.F) { fuzzParseElement(f, Ristretto255) }
func FuzzP256ParseScalar(f *testing.F)          { fuzzParseScalar(f, P256) }
func FuzzP256ParseElement(f *testing.F)         { fuzzParseElement(f, P256) }
func FuzzEdwards448ParseScalar(f *testing.F)    { fuzzParseScalar(f, Edwards448) }
func FuzzEdwards448ParseElement(f *testing.F)   { fuzzParseElement(f, Edwards448) }

// FuzzSecp256k1ParseXOnly checks BIP340 lift_x: accepted keys have even y
// and re-encode to themselves.
func FuzzSecp256k1ParseXOnly(f *testing.F) {
	f.Add(XOnlyBytes(Secp256k1.Generator()))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseXOnly(b)
		if err != nil {
			return
		}
		if !IsYEven(e) || !bytes.Equal(XOnlyBytes(e), b) {
			t.Fatal("lift_x result is wrong")
		}
	})
}
