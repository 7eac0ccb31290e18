package group

import (
	"crypto/rand"
	"math/big"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// Scalar inversion by multiplicative blinding.
//
// Invert must not leak a, but a constant-time Fermat inversion costs a full
// exponentiation (about 50 µs for secp256k1 here). Instead, for a fresh
// uniformly random nonzero r, 1/a = r · 1/(a·r): the product a·r is uniform
// on the nonzero scalars and independent of a (for a ≠ 0), so inverting it
// with a fast variable-time extended Euclid reveals nothing about a. Only
// a = 0 is distinguishable (a·r = 0), and its inverse is defined as 0.
// The multiplications are constant time; r comes from crypto/rand and is
// wiped after use.

// Invert sets s = 1/a (blinded, see above); the inverse of zero is zero.
func (s *secpScalar) Invert(a Scalar) Scalar {
	var r, ar, inv secp256k1.ModNScalar
	var b [32]byte
	for {
		rand.Read(b[:]) //nolint:errcheck // never fails (Go ≥ 1.24)
		r.SetBytes(&b)
		if r.IsZeroBit() == 0 { // r is public-random, not secret-dependent
			break
		}
	}
	ar.Mul2(secpS(a), &r)
	inv.InverseValNonConst(&ar)
	s.s.Mul2(&inv, &r)
	clear(b[:])
	r.Zero()
	ar.Zero()
	inv.Zero()
	return s
}

// Invert sets s = 1/a (blinded, see above); the inverse of zero is zero.
func (s *modScalar) Invert(a Scalar) Scalar {
	f := s.f
	r := f.newScalar()
	buf := make([]byte, f.size+16)
	for {
		rand.Read(buf)         //nolint:errcheck // never fails (Go ≥ 1.24)
		r.SetUniformBytes(buf) //nolint:errcheck // length is valid
		if !r.IsZero() {
			break
		}
	}
	ar := f.newScalar()
	ar.Mul(a, r)
	arb := ar.n.Bytes(f.m) // big-endian, f.m.Size() bytes
	x := new(big.Int).SetBytes(arb)
	if x.ModInverse(x, f.order) == nil {
		x.SetInt64(0) // a = 0
	}
	n, err := f.zeroNat().SetBytes(x.FillBytes(arb), f.m)
	if err != nil {
		panic("group: blinded inverse out of range") // unreachable: x < q
	}
	inv := &modScalar{f: f, n: n}
	s.Mul(inv, r)
	clear(buf)
	clear(arb)
	x.SetInt64(0)
	r.Zero()
	ar.Zero()
	inv.Zero()
	return s
}

// InvertVarTime sets r = 1/a (zero for zero) and returns r, in time that
// may depend on a: for public values only, such as Lagrange coefficient
// denominators built from party identifiers. For secp256k1 it uses
// decred's variable-time inversion; other groups use Invert.
func InvertVarTime(r, a Scalar) Scalar {
	if rs, ok := r.(*secpScalar); ok {
		rs.s.InverseValNonConst(secpS(a))
		return r
	}
	return r.Invert(a)
}
