package group

import (
	"math/big"
	"slices"

	"filippo.io/bigmod"
)

// modField is a prime scalar field Z/qZ on filippo.io/bigmod (the
// constant-time modular arithmetic behind Go's crypto/rsa), used by the
// P-256 and edwards448 backends. Every operation runs in time that depends
// only on the public sizes of the modulus and of the inputs' encodings.
//
// bigmod methods write only their receiver, so each operation computes into
// a fresh Nat and then installs it: inputs may alias the receiver and may
// be shared between goroutines.
type modField struct {
	group        Group
	m            *bigmod.Modulus
	wide         *bigmod.Modulus // 2^(8·(2·size+16)+1) − 1, to load SetUniformBytes input
	order        *big.Int
	size         int  // encoding length in bytes (RFC 9591 Nscalar)
	littleEndian bool // byte order of the encoding
	qMinus2      []byte
}

func newModField(g Group, order *big.Int, size int, le bool) *modField {
	m, err := bigmod.NewModulus(order.Bytes())
	if err != nil {
		panic(err)
	}
	wideBytes := make([]byte, 2*size+16+1)
	for i := range wideBytes {
		wideBytes[i] = 0xff
	}
	wideBytes[0] = 0x01
	wide, err := bigmod.NewModulus(wideBytes)
	if err != nil {
		panic(err)
	}
	return &modField{
		group:        g,
		m:            m,
		wide:         wide,
		order:        new(big.Int).Set(order),
		size:         size,
		littleEndian: le,
		qMinus2:      new(big.Int).Sub(order, big.NewInt(2)).Bytes(),
	}
}

type modScalar struct {
	f *modField
	n *bigmod.Nat // always ExpandFor(f.m), reduced
}

func (f *modField) zeroNat() *bigmod.Nat { return bigmod.NewNat().ExpandFor(f.m) }

func (f *modField) clone(x *bigmod.Nat) *bigmod.Nat {
	r := f.zeroNat()
	copy(r.Bits(), x.Bits())
	return r
}

func (f *modField) newScalar() *modScalar { return &modScalar{f: f, n: f.zeroNat()} }

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
	// The order may need fewer bytes than the encoding (edwards448: 56 of
	// 57); the extra leading bytes of a canonical scalar are zero.
	extra := len(be) - f.m.Size()
	for _, c := range be[:extra] {
		if c != 0 {
			return nil, ErrInvalidScalar
		}
	}
	n, err := f.zeroNat().SetBytes(be[extra:], f.m) // fails if ≥ q
	if err != nil {
		return nil, ErrInvalidScalar
	}
	return &modScalar{f: f, n: n}, nil
}

func (f *modField) cast(a Scalar) *bigmod.Nat {
	s := a.(*modScalar)
	if s.f != f {
		panic("group: mixing scalars of different groups")
	}
	return s.n
}

// install replaces the receiver's value with n, wiping the old limbs.
func (s *modScalar) install(n *bigmod.Nat) *modScalar {
	if s.n != nil {
		clear(s.n.Bits())
	}
	s.n = n
	return s
}

func (s *modScalar) Group() Group        { return s.f.group }
func (s *modScalar) Set(a Scalar) Scalar { return s.install(s.f.clone(s.f.cast(a))) }
func (s *modScalar) Equal(b Scalar) bool { return s.n.Equal(s.f.cast(b)) == 1 }
func (s *modScalar) IsZero() bool        { return s.n.IsZero() == 1 }
func (s *modScalar) String() string      { return redacted }
func (s *modScalar) Zero()               { clear(s.n.Bits()) }

func (s *modScalar) Add(a, b Scalar) Scalar {
	return s.install(s.f.clone(s.f.cast(a)).Add(s.f.cast(b), s.f.m))
}

func (s *modScalar) Sub(a, b Scalar) Scalar {
	return s.install(s.f.clone(s.f.cast(a)).Sub(s.f.cast(b), s.f.m))
}

func (s *modScalar) Mul(a, b Scalar) Scalar {
	return s.install(s.f.clone(s.f.cast(a)).Mul(s.f.cast(b), s.f.m))
}

func (s *modScalar) Negate(a Scalar) Scalar {
	return s.install(s.f.zeroNat().Sub(s.f.cast(a), s.f.m))
}

// invertFermat computes a^(q−2) (Fermat) with bigmod's constant-time
// modular exponentiation; the inverse of zero is zero. Invert uses the
// faster blinded inversion; this is its reference in the tests.
func (s *modScalar) invertFermat(a Scalar) Scalar {
	return s.install(s.f.zeroNat().Exp(s.f.cast(a), s.f.qMinus2, s.f.m))
}

func (s *modScalar) SetUint64(v uint64) Scalar {
	var b [8]byte
	for i := range 8 {
		b[7-i] = byte(v >> (8 * i))
	}
	n, err := s.f.zeroNat().SetBytes(b[:], s.f.m)
	if err != nil {
		panic("group: SetUint64: " + err.Error()) // unreachable: q > 2^64
	}
	return s.install(n)
}

func (s *modScalar) Bytes() []byte {
	b := make([]byte, s.f.size)
	nb := s.n.Bytes(s.f.m)
	copy(b[s.f.size-len(nb):], nb)
	clear(nb)
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
	x, err := bigmod.NewNat().SetBytes(be, s.f.wide) // < wide by construction
	if err != nil {
		return nil, ErrInvalidScalar
	}
	s.install(s.f.zeroNat().Mod(x, s.f.m))
	clear(x.Bits())
	return s, nil
}
