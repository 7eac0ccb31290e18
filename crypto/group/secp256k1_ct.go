package group

import (
	"crypto/subtle"
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

// lookup sets p to table[idx] reading every entry (constant time in idx).
// Exactly one entry is added to zero, so the result has that entry's limbs.
func (p *secpProj) lookup(table *[16]secpProj, idx uint8) {
	var r secpProj
	for i := range table {
		c := uint8(subtle.ConstantTimeByteEq(uint8(i), idx))
		fieldCondAdd(&r.X, &table[i].X, c)
		fieldCondAdd(&r.Y, &table[i].Y, c)
		fieldCondAdd(&r.Z, &table[i].Z, c)
	}
	p.X.Set(r.X.Normalize())
	p.Y.Set(r.Y.Normalize())
	p.Z.Set(r.Z.Normalize())
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

// secpScalarMultCT sets r = k·P with a fixed 4-bit window: 16-entry table
// of multiples of P, 63 × (4 doublings + 1 addition), every table entry
// read at every step.
func secpScalarMultCT(k *secp256k1.ModNScalar, p, r *secp256k1.JacobianPoint) {
	var table [16]secpProj
	table[0].setIdentity()
	table[1].fromJacobian(p)
	for i := 2; i < 16; i += 2 {
		table[i].double(&table[i/2])
		table[i+1].add(&table[i], &table[1])
	}
	kb := k.Bytes()
	var acc, t secpProj
	acc.lookup(&table, kb[0]>>4)
	for i := 1; i < 64; i++ {
		acc.double(&acc)
		acc.double(&acc)
		acc.double(&acc)
		acc.double(&acc)
		t.lookup(&table, kb[i/2]>>(4*(1-uint(i)&1))&0x0f)
		acc.add(&acc, &t)
	}
	acc.toJacobian(r)
	clear(kb[:])
}

// secpBaseTable[i][d] = d·16^i·G for 64 nibble positions i (public data,
// built once with the same complete formulas).
var secpBaseTable = sync.OnceValue(func() *[64][16]secpProj {
	t := new([64][16]secpProj)
	var base secpProj
	base.fromJacobian(&secpG)
	for i := range 64 {
		t[i][0].setIdentity()
		t[i][1] = base
		for d := 2; d < 16; d++ {
			t[i][d].add(&t[i][d-1], &base)
		}
		base.double(&t[i][8]) // 16·(16^i·G)
	}
	return t
})

// secpScalarBaseMultCT sets r = k·G as Σ_i T[i][k_i] over the 64 nibbles
// k_i of k (least significant first): 64 constant-time lookups and
// additions, no doublings.
func secpScalarBaseMultCT(k *secp256k1.ModNScalar, r *secp256k1.JacobianPoint) {
	tab := secpBaseTable()
	kb := k.Bytes()
	var acc, t secpProj
	acc.setIdentity()
	for i := range 64 {
		b := kb[31-i/2]
		t.lookup(&tab[i], b>>(4*(uint(i)&1))&0x0f)
		acc.add(&acc, &t)
	}
	acc.toJacobian(r)
	clear(kb[:])
}
