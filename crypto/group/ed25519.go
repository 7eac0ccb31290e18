package group

import (
	"crypto/subtle"
	"io"
	"math/big"
	"slices"

	"filippo.io/edwards25519"
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
	enc []byte
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
	e.enc = append([]byte(nil), b...)
	if subtle.ConstantTimeCompare(e.p.Bytes(), b) != 1 {
		return nil, ErrInvalidElement // non-canonical y or sign of x=0
	}
	if e.p.Equal(edwards25519.NewIdentityPoint()) == 1 {
		return nil, ErrIdentity
	}
	// [L]P = [L-1]P + P must be the identity.
	var t edwards25519.Point
	t.VarTimeDoubleScalarBaseMult(edMinusOne, &e.p, edwards25519.NewScalar())
	t.Add(&t, &e.p)
	if t.Equal(edwards25519.NewIdentityPoint()) != 1 {
		return nil, ErrInvalidElement
	}
	return e, nil
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
	e.enc = a.(*edElement).enc // never mutated in place, so it can be shared
	e.p.Set(edP(a))
	return e
}
func (e *edElement) Add(a, b Element) Element { e.enc = nil; e.p.Add(edP(a), edP(b)); return e }
func (e *edElement) Sub(a, b Element) Element { e.enc = nil; e.p.Subtract(edP(a), edP(b)); return e }
func (e *edElement) Negate(a Element) Element { e.enc = nil; e.p.Negate(edP(a)); return e }
func (e *edElement) Double(a Element) Element { e.enc = nil; e.p.Add(edP(a), edP(a)); return e }
func (e *edElement) Equal(b Element) bool     { return e.p.Equal(edP(b)) == 1 }
func (e *edElement) IsIdentity() bool         { return e.p.Equal(edwards25519.NewIdentityPoint()) == 1 }
func (e *edElement) Bytes() []byte {
	if e.enc != nil {
		return append([]byte(nil), e.enc...)
	}
	// Not cached here: Bytes must stay read-only so that shared public
	// values can be encoded from several goroutines.
	return e.p.Bytes()
}
func (e *edElement) ScalarBaseMult(s Scalar) Element {
	e.enc = nil
	e.p.ScalarBaseMult(edS(s))
	return e
}
func (e *edElement) ScalarMult(s Scalar, a Element) Element {
	e.enc = nil
	e.p.ScalarMult(edS(s), edP(a))
	return e
}
func (e *edElement) VarTimeMultiScalarMult(s []Scalar, a []Element) Element {
	e.enc = nil
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
