package arith

import (
	"math/big"
	"sync"

	"filippo.io/bigmod"
)

// fbWindow is the window width, in bits, of fixed-base exponentiation.
const fbWindow = 4

// FixedBase exponentiates one public base modulo one odd modulus, using a
// precomputed table of base^(d·16^j) (d = 1..15): an exponentiation with a
// k-bit exponent costs k/4 modular multiplications instead of about k
// squarings plus k/4 multiplications. The table is kept in the Montgomery
// domain, so each of those is one Montgomery multiplication (see montMul).
// It grows on demand to the longest exponent seen (about 3.75 KiB per 4
// exponent bits for a 2048-bit modulus: 1.2 MiB for a 2560-bit exponent).
// CGGMP21's ring-Pedersen bases s and t are the intended use: every range
// proof commits with them.
//
// A FixedBase is safe for concurrent use.
type FixedBase struct {
	m    *Modulus
	c    *mont
	base *big.Int

	mu   sync.RWMutex
	rows [][]*bigmod.Nat // rows[j][d−1] = base^(d·16^j)·R mod m

	offMu   sync.Mutex
	offsets map[int]*bigmod.Nat // base^(−2^bits)·R for ExpCT
}

// NewFixedBase prepares fixed-base exponentiation of base (a unit modulo
// m, a public modulus). The table is built lazily.
func (m *Modulus) NewFixedBase(base *big.Int) *FixedBase {
	b := new(big.Int).Mod(base, m.n)
	if new(big.Int).GCD(nil, nil, b, m.n).Cmp(big.NewInt(1)) != 0 {
		panic("arith: fixed base: base is not a unit")
	}
	return newFixedBase(m, b)
}

// newFixedBase is NewFixedBase without the unit check, for a modulus that
// may be secret: base ≥ 0 is reduced in constant time, and the caller
// checked that it is a unit (modulo the public n = p·q).
func newFixedBase(m *Modulus, base *big.Int) *FixedBase {
	return &FixedBase{m: m, c: newMont(m), base: new(big.Int).Set(base), offsets: map[int]*bigmod.Nat{}}
}

// table returns at least windows rows.
func (f *FixedBase) table(windows int) [][]*bigmod.Nat {
	f.mu.RLock()
	rows := f.rows
	f.mu.RUnlock()
	if len(rows) >= windows {
		return rows
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var g *bigmod.Nat // base^(16^j)·R
	if len(f.rows) == 0 {
		g = f.c.to(f.m.nat(f.base))
	} else {
		// base^(16^j) = base^(15·16^(j−1)) · base^(16^(j−1)).
		last := f.rows[len(f.rows)-1]
		g = f.c.mul(f.c.clone(last[14]), last[0])
	}
	for len(f.rows) < windows {
		row := make([]*bigmod.Nat, 15)
		row[0] = g
		for d := 1; d < 15; d++ {
			row[d] = f.c.mul(f.c.clone(row[d-1]), g)
		}
		f.rows = append(f.rows, row)
		// Next generator: base^(15·16^j) · base^(16^j) = base^(16^(j+1)).
		g = f.c.mul(f.c.clone(row[14]), g)
	}
	return f.rows
}

// ExpVar returns base^e mod m for a public signed e, in variable time.
func (f *FixedBase) ExpVar(e *big.Int) *big.Int {
	// k/4 Montgomery products: a fifth of a windowed exponentiation's k + k/4.
	count(e.BitLen()/5, f.m.BitLen())
	abs := new(big.Int).Abs(e)
	windows := (abs.BitLen() + fbWindow - 1) / fbWindow
	rows := f.table(windows)
	acc := f.c.unit()
	words := abs.Bits()
	for j := 0; j < windows; j++ {
		if d := digit(words, j); d != 0 {
			f.c.mul(acc, rows[j][d-1])
		}
	}
	out := f.m.toInt(f.c.from(acc))
	if e.Sign() < 0 {
		out.ModInverse(out, f.m.n)
	}
	return out
}

// digit returns the j-th 4-bit digit of the little-endian words.
func digit(words []big.Word, j int) uint {
	bit := j * fbWindow
	w := bit / wordBits
	if w >= len(words) {
		return 0
	}
	return uint(words[w]>>(uint(bit)%wordBits)) & 0xf
}

// wordBits is the size of big.Word and of uint (4 divides it, so a digit
// never straddles two words).
const wordBits = 32 << (^uint(0) >> 63)

// ExpCT returns base^e mod m for a secret signed e with |e| < 2^eBits, in
// time that depends only on eBits and the modulus size: it computes
// base^(e + 2^eBits) with a constant-time scan of every table row, always
// multiplying, then multiplies by the cached public base^(−2^eBits). The
// modulus must be public (the offset is inverted with math/big).
func (f *FixedBase) ExpCT(e *big.Int, eBits int) *big.Int {
	if e.BitLen() > eBits {
		eBits = e.BitLen() // out of contract: the length of e leaks
	}
	count((eBits+1)/4, f.m.BitLen())
	shift := new(big.Int).Lsh(big.NewInt(1), uint(eBits))
	shifted := new(big.Int).Add(e, shift) // in [0, 2^(eBits+1))
	acc := f.expCT(shifted, eBits+1)
	shifted.SetInt64(0)
	return f.m.toInt(f.c.from(f.c.mul(acc, f.offset(eBits))))
}

// expCTUnsigned returns base^e mod m for a secret 0 ≤ e < 2^eBits, in time
// that depends only on eBits and the modulus size (no offset: the modulus
// may be secret).
func (f *FixedBase) expCTUnsigned(e *big.Int, eBits int) *big.Int {
	if e.BitLen() > eBits {
		eBits = e.BitLen() // out of contract: the length of e leaks
	}
	count(eBits/4, f.m.BitLen())
	return f.m.toInt(f.c.from(f.expCT(e, eBits)))
}

// expCT returns base^e·R mod m for 0 ≤ e < 2^bits, scanning every table
// entry of each of ⌈bits/4⌉ windows with masks and always multiplying.
func (f *FixedBase) expCT(e *big.Int, bits int) *bigmod.Nat {
	windows := (bits + fbWindow - 1) / fbWindow
	rows := f.table(windows)
	// The digits come from a fixed-length byte buffer so their extraction
	// does not depend on the value's length.
	buf := make([]byte, (windows*fbWindow+7)/8)
	e.FillBytes(buf)
	defer wipeBytes(buf)
	acc := f.c.unit()
	tmp := f.c.unit()
	one := f.c.r.Bits() // 1 in the domain
	tl := tmp.Bits()
	for j := 0; j < windows; j++ {
		b := buf[len(buf)-1-j/2]
		d := uint(b>>(4*(uint(j)&1))) & 0xf
		// tmp = d == 0 ? 1 : row[j][d−1], scanning all 16 candidates.
		mask := ctEqMask(d, 0)
		for i := range tl {
			tl[i] = one[i] & mask
		}
		for k, ent := range rows[j] {
			mask := ctEqMask(d, uint(k+1))
			for i, w := range ent.Bits() {
				tl[i] |= w & mask
			}
		}
		f.c.mul(acc, tmp)
	}
	clear(tl)
	return acc
}

// ctEqMask returns all ones if a == b and zero otherwise, without branches.
func ctEqMask(a, b uint) uint {
	x := a ^ b
	// x == 0 ⇔ (x | −x) has its top bit clear.
	return ((x | -x) >> (wordBits - 1)) - 1
}

func wipeBytes(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// offset returns base^(−2^bits)·R mod m (public), cached per bits: the
// inverse of the table's entry base^(2^(bits mod 4) · 16^⌊bits/4⌋).
func (f *FixedBase) offset(bits int) *bigmod.Nat {
	f.offMu.Lock()
	defer f.offMu.Unlock()
	if o, ok := f.offsets[bits]; ok {
		return o
	}
	ent := f.table(bits/fbWindow + 1)[bits/fbWindow][1<<(bits%fbWindow)-1]
	pow := f.m.toInt(f.c.from(f.c.clone(ent)))
	o := f.c.to(f.m.nat(pow.ModInverse(pow, f.m.n)))
	f.offsets[bits] = o
	return o
}
