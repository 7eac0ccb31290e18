// Package group defines one prime-order group interface over which the
// threshold engines are written, with implementations for secp256k1,
// edwards25519, ristretto255, P-256 and edwards448.
//
// The API follows filippo.io/edwards25519: values are mutable, methods set
// the receiver and return it, so hot loops allocate nothing. Mixing values of
// different groups panics (a programming error, never reachable from peer
// input: decoding is always through a Group).
//
// # Security
//
// Constant time: every operation that may take a secret (scalar arithmetic,
// ScalarBaseMult, ScalarMult, Equal on scalars) runs in time independent of
// its inputs. Operations named VarTime take public values only, and so do
// the element operations Add, Sub, Double and Equal, which are variable
// time for secp256k1 (decred's Jacobian formulas). Encoding an element
// (Bytes) inverts Z in constant time.
//
// Parsing: Group.ParseElement accepts only canonical encodings of points in
// the prime-order subgroup and rejects the identity (RFC 9591 Section 3.1
// DeserializeElement); Group.ParseScalar accepts only canonical encodings
// of values below the group order (DeserializeScalar). Code past the parser
// never re-checks.
//
// # Backends
//
//   - Secp256k1: decred's secp256k1/v4 field and scalar arithmetic;
//     ScalarBaseMult and ScalarMult use the complete formulas of Renes,
//     Costello and Batina (2016) with signed fixed windows, masked table
//     lookups and, for ScalarMult, a constant-time GLV split;
//     VarTimeMultiScalarMult is Straus/wNAF with GLV and affine tables.
//     BIP340 and decred/btcec conversions: IsYEven, XOnlyBytes,
//     ParseXOnly, Secp256k1PublicKey, ModNScalar and friends.
//   - Edwards25519: filippo.io/edwards25519.
//   - Ristretto255: github.com/gtank/ristretto255 (RFC 9496).
//   - P256: filippo.io/nistec points, filippo.io/bigmod scalars.
//   - Edwards448: cloudflare/circl ecc/goldilocks points (RFC 8032
//     encoding), filippo.io/bigmod scalars.
package group

import (
	"errors"
	"io"
	"math/big"
)

// Errors returned by the decoders. They carry no input bytes.
var (
	ErrInvalidElement = errors.New("group: invalid element encoding")
	ErrIdentity       = errors.New("group: element is the identity")
	ErrInvalidScalar  = errors.New("group: invalid scalar encoding")
)

// Group is a prime-order group with its scalar field.
type Group interface {
	// Name is a short stable identifier: "secp256k1", "edwards25519",
	// "ristretto255", "P-256", "edwards448".
	Name() string
	// NewScalar returns the scalar zero.
	NewScalar() Scalar
	// NewElement returns the identity element.
	NewElement() Element
	// Generator returns a new copy of the group's standard generator.
	Generator() Element
	// ScalarLen and ElementLen are the sizes of the canonical encodings
	// (RFC 9591 Nscalar and Nelement).
	ScalarLen() int
	ElementLen() int
	// Order returns the prime order of the group (a new copy).
	Order() *big.Int
	// ParseScalar decodes a canonical scalar (any value < order, zero allowed).
	ParseScalar(b []byte) (Scalar, error)
	// ParseElement decodes a canonical, non-identity, prime-order element.
	ParseElement(b []byte) (Element, error)
	// RandomScalar returns a uniformly random nonzero scalar read from rand.
	RandomScalar(rand io.Reader) (Scalar, error)
}

// Scalar is an element of the scalar field Z/qZ.
type Scalar interface {
	Group() Group
	Set(a Scalar) Scalar
	SetUint64(v uint64) Scalar
	Add(a, b Scalar) Scalar
	Sub(a, b Scalar) Scalar
	Mul(a, b Scalar) Scalar
	Negate(a Scalar) Scalar
	// Invert sets the receiver to 1/a; the inverse of zero is zero.
	Invert(a Scalar) Scalar
	// Equal reports equality in constant time.
	Equal(b Scalar) bool
	IsZero() bool
	// Bytes returns the canonical encoding (RFC 9591 SerializeScalar).
	Bytes() []byte
	// SetUniformBytes sets the receiver to b interpreted as an integer
	// (in the group's byte order) reduced modulo the order. b must be
	// at least ScalarLen()+16 bytes for a uniform result; any length up to
	// 2*ScalarLen()+16 is accepted.
	SetUniformBytes(b []byte) (Scalar, error)
	// Zero wipes the scalar (sets it to zero).
	Zero()
}

// Element is an element of the group.
type Element interface {
	Group() Group
	Set(a Element) Element
	Add(a, b Element) Element
	Sub(a, b Element) Element
	Negate(a Element) Element
	// Double sets the receiver to a+a.
	Double(a Element) Element
	// ScalarBaseMult sets the receiver to s·G in constant time.
	ScalarBaseMult(s Scalar) Element
	// ScalarMult sets the receiver to s·a in constant time.
	ScalarMult(s Scalar, a Element) Element
	// VarTimeMultiScalarMult sets the receiver to Σ s[i]·a[i]; public inputs only.
	VarTimeMultiScalarMult(s []Scalar, a []Element) Element
	Equal(b Element) bool
	IsIdentity() bool
	// Bytes returns the canonical encoding (RFC 9591 SerializeElement).
	// The identity has no encoding in some groups; Bytes returns an
	// all-zero slice of ElementLen bytes for it.
	Bytes() []byte
}

// SmallMult sets r to k·a for a small public integer k (k ≥ 0), by
// double-and-add. It is far cheaper than ScalarMult for k < 2^16 and is
// used to evaluate Feldman commitments at party identifiers.
func SmallMult(r Element, k uint64, a Element) Element {
	acc := a.Group().NewElement()
	base := a.Group().NewElement().Set(a)
	for k > 0 {
		if k&1 == 1 {
			acc.Add(acc, base)
		}
		k >>= 1
		if k > 0 {
			base.Double(base)
		}
	}
	return r.Set(acc)
}

// EvalCommitment sets r to Σ_k x^k·C[k] (Horner's rule with small-integer
// multiplications), the value of a committed polynomial at a public party
// identifier x.
func EvalCommitment(r Element, x uint64, c []Element) Element {
	g := r.Group()
	acc := g.NewElement()
	for k := len(c) - 1; k >= 0; k-- {
		SmallMult(acc, x, acc)
		acc.Add(acc, c[k])
	}
	return r.Set(acc)
}
