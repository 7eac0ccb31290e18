package group

import (
	"math/big"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// The GLV endomorphism of secp256k1 (Gallant, Lambert, Vanstone, CRYPTO
// 2001; "Guide to Elliptic Curve Cryptography" Section 3.5): φ(x, y) =
// (β·x, y) equals [λ]P, where β is a cube root of unity mod p and λ one mod
// n. A scalar k is split into k ≡ k1 + k2·λ (mod n) with |k1|, |k2| about
// √n, so k·P = k1·P + k2·φ(P) needs half as many doublings. Only the
// variable-time multi-scalar multiplication uses it (public scalars).

var (
	secpLambda, _ = new(big.Int).SetString("5363ad4cc05c30e0a5261c028812645a122e22ea20816678df02967c1b23bd72", 16)
	secpBeta      = func() secp256k1.FieldVal {
		var f secp256k1.FieldVal
		b, _ := new(big.Int).SetString("7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501ee", 16)
		var buf [32]byte
		b.FillBytes(buf[:])
		f.SetBytes(&buf)
		return f
	}()
	// secpGLVBasis holds two short vectors (a, b) with a + b·λ ≡ 0 (mod
	// n), found by the extended Euclidean algorithm (GECC Algorithm 3.74),
	// and the lattice determinant a1·b2 − a2·b1 (±n).
	secpGLVBasis = func() (v [2][2]*big.Int) {
		n := secpOrder
		sqrtN := new(big.Int).Sqrt(n)
		// Invariant: s·n + t·λ = r for each row.
		r0, t0 := new(big.Int).Set(n), big.NewInt(0)
		r1, t1 := new(big.Int).Set(secpLambda), big.NewInt(1)
		var rl, tl *big.Int // last remainder ≥ √n
		for r1.Cmp(sqrtN) >= 0 {
			q := new(big.Int).Quo(r0, r1)
			r2 := new(big.Int).Sub(r0, new(big.Int).Mul(q, r1))
			t2 := new(big.Int).Sub(t0, new(big.Int).Mul(q, t1))
			r0, t0, r1, t1 = r1, t1, r2, t2
		}
		rl, tl = r0, t0
		// r1 is now the first remainder < √n: v1 = (r_{l+1}, −t_{l+1}).
		q := new(big.Int).Quo(r0, r1)
		r2 := new(big.Int).Sub(r0, new(big.Int).Mul(q, r1))
		t2 := new(big.Int).Sub(t0, new(big.Int).Mul(q, t1))
		v[0] = [2]*big.Int{new(big.Int).Set(r1), new(big.Int).Neg(t1)}
		// v2 is the shorter of (r_l, −t_l) and (r_{l+2}, −t_{l+2}).
		norm := func(a, b *big.Int) *big.Int {
			return new(big.Int).Add(new(big.Int).Mul(a, a), new(big.Int).Mul(b, b))
		}
		if norm(rl, tl).Cmp(norm(r2, t2)) <= 0 {
			v[1] = [2]*big.Int{rl, new(big.Int).Neg(tl)}
		} else {
			v[1] = [2]*big.Int{r2, new(big.Int).Neg(t2)}
		}
		return v
	}()
	secpGLVDet = new(big.Int).Sub(
		new(big.Int).Mul(secpGLVBasis[0][0], secpGLVBasis[1][1]),
		new(big.Int).Mul(secpGLVBasis[1][0], secpGLVBasis[0][1]))
)

// roundDiv returns round(x/d) for d > 0 or d < 0.
func roundDiv(x, d *big.Int) *big.Int {
	if d.Sign() < 0 {
		x, d = new(big.Int).Neg(x), new(big.Int).Neg(d)
	}
	// floor((2x + d) / 2d)
	num := new(big.Int).Lsh(x, 1)
	num.Add(num, d)
	den := new(big.Int).Lsh(d, 1)
	return num.Div(num, den) // Euclidean: floor, since den > 0
}

// secpGLVSplit returns k1, k2 with k ≡ k1 + k2·λ (mod n) and |k1|, |k2| <
// 2^128 (GECC Section 3.5, Babai rounding against the basis above). It is
// variable time and only for public k.
func secpGLVSplit(k *big.Int) (k1, k2 *big.Int) {
	a1, b1 := secpGLVBasis[0][0], secpGLVBasis[0][1]
	a2, b2 := secpGLVBasis[1][0], secpGLVBasis[1][1]
	// Solve (k, 0) = c1·v1 + c2·v2 over the rationals and round.
	c1 := roundDiv(new(big.Int).Mul(k, b2), secpGLVDet)
	c2 := roundDiv(new(big.Int).Neg(new(big.Int).Mul(k, b1)), secpGLVDet)
	k1 = new(big.Int).Sub(k, new(big.Int).Mul(c1, a1))
	k1.Sub(k1, new(big.Int).Mul(c2, a2))
	k2 = new(big.Int).Mul(c1, b1)
	k2.Add(k2, new(big.Int).Mul(c2, b2))
	k2.Neg(k2)
	return k1, k2
}
