package zkutil

import (
	"io"
	"math/big"

	"github.com/cronokirby/saferith"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/arith"
)

// Prover is the constant-time Paillier arithmetic of a prover for one
// Paillier modulus N (CGGMP21 Section 2.3: enc(m; ρ) = (1+N)^m·ρ^N mod N²).
// When the prover owns N (its own key) it passes the secret key, and ρ^N is
// computed modulo p² and q² (CRT, exponent reduced modulo φ(p²), φ(q²)):
// half the cost. Short exponents (ℓ+ε bits, challenges) are computed
// directly, as CRT would lengthen them to the size of φ.
type Prover struct {
	N, N2   *big.Int
	sN, sN2 *saferith.Modulus
	aN, aN2 *arith.Modulus
	crt     *arith.CRT // nil unless the prover owns N
}

// NewProver prepares the arithmetic for pk; sk, the matching secret key,
// may be nil (it is when N is the verifier's key).
func NewProver(pk *paillier.PublicKey, sk *paillier.SecretKey) (*Prover, error) {
	var crt *arith.CRT
	if sk != nil && sk.PublicKey().Equal(pk) {
		crt = sk.CRT()
	}
	n := pk.N()
	n2 := pk.NSquared()
	aN, err := arith.NewModulus(n)
	if err != nil {
		return nil, err
	}
	aN2, err := arith.NewModulus(n2)
	if err != nil {
		return nil, err
	}
	return &Prover{
		N: n, N2: n2,
		sN:  saferith.ModulusFromBytes(n.Bytes()),
		sN2: saferith.ModulusFromBytes(n2.Bytes()),
		aN:  aN, aN2: aN2, crt: crt,
	}, nil
}

// RhoN returns ρ^N mod N² for a secret ρ ∈ Z*_N, in constant time.
func (p *Prover) RhoN(rho *big.Int) *big.Int {
	if p.crt != nil {
		return p.crt.ExpN2(rho, p.N, p.N.BitLen())
	}
	return p.aN2.ExpCT(rho, p.N, p.N.BitLen())
}

// Enc returns (1+N)^m·ρ^N mod N² for a secret signed m with |m| < 2^mBits
// and a secret ρ, in constant time: (1+N)^m = 1 + (m mod N)·N mod N², with
// m mod N computed by saferith.
func (p *Prover) Enc(m *big.Int, mBits int, rho *big.Int) *big.Int {
	return p.mulCT(p.onePlusMN(m, mBits), natOf(p.RhoN(rho), p.N2), p.sN2).Big()
}

func (p *Prover) onePlusMN(m *big.Int, mBits int) *saferith.Nat {
	var mi saferith.Int
	mi.SetBig(m, mBits+1)
	mm := mi.Mod(p.sN)
	var nN saferith.Nat
	nN.SetBig(p.N, p.N.BitLen())
	prod := new(saferith.Nat).Mul(mm, &nN, 2*p.N.BitLen())
	one := new(saferith.Nat).SetUint64(1)
	out := new(saferith.Nat).ModAdd(prod, one, p.sN2)
	mi.SetUint64(0)
	mm.SetUint64(0)
	prod.SetUint64(0)
	return out
}

// AffineCT returns C^a·(1+N)^b·ρ^N mod N² for a public C ∈ Z*_{N²} and
// secrets a (|a| < 2^aBits), b (|b| < 2^bBits), ρ: the first message A of
// Π^aff-g and Π^aff-g*, and of Π^dec with a negated.
func (p *Prover) AffineCT(c, a *big.Int, aBits int, b *big.Int, bBits int, rho *big.Int) *big.Int {
	// CRT would reduce the short exponent to the length of φ(p²): slower.
	ca := p.aN2.ExpSignedCT(c, a, aBits)
	x := p.mulCT(p.onePlusMN(b, bBits), natOf(p.RhoN(rho), p.N2), p.sN2)
	return p.mulCT(natOf(ca, p.N2), x, p.sN2).Big()
}

// AffineCTRhoN is AffineCT with ρ^N mod N² precomputed (a nonce from a
// paillier.NoncePool).
func (p *Prover) AffineCTRhoN(c, a *big.Int, aBits int, b *big.Int, bBits int, rhoN *big.Int) *big.Int {
	ca := p.aN2.ExpSignedCT(c, a, aBits)
	x := p.mulCT(p.onePlusMN(b, bBits), natOf(rhoN, p.N2), p.sN2)
	return p.mulCT(natOf(ca, p.N2), x, p.sN2).Big()
}

// MaskNonce returns r·ρ^e mod N for secrets r, ρ ∈ Z*_N and a public
// signed e (the responses w = r·ρ^e of the Paillier range proofs). A
// negative e uses saferith's constant-time inverse.
func (p *Prover) MaskNonce(r, rho, e *big.Int) *big.Int {
	// e is short (|e| ≤ q): a direct exponentiation beats CRT, which
	// would reduce e to the length of φ(p).
	pe := p.aN.ExpCT(rho, new(big.Int).Abs(e), e.BitLen())
	if e.Sign() < 0 {
		var x saferith.Nat
		x.SetBig(pe, p.N.BitLen())
		pe = new(saferith.Nat).ModInverse(&x, p.sN).Big()
	}
	return p.mulCT(natOf(r, p.N), natOf(pe, p.N), p.sN).Big()
}

func natOf(x, m *big.Int) *saferith.Nat {
	return new(saferith.Nat).SetBig(x, m.BitLen())
}

func (p *Prover) mulCT(a, b *saferith.Nat, m *saferith.Modulus) *saferith.Nat {
	return new(saferith.Nat).ModMul(a, b, m)
}

// BitsScaled returns the bit bound of values in ±2^bits·n.
func BitsScaled(bits int, n *big.Int) int { return bits + n.BitLen() }

// --- verifier side: variable time, public values only.

// ExpVar is base^e mod m for public values; a negative e inverts the base
// (the caller has checked it is a unit).
func ExpVar(base, e, m *big.Int) *big.Int { return arith.ExpVar(base, e, m) }

// MulMod returns a·b mod m.
func MulMod(a, b, m *big.Int) *big.Int {
	r := new(big.Int).Mul(a, b)
	return r.Mod(r, m)
}

// EncVar returns (1+N)^m·ρ^N mod N² for public values.
func EncVar(n, n2, m, rho *big.Int) *big.Int {
	x := new(big.Int).Mod(m, n)
	x.Mul(x, n)
	x.Add(x, big.NewInt(1))
	return MulMod(x, arith.ExpVar(rho, n, n2), n2)
}

// SampleNonce is SampleUnit, named for Paillier nonces.
func SampleNonce(rand io.Reader, n *big.Int) (*big.Int, error) { return SampleUnit(rand, n) }
