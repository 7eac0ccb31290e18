package group

import (
	"io"
	"math/big"
	"sync/atomic"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// Secp256k1 is the secp256k1 group (SEC 2 Section 2.4.1) with the encodings
// of FROST(secp256k1, SHA-256) (RFC 9591 Section 6.5): 32-byte big-endian
// scalars and 33-byte SEC1 compressed points.
//
// Scalar arithmetic, ScalarBaseMult and ScalarMult are constant time;
// Add, Sub, Double, Equal and VarTimeMultiScalarMult use decred's variable-
// time Jacobian formulas and must only see public points.
var Secp256k1 Group = secpGroup{}

type secpGroup struct{}

type secpScalar struct{ s secp256k1.ModNScalar }

// secpElement holds a normalized Jacobian point; Z = 0 is the identity.
type secpElement struct {
	p   secp256k1.JacobianPoint
	enc atomic.Pointer[[]byte] // cached encoding; nil after any change
}

var secpOrder, _ = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)

func (secpGroup) Name() string        { return "secp256k1" }
func (secpGroup) NewScalar() Scalar   { return &secpScalar{} }
func (secpGroup) NewElement() Element { return &secpElement{} }
func (secpGroup) ScalarLen() int      { return 32 }
func (secpGroup) ElementLen() int     { return 33 }
func (secpGroup) Order() *big.Int     { return new(big.Int).Set(secpOrder) }

func (secpGroup) Generator() Element {
	e := &secpElement{}
	e.p.Set(&secpG)
	return e
}

// secpG is the generator in affine form (Z = 1).
var secpG = func() secp256k1.JacobianPoint {
	var one secp256k1.ModNScalar
	one.SetInt(1)
	var g secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(&one, &g)
	g.ToAffine()
	return g
}()

// ParseScalar implements RFC 9591 Section 6.5 DeserializeScalar: 32 bytes,
// big-endian, below the order.
func (secpGroup) ParseScalar(b []byte) (Scalar, error) {
	if len(b) != 32 {
		return nil, ErrInvalidScalar
	}
	s := &secpScalar{}
	if s.s.SetByteSlice(b) {
		return nil, ErrInvalidScalar
	}
	return s, nil
}

// ParseElement implements RFC 9591 Section 6.5 DeserializeElement with SEC1
// Section 2.3.4 point decompression: prefix 0x02 or 0x03, x < p, x^3+7 a
// square. secp256k1 has cofactor 1 and the identity has no compressed
// encoding, so every accepted point is a non-identity group element.
func (secpGroup) ParseElement(b []byte) (Element, error) {
	if len(b) != 33 || (b[0] != 0x02 && b[0] != 0x03) {
		return nil, ErrInvalidElement
	}
	e := &secpElement{}
	if e.p.X.SetByteSlice(b[1:]) {
		return nil, ErrInvalidElement // x ≥ p
	}
	if !secp256k1.DecompressY(&e.p.X, b[0] == 0x03, &e.p.Y) {
		return nil, ErrInvalidElement // x^3+7 is not a square
	}
	e.p.Z.SetInt(1)
	return e, nil
}

func (g secpGroup) RandomScalar(rand io.Reader) (Scalar, error) {
	return randomScalar(g, rand)
}

func secpS(a Scalar) *secp256k1.ModNScalar     { return &a.(*secpScalar).s }
func secpP(a Element) *secp256k1.JacobianPoint { return &a.(*secpElement).p }

func (s *secpScalar) Group() Group           { return Secp256k1 }
func (s *secpScalar) Set(a Scalar) Scalar    { s.s.Set(secpS(a)); return s }
func (s *secpScalar) Add(a, b Scalar) Scalar { s.s.Add2(secpS(a), secpS(b)); return s }
func (s *secpScalar) Mul(a, b Scalar) Scalar { s.s.Mul2(secpS(a), secpS(b)); return s }
func (s *secpScalar) Negate(a Scalar) Scalar { s.s.NegateVal(secpS(a)); return s }
func (s *secpScalar) Equal(b Scalar) bool    { return s.s.Equals(secpS(b)) }
func (s *secpScalar) IsZero() bool           { return s.s.IsZeroBit() == 1 }
func (s *secpScalar) Zero()                  { s.s.Zero() }
func (s *secpScalar) String() string         { return "<redacted>" }

func (s *secpScalar) Sub(a, b Scalar) Scalar {
	var nb secp256k1.ModNScalar
	nb.NegateVal(secpS(b))
	s.s.Add2(secpS(a), &nb)
	return s
}

func (s *secpScalar) Bytes() []byte {
	b := s.s.Bytes()
	return b[:]
}

func (s *secpScalar) SetUint64(v uint64) Scalar {
	var b [8]byte
	for i := range 8 {
		b[7-i] = byte(v >> (8 * i))
	}
	s.s.SetByteSlice(b[:])
	return s
}

// secpInvSchedule is the sliding-window (width 5) schedule for the public
// Fermat exponent n−2: from the most significant end, each step squares
// sq times and then, if odd > 0, multiplies by x^odd.
var secpInvSchedule = func() (steps []struct{ sq, odd int }) {
	e := new(big.Int).Sub(secpOrder, big.NewInt(2))
	i := e.BitLen() - 1
	pending := 0
	for i >= 0 {
		if e.Bit(i) == 0 {
			pending++
			i--
			continue
		}
		// Longest window [i, j] of width ≤ 5 ending in a set bit.
		j := max(i-4, 0)
		for e.Bit(j) == 0 {
			j++
		}
		v := 0
		for b := i; b >= j; b-- {
			v = v<<1 | int(e.Bit(b))
		}
		steps = append(steps, struct{ sq, odd int }{pending + i - j + 1, v})
		pending = 0
		i = j - 1
	}
	if pending > 0 {
		steps = append(steps, struct{ sq, odd int }{pending, 0})
	}
	return steps
}()

// invertFermat computes a^(n−2) mod n (Fermat) with a sliding window over
// the public exponent: the sequence of squarings and multiplications is
// fixed, so the time does not depend on a. Invert uses the faster blinded
// inversion; this is its reference in the tests.
func (s *secpScalar) invertFermat(a Scalar) Scalar {
	var tab [16]secp256k1.ModNScalar // x^1, x^3, ..., x^31
	var x2, r secp256k1.ModNScalar
	tab[0].Set(secpS(a))
	x2.SquareVal(&tab[0])
	for i := 1; i < 16; i++ {
		tab[i].Mul2(&tab[i-1], &x2)
	}
	r.SetInt(1)
	for _, st := range secpInvSchedule {
		for range st.sq {
			r.Square()
		}
		if st.odd > 0 {
			r.Mul(&tab[st.odd>>1])
		}
	}
	s.s.Set(&r)
	r.Zero()
	x2.Zero()
	for i := range tab {
		tab[i].Zero()
	}
	return s
}

// secpTwo256 is 2^256 mod n.
var secpTwo256 = func() secp256k1.ModNScalar {
	var s secp256k1.ModNScalar
	var b [32]byte
	new(big.Int).Mod(new(big.Int).Lsh(big.NewInt(1), 256), secpOrder).FillBytes(b[:])
	s.SetBytes(&b)
	return s
}()

// SetUniformBytes interprets b (at most 80 bytes) as a big-endian integer
// and reduces it modulo n in constant time, as RFC 9591's hash_to_field
// (RFC 9380 Section 5.2) requires for FROST(secp256k1, SHA-256).
func (s *secpScalar) SetUniformBytes(b []byte) (Scalar, error) {
	if len(b) > 80 {
		return nil, ErrInvalidScalar
	}
	// Left-pad to 96 bytes: three 256-bit limbs, combined by Horner's rule
	// with 2^256 mod n. Each limb is < 2^256 < 2n, reduced by SetBytes.
	var wide [96]byte
	copy(wide[96-len(b):], b)
	var acc, limb secp256k1.ModNScalar
	for i := 0; i < 96; i += 32 {
		acc.Mul(&secpTwo256)
		limb.SetBytes((*[32]byte)(wide[i : i+32]))
		acc.Add(&limb)
	}
	clear(wide[:])
	limb.Zero()
	s.s.Set(&acc)
	acc.Zero()
	return s, nil
}

func (e *secpElement) Group() Group { return Secp256k1 }
func (e *secpElement) Set(a Element) Element {
	e.enc.Store(a.(*secpElement).enc.Load())
	e.p.Set(secpP(a))
	return e
}
func (e *secpElement) IsIdentity() bool { return e.p.Z.IsZero() }

func (e *secpElement) Add(a, b Element) Element {
	e.enc.Store(nil)
	secp256k1.AddNonConst(secpP(a), secpP(b), &e.p)
	secpCanonIdentity(&e.p)
	return e
}

func (e *secpElement) Sub(a, b Element) Element {
	e.enc.Store(nil)
	var nb secp256k1.JacobianPoint
	nb.Set(secpP(b))
	nb.Y.Negate(1).Normalize()
	secp256k1.AddNonConst(secpP(a), &nb, &e.p)
	secpCanonIdentity(&e.p)
	return e
}

func (e *secpElement) Negate(a Element) Element {
	e.enc.Store(nil)
	e.p.Set(secpP(a))
	e.p.Y.Negate(1).Normalize()
	return e
}

func (e *secpElement) Double(a Element) Element {
	e.enc.Store(nil)
	secp256k1.DoubleNonConst(secpP(a), &e.p)
	secpCanonIdentity(&e.p)
	return e
}

// secpCanonIdentity rewrites decred's representations of the point at
// infinity ((0,0,*) or Z = 0) as (0,0,0) so IsIdentity only checks Z.
func secpCanonIdentity(p *secp256k1.JacobianPoint) {
	if p.Z.IsZero() || (p.X.IsZero() && p.Y.IsZero()) {
		p.X.Zero()
		p.Y.Zero()
		p.Z.Zero()
	}
}

// Equal compares X1·Z2² = X2·Z1² and Y1·Z2³ = Y2·Z1³ (public points).
func (e *secpElement) Equal(b Element) bool {
	p, q := &e.p, secpP(b)
	if p.Z.IsZero() || q.Z.IsZero() {
		return p.Z.IsZero() && q.Z.IsZero()
	}
	var z1z1, z2z2, u1, u2, s1, s2 secp256k1.FieldVal
	z1z1.SquareVal(&p.Z)
	z2z2.SquareVal(&q.Z)
	u1.Mul2(&p.X, &z2z2).Normalize()
	u2.Mul2(&q.X, &z1z1).Normalize()
	s1.Mul2(&p.Y, &z2z2).Mul(&q.Z).Normalize()
	s2.Mul2(&q.Y, &z1z1).Mul(&p.Z).Normalize()
	return u1.Equals(&u2) && s1.Equals(&s2)
}

// secpAffine sets a to the affine form of the non-identity point p,
// skipping the (constant-time) inversion when p already has Z = 1, as every
// parsed point does. Z is public-shape information here: it is 1 exactly
// for points that came from a decoder or the generator.
func secpAffine(a, p *secp256k1.JacobianPoint) {
	a.Set(p)
	if !a.Z.IsOne() {
		a.ToAffine()
	}
}

// Bytes is RFC 9591 Section 6.5 SerializeElement: SEC1 compressed form. The
// identity, which has no such encoding, gives 33 zero bytes.
func (e *secpElement) Bytes() []byte {
	if enc := e.enc.Load(); enc != nil {
		return append([]byte(nil), (*enc)...)
	}
	out := make([]byte, 33)
	if e.IsIdentity() {
		return out
	}
	defer func() {
		enc := append([]byte(nil), out...)
		e.enc.Store(&enc)
	}()
	var a secp256k1.JacobianPoint
	secpAffine(&a, &e.p)
	out[0] = 0x02
	if a.Y.IsOdd() {
		out[0] = 0x03
	}
	a.X.PutBytesUnchecked(out[1:])
	return out
}

func (e *secpElement) ScalarBaseMult(s Scalar) Element {
	e.enc.Store(nil)
	secpScalarBaseMultCT(secpS(s), &e.p)
	return e
}

func (e *secpElement) ScalarMult(s Scalar, a Element) Element {
	e.enc.Store(nil)
	secpScalarMultCT(secpS(s), secpP(a), &e.p)
	return e
}

func (e *secpElement) VarTimeMultiScalarMult(s []Scalar, a []Element) Element {
	e.enc.Store(nil)
	if len(s) != len(a) {
		panic("group: VarTimeMultiScalarMult: length mismatch")
	}
	secpMSM(s, a, &e.p)
	return e
}
