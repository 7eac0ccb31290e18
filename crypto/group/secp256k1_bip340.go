package group

import (
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// This file holds the secp256k1-only helpers that BIP340/Taproot and ECDSA
// code needs on top of the Group interface. Each panics if given a value of
// another group (a programming error).

// IsYEven reports whether the affine y coordinate of the secp256k1 point e
// is even (BIP340 has_even_y). It returns false for the identity.
func IsYEven(e Element) bool {
	p := secpP(e)
	if p.Z.IsZero() {
		return false
	}
	var a secp256k1.JacobianPoint
	secpAffine(&a, p)
	return !a.Y.IsOdd()
}

// XOnlyBytes returns the 32-byte big-endian affine x coordinate of the
// secp256k1 point e (BIP340 bytes(P)); 32 zero bytes for the identity.
func XOnlyBytes(e Element) []byte {
	return e.(*secpElement).Bytes()[1:]
}

// ParseXOnly decodes a BIP340 x-only public key: lift_x(x), the point with
// that x and an even y. It rejects lengths other than 32, x ≥ p and x for
// which x^3+7 is not a square.
func ParseXOnly(b []byte) (Element, error) {
	if len(b) != 32 {
		return nil, ErrInvalidElement
	}
	var c [33]byte
	c[0] = 0x02
	copy(c[1:], b)
	return Secp256k1.ParseElement(c[:])
}

// Secp256k1PublicKey converts a non-identity secp256k1 element to a decred
// (and btcec/v2, whose PublicKey is an alias) public key, for use with
// their ECDSA and Schnorr verifiers. It returns nil for the identity.
func Secp256k1PublicKey(e Element) *secp256k1.PublicKey {
	p := secpP(e)
	if p.Z.IsZero() {
		return nil
	}
	var a secp256k1.JacobianPoint
	secpAffine(&a, p)
	return secp256k1.NewPublicKey(&a.X, &a.Y)
}

// Secp256k1ElementFromPublicKey converts a decred/btcec public key to an
// element. It fails if the key is not on the curve.
func Secp256k1ElementFromPublicKey(pk *secp256k1.PublicKey) (Element, error) {
	if pk == nil || !pk.IsOnCurve() {
		return nil, ErrInvalidElement
	}
	e := &secpElement{}
	pk.AsJacobian(&e.p)
	e.p.X.Normalize()
	e.p.Y.Normalize()
	return e, nil
}

// ModNScalar returns a copy of the secp256k1 scalar s as a decred ModNScalar
// (for ECDSA s-value normalization and similar). The caller owns the copy
// and should Zero it when it holds a secret.
func ModNScalar(s Scalar) *secp256k1.ModNScalar {
	var m secp256k1.ModNScalar
	m.Set(secpS(s))
	return &m
}

// Secp256k1ScalarFromModN returns a secp256k1 Scalar holding a copy of m.
func Secp256k1ScalarFromModN(m *secp256k1.ModNScalar) Scalar {
	s := &secpScalar{}
	s.s.Set(m)
	return s
}
