// Package arith holds the modular arithmetic shared by the Paillier,
// ring-Pedersen and zero-knowledge proof code.
//
// Two families of operations live here:
//
//   - constant-time ones (ExpCT, Modulus.ExpCT, CRT.Exp) for exponentiations
//     whose exponent or base is secret: they run on filippo.io/bigmod, the
//     exported copy of the standard library's constant-time modular
//     arithmetic (the code behind crypto/rsa), whose running time depends
//     only on the byte lengths of the modulus and of the exponent buffer;
//   - variable-time ones (ExpVar, MultiExpVar) for the verifier, who touches
//     public values only; they run on math/big.
//
// Every exponentiation is counted (see Count), so benchmarks can report the
// number of full-size modular exponentiations per call.
//
// # Security
//
// Constant-time operations hide the value of the exponent, not its length:
// callers pass the public bound on the exponent's size (expBits) so the
// exponent buffer has a length that depends on public data only. A negative
// exponent selects base⁻¹ instead of base in constant time; the inverse is
// computed with math/big, so the base of a possibly negative secret exponent
// must be public (ring-Pedersen s and t, commitments), which is the case in
// every CGGMP21 prover. math/big values are variable-length containers: the
// conversion of a secret to and from big.Int leaks its length in words
// (a few bits of information at most); this is the residual leakage of a
// math/big based API and is documented in docs/protocol/cggmp-proofs.md.
package arith

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"

	"filippo.io/bigmod"
)

// FullBits is the size, in bits, of a "full-size" exponentiation for the
// purposes of Count: a 2048-bit exponent modulo a 2048-bit modulus.
const FullBits = 2048

var (
	expCalls atomic.Uint64
	expMilli atomic.Uint64 // full-size equivalents, in 1/1024 units
)

func count(expBits, modBits int) {
	expCalls.Add(1)
	// The cost of a windowed exponentiation grows linearly with the
	// exponent length and quadratically with the modulus length.
	e := float64(expBits) / FullBits
	m := float64(modBits) / FullBits
	expMilli.Add(uint64(e*m*m*1024 + 0.5))
}

// Count returns the number of modular exponentiations performed by this
// package since the last ResetCount, and their cost expressed in full-size
// exponentiations (2048-bit exponent, 2048-bit modulus; a 2048-bit exponent
// modulo N² counts as 4, a 1024-bit exponent modulo p as 1/8).
func Count() (calls uint64, fullSize float64) {
	return expCalls.Load(), float64(expMilli.Load()) / 1024
}

// ResetCount zeroes the counters of Count.
func ResetCount() {
	expCalls.Store(0)
	expMilli.Store(0)
}

// Modulus is an odd modulus > 1 prepared for repeated constant-time
// exponentiation. The modulus value may be secret (p², q²): only its bit
// length leaks.
type Modulus struct {
	m    *bigmod.Modulus
	n    *big.Int
	size int // byte length

	montOnce sync.Once
	mont     *mont
}

// NewModulus prepares an odd modulus n > 1.
func NewModulus(n *big.Int) (*Modulus, error) {
	if n.Sign() <= 0 || n.Bit(0) == 0 || n.BitLen() < 2 {
		return nil, errors.New("arith: new modulus: modulus must be odd and greater than one")
	}
	m, err := bigmod.NewModulus(n.Bytes())
	if err != nil {
		return nil, fmt.Errorf("arith: new modulus: %w", err)
	}
	return &Modulus{m: m, n: new(big.Int).Set(n), size: (n.BitLen() + 7) / 8}, nil
}

// MustModulus is NewModulus for values the caller already validated.
func MustModulus(n *big.Int) *Modulus {
	m, err := NewModulus(n)
	if err != nil {
		panic(err)
	}
	return m
}

// Int returns a copy of the modulus.
func (m *Modulus) Int() *big.Int { return new(big.Int).Set(m.n) }

// BitLen returns the bit length of the modulus.
func (m *Modulus) BitLen() int { return m.n.BitLen() }

// nat converts x (any integer) to a Nat reduced modulo m. A non-negative x
// is reduced in constant time with respect to its value (for its byte
// length) and to the modulus, which may be secret (p, q, p², q²); a
// negative x (public values only) is reduced with math/big first.
func (m *Modulus) nat(x *big.Int) *bigmod.Nat {
	if x.Sign() >= 0 {
		return natFromBytesMod(x.Bytes(), m.m)
	}
	return m.natPublic(x)
}

// natPublic is nat for a public value modulo a public modulus, in
// variable time (math/big reduction when x is out of range).
func (m *Modulus) natPublic(x *big.Int) *bigmod.Nat {
	v := x
	if x.Sign() < 0 || x.Cmp(m.n) >= 0 {
		v = new(big.Int).Mod(x, m.n)
	}
	buf := make([]byte, m.size)
	v.FillBytes(buf)
	n, err := bigmod.NewNat().SetBytes(buf, m.m)
	if err != nil {
		panic("arith: internal error: " + err.Error())
	}
	return n
}

func (m *Modulus) toInt(x *bigmod.Nat) *big.Int {
	return new(big.Int).SetBytes(x.Bytes(m.m))
}

// expBytes encodes |e| big-endian in a buffer of at least expBits bits.
func expBytes(e *big.Int, expBits int) []byte {
	n := (expBits + 7) / 8
	if l := (e.BitLen() + 7) / 8; l > n {
		n = l // out of contract: the length of e leaks
	}
	buf := make([]byte, n)
	new(big.Int).Abs(e).FillBytes(buf)
	return buf
}

// ExpCT returns base^exp mod m for exp ≥ 0, in constant time with respect
// to the values of exp (padded to expBits bits, a public bound on exp) and
// of base. It panics on a negative exp: use ExpSignedCT.
func (m *Modulus) ExpCT(base, exp *big.Int, expBits int) *big.Int {
	if exp.Sign() < 0 {
		panic("arith: exp ct: negative exponent")
	}
	b := m.nat(base)
	eb := expBytes(exp, expBits)
	count(len(eb)*8, m.n.BitLen())
	return m.toInt(bigmod.NewNat().Exp(b, eb, m.m))
}

// ExpSignedCT returns base^exp mod m for a signed secret exp with |exp| <
// 2^expBits, in constant time with respect to exp: base⁻¹ is computed (in
// variable time: base must be a public unit) and selected by the sign of exp
// without branching.
func (m *Modulus) ExpSignedCT(base, exp *big.Int, expBits int) *big.Int {
	inv := new(big.Int).ModInverse(new(big.Int).Mod(base, m.n), m.n)
	if inv == nil {
		panic("arith: exp signed ct: base is not a unit")
	}
	bb := m.nat(base).Bytes(m.m)
	neg := 0
	if exp.Sign() < 0 { // big.Int keeps the sign in a separate field
		neg = 1
	}
	subtle.ConstantTimeCopy(neg, bb, m.nat(inv).Bytes(m.m))
	b, err := bigmod.NewNat().SetBytes(bb, m.m)
	if err != nil {
		panic("arith: internal error: " + err.Error())
	}
	eb := expBytes(exp, expBits)
	count(len(eb)*8, m.n.BitLen())
	return m.toInt(bigmod.NewNat().Exp(b, eb, m.m))
}

// Exp returns base^exp mod m with math/big: variable time, for public values.
func (m *Modulus) Exp(base, exp *big.Int) *big.Int { return ExpVar(base, exp, m.n) }

// ExpCT returns base^exp mod mod (odd) for exp ≥ 0 in constant time with
// respect to exp and base; the exponent buffer is padded to the size of the
// modulus. See Modulus.ExpCT; prepare a Modulus once for repeated use.
func ExpCT(base, exp, mod *big.Int) *big.Int {
	return MustModulus(mod).ExpCT(base, exp, mod.BitLen())
}

// ExpCTBits is ExpCT with an explicit public bound expBits on exp.
func ExpCTBits(base, exp, mod *big.Int, expBits int) *big.Int {
	return MustModulus(mod).ExpCT(base, exp, expBits)
}

// ExpSignedCT is Modulus.ExpSignedCT for a one-off modulus.
func ExpSignedCT(base, exp, mod *big.Int, expBits int) *big.Int {
	return MustModulus(mod).ExpSignedCT(base, exp, expBits)
}

// ExpVar returns base^exp mod mod in variable time (math/big). A negative
// exponent inverts the base; ExpVar panics if the base is not invertible,
// which callers rule out by validating their inputs first.
func ExpVar(base, exp, mod *big.Int) *big.Int {
	count(exp.BitLen(), mod.BitLen())
	if exp.Sign() < 0 {
		inv := new(big.Int).ModInverse(new(big.Int).Mod(base, mod), mod)
		if inv == nil {
			panic("arith: exp: negative exponent of a non-invertible base")
		}
		return inv.Exp(inv, new(big.Int).Neg(exp), mod)
	}
	return new(big.Int).Exp(base, exp, mod)
}

// MultiExpVar returns ∏ bases[i]^exps[i] mod mod in variable time, for the
// verifier's checks. Negative exponents invert their base.
func MultiExpVar(mod *big.Int, bases, exps []*big.Int) *big.Int {
	if len(bases) != len(exps) {
		panic("arith: multi exp: length mismatch")
	}
	acc := big.NewInt(1)
	for i := range bases {
		acc.Mul(acc, ExpVar(bases[i], exps[i], mod))
		acc.Mod(acc, mod)
	}
	return acc
}

// MulCT returns a·b mod m in constant time with respect to a and b.
func (m *Modulus) MulCT(a, b *big.Int) *big.Int {
	x := m.nat(a)
	return m.toInt(x.Mul(m.nat(b), m.m))
}

// AddModCT returns (a + b) mod m for 0 ≤ a, b < m, in constant time with
// respect to a, b and m (m may be even, e.g. φ(N)).
func AddModCT(a, b, m *big.Int) *big.Int {
	mm, err := bigmod.NewModulus(m.Bytes())
	if err != nil {
		panic("arith: add mod: " + err.Error())
	}
	size := mm.Size()
	x, err1 := bigmod.NewNat().SetBytes(a.FillBytes(make([]byte, size)), mm)
	y, err2 := bigmod.NewNat().SetBytes(b.FillBytes(make([]byte, size)), mm)
	if err1 != nil || err2 != nil {
		panic("arith: add mod: operand out of range")
	}
	return new(big.Int).SetBytes(x.Add(y, mm).Bytes(mm))
}

// MultiExpSmall returns Π bases[i]^exps[i] mod m for public bases in
// [0, m) and public exponents below 2^expBits (Straus: one shared chain of
// squarings), for batch verification.
func (m *Modulus) MultiExpSmall(bases []*big.Int, exps []uint32, expBits int) *big.Int {
	if len(bases) != len(exps) {
		panic("arith: multi exp: length mismatch")
	}
	c := newMont(m)
	ns := make([]*bigmod.Nat, len(bases))
	for i, b := range bases {
		ns[i] = c.to(m.natPublic(b))
	}
	acc := c.unit()
	for bit := expBits - 1; bit >= 0; bit-- {
		if bit != expBits-1 {
			montMul(acc, acc, acc, m.m)
		}
		for i, e := range exps {
			if e>>uint(bit)&1 == 1 {
				c.mul(acc, ns[i])
			}
		}
	}
	return m.toInt(c.from(acc))
}
