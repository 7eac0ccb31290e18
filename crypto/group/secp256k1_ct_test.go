package group

import (
	"math/big"
	mrand "math/rand/v2"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

func secpJacEqual(a, b *secp256k1.JacobianPoint) bool {
	return (&secpElement{p: *a}).Equal(&secpElement{p: *b})
}

func secpScalarFromBig(v *big.Int) *secp256k1.ModNScalar {
	var b [32]byte
	new(big.Int).Mod(v, secpOrder).FillBytes(b[:])
	var s secp256k1.ModNScalar
	s.SetBytes(&b)
	return &s
}

// TestSecp256k1ConstantTimeMatchesDecred compares the complete-formula
// multiplications with decred's variable-time ones.
func TestSecp256k1ConstantTimeMatchesDecred(t *testing.T) {
	r := mrand.New(mrand.NewPCG(3, 4))
	var scalars []*secp256k1.ModNScalar
	for _, v := range []int64{0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 255, 256, 65535, -1, -2, -3, -16} {
		scalars = append(scalars, secpScalarFromBig(big.NewInt(v)))
	}
	half := new(big.Int).Rsh(secpOrder, 1)
	scalars = append(scalars, secpScalarFromBig(half), secpScalarFromBig(new(big.Int).Add(half, big.NewInt(1))),
		secpScalarFromBig(new(big.Int).Lsh(big.NewInt(1), 255)), secpScalarFromBig(new(big.Int).Lsh(big.NewInt(1), 128)))
	n := 2000
	if testing.Short() {
		n = 200
	}
	for range n {
		var b [32]byte
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		var s secp256k1.ModNScalar
		s.SetBytes(&b)
		scalars = append(scalars, &s)
	}
	var p secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(secpScalarFromBig(big.NewInt(0x1234567)), &p)
	var pz secp256k1.JacobianPoint // same point with Z ≠ 1
	secp256k1.AddNonConst(&p, &p, &pz)
	secp256k1.AddNonConst(&pz, &secpG, &pz)
	var identity secp256k1.JacobianPoint
	for i, k := range scalars {
		var want, got secp256k1.JacobianPoint
		secp256k1.ScalarBaseMultNonConst(k, &want)
		secpCanonIdentity(&want)
		secpScalarBaseMultCT(k, &got)
		if !secpJacEqual(&got, &want) {
			t.Fatalf("scalar %d: ScalarBaseMult differs", i)
		}
		for _, q := range []*secp256k1.JacobianPoint{&p, &pz} {
			secp256k1.ScalarMultNonConst(k, q, &want)
			secpCanonIdentity(&want)
			secpScalarMultCT(k, q, &got)
			if !secpJacEqual(&got, &want) {
				t.Fatalf("scalar %d: ScalarMult differs", i)
			}
		}
		if i < 40 {
			secpScalarMultCT(k, &identity, &got)
			if !got.Z.IsZero() || !got.X.IsZero() || !got.Y.IsZero() {
				t.Fatalf("scalar %d: k·O is not the canonical identity", i)
			}
		}
	}
}

// TestSecp256k1CompleteFormulasEdgeCases exercises the exceptional cases
// of incomplete formulas: P+P, P+(−P), O+P, P+O, O+O, 2·O.
func TestSecp256k1CompleteFormulasEdgeCases(t *testing.T) {
	var pj, nj secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(secpScalarFromBig(big.NewInt(99)), &pj)
	nj.Set(&pj)
	nj.Y.Negate(1).Normalize()
	var p, n, o, r secpProj
	p.fromJacobian(&pj)
	n.fromJacobian(&nj)
	o.setIdentity()
	check := func(name string, got *secpProj, want *secp256k1.JacobianPoint) {
		t.Helper()
		var j secp256k1.JacobianPoint
		got.toJacobian(&j)
		w := *want
		secpCanonIdentity(&w)
		if !secpJacEqual(&j, &w) {
			t.Fatalf("%s is wrong", name)
		}
	}
	var two secp256k1.JacobianPoint
	secp256k1.DoubleNonConst(&pj, &two)
	var id secp256k1.JacobianPoint
	r.add(&p, &p)
	check("P+P", &r, &two)
	r.double(&p)
	check("2P", &r, &two)
	r.add(&p, &n)
	check("P+(−P)", &r, &id)
	r.add(&o, &p)
	check("O+P", &r, &pj)
	r.add(&p, &o)
	check("P+O", &r, &pj)
	r.add(&o, &o)
	check("O+O", &r, &id)
	r.double(&o)
	check("2·O", &r, &id)
	var back secpProj
	back.fromJacobian(&id)
	check("identity round trip", &back, &id)
}

// TestSecp256k1WNAF reconstructs scalars from their width-w NAF and checks
// the digit constraints.
func TestSecp256k1WNAF(t *testing.T) {
	r := mrand.New(mrand.NewPCG(5, 6))
	inputs := [][32]byte{{}, {31: 1}, {31: 0xff}}
	var ones [32]byte
	for i := range ones {
		ones[i] = 0xff
	}
	inputs = append(inputs, ones)
	for range 500 {
		var k [32]byte
		for j := range k {
			k[j] = byte(r.Uint32())
		}
		inputs = append(inputs, k)
	}
	for _, w := range []uint{2, 4, 5, 6, 8} {
		for _, k := range inputs {
			var naf [257]int8
			top := secpWNAF(&k, w, &naf)
			sum := new(big.Int)
			last := -1000
			for i := 256; i >= 0; i-- {
				d := int(naf[i])
				if d != 0 {
					if d%2 == 0 || d >= 1<<(w-1) || d <= -(1<<(w-1)) {
						t.Fatalf("w=%d: bad digit %d", w, d)
					}
					if last-i < int(w) && last != -1000 {
						t.Fatalf("w=%d: digits too close", w)
					}
					last = i
					if i >= top {
						t.Fatalf("w=%d: digit above top", w)
					}
				}
				sum.Lsh(sum, 1).Add(sum, big.NewInt(int64(d)))
			}
			if sum.Cmp(new(big.Int).SetBytes(k[:])) != 0 {
				t.Fatalf("w=%d: NAF does not sum to k", w)
			}
		}
	}
}

// TestSecp256k1GLV checks the endomorphism constants and the scalar split.
func TestSecp256k1GLV(t *testing.T) {
	// λ·G = (β·Gx, Gy).
	var lg secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(secpScalarFromBig(secpLambda), &lg)
	lg.ToAffine()
	var bx secp256k1.FieldVal
	bx.Mul2(&secpG.X, &secpBeta).Normalize()
	if !lg.X.Equals(&bx) || !lg.Y.Equals(&secpG.Y) {
		t.Fatal("λ·G ≠ φ(G)")
	}
	for _, v := range secpGLVBasis {
		c := new(big.Int).Mul(v[1], secpLambda)
		c.Add(c, v[0]).Mod(c, secpOrder)
		if c.Sign() != 0 || v[0].BitLen() > 129 || v[1].BitLen() > 129 {
			t.Fatal("bad lattice basis")
		}
	}
	if new(big.Int).Abs(secpGLVDet).Cmp(secpOrder) != 0 {
		t.Fatal("basis determinant is not ±n")
	}
	r := mrand.New(mrand.NewPCG(7, 8))
	ks := []*big.Int{big.NewInt(0), big.NewInt(1), new(big.Int).Sub(secpOrder, big.NewInt(1)), new(big.Int).Set(secpLambda)}
	for range 2000 {
		var b [32]byte
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		ks = append(ks, new(big.Int).Mod(new(big.Int).SetBytes(b[:]), secpOrder))
	}
	for _, k := range ks {
		k1, k2 := secpGLVSplit(k)
		if k1.BitLen() > 128 || k2.BitLen() > 128 {
			t.Fatalf("split too long: %d, %d bits", k1.BitLen(), k2.BitLen())
		}
		c := new(big.Int).Mul(k2, secpLambda)
		c.Add(c, k1).Sub(c, k).Mod(c, secpOrder)
		if c.Sign() != 0 {
			t.Fatal("k1 + k2·λ ≠ k")
		}
	}
}

// TestSecp256k1SignedDigits reconstructs scalars from the constant-time
// signed recoding.
func TestSecp256k1SignedDigits(t *testing.T) {
	r := mrand.New(mrand.NewPCG(9, 10))
	var ones [32]byte
	for i := range ones {
		ones[i] = 0xff
	}
	inputs := [][32]byte{{}, {31: 1}, {31: 8}, {31: 16}, ones}
	for range 500 {
		var k [32]byte
		for j := range k {
			k[j] = byte(r.Uint32())
		}
		inputs = append(inputs, k)
	}
	for _, c := range []struct {
		w uint
		n int
	}{{4, 65}, {5, 52}} {
		for _, k := range inputs {
			abs := make([]uint64, c.n)
			neg := make([]uint64, c.n)
			secpSignedDigits(&k, c.w, abs, neg)
			sum := new(big.Int)
			for i := c.n - 1; i >= 0; i-- {
				if abs[i] > 1<<(c.w-1) || neg[i] > 1 {
					t.Fatalf("w=%d: digit out of range", c.w)
				}
				d := new(big.Int).SetUint64(abs[i])
				if neg[i] == 1 {
					d.Neg(d)
				}
				sum.Lsh(sum, c.w).Add(sum, d)
			}
			if sum.Cmp(new(big.Int).SetBytes(k[:])) != 0 {
				t.Fatalf("w=%d: digits do not sum to k", c.w)
			}
		}
	}
}

// TestSecp256k1SplitCT checks the constant-time GLV split: k ≡ ±k1 ± k2·λ
// with both halves below 2^130, on random and boundary scalars.
func TestSecp256k1SplitCT(t *testing.T) {
	r := mrand.New(mrand.NewPCG(11, 12))
	var ks []*big.Int
	for _, v := range []int64{0, 1, 2, -1, -2} {
		ks = append(ks, new(big.Int).Mod(big.NewInt(v), secpOrder))
	}
	half := new(big.Int).Rsh(secpOrder, 1)
	ks = append(ks, half, new(big.Int).Add(half, big.NewInt(1)), new(big.Int).Set(secpLambda),
		new(big.Int).Sub(secpOrder, secpLambda), new(big.Int).Lsh(big.NewInt(1), 255), new(big.Int).Lsh(big.NewInt(1), 128))
	for _, v := range secpGLVBasis {
		for _, x := range v {
			ks = append(ks, new(big.Int).Mod(x, secpOrder), new(big.Int).Mod(new(big.Int).Neg(x), secpOrder))
		}
	}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		var b [32]byte
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		ks = append(ks, new(big.Int).Mod(new(big.Int).SetBytes(b[:]), secpOrder))
	}
	for _, k := range ks {
		k1b, k2b, n1, n2 := secpSplitCT(secpScalarFromBig(k))
		k1, k2 := new(big.Int).SetBytes(k1b[:]), new(big.Int).SetBytes(k2b[:])
		if k1.BitLen() > 130 || k2.BitLen() > 130 {
			t.Fatalf("k = %x: halves of %d and %d bits", k, k1.BitLen(), k2.BitLen())
		}
		if n1 == 1 {
			k1.Neg(k1)
		}
		if n2 == 1 {
			k2.Neg(k2)
		}
		c := new(big.Int).Mul(k2, secpLambda)
		c.Add(c, k1).Sub(c, k).Mod(c, secpOrder)
		if c.Sign() != 0 {
			t.Fatalf("k = %x: k1 + k2·λ ≠ k", k)
		}
	}
}

// TestSecp256k1MSMMatchesDecred compares the Straus/GLV multi-scalar
// multiplication with sums of decred's ScalarMultNonConst on random shapes:
// 1 to 12 terms, generator terms, repeated and negated points, unit, zero
// and boundary scalars.
func TestSecp256k1MSMMatchesDecred(t *testing.T) {
	r := mrand.New(mrand.NewPCG(15, 16))
	iters := 300
	if testing.Short() {
		iters = 50
	}
	pool := []Element{Secp256k1.Generator()}
	for range 6 {
		pool = append(pool, randElement(t, Secp256k1))
	}
	pool = append(pool, Secp256k1.NewElement().Negate(pool[1]), Secp256k1.NewElement())
	special := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), new(big.Int).Sub(secpOrder, big.NewInt(1)),
		new(big.Int).Set(secpLambda), new(big.Int).Rsh(secpOrder, 1)}
	for range iters {
		n := 1 + r.IntN(12)
		ss := make([]Scalar, n)
		ps := make([]Element, n)
		var want secp256k1.JacobianPoint
		for i := range n {
			var k *big.Int
			if r.IntN(4) == 0 {
				k = special[r.IntN(len(special))]
			} else {
				var b [32]byte
				for j := range b {
					b[j] = byte(r.Uint32())
				}
				k = new(big.Int).SetBytes(b[:])
			}
			ss[i] = Secp256k1ScalarFromModN(secpScalarFromBig(k))
			ps[i] = pool[r.IntN(len(pool))]
			var term secp256k1.JacobianPoint
			secp256k1.ScalarMultNonConst(secpS(ss[i]), secpP(ps[i]), &term)
			secp256k1.AddNonConst(&want, &term, &want)
		}
		secpCanonIdentity(&want)
		got := Secp256k1.NewElement().VarTimeMultiScalarMult(ss, ps)
		if !secpJacEqual(secpP(got), &want) {
			t.Fatalf("MSM of %d terms differs from decred", n)
		}
	}
}
