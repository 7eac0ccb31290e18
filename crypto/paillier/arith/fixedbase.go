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
// squarings plus k/4 multiplications. The table grows on demand to the
// longest exponent seen (about 3.75 KiB per 4 exponent bits for a 2048-bit
// modulus: 1.2 MiB for a 2560-bit exponent). CGGMP21's ring-Pedersen bases
// s and t are the intended use: every range proof commits with them.
//
// A FixedBase is safe for concurrent use.
type FixedBase struct {
	m    *Modulus
	base *big.Int
	inv  *big.Int // base⁻¹ mod m

	mu   sync.RWMutex
	rows [][]uint // rows[j][(d−1)·n : d·n] = limbs of base^(d·16^j)
	n    int      // limbs per entry

	offMu   sync.Mutex
	offsets map[int]*bigmod.Nat // base^(−2^bits) for ExpCT
}

// NewFixedBase prepares fixed-base exponentiation of base (a unit modulo
// m). The table is built lazily.
func (m *Modulus) NewFixedBase(base *big.Int) *FixedBase {
	b := new(big.Int).Mod(base, m.n)
	inv := new(big.Int).ModInverse(b, m.n)
	if inv == nil {
		panic("arith: fixed base: base is not a unit")
	}
	return &FixedBase{
		m: m, base: b, inv: inv,
		n:       len(bigmod.NewNat().ExpandFor(m.m).Bits()),
		offsets: map[int]*bigmod.Nat{},
	}
}

// table returns at least windows rows.
func (f *FixedBase) table(windows int) [][]uint {
	f.mu.RLock()
	rows := f.rows
	f.mu.RUnlock()
	if len(rows) >= windows {
		return rows
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.m.m
	var g *bigmod.Nat // base^(16^j)
	if len(f.rows) == 0 {
		g = f.m.nat(f.base)
	} else {
		// base^(16^j) = base^(15·16^(j−1)) · base^(16^(j−1)).
		last := f.rows[len(f.rows)-1]
		g = f.entry(last, 15)
		g.Mul(f.entry(last, 1), m)
	}
	for len(f.rows) < windows {
		row := make([]uint, 15*f.n)
		acc := bigmod.NewNat().ExpandFor(m)
		copy(acc.Bits(), g.Bits())
		for d := 1; d <= 15; d++ {
			if d > 1 {
				acc.Mul(g, m)
			}
			copy(row[(d-1)*f.n:d*f.n], acc.Bits())
		}
		f.rows = append(f.rows, row)
		// Next generator: acc = base^(15·16^j), times g = base^(16^(j+1)).
		next := bigmod.NewNat().ExpandFor(m)
		copy(next.Bits(), acc.Bits())
		g = next.Mul(g, m)
	}
	return f.rows
}

func (f *FixedBase) entry(row []uint, d int) *bigmod.Nat {
	x := bigmod.NewNat().ExpandFor(f.m.m)
	copy(x.Bits(), row[(d-1)*f.n:d*f.n])
	return x
}

// ExpVar returns base^e mod m for a public signed e, in variable time.
func (f *FixedBase) ExpVar(e *big.Int) *big.Int {
	count(e.BitLen()/4, f.m.BitLen()) // ~k/4 multiplications: a quarter of an exponentiation
	abs := new(big.Int).Abs(e)
	windows := (abs.BitLen() + fbWindow - 1) / fbWindow
	rows := f.table(windows)
	m := f.m.m
	acc := bigmod.NewNat().SetUint(1).ExpandFor(m)
	tmp := bigmod.NewNat().ExpandFor(m)
	words := abs.Bits()
	for j := 0; j < windows; j++ {
		d := digit(words, j)
		if d == 0 {
			continue
		}
		copy(tmp.Bits(), rows[j][(int(d)-1)*f.n:int(d)*f.n])
		acc.Mul(tmp, m)
	}
	out := f.m.toInt(acc)
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
// multiplying, then multiplies by the cached public base^(−2^eBits).
func (f *FixedBase) ExpCT(e *big.Int, eBits int) *big.Int {
	if e.BitLen() > eBits {
		eBits = e.BitLen() // out of contract: the length of e leaks
	}
	count((eBits+1)/4, f.m.BitLen())
	shift := new(big.Int).Lsh(big.NewInt(1), uint(eBits))
	shifted := new(big.Int).Add(e, shift) // in [0, 2^(eBits+1))
	windows := (eBits + 1 + fbWindow - 1) / fbWindow
	rows := f.table(windows)
	m := f.m.m
	n := f.n
	// The digits come from a fixed-length byte buffer so their extraction
	// does not depend on the value's length.
	buf := make([]byte, (windows*fbWindow+7)/8)
	shifted.FillBytes(buf)
	acc := bigmod.NewNat().SetUint(1).ExpandFor(m)
	tmp := bigmod.NewNat().ExpandFor(m)
	one := bigmod.NewNat().SetUint(1).ExpandFor(m).Bits()
	tl := tmp.Bits()
	for j := 0; j < windows; j++ {
		b := buf[len(buf)-1-j/2]
		d := uint(b>>(4*(uint(j)&1))) & 0xf
		// tmp = d == 0 ? 1 : row[j][d−1], scanning all 16 candidates.
		mask := ctEqMask(d, 0)
		for i := 0; i < n; i++ {
			tl[i] = one[i] & mask
		}
		row := rows[j]
		for k := uint(1); k <= 15; k++ {
			mask := ctEqMask(d, k)
			ent := row[(k-1)*uint(n) : k*uint(n)]
			for i := 0; i < n; i++ {
				tl[i] |= ent[i] & mask
			}
		}
		acc.Mul(tmp, m)
	}
	acc.Mul(f.offset(eBits), m)
	wipeBytes(buf)
	shifted.SetInt64(0)
	return f.m.toInt(acc)
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

// offset returns base^(−2^bits) mod m (public), cached per bits.
func (f *FixedBase) offset(bits int) *bigmod.Nat {
	f.offMu.Lock()
	defer f.offMu.Unlock()
	if o, ok := f.offsets[bits]; ok {
		return o
	}
	e := new(big.Int).Lsh(big.NewInt(1), uint(bits))
	o := f.m.nat(new(big.Int).Exp(f.inv, e, f.m.n))
	f.offsets[bits] = o
	return o
}
