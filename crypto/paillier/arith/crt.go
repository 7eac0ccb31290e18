package arith

import (
	"crypto/subtle"
	"errors"
	"math/big"

	"filippo.io/bigmod"
)

// CRT performs constant-time exponentiations modulo n = p·q and modulo
// n² = p²·q² for the owner of the factorisation (p ≠ q odd primes). Each
// exponentiation is split into two half-size ones by the Chinese remainder
// theorem, and the secret exponent is first reduced, in constant time,
// modulo the order φ(p^k) (resp. φ(q^k)) of the group, which also removes
// its sign. Bases must be units (elements of Z*_n, resp. Z*_{n²}).
type CRT struct {
	n, n2    *big.Int
	q, qq    *big.Int // q, q² (for recombination)
	mp, mq   *Modulus // p, q
	mpp, mqq *Modulus // p², q²
	op, oq   *bigmod.Modulus
	opp, oqq *bigmod.Modulus // orders: p−1, q−1, p(p−1), q(q−1)
	qInvP    *bigmod.Nat     // q⁻¹ mod p
	qqInvPP  *bigmod.Nat     // q⁻² mod p²
}

// NewCRT prepares CRT exponentiation for n = p·q. p and q must be distinct
// odd primes (the caller has checked primality).
func NewCRT(p, q *big.Int) (*CRT, error) {
	if p.Cmp(q) == 0 || p.Bit(0) == 0 || q.Bit(0) == 0 || p.BitLen() < 3 || q.BitLen() < 3 {
		return nil, errors.New("arith: new crt: factors must be distinct odd primes")
	}
	c := &CRT{
		n:  new(big.Int).Mul(p, q),
		q:  new(big.Int).Set(q),
		qq: new(big.Int).Mul(q, q),
	}
	c.n2 = new(big.Int).Mul(c.n, c.n)
	pp := new(big.Int).Mul(p, p)
	var err error
	if c.mp, err = NewModulus(p); err != nil {
		return nil, err
	}
	if c.mq, err = NewModulus(q); err != nil {
		return nil, err
	}
	if c.mpp, err = NewModulus(pp); err != nil {
		return nil, err
	}
	if c.mqq, err = NewModulus(c.qq); err != nil {
		return nil, err
	}
	one := big.NewInt(1)
	pm1 := new(big.Int).Sub(p, one)
	qm1 := new(big.Int).Sub(q, one)
	orders := []*big.Int{pm1, qm1, new(big.Int).Mul(p, pm1), new(big.Int).Mul(q, qm1)}
	mods := []**bigmod.Modulus{&c.op, &c.oq, &c.opp, &c.oqq}
	for i, o := range orders {
		if *mods[i], err = bigmod.NewModulus(o.Bytes()); err != nil {
			return nil, errors.New("arith: new crt: bad factor")
		}
	}
	// The inverses are computed once, at key load time.
	qi := new(big.Int).ModInverse(q, p)
	qqi := new(big.Int).ModInverse(c.qq, pp)
	if qi == nil || qqi == nil {
		return nil, errors.New("arith: new crt: factors are not coprime")
	}
	c.qInvP = c.mp.nat(qi)
	c.qqInvPP = c.mpp.nat(qqi)
	return c, nil
}

// N returns p·q.
func (c *CRT) N() *big.Int { return new(big.Int).Set(c.n) }

// reduceExp returns e mod order as a big-endian buffer of the order's byte
// length, in constant time with respect to e's value (for a given byte
// length of e, padded to expBits) and to the order.
func reduceExp(e *big.Int, expBits int, order *bigmod.Modulus) []byte {
	x := natFromBytesMod(expBytes(e, expBits), order)
	neg := bigmod.NewNat().ExpandFor(order)
	neg.Sub(x, order) // −x mod order
	out := x.Bytes(order)
	mask := 0
	if e.Sign() < 0 { // the sign lives in a separate field of big.Int
		mask = 1
	}
	subtle.ConstantTimeCopy(mask, out, neg.Bytes(order))
	return out
}

// natFromBytesMod reduces an arbitrary-length big-endian value modulo m in
// constant time (for a given length of b).
func natFromBytesMod(b []byte, m *bigmod.Modulus) *bigmod.Nat {
	// An even modulus 2^(8·len(b)+8) holds b without reduction and costs no
	// Montgomery precomputation.
	w := make([]byte, len(b)+2)
	w[0] = 1
	wide, err := bigmod.NewModulus(w)
	if err != nil {
		panic("arith: internal error: " + err.Error())
	}
	x, err := bigmod.NewNat().SetBytes(append([]byte{0, 0}, b...), wide)
	if err != nil {
		panic("arith: internal error: " + err.Error())
	}
	return bigmod.NewNat().Mod(x, m)
}

// ExpN returns base^exp mod n for a unit base and a secret signed exponent
// with |exp| < 2^expBits, in constant time.
func (c *CRT) ExpN(base, exp *big.Int, expBits int) *big.Int {
	ep := reduceExp(exp, expBits, c.op)
	eq := reduceExp(exp, expBits, c.oq)
	rp := bigmod.NewNat().Exp(c.mp.nat(base), ep, c.mp.m)
	rq := bigmod.NewNat().Exp(c.mq.nat(base), eq, c.mq.m)
	count(len(ep)*8, c.mp.BitLen())
	count(len(eq)*8, c.mq.BitLen())
	return combine(rp, rq, c.mp, c.mq, c.qInvP, c.q)
}

// ExpN2 returns base^exp mod n² for a unit base and a secret signed
// exponent with |exp| < 2^expBits, in constant time.
func (c *CRT) ExpN2(base, exp *big.Int, expBits int) *big.Int {
	ep := reduceExp(exp, expBits, c.opp)
	eq := reduceExp(exp, expBits, c.oqq)
	rp := bigmod.NewNat().Exp(c.mpp.nat(base), ep, c.mpp.m)
	rq := bigmod.NewNat().Exp(c.mqq.nat(base), eq, c.mqq.m)
	count(len(ep)*8, c.mpp.BitLen())
	count(len(eq)*8, c.mqq.BitLen())
	return combine(rp, rq, c.mpp, c.mqq, c.qqInvPP, c.qq)
}

// combine returns x with x ≡ rp (mod P), x ≡ rq (mod Q), 0 ≤ x < P·Q, by
// Garner's formula x = rq + Q·((rp − rq)·Q⁻¹ mod P).
func combine(rp, rq *bigmod.Nat, mP, mQ *Modulus, qInv *bigmod.Nat, Q *big.Int) *big.Int {
	rqBytes := rq.Bytes(mQ.m)
	rqModP := natFromBytesMod(rqBytes, mP.m)
	t := bigmod.NewNat().ExpandFor(mP.m)
	t.Mod(rp, mP.m)
	t.Sub(rqModP, mP.m)
	t.Mul(qInv, mP.m)
	x := new(big.Int).SetBytes(t.Bytes(mP.m))
	x.Mul(x, Q)
	return x.Add(x, new(big.Int).SetBytes(rqBytes))
}

// ExpP returns base^exp mod p for a unit base and a secret signed exponent
// with |exp| < 2^expBits, in constant time (one half of ExpN).
func (c *CRT) ExpP(base, exp *big.Int, expBits int) *big.Int {
	ep := reduceExp(exp, expBits, c.op)
	count(len(ep)*8, c.mp.BitLen())
	return c.mp.toInt(bigmod.NewNat().Exp(c.mp.nat(base), ep, c.mp.m))
}

// ExpQ returns base^exp mod q; see ExpP.
func (c *CRT) ExpQ(base, exp *big.Int, expBits int) *big.Int {
	eq := reduceExp(exp, expBits, c.oq)
	count(len(eq)*8, c.mq.BitLen())
	return c.mq.toInt(bigmod.NewNat().Exp(c.mq.nat(base), eq, c.mq.m))
}

// Combine returns the x ∈ [0, n) with x ≡ rp (mod p) and x ≡ rq (mod q),
// in constant time.
func (c *CRT) Combine(rp, rq *big.Int) *big.Int {
	return combine(c.mp.nat(rp), c.mq.nat(rq), c.mp, c.mq, c.qInvP, c.q)
}

// MulP returns a·b mod p in constant time.
func (c *CRT) MulP(a, b *big.Int) *big.Int { return c.mp.MulCT(a, b) }

// MulQ returns a·b mod q in constant time.
func (c *CRT) MulQ(a, b *big.Int) *big.Int { return c.mq.MulCT(a, b) }

// CRTFixedBase exponentiates one unit base modulo n = p·q with fixed-base
// tables modulo p and modulo q, in constant time (e.g. t^a_i for the m
// repetitions of Π^prm by the owner of N̂).
type CRTFixedBase struct {
	c      *CRT
	fp, fq *FixedBase
}

// NewFixedBase prepares CRT fixed-base exponentiation of base, a
// non-negative unit modulo n (the caller checks it against the public n).
func (c *CRT) NewFixedBase(base *big.Int) *CRTFixedBase {
	return &CRTFixedBase{
		c:  c,
		fp: newFixedBase(c.mp, base),
		fq: newFixedBase(c.mq, base),
	}
}

// ExpCT returns base^e mod n for a secret signed e with |e| < 2^eBits, in
// constant time: e is reduced modulo p − 1 and q − 1 (which also removes its
// sign), then each half uses its fixed-base table.
func (f *CRTFixedBase) ExpCT(e *big.Int, eBits int) *big.Int {
	ep := new(big.Int).SetBytes(reduceExp(e, eBits, f.c.op))
	eq := new(big.Int).SetBytes(reduceExp(e, eBits, f.c.oq))
	rp := f.fp.expCTUnsigned(ep, f.c.mp.BitLen())
	rq := f.fq.expCTUnsigned(eq, f.c.mq.BitLen())
	wipeInt(ep)
	wipeInt(eq)
	return f.c.Combine(rp, rq)
}

func wipeInt(x *big.Int) {
	w := x.Bits()
	for i := range w {
		w[i] = 0
	}
	x.SetInt64(0)
}

// ExpPP returns base^exp mod p² for 0 ≤ exp < 2^expBits, in constant
// time; the exponent is used as is, padded to expBits (Paillier decryption:
// c^(p−1) mod p², a half-length exponent).
func (c *CRT) ExpPP(base, exp *big.Int, expBits int) *big.Int {
	return c.mpp.ExpCT(base, exp, expBits)
}

// ExpQQ returns base^exp mod q²; see ExpPP.
func (c *CRT) ExpQQ(base, exp *big.Int, expBits int) *big.Int {
	return c.mqq.ExpCT(base, exp, expBits)
}

// Destroy overwrites the secret values the CRT context can reach (best
// effort: the prepared bigmod moduli keep their own copies of p, q, p², q²
// until they are garbage collected).
func (c *CRT) Destroy() {
	for _, x := range []*big.Int{c.q, c.qq} {
		wipeInt(x)
	}
	for _, x := range []*bigmod.Nat{c.qInvP, c.qqInvPP} {
		if x != nil {
			clear(x.Bits())
		}
	}
	c.mp, c.mq, c.mpp, c.mqq = nil, nil, nil, nil
	c.op, c.oq, c.opp, c.oqq = nil, nil, nil, nil
}
