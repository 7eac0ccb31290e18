package group

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"filippo.io/edwards25519"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ed25519Torsion returns the eight points of edwards25519's torsion subgroup,
// computed as multiples of [L]P for a random curve point P with [L]P of
// order 8.
func ed25519Torsion(t *testing.T) [][]byte {
	lMinus1 := edMinusOne
	for {
		var b [32]byte
		rand.Read(b[:])
		var p edwards25519.Point
		if _, err := p.SetBytes(b[:]); err != nil {
			continue
		}
		var tp edwards25519.Point
		tp.VarTimeDoubleScalarBaseMult(lMinus1, &p, edwards25519.NewScalar())
		tp.Add(&tp, &p) // [L]P
		var q edwards25519.Point
		q.Add(&tp, &tp)
		q.Add(&q, &q)
		if q.Equal(edwards25519.NewIdentityPoint()) == 1 {
			continue // order < 8
		}
		var out [][]byte
		acc := edwards25519.NewIdentityPoint()
		for range 8 {
			out = append(out, acc.Bytes())
			acc.Add(acc, &tp)
		}
		return out
	}
}

func TestEdwards25519RejectsBadElementEncodings(t *testing.T) {
	smallOrder := []string{
		"0100000000000000000000000000000000000000000000000000000000000000", // identity
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
		"0000000000000000000000000000000000000000000000000000000000000000", // order 4
		"0000000000000000000000000000000000000000000000000000000000000080", // order 4
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
	}
	// The hard-coded list is exactly the torsion subgroup.
	computed := map[string]bool{}
	for _, b := range ed25519Torsion(t) {
		computed[hex.EncodeToString(b)] = true
	}
	for _, s := range smallOrder {
		if !computed[s] {
			t.Fatalf("%s is not a torsion point", s)
		}
	}
	if len(computed) != 8 {
		t.Fatalf("torsion subgroup has %d points", len(computed))
	}
	for i, s := range smallOrder {
		if _, err := Edwards25519.ParseElement(mustHex(t, s)); err == nil {
			t.Errorf("small-order point %d accepted", i)
		}
	}
	// A prime-order point plus a torsion point is not in the subgroup.
	tor := ed25519Torsion(t)
	p := randElement(t, Edwards25519).(*edElement)
	for i := 1; i < 8; i++ {
		var tp edwards25519.Point
		tp.SetBytes(tor[i])
		var q edwards25519.Point
		q.Add(&p.p, &tp)
		if _, err := Edwards25519.ParseElement(q.Bytes()); err == nil {
			t.Errorf("P + T%d accepted", i)
		}
	}
	cases := map[string]string{
		"y = p (non-canonical 0)":              "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"y = p+1 (non-canonical identity)":     "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"y = 2^255−1":                          "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"y = 1 with the sign bit set (x = −0)": "0100000000000000000000000000000000000000000000000000000000000080",
		"y = p+1 with the sign bit set":        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"y = 2 (not on the curve)":             "0200000000000000000000000000000000000000000000000000000000000000",
	}
	for name, s := range cases {
		if _, err := Edwards25519.ParseElement(mustHex(t, s)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestRistretto255Vectors(t *testing.T) {
	// RFC 9496 Appendix A.1: encodings of k·B for k = 0..4.
	multiples := []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
		"6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919",
		"94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259",
		"da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57",
	}
	acc := Ristretto255.NewElement()
	for k, s := range multiples {
		if got := hex.EncodeToString(acc.Bytes()); got != s {
			t.Fatalf("%d·B = %s", k, got)
		}
		if k > 0 {
			e, err := Ristretto255.ParseElement(mustHex(t, s))
			if err != nil || !e.Equal(acc) {
				t.Fatalf("%d·B does not parse: %v", k, err)
			}
		}
		acc.Add(acc, Ristretto255.Generator())
	}
	// RFC 9496 Appendix A.2: invalid encodings (a selection of each kind),
	// plus the identity, which FROST rejects.
	bad := []string{
		"0000000000000000000000000000000000000000000000000000000000000000", // identity
		"00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // non-canonical
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"0100000000000000000000000000000000000000000000000000000000000000", // negative
		"01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
		"26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371", // non-square x^2
		"4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
		"3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e", // negative xy
		"a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // s = −1, y = 0
	}
	for _, s := range bad {
		if _, err := Ristretto255.ParseElement(mustHex(t, s)); err == nil {
			t.Errorf("%s accepted", s)
		}
	}
}
