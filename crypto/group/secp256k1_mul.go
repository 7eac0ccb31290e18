package group

import (
	"math/big"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// Variable-time multi-scalar multiplication for public inputs (signature
// verification, Feldman checks). It uses Straus's interleaving (Straus
// 1964; Hankerson, Menezes, Vanstone, "Guide to Elliptic Curve
// Cryptography", Algorithm 3.51 with wNAF digits, Algorithm 3.35): one
// shared chain of doublings, and per term a width-5 NAF whose digits index
// a table of odd multiples P, 3P, ..., 15P. The tables are normalized to
// affine coordinates with a single field inversion (Montgomery's trick) so
// decred's faster mixed addition applies. Terms on the generator are
// merged and computed with decred's precomputed-table
// ScalarBaseMultNonConst.

const (
	secpWNAFWidth = 5
	secpWNAFTable = 1 << (secpWNAFWidth - 2) // odd multiples 1..15
)

// secpWNAF writes the width-w NAF of the 256-bit big-endian k into naf
// (digit i has weight 2^i; digits are odd, |d| < 2^(w−1), and any w
// consecutive digits hold at most one nonzero). It returns the index of
// the highest nonzero digit plus one. k is public.
func secpWNAF(k *[32]byte, w uint, naf *[257]int8) int {
	var x [6]uint64
	for i := range 4 {
		for j := range 8 {
			x[i] |= uint64(k[31-8*i-j]) << (8 * j)
		}
	}
	*naf = [257]int8{}
	width := uint64(1) << w
	mask := width - 1
	carry := uint64(0)
	top := 0
	for pos := uint(0); pos < 257; {
		idx, bit := pos/64, pos%64
		buf := x[idx] >> bit
		if bit+w > 64 {
			buf |= x[idx+1] << (64 - bit)
		}
		window := carry + buf&mask
		if window&1 == 0 {
			pos++
			continue
		}
		if window < width/2 {
			carry = 0
			naf[pos] = int8(window)
		} else {
			carry = 1
			naf[pos] = int8(int64(window) - int64(width))
		}
		top = int(pos) + 1
		pos += w
	}
	return top
}

// secpBatchToAffine rewrites every point (none the identity) to Z = 1 with
// one inversion.
func secpBatchToAffine(pts []secp256k1.JacobianPoint) {
	if len(pts) == 0 {
		return
	}
	prefix := make([]secp256k1.FieldVal, len(pts))
	prefix[0].Set(&pts[0].Z)
	for i := 1; i < len(pts); i++ {
		prefix[i].Mul2(&prefix[i-1], &pts[i].Z).Normalize()
	}
	var inv, zinv, zinv2 secp256k1.FieldVal
	inv.Set(&prefix[len(pts)-1]).Inverse()
	for i := len(pts) - 1; i >= 0; i-- {
		if i > 0 {
			zinv.Mul2(&inv, &prefix[i-1])
			inv.Mul(&pts[i].Z)
		} else {
			zinv.Set(&inv)
		}
		zinv2.SquareVal(&zinv)
		pts[i].X.Mul(&zinv2).Normalize()
		pts[i].Y.Mul(zinv2.Mul(&zinv)).Normalize()
		pts[i].Z.SetInt(1)
	}
}

var secpOne = func() (s secp256k1.ModNScalar) { s.SetInt(1); return s }()

func secpIsGenerator(p *secp256k1.JacobianPoint) bool {
	return p.Z.IsOne() && p.X.Equals(&secpG.X) && p.Y.Equals(&secpG.Y)
}

// secpMSMTerm is one half-length GLV term: a width-5 NAF of |k_i| and
// whether to negate the point (k_i < 0).
type secpMSMTerm struct {
	naf   [257]int8
	top   int
	neg   bool
	table int // index of the term's 8 affine odd multiples in pts
}

func secpMSM(s []Scalar, a []Element, r *secp256k1.JacobianPoint) {
	var gScalar secp256k1.ModNScalar
	haveG := false
	terms := make([]secpMSMTerm, 0, 2*len(s))
	var pts []secp256k1.JacobianPoint
	var kb [32]byte
	var ones []*secp256k1.JacobianPoint
	for i := range s {
		k, p := secpS(s[i]), secpP(a[i])
		if k.IsZero() || p.Z.IsZero() {
			continue
		}
		if secpIsGenerator(p) {
			gScalar.Add(k)
			haveG = true
			continue
		}
		if k.Equals(&secpOne) { // common in FROST: D_i + ρ_i·E_i
			ones = append(ones, p)
			continue
		}
		kb = k.Bytes()
		k1, k2 := secpGLVSplit(new(big.Int).SetBytes(kb[:]))
		base := len(pts)
		for j, ki := range []*big.Int{k1, k2} {
			t := secpMSMTerm{neg: ki.Sign() < 0, table: base + j*secpWNAFTable}
			new(big.Int).Abs(ki).FillBytes(kb[:])
			t.top = secpWNAF(&kb, secpWNAFWidth, &t.naf)
			terms = append(terms, t)
		}
		// Odd multiples P, 3P, ..., 15P, then room for φ of each.
		var p2 secp256k1.JacobianPoint
		secp256k1.DoubleNonConst(p, &p2)
		pts = append(pts, *p)
		for j := 1; j < secpWNAFTable; j++ {
			var q secp256k1.JacobianPoint
			secp256k1.AddNonConst(&pts[base+j-1], &p2, &q)
			pts = append(pts, q)
		}
		pts = append(pts, make([]secp256k1.JacobianPoint, secpWNAFTable)...)
	}
	// Normalize the tables of multiples of P (every other block of 8) to
	// affine, then derive φ(jP) = (β·x, y).
	var affine []secp256k1.JacobianPoint
	for b := 0; b < len(pts); b += 2 * secpWNAFTable {
		affine = append(affine, pts[b:b+secpWNAFTable]...)
	}
	secpBatchToAffine(affine)
	for b, i := 0, 0; b < len(pts); b += 2 * secpWNAFTable {
		for j := range secpWNAFTable {
			pts[b+j] = affine[i]
			q := &pts[b+secpWNAFTable+j]
			q.Set(&affine[i])
			q.X.Mul(&secpBeta).Normalize()
			i++
		}
	}

	var acc, neg secp256k1.JacobianPoint
	top := 0
	for i := range terms {
		top = max(top, terms[i].top)
	}
	for pos := top - 1; pos >= 0; pos-- {
		secp256k1.DoubleNonConst(&acc, &acc)
		for i := range terms {
			t := &terms[i]
			d := t.naf[pos]
			if d == 0 {
				continue
			}
			negate := t.neg
			if d < 0 {
				d, negate = -d, !negate
			}
			q := &pts[t.table+int(d>>1)]
			if negate {
				neg.Set(q)
				neg.Y.Negate(1).Normalize()
				q = &neg
			}
			secp256k1.AddNonConst(&acc, q, &acc)
		}
	}
	for _, p := range ones {
		secp256k1.AddNonConst(&acc, p, &acc)
	}
	if haveG && !gScalar.IsZero() {
		var g secp256k1.JacobianPoint
		secp256k1.ScalarBaseMultNonConst(&gScalar, &g)
		secp256k1.AddNonConst(&acc, &g, &acc)
	}
	r.Set(&acc)
	secpCanonIdentity(r)
}
