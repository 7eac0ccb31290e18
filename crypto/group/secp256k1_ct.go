package group

import (
	"crypto/subtle"
	"encoding/binary"
	"math/big"
	"math/bits"
	"sync"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// Constant-time secp256k1 scalar multiplication.
//
// decred's ScalarMultNonConst and ScalarBaseMultNonConst branch on the
// scalar, so secret scalars (nonces, key shares, CGGMP21's k·Γ) go through
// this file instead. Points are kept in homogeneous projective coordinates
// (X:Y:Z), x = X/Z, y = Y/Z, the identity being (0:1:0), and combined with
// the complete formulas of Renes, Costello and Batina, "Complete addition
// formulas for prime order elliptic curves" (EUROCRYPT 2016, ePrint
// 2015/1060), Algorithm 7 (addition) and Algorithm 9 (doubling) for a = 0,
// with b3 = 3·b = 21. They have no exceptional cases, so no branch depends
// on the points. Field arithmetic is decred's FieldVal, which is constant
// time; the comments track each value's magnitude (FieldVal's bound on
// unreduced limbs: Mul needs ≤ 8, Add results ≤ 32).

// secpProj is a projective point with normalized (magnitude 1) coordinates.
type secpProj struct{ X, Y, Z secp256k1.FieldVal }

const secpB3 = 21

// setIdentity sets p to (0:1:0).
func (p *secpProj) setIdentity() {
	p.X.Zero()
	p.Y.SetInt(1)
	p.Z.Zero()
}

// add sets p = a + b (RCB16 Algorithm 7). p may alias a or b.
func (p *secpProj) add(a, b *secpProj) {
	var t0, t1, t2, t3, t4, x3, y3, z3, n secp256k1.FieldVal
	t0.Mul2(&a.X, &b.X)           // 1. t0 = X1·X2        (1)
	t1.Mul2(&a.Y, &b.Y)           // 2. t1 = Y1·Y2        (1)
	t2.Mul2(&a.Z, &b.Z)           // 3. t2 = Z1·Z2        (1)
	t3.Add2(&a.X, &a.Y)           // 4. t3 = X1+Y1        (2)
	t4.Add2(&b.X, &b.Y)           // 5. t4 = X2+Y2        (2)
	t3.Mul(&t4)                   // 6. t3 = t3·t4        (1)
	t4.Add2(&t0, &t1)             // 7. t4 = t0+t1        (2)
	t3.Add(n.NegateVal(&t4, 2))   // 8. t3 = t3−t4        (4)
	t4.Add2(&a.Y, &a.Z)           // 9. t4 = Y1+Z1        (2)
	x3.Add2(&b.Y, &b.Z)           // 10. X3 = Y2+Z2       (2)
	t4.Mul(&x3)                   // 11. t4 = t4·X3       (1)
	x3.Add2(&t1, &t2)             // 12. X3 = t1+t2       (2)
	t4.Add(n.NegateVal(&x3, 2))   // 13. t4 = t4−X3       (4)
	x3.Add2(&a.X, &a.Z)           // 14. X3 = X1+Z1       (2)
	y3.Add2(&b.X, &b.Z)           // 15. Y3 = X2+Z2       (2)
	x3.Mul(&y3)                   // 16. X3 = X3·Y3       (1)
	y3.Add2(&t0, &t2)             // 17. Y3 = t0+t2       (2)
	y3.NegateVal(&y3, 2).Add(&x3) // 18. Y3 = X3−Y3       (4)
	x3.Add2(&t0, &t0)             // 19. X3 = t0+t0       (2)
	t0.Add(&x3)                   // 20. t0 = X3+t0       (3)
	t2.MulInt(secpB3).Normalize() // 21. t2 = b3·t2       (1)
	z3.Add2(&t1, &t2)             // 22. Z3 = t1+t2       (2)
	t1.Add(n.NegateVal(&t2, 1))   // 23. t1 = t1−t2       (3)
	y3.Normalize().MulInt(secpB3) // 24. Y3 = b3·Y3       (21)
	y3.Normalize()                //                      (1)
	x3.Mul2(&t4, &y3)             // 25. X3 = t4·Y3       (1)
	t2.Mul2(&t3, &t1)             // 26. t2 = t3·t1       (1)
	x3.NegateVal(&x3, 1).Add(&t2) // 27. X3 = t2−X3       (3)
	y3.Mul(&t0)                   // 28. Y3 = Y3·t0       (1)
	t1.Mul(&z3)                   // 29. t1 = t1·Z3       (1)
	y3.Add(&t1)                   // 30. Y3 = t1+Y3       (2)
	t0.Mul(&t3)                   // 31. t0 = t0·t3       (1)
	z3.Mul(&t4)                   // 32. Z3 = Z3·t4       (1)
	z3.Add(&t0)                   // 33. Z3 = Z3+t0       (2)
	p.X.Set(x3.Normalize())
	p.Y.Set(y3.Normalize())
	p.Z.Set(z3.Normalize())
}

// double sets p = 2a (RCB16 Algorithm 9). p may alias a.
func (p *secpProj) double(a *secpProj) {
	var t0, t1, t2, x3, y3, z3, n secp256k1.FieldVal
	t0.SquareVal(&a.Y)            // 1. t0 = Y·Y          (1)
	z3.Add2(&t0, &t0)             // 2. Z3 = t0+t0        (2)
	z3.Add(&z3)                   // 3. Z3 = Z3+Z3        (4)
	z3.Add(&z3)                   // 4. Z3 = Z3+Z3        (8)
	t1.Mul2(&a.Y, &a.Z)           // 5. t1 = Y·Z          (1)
	t2.SquareVal(&a.Z)            // 6. t2 = Z·Z          (1)
	t2.MulInt(secpB3).Normalize() // 7. t2 = b3·t2        (1)
	x3.Mul2(&t2, &z3)             // 8. X3 = t2·Z3        (1)
	y3.Add2(&t0, &t2)             // 9. Y3 = t0+t2        (2)
	z3.Mul(&t1)                   // 10. Z3 = t1·Z3       (1)
	t1.Add2(&t2, &t2)             // 11. t1 = t2+t2       (2)
	t2.Add(&t1)                   // 12. t2 = t1+t2       (3)
	t0.Add(n.NegateVal(&t2, 3))   // 13. t0 = t0−t2       (5)
	y3.Mul(&t0)                   // 14. Y3 = t0·Y3       (1)
	y3.Add(&x3)                   // 15. Y3 = X3+Y3       (2)
	t1.Mul2(&a.X, &a.Y)           // 16. t1 = X·Y         (1)
	x3.Mul2(&t0, &t1)             // 17. X3 = t0·t1       (1)
	x3.Add(&x3)                   // 18. X3 = X3+X3       (2)
	p.X.Set(x3.Normalize())
	p.Y.Set(y3.Normalize())
	p.Z.Set(z3.Normalize())
}

// fieldCondAdd adds a to dst when c is 1 and zero when c is 0, without
// branching: MulInt(0) clears every limb.
func fieldCondAdd(dst, a *secp256k1.FieldVal, c uint8) {
	var t secp256k1.FieldVal
	t.Set(a).MulInt(c)
	dst.Add(&t)
}

// secpPacked is a table entry for constant-time lookups: the canonical
// big-endian 64-bit words of X, Y, −Y and Z. Selecting words with masks is
// several times cheaper than selecting FieldVals through arithmetic.
type secpPacked [4][4]uint64

func packField(w *[4]uint64, f *secp256k1.FieldVal) {
	var b [32]byte
	g := *f
	g.Normalize().PutBytes(&b)
	for i := range 4 {
		w[i] = binary.BigEndian.Uint64(b[8*i:])
	}
}

func unpackField(f *secp256k1.FieldVal, w *[4]uint64) {
	var b [32]byte
	for i := range 4 {
		binary.BigEndian.PutUint64(b[8*i:], w[i])
	}
	f.SetBytes(&b)
	clear(b[:])
}

func (e *secpPacked) pack(p *secpProj) {
	var ny secp256k1.FieldVal
	ny.NegateVal(&p.Y, 1)
	packField(&e[0], &p.X)
	packField(&e[1], &p.Y)
	packField(&e[2], &ny)
	packField(&e[3], &p.Z)
}

// signedLookup sets p to sign(d)·table[|d|], where d = (abs, neg) and neg
// is 0 or 1, reading every entry (constant time in abs and neg).
func (p *secpProj) signedLookup(table []secpPacked, abs, neg uint64) {
	var r secpPacked
	for i := range table {
		m := -uint64(subtle.ConstantTimeEq(int32(i), int32(abs)))
		for c := range 4 {
			for w := range 4 {
				r[c][w] |= table[i][c][w] & m
			}
		}
	}
	// Y ← neg ? −Y : Y.
	mn := -neg
	for w := range 4 {
		r[1][w] = r[1][w]&^mn | r[2][w]&mn
	}
	unpackField(&p.X, &r[0])
	unpackField(&p.Y, &r[1])
	unpackField(&p.Z, &r[3])
	clear(r[:])
}

// secpSignedDigits recodes the 256-bit big-endian k into n signed w-bit
// digits d_i ∈ [−2^(w−1), 2^(w−1)] with k = Σ d_i·2^(w·i), returned as
// (|d_i|, sign bit) pairs, in constant time. n·w must be at least 257.
func secpSignedDigits(k *[32]byte, w uint, abs, neg []uint64) {
	var x [5]uint64 // little-endian words, one spare
	for i := range 4 {
		x[i] = binary.BigEndian.Uint64(k[24-8*i:])
	}
	mask := uint64(1)<<w - 1
	carry := uint64(0)
	for i := range abs {
		pos := uint(i) * w
		idx, bit := pos/64, pos%64
		v := x[idx] >> bit
		if bit+w > 64 && idx+1 < 5 { // public positions
			v |= x[idx+1] << (64 - bit)
		}
		v = v&mask + carry
		carry = (v + 1<<(w-1)) >> w // 1 iff v ≥ 2^(w−1)
		d := v - carry<<w           // as a two's complement value
		s := d >> 63
		abs[i] = (d ^ -s) + s
		neg[i] = s
	}
	clear(x[:])
}

// fromJacobian converts a normalized Jacobian point (x = X/Z², y = Y/Z³;
// Z = 0 for the identity) to projective (X·Z : Y : Z³), mapping the
// identity to (0:1:0) without branching.
func (p *secpProj) fromJacobian(j *secp256k1.JacobianPoint) {
	inf := uint8(j.Z.IsZeroBit())
	var z3, y secp256k1.FieldVal
	z3.SquareVal(&j.Z).Mul(&j.Z)
	p.X.Mul2(&j.X, &j.Z).Normalize()
	// Y' = Y·(1−inf) + inf.
	fieldCondAdd(&y, &j.Y, 1-inf)
	var one secp256k1.FieldVal
	one.SetInt(1)
	fieldCondAdd(&y, &one, inf)
	p.Y.Set(y.Normalize())
	p.Z.Set(z3.Normalize())
}

// toJacobian converts p to Jacobian (X·Z, Y·Z², Z); the identity (0:Y:0)
// becomes (0, 0, 0), the package's canonical identity.
func (p *secpProj) toJacobian(j *secp256k1.JacobianPoint) {
	var zz secp256k1.FieldVal
	zz.SquareVal(&p.Z)
	j.Y.Mul2(&p.Y, &zz).Normalize()
	j.X.Mul2(&p.X, &p.Z).Normalize()
	j.Z.Set(&p.Z)
}

// Constant-time GLV decomposition (GECC Section 3.5, Babai rounding, with
// the division by D replaced by a multiplication by a precomputed 384-bit
// reciprocal and a shift): with the basis v1 = (a1, b1), v2 = (a2, b2) of
// secp256k1_glv.go and D = a1·b2 − a2·b1,
//
//	u1 = round(k·|b2|/|D|) = (k·g1 + 2^383) >> 384, g1 = round(2^384·|b2|/|D|)
//	u2 = round(k·|b1|/|D|) = (k·g2 + 2^383) >> 384, g2 = round(2^384·|b1|/|D|)
//	k2 = u1·A + u2·B mod n, A = −sign(b2/D)·b1, B = −sign(−b1/D)·b2
//	k1 = k − k2·λ mod n
//
// which is Babai rounding up to an error of one in each u, so k1 and k2
// are below 2^130 in absolute value (tested). All arithmetic is on fixed
// widths with math/bits and ModNScalar, so it runs in constant time.
var secpGLVConst = func() (c struct {
	g1, g2 [4]uint64
	A, B   secp256k1.ModNScalar
	lambda secp256k1.ModNScalar
	halfN  [32]byte
}) {
	v := secpGLVBasis
	absD := new(big.Int).Abs(secpGLVDet)
	two384 := new(big.Int).Lsh(big.NewInt(1), 384)
	words := func(x *big.Int) (w [4]uint64) {
		if x.BitLen() > 256 {
			panic("group: GLV constant does not fit in 256 bits")
		}
		var b [32]byte
		x.FillBytes(b[:])
		for i := range 4 {
			w[i] = binary.BigEndian.Uint64(b[24-8*i:])
		}
		return w
	}
	c.g1 = words(roundDiv(new(big.Int).Mul(two384, new(big.Int).Abs(v[1][1])), absD))
	c.g2 = words(roundDiv(new(big.Int).Mul(two384, new(big.Int).Abs(v[0][1])), absD))
	sign := func(x *big.Int) int64 { return int64(x.Sign()) }
	s1 := sign(v[1][1]) * sign(secpGLVDet)  // sign of c1 = k·b2/D
	s2 := -sign(v[0][1]) * sign(secpGLVDet) // sign of c2 = −k·b1/D
	c.A = *secpScalarFromBigInt(new(big.Int).Mul(big.NewInt(-s1), v[0][1]))
	c.B = *secpScalarFromBigInt(new(big.Int).Mul(big.NewInt(-s2), v[1][1]))
	c.lambda = *secpScalarFromBigInt(secpLambda)
	new(big.Int).Rsh(secpOrder, 1).FillBytes(c.halfN[:])
	return c
}()

func secpScalarFromBigInt(x *big.Int) *secp256k1.ModNScalar {
	var b [32]byte
	new(big.Int).Mod(x, secpOrder).FillBytes(b[:])
	var s secp256k1.ModNScalar
	s.SetBytes(&b)
	return &s
}

// mulShift384Round returns (k·g + 2^383) >> 384 for 256-bit k and g (both
// little-endian words) as a ModNScalar; the result is below 2^128.
func mulShift384Round(k, g *[4]uint64) secp256k1.ModNScalar {
	var t [8]uint64
	for i := range 4 {
		var carry uint64
		for j := range 4 {
			hi, lo := bits.Mul64(k[i], g[j])
			var c1, c2 uint64
			lo, c1 = bits.Add64(lo, t[i+j], 0)
			hi += c1
			lo, c2 = bits.Add64(lo, carry, 0)
			hi += c2
			t[i+j] = lo
			carry = hi
		}
		t[i+4] = carry
	}
	// + 2^383, then keep words 6 and 7.
	var c uint64
	t[5], c = bits.Add64(t[5], 1<<63, 0)
	t[6], c = bits.Add64(t[6], 0, c)
	t[7], _ = bits.Add64(t[7], 0, c)
	var b [32]byte
	binary.BigEndian.PutUint64(b[16:], t[7])
	binary.BigEndian.PutUint64(b[24:], t[6])
	var u secp256k1.ModNScalar
	u.SetBytes(&b)
	clear(t[:])
	clear(b[:])
	return u
}

// secpSplitCT returns |k1|, |k2| as big-endian bytes and their signs (0 or
// 1) with k ≡ k1 + k2·λ (mod n), in constant time.
func secpSplitCT(k *secp256k1.ModNScalar) (k1, k2 [32]byte, neg1, neg2 uint64) {
	c := &secpGLVConst
	kb := k.Bytes()
	var kw [4]uint64
	for i := range 4 {
		kw[i] = binary.BigEndian.Uint64(kb[24-8*i:])
	}
	u1 := mulShift384Round(&kw, &c.g1)
	u2 := mulShift384Round(&kw, &c.g2)
	var s1, s2, t secp256k1.ModNScalar
	s2.Mul2(&u1, &c.A)
	t.Mul2(&u2, &c.B)
	s2.Add(&t)              // k2
	t.Mul2(&s2, &c.lambda)  // k2·λ
	s1.NegateVal(&t).Add(k) // k1 = k − k2·λ
	abs := func(s *secp256k1.ModNScalar) ([32]byte, uint64) {
		var n secp256k1.ModNScalar
		n.NegateVal(s)
		a, b := s.Bytes(), n.Bytes()
		neg := uint64(ctLessBE(c.halfN[:], a[:])) // s > n/2: use n − s
		m := byte(-neg)
		for i := range a {
			a[i] ^= m & (a[i] ^ b[i])
		}
		clear(b[:])
		n.Zero()
		return a, neg
	}
	k1, neg1 = abs(&s1)
	k2, neg2 = abs(&s2)
	s1.Zero()
	s2.Zero()
	t.Zero()
	u1.Zero()
	u2.Zero()
	clear(kb[:])
	clear(kw[:])
	return k1, k2, neg1, neg2
}

// secpGLVDigits is the number of signed 4-bit digits for a half-length
// scalar (< 2^130): 34·4 = 136 bits.
const secpGLVDigits = 34

// secpScalarMultCT sets r = k·P = k1·P + k2·φ(P) with the GLV split above
// and signed 4-bit windows: tables O, P, ..., 8P and their images under φ
// (X multiplied by β), then 33 × (4 doublings + 2 additions), every table
// entry read at every step.
func secpScalarMultCT(k *secp256k1.ModNScalar, p, r *secp256k1.JacobianPoint) {
	var pts [9]secpProj
	pts[0].setIdentity()
	pts[1].fromJacobian(p)
	pts[2].double(&pts[1])
	for i := 3; i < 9; i++ {
		pts[i].add(&pts[i-1], &pts[1])
	}
	var tab1, tab2 [9]secpPacked
	for i := range pts {
		tab1[i].pack(&pts[i])
		pts[i].X.Mul(&secpBeta).Normalize() // φ(x, y) = (β·x, y)
		tab2[i].pack(&pts[i])
	}
	k1, k2, n1, n2 := secpSplitCT(k)
	var abs1, neg1, abs2, neg2 [secpGLVDigits]uint64
	secpSignedDigits(&k1, 4, abs1[:], neg1[:])
	secpSignedDigits(&k2, 4, abs2[:], neg2[:])
	var acc, t secpProj
	top := secpGLVDigits - 1
	acc.signedLookup(tab1[:], abs1[top], neg1[top]^n1)
	t.signedLookup(tab2[:], abs2[top], neg2[top]^n2)
	acc.add(&acc, &t)
	for i := top - 1; i >= 0; i-- {
		acc.double(&acc)
		acc.double(&acc)
		acc.double(&acc)
		acc.double(&acc)
		t.signedLookup(tab1[:], abs1[i], neg1[i]^n1)
		acc.add(&acc, &t)
		t.signedLookup(tab2[:], abs2[i], neg2[i]^n2)
		acc.add(&acc, &t)
	}
	acc.toJacobian(r)
	clear(k1[:])
	clear(k2[:])
	clear(abs1[:])
	clear(abs2[:])
	clear(neg1[:])
	clear(neg2[:])
	clear(tab1[:])
	clear(tab2[:])
}

const (
	secpBaseWindow  = 5
	secpBaseDigits  = 52 // 52·5 = 260 ≥ 257 bits
	secpBaseEntries = 1<<(secpBaseWindow-1) + 1
)

// secpBaseTable[i][d] = d·32^i·G for d = 0..16 and the 52 signed 5-bit
// digit positions (public data, built once with the complete formulas).
var secpBaseTable = sync.OnceValue(func() *[secpBaseDigits][secpBaseEntries]secpPacked {
	t := new([secpBaseDigits][secpBaseEntries]secpPacked)
	var base, acc secpProj
	base.fromJacobian(&secpG)
	for i := range secpBaseDigits {
		acc.setIdentity()
		for d := range secpBaseEntries {
			t[i][d].pack(&acc)
			acc.add(&acc, &base)
		}
		// acc = 17·base; the next base is 32·base.
		for range 5 {
			base.double(&base)
		}
	}
	return t
})

// secpScalarBaseMultCT sets r = k·G as Σ_i d_i·32^i·G over the 52 signed
// 5-bit digits d_i of k: 52 constant-time lookups and additions, no
// doublings.
func secpScalarBaseMultCT(k *secp256k1.ModNScalar, r *secp256k1.JacobianPoint) {
	tab := secpBaseTable()
	kb := k.Bytes()
	var abs, neg [secpBaseDigits]uint64
	secpSignedDigits(&kb, secpBaseWindow, abs[:], neg[:])
	var acc, t secpProj
	acc.setIdentity()
	for i := range secpBaseDigits {
		t.signedLookup(tab[i][:], abs[i], neg[i])
		acc.add(&acc, &t)
	}
	acc.toJacobian(r)
	clear(kb[:])
	clear(abs[:])
	clear(neg[:])
}

// ctLessBE returns 1 if a < b as big-endian integers of equal length, in
// time independent of their values: the final borrow of a − b.
func ctLessBE(a, b []byte) int {
	borrow := 0
	for i := len(a) - 1; i >= 0; i-- {
		borrow = (int(a[i]) - int(b[i]) - borrow) >> 8 & 1
	}
	return borrow
}
