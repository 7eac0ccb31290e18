package arith

import (
	"math/bits"
	_ "unsafe" // for go:linkname

	"filippo.io/bigmod"
)

// montMul sets x = a·b·R⁻¹ mod m, R = 2^(W·limbs): one Montgomery
// multiplication, in constant time (filippo.io/bigmod's own, in assembly
// for 1024-, 1536- and 2048-bit moduli). a and b must be reduced and as
// long as the modulus; x may alias either.
//
// bigmod exports only Nat.Mul, which takes its result out of the Montgomery
// domain and so costs two Montgomery multiplications per product (it first
// multiplies by R² mod m). Chains of products (fixed-base exponentiation,
// multi-exponentiation) stay in the domain and pay one each: half the cost.
// The function is bigmod's unexported (*Nat).montgomeryMul, reached by
// linkname: filippo.io/bigmod is pinned in go.mod, and TestMontMul checks
// the product against math/big at every size custos uses, so a change of
// the symbol fails to link or fails that test.
//
//go:linkname montMul filippo.io/bigmod.(*Nat).montgomeryMul
func montMul(x, a, b *bigmod.Nat, m *bigmod.Modulus) *bigmod.Nat

// mont holds what Montgomery-domain arithmetic modulo m needs.
type mont struct {
	m     *bigmod.Modulus
	limbs int
	rr    *bigmod.Nat // R² mod m
	one   *bigmod.Nat // 1, out of the domain
	r     *bigmod.Nat // R mod m: 1 in the domain
}

// newMont returns the Montgomery arithmetic modulo m, prepared once per
// Modulus. The modulus may be
// secret (p, q, p², q²): R mod m and R² mod m come from 2·W·limbs modular
// doublings of 1 with bigmod's constant-time addition, not from a math/big
// division.
func newMont(m *Modulus) *mont {
	m.montOnce.Do(func() { m.mont = buildMont(m) })
	return m.mont
}

func buildMont(m *Modulus) *mont {
	limbs := len(bigmod.NewNat().ExpandFor(m.m).Bits())
	x := bigmod.NewNat().SetUint(1).ExpandFor(m.m)
	c := &mont{m: m.m, limbs: limbs, one: bigmod.NewNat().SetUint(1).ExpandFor(m.m)}
	for i := 1; i <= 2*limbs*bits.UintSize; i++ {
		x.Add(x, m.m)
		if i == limbs*bits.UintSize {
			c.r = c.clone(x)
		}
	}
	c.rr = x
	return c
}

// to sets x = x·R mod m (into the domain).
func (c *mont) to(x *bigmod.Nat) *bigmod.Nat { return montMul(x, x, c.rr, c.m) }

// from sets x = x·R⁻¹ mod m (out of the domain).
func (c *mont) from(x *bigmod.Nat) *bigmod.Nat { return montMul(x, x, c.one, c.m) }

// unit returns a fresh 1 in the domain (R mod m).
func (c *mont) unit() *bigmod.Nat {
	x := bigmod.NewNat().ExpandFor(c.m)
	copy(x.Bits(), c.r.Bits())
	return x
}

// mul sets x = x·y (both in the domain, result in the domain).
func (c *mont) mul(x, y *bigmod.Nat) *bigmod.Nat { return montMul(x, x, y, c.m) }

// clone returns a copy of x (as long as the modulus).
func (c *mont) clone(x *bigmod.Nat) *bigmod.Nat {
	y := bigmod.NewNat().ExpandFor(c.m)
	copy(y.Bits(), x.Bits())
	return y
}
