package group

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// allGroups lists every backend with its scalar byte order.
var allGroups = []struct {
	g            Group
	littleEndian bool
}{
	{Secp256k1, false},
	{Edwards25519, true},
	{Ristretto255, true},
	{P256, false},
	{Edwards448, true},
}

// scalarToInt decodes s.Bytes() in the group's byte order.
func scalarToInt(t testing.TB, s Scalar, le bool) *big.Int {
	t.Helper()
	b := s.Bytes()
	if le {
		b = slices.Clone(b)
		slices.Reverse(b)
	}
	return new(big.Int).SetBytes(b)
}

// intToBytes encodes v (0 ≤ v < 2^(8n)) in n bytes in the given order.
func intToBytes(v *big.Int, n int, le bool) []byte {
	b := v.FillBytes(make([]byte, n))
	if le {
		slices.Reverse(b)
	}
	return b
}

func mustRandScalar(t testing.TB, g Group) Scalar {
	t.Helper()
	s, err := g.RandomScalar(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randElement(t testing.TB, g Group) Element {
	return g.NewElement().ScalarBaseMult(mustRandScalar(t, g))
}

func TestGroupConformance(t *testing.T) {
	for _, tc := range allGroups {
		g, le := tc.g, tc.littleEndian
		t.Run(g.Name(), func(t *testing.T) {
			t.Run("the order is a fresh copy of a prime", func(t *testing.T) {
				o := g.Order()
				if !o.ProbablyPrime(20) {
					t.Fatal("order is not prime")
				}
				o.SetInt64(1)
				if g.Order().Cmp(o) == 0 {
					t.Fatal("Order returned shared state")
				}
			})

			t.Run("scalar encodings round-trip and reject out-of-range values", func(t *testing.T) {
				n := g.ScalarLen()
				for range 50 {
					s := mustRandScalar(t, g)
					b := s.Bytes()
					if len(b) != n {
						t.Fatalf("len %d", len(b))
					}
					s2, err := g.ParseScalar(b)
					if err != nil || !s2.Equal(s) || !bytes.Equal(s2.Bytes(), b) {
						t.Fatalf("round trip failed: %v", err)
					}
				}
				ord := g.Order()
				cases := []struct {
					name string
					b    []byte
					ok   bool
				}{
					{"zero", make([]byte, n), true},
					{"order minus one", intToBytes(new(big.Int).Sub(ord, big.NewInt(1)), n, le), true},
					{"the order", intToBytes(ord, n, le), false},
					{"order plus one", intToBytes(new(big.Int).Add(ord, big.NewInt(1)), n, le), false},
					{"all ones", bytes.Repeat([]byte{0xff}, n), false},
					{"empty", nil, false},
					{"one byte short", make([]byte, n-1), false},
					{"one byte long", make([]byte, n+1), false},
				}
				for _, c := range cases {
					s, err := g.ParseScalar(c.b)
					if c.ok != (err == nil) {
						t.Errorf("%s: err = %v", c.name, err)
					}
					if err != nil && !errors.Is(err, ErrInvalidScalar) {
						t.Errorf("%s: wrong error %v", c.name, err)
					}
					if err == nil && !bytes.Equal(s.Bytes(), c.b) {
						t.Errorf("%s: re-encoding differs", c.name)
					}
				}
			})

			t.Run("element encodings round-trip and reject the identity and bad lengths", func(t *testing.T) {
				n := g.ElementLen()
				gen := g.Generator()
				if gb, err := g.ParseElement(gen.Bytes()); err != nil || !gb.Equal(gen) {
					t.Fatalf("generator round trip: %v", err)
				}
				for range 50 {
					e := randElement(t, g)
					b := e.Bytes()
					if len(b) != n {
						t.Fatalf("len %d", len(b))
					}
					e2, err := g.ParseElement(b)
					if err != nil || !e2.Equal(e) || !bytes.Equal(e2.Bytes(), b) {
						t.Fatalf("round trip failed: %v", err)
					}
				}
				id := g.NewElement()
				if !id.IsIdentity() || len(id.Bytes()) != n {
					t.Fatal("NewElement is not the identity")
				}
				if _, err := g.ParseElement(id.Bytes()); err == nil {
					t.Fatal("identity accepted")
				}
				for _, b := range [][]byte{nil, make([]byte, n-1), make([]byte, n+1), append(gen.Bytes(), 0), gen.Bytes()[1:]} {
					if _, err := g.ParseElement(b); err == nil {
						t.Fatalf("accepted %d-byte input", len(b))
					}
				}
			})

			t.Run("scalar field laws hold", func(t *testing.T) {
				for range 20 {
					a, b, c := mustRandScalar(t, g), mustRandScalar(t, g), mustRandScalar(t, g)
					ord := g.Order()
					ai, bi := scalarToInt(t, a, le), scalarToInt(t, b, le)
					check := func(name string, got Scalar, want *big.Int) {
						t.Helper()
						want.Mod(want, ord)
						if scalarToInt(t, got, le).Cmp(want) != 0 {
							t.Fatalf("%s mismatch", name)
						}
					}
					check("add", g.NewScalar().Add(a, b), new(big.Int).Add(ai, bi))
					check("sub", g.NewScalar().Sub(a, b), new(big.Int).Sub(ai, bi))
					check("mul", g.NewScalar().Mul(a, b), new(big.Int).Mul(ai, bi))
					check("negate", g.NewScalar().Negate(a), new(big.Int).Neg(ai))
					check("invert", g.NewScalar().Invert(a), new(big.Int).ModInverse(ai, ord))
					check("invert (variable time)", InvertVarTime(g.NewScalar(), a), new(big.Int).ModInverse(ai, ord))
					if f, ok := g.NewScalar().(interface{ invertFermat(Scalar) Scalar }); ok {
						check("invert (Fermat)", f.invertFermat(a), new(big.Int).ModInverse(ai, ord))
					}
					// a(b+c) = ab+ac, with aliasing of the receiver.
					l := g.NewScalar().Set(b)
					l.Add(l, c).Mul(a, l)
					r := g.NewScalar().Mul(a, c)
					r.Add(g.NewScalar().Mul(a, b), r)
					if !l.Equal(r) {
						t.Fatal("distributivity")
					}
					if inv := g.NewScalar().Invert(a); !inv.Mul(inv, a).Equal(g.NewScalar().SetUint64(1)) {
						t.Fatal("a·a⁻¹ ≠ 1")
					}
					if !g.NewScalar().Add(a, g.NewScalar().Negate(a)).IsZero() {
						t.Fatal("a + (−a) ≠ 0")
					}
				}
				zero := g.NewScalar()
				if f, ok := g.NewScalar().(interface{ invertFermat(Scalar) Scalar }); ok && !f.invertFermat(zero).IsZero() {
					t.Fatal("Fermat inverse of zero is not zero")
				}
				if !zero.IsZero() || !g.NewScalar().Invert(zero).IsZero() || !InvertVarTime(g.NewScalar(), zero).IsZero() {
					t.Fatal("inverse of zero is not zero")
				}
				if g.NewScalar().SetUint64(1).IsZero() {
					t.Fatal("one is zero")
				}
				if g.NewScalar().SetUint64(7).Equal(g.NewScalar().SetUint64(8)) {
					t.Fatal("7 = 8")
				}
				s := mustRandScalar(t, g)
				s.Zero()
				if !s.IsZero() {
					t.Fatal("Zero did not wipe")
				}
			})

			t.Run("SetUint64 matches the integer", func(t *testing.T) {
				for _, v := range []uint64{0, 1, 2, 255, 256, 1 << 32, 1<<63 + 12345, ^uint64(0)} {
					got := scalarToInt(t, g.NewScalar().SetUint64(v), le)
					if got.Cmp(new(big.Int).SetUint64(v)) != 0 {
						t.Fatalf("SetUint64(%d) = %v", v, got)
					}
				}
			})

			t.Run("SetUniformBytes reduces every accepted length modulo the order", func(t *testing.T) {
				maxLen := 2*g.ScalarLen() + 16
				for l := 0; l <= maxLen; l++ {
					for _, fill := range []byte{0xff, 0} {
						b := make([]byte, l)
						if fill == 0 {
							rand.Read(b)
						} else {
							for i := range b {
								b[i] = fill
							}
						}
						s, err := g.NewScalar().SetUniformBytes(b)
						if err != nil {
							t.Fatalf("len %d: %v", l, err)
						}
						be := slices.Clone(b)
						if le {
							slices.Reverse(be)
						}
						want := new(big.Int).Mod(new(big.Int).SetBytes(be), g.Order())
						if scalarToInt(t, s, le).Cmp(want) != 0 {
							t.Fatalf("len %d: wrong reduction", l)
						}
					}
				}
				if _, err := g.NewScalar().SetUniformBytes(make([]byte, maxLen+1)); err == nil {
					t.Fatal("accepted an over-long input")
				}
			})

			t.Run("RandomScalar is nonzero and reports reader errors", func(t *testing.T) {
				seen := map[string]bool{}
				for range 20 {
					s := mustRandScalar(t, g)
					if s.IsZero() || seen[string(s.Bytes())] {
						t.Fatal("zero or repeated random scalar")
					}
					seen[string(s.Bytes())] = true
				}
				if _, err := g.RandomScalar(bytes.NewReader(nil)); err == nil {
					t.Fatal("no error from an empty reader")
				}
				if _, err := g.RandomScalar(bytes.NewReader(make([]byte, 10000))); err == nil {
					t.Fatal("no error from an all-zero reader")
				}
			})

			t.Run("scalars print redacted", func(t *testing.T) {
				s := mustRandScalar(t, g)
				for _, f := range []string{"%v", "%s", "%+v", "%#v", "%d", "%x", "%X", "%q", "%T %v"} {
					var got string
					if f == "%T %v" {
						got = fmt.Sprintf("%v", []any{s, struct{ S Scalar }{s}})
						if strings.Count(got, "<redacted>") != 2 {
							t.Fatalf("nested scalar printed %q", got)
						}
						continue
					}
					if got = fmt.Sprintf(f, s); got != "<redacted>" {
						t.Fatalf("%s printed %q", f, got)
					}
				}
			})

			t.Run("element group laws hold", func(t *testing.T) {
				id := g.NewElement()
				for range 10 {
					a, b := randElement(t, g), randElement(t, g)
					if !g.NewElement().Sub(g.NewElement().Add(a, b), b).Equal(a) {
						t.Fatal("a+b−b ≠ a")
					}
					if !g.NewElement().Add(a, b).Equal(g.NewElement().Add(b, a)) {
						t.Fatal("a+b ≠ b+a")
					}
					if !g.NewElement().Add(a, id).Equal(a) || !g.NewElement().Add(id, a).Equal(a) {
						t.Fatal("a+0 ≠ a")
					}
					if !g.NewElement().Add(a, g.NewElement().Negate(a)).IsIdentity() {
						t.Fatal("a + (−a) ≠ 0")
					}
					if !g.NewElement().Sub(a, a).IsIdentity() {
						t.Fatal("a − a ≠ 0")
					}
					if !g.NewElement().Double(a).Equal(g.NewElement().Add(a, a)) {
						t.Fatal("2a ≠ a+a")
					}
					if a.Equal(b) || a.Equal(id) || id.Equal(a) || !id.Equal(g.NewElement()) {
						t.Fatal("Equal is wrong")
					}
					// Aliasing: receiver is an operand.
					c := g.NewElement().Set(a)
					c.Add(c, c)
					if !c.Equal(g.NewElement().Double(a)) {
						t.Fatal("aliased add")
					}
					c.Sub(c, a)
					if !c.Equal(a) {
						t.Fatal("aliased sub")
					}
				}
				if !g.NewElement().Double(id).IsIdentity() || !g.NewElement().Negate(id).IsIdentity() ||
					!g.NewElement().Add(id, id).IsIdentity() {
					t.Fatal("identity arithmetic")
				}
			})

			t.Run("scalar multiplication is consistent", func(t *testing.T) {
				gen := g.Generator()
				for range 10 {
					s, u := mustRandScalar(t, g), mustRandScalar(t, g)
					sG := g.NewElement().ScalarBaseMult(s)
					if !g.NewElement().ScalarMult(s, gen).Equal(sG) {
						t.Fatal("ScalarMult(s, G) ≠ ScalarBaseMult(s)")
					}
					lhs := g.NewElement().ScalarMult(s, g.NewElement().ScalarBaseMult(u))
					rhs := g.NewElement().ScalarBaseMult(g.NewScalar().Mul(s, u))
					if !lhs.Equal(rhs) {
						t.Fatal("s·(u·G) ≠ (su)·G")
					}
					sum := g.NewElement().Add(sG, g.NewElement().ScalarBaseMult(u))
					if !g.NewElement().ScalarBaseMult(g.NewScalar().Add(s, u)).Equal(sum) {
						t.Fatal("(s+u)·G ≠ s·G + u·G")
					}
					// Aliased receiver.
					e := g.NewElement().ScalarBaseMult(u)
					e.ScalarMult(s, e)
					if !e.Equal(lhs) {
						t.Fatal("aliased ScalarMult")
					}
				}
				zero := g.NewScalar()
				if !g.NewElement().ScalarBaseMult(zero).IsIdentity() ||
					!g.NewElement().ScalarMult(zero, gen).IsIdentity() ||
					!g.NewElement().ScalarMult(mustRandScalar(t, g), g.NewElement()).IsIdentity() {
					t.Fatal("multiplication by zero or of the identity")
				}
				one := g.NewScalar().SetUint64(1)
				if !g.NewElement().ScalarBaseMult(one).Equal(gen) {
					t.Fatal("1·G ≠ G")
				}
				minusOne := g.NewScalar().Negate(one)
				if !g.NewElement().ScalarBaseMult(minusOne).Equal(g.NewElement().Negate(gen)) {
					t.Fatal("(−1)·G ≠ −G")
				}
				// Small multiples against repeated addition.
				acc := g.NewElement()
				for k := uint64(0); k < 40; k++ {
					ks := g.NewScalar().SetUint64(k)
					if !g.NewElement().ScalarBaseMult(ks).Equal(acc) || !g.NewElement().ScalarMult(ks, gen).Equal(acc) {
						t.Fatalf("%d·G wrong", k)
					}
					if !SmallMult(g.NewElement(), k, gen).Equal(acc) {
						t.Fatalf("SmallMult %d wrong", k)
					}
					acc.Add(acc, gen)
				}
			})

			t.Run("multi-scalar multiplication equals the sum of products", func(t *testing.T) {
				for _, n := range []int{0, 1, 2, 3, 4, 7, 10, 33} {
					ss := make([]Scalar, n)
					ps := make([]Element, n)
					want := g.NewElement()
					for i := range n {
						ss[i] = mustRandScalar(t, g)
						ps[i] = randElement(t, g)
						switch {
						case i == 1:
							ss[i] = g.NewScalar() // zero scalar
						case i == 2:
							ps[i] = g.NewElement() // identity point
						case i == 3:
							ps[i] = g.Generator()
						case i == 4:
							ps[i] = g.NewElement().Set(ps[0]) // repeated point
						case i == 5:
							ss[i] = g.NewScalar().SetUint64(1)
						case i == 6:
							ss[i] = g.NewScalar().Negate(g.NewScalar().SetUint64(1))
						}
						want.Add(want, g.NewElement().ScalarMult(ss[i], ps[i]))
					}
					got := randElement(t, g).VarTimeMultiScalarMult(ss, ps)
					if !got.Equal(want) {
						t.Fatalf("%d terms: MSM differs", n)
					}
				}
				// Terms on the generator, alone, paired, repeated.
				gen := g.Generator()
				s1, s2, s3 := mustRandScalar(t, g), mustRandScalar(t, g), mustRandScalar(t, g)
				p1 := randElement(t, g)
				genCases := []struct {
					ss []Scalar
					ps []Element
				}{
					{[]Scalar{s1}, []Element{gen}},
					{[]Scalar{s1, s2}, []Element{gen, p1}},
					{[]Scalar{s2, s1}, []Element{p1, gen}},
					{[]Scalar{s1, s2, s3}, []Element{gen, p1, gen}},
					{[]Scalar{s1, g.NewScalar().Negate(s1)}, []Element{gen, gen}},
					{[]Scalar{s1, s2, s3}, []Element{gen, p1, g.NewElement().Negate(p1)}},
				}
				for i, c := range genCases {
					want := g.NewElement()
					for j := range c.ss {
						want.Add(want, g.NewElement().ScalarMult(c.ss[j], c.ps[j]))
					}
					if !g.NewElement().VarTimeMultiScalarMult(c.ss, c.ps).Equal(want) {
						t.Fatalf("generator case %d: MSM differs", i)
					}
				}
				// The receiver is one of the inputs.
				for range 3 {
					e := randElement(t, g)
					ss := []Scalar{mustRandScalar(t, g), mustRandScalar(t, g), g.NewScalar().SetUint64(1)}
					want := g.NewElement().VarTimeMultiScalarMult(ss, []Element{e, gen, e})
					if !e.VarTimeMultiScalarMult(ss, []Element{e, gen, e}).Equal(want) {
						t.Fatal("aliased MSM differs")
					}
				}
				// Terms that cancel.
				s := mustRandScalar(t, g)
				p := randElement(t, g)
				got := g.NewElement().VarTimeMultiScalarMult([]Scalar{s, g.NewScalar().Negate(s)}, []Element{p, p})
				if !got.IsIdentity() {
					t.Fatal("cancelling terms")
				}
			})

			t.Run("EvalCommitment evaluates the committed polynomial", func(t *testing.T) {
				coeffs := make([]Scalar, 4)
				commits := make([]Element, 4)
				for i := range coeffs {
					coeffs[i] = mustRandScalar(t, g)
					commits[i] = g.NewElement().ScalarBaseMult(coeffs[i])
				}
				for _, x := range []uint64{0, 1, 2, 5, 1000} {
					xs := g.NewScalar().SetUint64(x)
					v := g.NewScalar()
					for k := len(coeffs) - 1; k >= 0; k-- {
						v.Mul(v, xs).Add(v, coeffs[k])
					}
					if !EvalCommitment(g.NewElement(), x, commits).Equal(g.NewElement().ScalarBaseMult(v)) {
						t.Fatalf("x = %d", x)
					}
				}
			})
		})
	}
}

// TestScalarMultMatchesMSMRandomly cross-checks the two multiplication
// paths on more inputs, including small and boundary scalars.
func TestScalarMultMatchesMSMRandomly(t *testing.T) {
	r := mrand.New(mrand.NewPCG(1, 2))
	for _, tc := range allGroups {
		g, le := tc.g, tc.littleEndian
		t.Run(g.Name(), func(t *testing.T) {
			ord := g.Order()
			var specials []Scalar
			for _, v := range []int64{0, 1, 2, 3, 15, 16, 17, -1, -2, -3} {
				w := new(big.Int).Mod(big.NewInt(v), ord)
				s, err := g.ParseScalar(intToBytes(w, g.ScalarLen(), le))
				if err != nil {
					t.Fatal(err)
				}
				specials = append(specials, s)
			}
			p := randElement(t, g)
			for i := range 200 {
				var s Scalar
				if i < len(specials) {
					s = specials[i]
				} else {
					b := make([]byte, g.ScalarLen()+16)
					for j := range b {
						b[j] = byte(r.Uint32())
					}
					s, _ = g.NewScalar().SetUniformBytes(b)
				}
				want := g.NewElement().VarTimeMultiScalarMult([]Scalar{s}, []Element{p})
				if !g.NewElement().ScalarMult(s, p).Equal(want) {
					t.Fatalf("case %d: ScalarMult differs from MSM", i)
				}
				wantG := g.NewElement().VarTimeMultiScalarMult([]Scalar{s}, []Element{g.Generator()})
				if !g.NewElement().ScalarBaseMult(s).Equal(wantG) {
					t.Fatalf("case %d: ScalarBaseMult differs from MSM", i)
				}
			}
		})
	}
}
