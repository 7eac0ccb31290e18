package group

import (
	"crypto/subtle"
	"math/big"
	"slices"

	"github.com/cronokirby/saferith"
)

// modField is a prime scalar field Z/qZ implemented with saferith's
// constant-time arithmetic, used by the P-256 and edwards448 backends. Every
// operation runs in time that depends only on the (public) sizes of the
// modulus and of the inputs' encodings.
//
// saferith's comparisons (Cmp, Eq, CmpMod) and CondAssign write to their
// arguments' limbs (they re-mask them), which races when a scalar or the
// shared modulus is read from several goroutines. This file therefore
// compares canonical byte encodings itself and only passes values it owns
// to those methods.
type modField struct {
	group        Group
	m            *saferith.Modulus
	order        *big.Int
	size         int  // encoding length in bytes (RFC 9591 Nscalar)
	littleEndian bool // byte order of the encoding
	qMinus2      *saferith.Nat
	orderBE      []byte // the order, big-endian, size bytes
}

func newModField(g Group, order *big.Int, size int, le bool) *modField {
	f := &modField{
		group:        g,
		m:            saferith.ModulusFromBytes(order.Bytes()),
		order:        new(big.Int).Set(order),
		size:         size,
		littleEndian: le,
	}
	f.qMinus2 = new(saferith.Nat).SetBytes(new(big.Int).Sub(order, big.NewInt(2)).Bytes())
	f.orderBE = order.FillBytes(make([]byte, size))
	return f
}

type modScalar struct {
	f *modField
	n saferith.Nat
}

func (f *modField) newScalar() *modScalar {
	s := &modScalar{f: f}
	s.n.Mod(new(saferith.Nat).SetUint64(0), f.m)
	return s
}

// parse implements DeserializeScalar: exactly size bytes, canonical
// (below the order).
func (f *modField) parse(b []byte) (Scalar, error) {
	if len(b) != f.size {
		return nil, ErrInvalidScalar
	}
	be := slices.Clone(b)
	defer clear(be)
	if f.littleEndian {
		slices.Reverse(be)
	}
	if ctLessBE(be, f.orderBE) != 1 {
		return nil, ErrInvalidScalar
	}
	var x saferith.Nat
	x.SetBytes(be)
	s := &modScalar{f: f}
	s.n.Mod(&x, f.m)
	wipeNat(&x)
	return s, nil
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

// wipeNat overwrites x's limbs in place with zero (x is owned by the
// caller).
func wipeNat(x *saferith.Nat) {
	zero := new(saferith.Nat).SetBytes(make([]byte, (x.AnnouncedLen()+7)/8))
	x.CondAssign(1, zero)
}

func (f *modField) cast(a Scalar) *saferith.Nat {
	s := a.(*modScalar)
	if s.f != f {
		panic("group: mixing scalars of different groups")
	}
	return &s.n
}

func (s *modScalar) Group() Group           { return s.f.group }
func (s *modScalar) Set(a Scalar) Scalar    { s.n.SetNat(s.f.cast(a)); return s }
func (s *modScalar) Add(a, b Scalar) Scalar { s.n.ModAdd(s.f.cast(a), s.f.cast(b), s.f.m); return s }
func (s *modScalar) Sub(a, b Scalar) Scalar { s.n.ModSub(s.f.cast(a), s.f.cast(b), s.f.m); return s }
func (s *modScalar) Mul(a, b Scalar) Scalar { s.n.ModMul(s.f.cast(a), s.f.cast(b), s.f.m); return s }
func (s *modScalar) Negate(a Scalar) Scalar { s.n.ModNeg(s.f.cast(a), s.f.m); return s }
func (s *modScalar) Equal(b Scalar) bool {
	s.f.cast(b)
	x, y := s.Bytes(), b.Bytes()
	defer clear(x)
	defer clear(y)
	return subtle.ConstantTimeCompare(x, y) == 1
}
func (s *modScalar) IsZero() bool   { return s.n.EqZero() == 1 }
func (s *modScalar) String() string { return "<redacted>" }

// Invert computes a^(q−2) (Fermat) with saferith's constant-time modular
// exponentiation; the inverse of zero is zero.
func (s *modScalar) Invert(a Scalar) Scalar {
	s.n.Exp(s.f.cast(a), s.f.qMinus2, s.f.m)
	return s
}

func (s *modScalar) SetUint64(v uint64) Scalar {
	var x saferith.Nat
	x.SetUint64(v)
	s.n.Mod(&x, s.f.m)
	return s
}

// Zero overwrites the limbs with zero in place, then re-reduces.
func (s *modScalar) Zero() {
	wipeNat(&s.n)
	s.n.Mod(&s.n, s.f.m)
}

func (s *modScalar) Bytes() []byte {
	b := make([]byte, s.f.size)
	s.n.FillBytes(b)
	if s.f.littleEndian {
		slices.Reverse(b)
	}
	return b
}

// SetUniformBytes interprets b (at most 2·size+16 bytes) as an integer in
// the field's byte order and reduces it modulo q in constant time.
func (s *modScalar) SetUniformBytes(b []byte) (Scalar, error) {
	if len(b) > 2*s.f.size+16 {
		return nil, ErrInvalidScalar
	}
	be := slices.Clone(b)
	defer clear(be)
	if s.f.littleEndian {
		slices.Reverse(be)
	}
	var x saferith.Nat
	x.SetBytes(be)
	s.n.Mod(&x, s.f.m)
	wipeNat(&x)
	return s, nil
}
