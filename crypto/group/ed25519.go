package group

import (
	"crypto/subtle"
	"encoding/hex"
	"io"
	"math/big"
	"slices"
	"sync/atomic"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// Edwards25519 is the prime-order subgroup of edwards25519 (RFC 8032), with
// RFC 8032 point encoding and little-endian scalars, as used by
// FROST(Ed25519, SHA-512).
var Edwards25519 Group = ed25519Group{}

type ed25519Group struct{}

type edScalar struct{ s edwards25519.Scalar }

// edElement caches its encoding when it was parsed, until it is changed:
// encoding costs a field inversion and the engines re-encode parsed peer
// values often (commitment lists, transcripts).
type edElement struct {
	p   edwards25519.Point
	enc atomic.Pointer[[]byte] // immutable once stored; nil after any change
}

var (
	ed25519Order, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	edMinusOne      = func() *edwards25519.Scalar {
		one := [32]byte{1}
		s, _ := edwards25519.NewScalar().SetCanonicalBytes(one[:])
		return edwards25519.NewScalar().Negate(s)
	}()
)

func (ed25519Group) Name() string        { return "edwards25519" }
func (ed25519Group) NewScalar() Scalar   { return &edScalar{} }
func (ed25519Group) NewElement() Element { return &edElement{p: *edwards25519.NewIdentityPoint()} }
func (ed25519Group) Generator() Element  { return &edElement{p: *edwards25519.NewGeneratorPoint()} }
func (ed25519Group) ScalarLen() int      { return 32 }
func (ed25519Group) ElementLen() int     { return 32 }
func (ed25519Group) Order() *big.Int     { return new(big.Int).Set(ed25519Order) }

func (ed25519Group) ParseScalar(b []byte) (Scalar, error) {
	s := &edScalar{}
	if len(b) != 32 {
		return nil, ErrInvalidScalar
	}
	if _, err := s.s.SetCanonicalBytes(b); err != nil {
		return nil, ErrInvalidScalar
	}
	return s, nil
}

// ParseElement implements RFC 9591 Section 6.1 DeserializeElement: a
// canonical RFC 8032 encoding, not the identity, in the prime-order subgroup.
func (ed25519Group) ParseElement(b []byte) (Element, error) {
	if len(b) != 32 {
		return nil, ErrInvalidElement
	}
	e := &edElement{}
	if _, err := e.p.SetBytes(b); err != nil {
		return nil, ErrInvalidElement
	}
	enc := append([]byte(nil), b...)
	e.enc.Store(&enc)
	// SetBytes accepts y ≥ p and x = 0 with the sign bit set; e.p.Bytes()
	// = b is the same test but costs a field inversion.
	var y field.Element
	y.SetBytes(b) //nolint:errcheck // length is 32
	yb := y.Bytes()
	x, _, _, _ := e.p.ExtendedCoordinates()
	if subtle.ConstantTimeCompare(yb[:31], b[:31]) != 1 || yb[31] != b[31]&0x7f ||
		(b[31]>>7 == 1 && x.Equal(feZero) == 1) {
		return nil, ErrInvalidElement // non-canonical y or sign of x=0
	}
	if e.p.Equal(edwards25519.NewIdentityPoint()) == 1 {
		return nil, ErrIdentity
	}
	if !edInPrimeOrderSubgroup(&e.p) {
		return nil, ErrInvalidElement
	}
	return e, nil
}

// edInPrimeOrderSubgroupByL reports whether [L]P = O, by a variable-time
// multiplication (about 35 µs). It is the reference for
// edInPrimeOrderSubgroup, and its fallback.
func edInPrimeOrderSubgroupByL(p *edwards25519.Point) bool {
	// [L]P = [L-1]P + P must be the identity.
	var t edwards25519.Point
	t.VarTimeDoubleScalarBaseMult(edMinusOne, p, edwards25519.NewScalar())
	t.Add(&t, p)
	return t.Equal(edwards25519.NewIdentityPoint()) == 1
}

// Constants of edInPrimeOrderSubgroup, little-endian. The tests check them.
var (
	// 2c, with c² = −486664: (u, v) = ((1+y)/(1−y), c·u/x) maps
	// edwards25519 to Curve25519, M: v² = u³ + A·u² + u, A = 486662.
	edSubTwoC = edFieldConst("0cfc8afe5509dc980535fa96a2a7438bfd9ef807b811f6a4770d40c1e8db4d1e")
	// λ = Y_S/(X_S − e), the slope of the tangent to E' at S (see below).
	edSubLambda = edFieldConst("dabb776310b75d169c6cb5d738eea59c10590b288558e03d503d5606680b1b14")
	// X_S; Y_S = 2·X_S. Only the tests use it.
	edSubXS = edFieldConst("b8e4f6c6206ebb2c38d96aaf71dc4b3921b216500ab1c07ba07aac0cd0163628")
	feZero  = new(field.Element).Zero()
	feOne   = new(field.Element).One()
)

func edFieldConst(h string) *field.Element {
	b, err := hex.DecodeString(h)
	if err != nil {
		panic(err)
	}
	fe, err := new(field.Element).SetBytes(b)
	if err != nil {
		panic(err)
	}
	return fe
}

// edInPrimeOrderSubgroup reports whether [L]P = O, exactly as
// edInPrimeOrderSubgroupByL does for every point of E(F_p) ≅ Z/8 × Z/L,
// at the cost of one square root and one quartic residue symbol (two
// exponentiations, variable time: P is public).
//
// Method: lift P through a 2-isogeny to a curve whose 2-part has exponent
// 4 | p−1, where an order-4 Tate pairing (a quartic residue symbol) sees
// the 2-part; D. Koshelev, "Subgroup membership testing on elliptic curves
// via the Tate pairing", J. Cryptogr. Eng. 2023 (ePrint 2022/037), applied
// to the isogenous curve, since on E itself 8 ∤ p−1. (T. Pornin, ePrint
// 2022/1164, gets the same answer with two point halvings and a Legendre
// symbol, i.e. about five exponentiations.)
//
//   - M: v² = u(u² + A·u + 1) is the Montgomery form of E, T = (0,0) its
//     only rational 2-torsion point. E': Y² = X(X² − 2A·X + A² − 4) is
//     M/⟨T⟩, and φ̂(X,Y) = (Y²/4X², Y(A²−4−X²)/8X²) is the dual 2-isogeny
//     E' → M with kernel ⟨T'⟩, T' = (0,0) (Silverman, AEC, III.4.5).
//   - 2-descent (AEC X.4.9): for u ≠ 0, P ∈ φ̂(E'(F_p)) iff u is a square,
//     and then, with s² = u, P' = (X, 2sX), X = A + 2u + 2v/s, is a point
//     of E' with φ̂(P') = ±P. As E[L] ⊂ 2E ⊂ φ̂(E'), a non-square u means
//     P ∉ E[L].
//   - E'(F_p) ≅ Z/2 × Z/4 × Z/L (its 2-torsion is rational:
//     X² − 2A·X + A² − 4 = (X − A − 2)(X − A + 2); φ maps M(F_p) ≅ Z/8 × Z/L
//     onto an index-2 subgroup, so the 2-part is not cyclic), so
//     4E'(F_p) = E'[L]. Since φ̂ is a bijection E'[L] → E[L] with kernel
//     ⟨T'⟩: P ∈ E[L] iff P' ∈ E'[L] + ⟨T'⟩.
//   - Since 4 | p−1, the reduced Tate pairing t₄(S, Q) = f(Q)^((p−1)/4),
//     f = f_{4,S} = l²/(X − e), is non-degenerate on E'(F_p)[4] ×
//     E'(F_p)/4E'(F_p) (Frey–Rück; Koshelev, Lemma 1). Here S is the
//     point of order 4 with t₄(S, T') = 1 (S = φ(T8) + T' for T8 of
//     order 8 on M), 2S = (e, 0) with e = A + 2, and l = Y − λ(X − e) is
//     the tangent at S (it passes through −2S = 2S). t₄(S, ·) is a
//     character of order 4 of E'(F_p)/4E'(F_p) ≅ Z/2 × Z/4 that kills T',
//     so its kernel is exactly E'[L] + ⟨T'⟩.
//
// So P ∈ E[L] iff u is a square and χ₄(f(P')) = 1. f is normalized at
// infinity (monic in Y and in X), so it may be evaluated at P' directly;
// its zeros and poles are torsion points, on which this falls back to the
// multiplication by L, like on the points with x = 0 (O and the point of
// order 2). Everything is computed with a common denominator:
// χ₄(f) = χ₄(K²·(Dn·Mn)³) with X = N/Dn, X − e = Mn/Dn, l = K/Dn.
func edInPrimeOrderSubgroup(p *edwards25519.Point) bool {
	X, Y, Z, _ := p.ExtendedCoordinates() // x = X/Z, y = Y/Z
	if X.Equal(feZero) == 1 {
		return Y.Equal(Z) == 1 // O (y = 1) or the point of order 2 (y = −1)
	}
	// u = nu/du = (Z+Y)/(Z−Y), non-zero and finite since y ≠ ±1.
	var nu, du, s field.Element
	nu.Add(Z, Y)
	du.Subtract(Z, Y)
	if _, isSquare := s.SqrtRatio(&nu, &du); isSquare != 1 {
		return false
	}
	// v = c·u/x = c·Z·nu/(X·du), so with Dn = X·du·s,
	// X' = A + 2u + 2v/s = N/Dn, N = s·X·(A·du + 2nu) + 2c·Z·nu.
	var n, t, dn, m, k, g, w field.Element
	t.Mult32(&du, 486662)
	n.Add(&nu, &nu)
	t.Add(&t, &n)
	t.Multiply(&t, X)
	t.Multiply(&t, &s)
	n.Multiply(Z, &nu)
	n.Multiply(&n, edSubTwoC)
	n.Add(&n, &t)
	dn.Multiply(X, &du)
	dn.Multiply(&dn, &s)
	// Mn = N − e·Dn; K = Dn·(Y' − λ(X' − e)) = 2s·N − λ·Mn.
	m.Mult32(&dn, 486664)
	m.Subtract(&n, &m)
	k.Multiply(&s, &n)
	k.Add(&k, &k)
	t.Multiply(edSubLambda, &m)
	k.Subtract(&k, &t)
	// g = K²·(Dn·Mn)³ = f(P')·Dn⁸.
	t.Multiply(&dn, &m)
	g.Square(&t)
	g.Multiply(&g, &t)
	k.Square(&k)
	g.Multiply(&g, &k)
	if g.Equal(feZero) == 1 {
		return edInPrimeOrderSubgroupByL(p) // P' is a zero or pole of f
	}
	// χ₄(g) = g^((p−1)/4) = g·(g^((p−5)/8))².
	w.Pow22523(&g)
	w.Square(&w)
	w.Multiply(&w, &g)
	return w.Equal(feOne) == 1
}

func (g ed25519Group) RandomScalar(rand io.Reader) (Scalar, error) {
	return randomScalar(g, rand)
}

func edS(a Scalar) *edwards25519.Scalar    { return &a.(*edScalar).s }
func edP(a Element) *edwards25519.Point    { return &a.(*edElement).p }
func (s *edScalar) Group() Group           { return Edwards25519 }
func (s *edScalar) Set(a Scalar) Scalar    { s.s.Set(edS(a)); return s }
func (s *edScalar) Add(a, b Scalar) Scalar { s.s.Add(edS(a), edS(b)); return s }
func (s *edScalar) Sub(a, b Scalar) Scalar { s.s.Subtract(edS(a), edS(b)); return s }
func (s *edScalar) Mul(a, b Scalar) Scalar { s.s.Multiply(edS(a), edS(b)); return s }
func (s *edScalar) Negate(a Scalar) Scalar { s.s.Negate(edS(a)); return s }
func (s *edScalar) Invert(a Scalar) Scalar { s.s.Invert(edS(a)); return s }
func (s *edScalar) Equal(b Scalar) bool    { return s.s.Equal(edS(b)) == 1 }
func (s *edScalar) IsZero() bool           { return s.s.Equal(edwards25519.NewScalar()) == 1 }
func (s *edScalar) Bytes() []byte          { return s.s.Bytes() }
func (s *edScalar) Zero()                  { s.s = *edwards25519.NewScalar() }
func (s *edScalar) String() string         { return "<redacted>" }

func (s *edScalar) SetUint64(v uint64) Scalar {
	var b [32]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
	s.s.SetCanonicalBytes(b[:]) //nolint:errcheck // v < 2^64 < L
	return s
}

// edTwo512 is 2^512 mod L.
var edTwo512 = func() *edwards25519.Scalar {
	var b [32]byte
	new(big.Int).Mod(new(big.Int).Lsh(big.NewInt(1), 512), ed25519Order).FillBytes(b[:])
	slices.Reverse(b[:])
	s, _ := edwards25519.NewScalar().SetCanonicalBytes(b[:])
	return s
}()

// SetUniformBytes interprets b (at most 80 bytes) as a little-endian
// integer mod L, in constant time: b = lo + hi·2^512 with lo the first 64
// bytes.
func (s *edScalar) SetUniformBytes(b []byte) (Scalar, error) {
	if len(b) > 80 {
		return nil, ErrInvalidScalar
	}
	var lo, hi [64]byte
	copy(lo[:], b)
	if len(b) > 64 {
		copy(hi[:], b[64:])
	}
	var h edwards25519.Scalar
	h.SetUniformBytes(hi[:])   //nolint:errcheck // length is 64
	s.s.SetUniformBytes(lo[:]) //nolint:errcheck // length is 64
	s.s.MultiplyAdd(&h, edTwo512, &s.s)
	clear(lo[:])
	clear(hi[:])
	h = *edwards25519.NewScalar()
	return s, nil
}

func (e *edElement) Group() Group { return Edwards25519 }
func (e *edElement) Set(a Element) Element {
	e.enc.Store(a.(*edElement).enc.Load()) // never mutated in place, so it can be shared
	e.p.Set(edP(a))
	return e
}
func (e *edElement) Add(a, b Element) Element { e.enc.Store(nil); e.p.Add(edP(a), edP(b)); return e }
func (e *edElement) Sub(a, b Element) Element {
	e.enc.Store(nil)
	e.p.Subtract(edP(a), edP(b))
	return e
}
func (e *edElement) Negate(a Element) Element { e.enc.Store(nil); e.p.Negate(edP(a)); return e }
func (e *edElement) Double(a Element) Element { e.enc.Store(nil); e.p.Add(edP(a), edP(a)); return e }
func (e *edElement) Equal(b Element) bool     { return e.p.Equal(edP(b)) == 1 }
func (e *edElement) IsIdentity() bool         { return e.p.Equal(edwards25519.NewIdentityPoint()) == 1 }
func (e *edElement) Bytes() []byte {
	// The encoding costs a field inversion; it is computed once per value
	// and kept in an atomic pointer, so shared public values can be encoded
	// from several goroutines.
	if enc := e.enc.Load(); enc != nil {
		return append([]byte(nil), (*enc)...)
	}
	enc := e.p.Bytes()
	e.enc.Store(&enc)
	return append([]byte(nil), enc...)
}
func (e *edElement) ScalarBaseMult(s Scalar) Element {
	e.enc.Store(nil)
	e.p.ScalarBaseMult(edS(s))
	return e
}
func (e *edElement) ScalarMult(s Scalar, a Element) Element {
	e.enc.Store(nil)
	e.p.ScalarMult(edS(s), edP(a))
	return e
}
func (e *edElement) VarTimeMultiScalarMult(s []Scalar, a []Element) Element {
	e.enc.Store(nil)
	ss := make([]*edwards25519.Scalar, len(s))
	pp := make([]*edwards25519.Point, len(a))
	for i := range s {
		ss[i] = edS(s[i])
		pp[i] = edP(a[i])
	}
	if len(ss) == 0 {
		e.p.Set(edwards25519.NewIdentityPoint())
		return e
	}
	e.p.VarTimeMultiScalarMult(ss, pp)
	return e
}
