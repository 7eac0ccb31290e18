package group

import (
	"crypto/rand"
	"io"
	"math/big"
	"slices"

	"github.com/gtank/ristretto255"
)

// Ristretto255 is the ristretto255 prime-order group (RFC 9496) with
// 32-byte element encodings and 32-byte little-endian scalars, as used by
// FROST(ristretto255, SHA-512) (RFC 9591 Section 6.2).
var Ristretto255 Group = r255Group{}

type r255Group struct{}

type r255Scalar struct{ s ristretto255.Scalar }
type r255Element struct{ e ristretto255.Element }

var (
	// The ristretto255 scalar field is that of edwards25519's prime-order
	// subgroup.
	r255Identity = ristretto255.NewElement()
	r255Two512   = func() *ristretto255.Scalar {
		var b [32]byte
		new(big.Int).Mod(new(big.Int).Lsh(big.NewInt(1), 512), ed25519Order).FillBytes(b[:])
		slices.Reverse(b[:])
		s := ristretto255.NewScalar()
		if err := s.Decode(b[:]); err != nil {
			panic(err)
		}
		return s
	}()
)

func (r255Group) Name() string        { return "ristretto255" }
func (r255Group) NewScalar() Scalar   { return &r255Scalar{s: *ristretto255.NewScalar()} }
func (r255Group) NewElement() Element { return &r255Element{e: *ristretto255.NewElement()} }
func (r255Group) ScalarLen() int      { return 32 }
func (r255Group) ElementLen() int     { return 32 }
func (r255Group) Order() *big.Int     { return new(big.Int).Set(ed25519Order) }

func (r255Group) Generator() Element {
	e := &r255Element{}
	e.e.Base()
	return e
}

// ParseScalar implements RFC 9591 Section 6.2 DeserializeScalar: 32 bytes,
// little-endian, below the order.
func (r255Group) ParseScalar(b []byte) (Scalar, error) {
	if len(b) != 32 {
		return nil, ErrInvalidScalar
	}
	s := &r255Scalar{}
	if err := s.s.Decode(b); err != nil {
		return nil, ErrInvalidScalar
	}
	return s, nil
}

// ParseElement implements RFC 9591 Section 6.2 DeserializeElement: RFC 9496
// Section 4.3.1 decoding (which rejects non-canonical encodings and
// negative s) and rejection of the identity.
func (r255Group) ParseElement(b []byte) (Element, error) {
	if len(b) != 32 {
		return nil, ErrInvalidElement
	}
	e := &r255Element{}
	if err := e.e.Decode(b); err != nil {
		return nil, ErrInvalidElement
	}
	if e.e.Equal(r255Identity) == 1 {
		return nil, ErrIdentity
	}
	return e, nil
}

func (g r255Group) RandomScalar(rand io.Reader) (Scalar, error) {
	return randomScalar(g, rand)
}

func r255S(a Scalar) *ristretto255.Scalar   { return &a.(*r255Scalar).s }
func r255E(a Element) *ristretto255.Element { return &a.(*r255Element).e }

func (s *r255Scalar) Group() Group           { return Ristretto255 }
func (s *r255Scalar) Set(a Scalar) Scalar    { s.s = *r255S(a); return s }
func (s *r255Scalar) Add(a, b Scalar) Scalar { s.s.Add(r255S(a), r255S(b)); return s }
func (s *r255Scalar) Sub(a, b Scalar) Scalar { s.s.Subtract(r255S(a), r255S(b)); return s }
func (s *r255Scalar) Mul(a, b Scalar) Scalar { s.s.Multiply(r255S(a), r255S(b)); return s }
func (s *r255Scalar) Negate(a Scalar) Scalar { s.s.Negate(r255S(a)); return s }
func (s *r255Scalar) Equal(b Scalar) bool    { return s.s.Equal(r255S(b)) == 1 }
func (s *r255Scalar) IsZero() bool           { return s.s.Equal(ristretto255.NewScalar()) == 1 }
func (s *r255Scalar) Bytes() []byte          { return s.s.Encode(make([]byte, 0, 32)) }
func (s *r255Scalar) Zero()                  { s.s.Zero() }
func (s *r255Scalar) String() string         { return "<redacted>" }

// Invert sets s = 1/a by multiplicative blinding (see invert.go): with a
// fresh random nonzero r, 1/a = r · 1/(a·r), the inner inverse computed in
// variable time on the uniformly distributed a·r. The inverse of zero is
// zero. (gtank's Invert, a fixed addition chain, is its test reference.)
func (s *r255Scalar) Invert(a Scalar) Scalar {
	r, err := Ristretto255.RandomScalar(rand.Reader)
	if err != nil {
		panic("group: ristretto255 Invert: " + err.Error()) // crypto/rand does not fail
	}
	ar := new(r255Scalar).Mul(a, r).(*r255Scalar)
	le := ar.Bytes()
	slices.Reverse(le)
	x := new(big.Int).SetBytes(le)
	if x.ModInverse(x, ed25519Order) == nil {
		x.SetInt64(0) // a = 0
	}
	x.FillBytes(le)
	slices.Reverse(le)
	var inv r255Scalar
	if err := inv.s.Decode(le); err != nil {
		panic("group: ristretto255 Invert: " + err.Error()) // unreachable: x < L
	}
	s.Mul(&inv, r)
	clear(le)
	x.SetInt64(0)
	r.Zero()
	ar.Zero()
	inv.Zero()
	return s
}

func (s *r255Scalar) invertFermat(a Scalar) Scalar { s.s.Invert(r255S(a)); return s }

func (s *r255Scalar) SetUint64(v uint64) Scalar {
	var b [32]byte
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
	if err := s.s.Decode(b[:]); err != nil {
		panic(err) // unreachable: v < 2^64 < L
	}
	return s
}

// SetUniformBytes interprets b (at most 80 bytes) as a little-endian
// integer mod L in constant time: b = lo + hi·2^512 with lo the first 64
// bytes.
func (s *r255Scalar) SetUniformBytes(b []byte) (Scalar, error) {
	if len(b) > 80 {
		return nil, ErrInvalidScalar
	}
	var lo, hi [64]byte
	copy(lo[:], b)
	if len(b) > 64 {
		copy(hi[:], b[64:])
	}
	var h ristretto255.Scalar
	h.FromUniformBytes(hi[:])
	h.Multiply(&h, r255Two512)
	s.s.FromUniformBytes(lo[:])
	s.s.Add(&s.s, &h)
	clear(lo[:])
	clear(hi[:])
	h.Zero()
	return s, nil
}

func (e *r255Element) Group() Group             { return Ristretto255 }
func (e *r255Element) Set(a Element) Element    { e.e = *r255E(a); return e }
func (e *r255Element) Add(a, b Element) Element { e.e.Add(r255E(a), r255E(b)); return e }
func (e *r255Element) Sub(a, b Element) Element { e.e.Subtract(r255E(a), r255E(b)); return e }
func (e *r255Element) Negate(a Element) Element { e.e.Negate(r255E(a)); return e }
func (e *r255Element) Double(a Element) Element { e.e.Add(r255E(a), r255E(a)); return e }
func (e *r255Element) Equal(b Element) bool     { return e.e.Equal(r255E(b)) == 1 }
func (e *r255Element) IsIdentity() bool         { return e.e.Equal(r255Identity) == 1 }

// Bytes is RFC 9496 Section 4.3.2 encoding; the identity encodes as 32 zero
// bytes.
func (e *r255Element) Bytes() []byte { return e.e.Encode(make([]byte, 0, 32)) }

func (e *r255Element) ScalarBaseMult(s Scalar) Element {
	e.e.ScalarBaseMult(r255S(s))
	return e
}

func (e *r255Element) ScalarMult(s Scalar, a Element) Element {
	e.e.ScalarMult(r255S(s), r255E(a))
	return e
}

func (e *r255Element) VarTimeMultiScalarMult(s []Scalar, a []Element) Element {
	if len(s) != len(a) {
		panic("group: VarTimeMultiScalarMult: length mismatch")
	}
	if len(s) == 0 {
		e.e.Zero()
		return e
	}
	ss := make([]*ristretto255.Scalar, len(s))
	pp := make([]*ristretto255.Element, len(a))
	for i := range s {
		ss[i] = r255S(s[i])
		pp[i] = r255E(a[i])
	}
	e.e.VarTimeMultiScalarMult(ss, pp)
	return e
}
