package zkutil

import (
	"math/big"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/arith"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/zk"
)

// Verifier computes a verifier's exponentiations: variable time modulo
// moduli it does not own, constant-time CRT modulo those it owns (their
// factors are secret). Every base is a validated unit.
type Verifier struct {
	keys *zk.VerifierKeys
}

// NewVerifier applies the verification options.
func NewVerifier(opts []zk.VerifyOption) *Verifier {
	return &Verifier{keys: zk.Config(opts).Keys}
}

// bitsOf is a public bound on |e| for the CRT calls.
func bitsOf(e *big.Int) int { return e.BitLen() + 1 }

// PedExp returns base^e mod N̂. With the trapdoor of N̂, exponents longer
// than half of N̂ are reduced modulo φ and computed by CRT (in constant
// time, since the factors are secret); shorter ones are cheaper directly,
// in variable time modulo the public N̂.
func (v *Verifier) PedExp(rp *pedersen.Parameters, base, e *big.Int) *big.Int {
	if crt := v.keys.PedersenCRT(rp); crt != nil && e.BitLen() > rp.N.BitLen()/2 {
		return crt.ExpN(base, e, bitsOf(e))
	}
	return arith.ExpVar(base, e, rp.N)
}

// Commit returns s^x·t^y mod N̂: fixed-base tables of s and t (variable
// time, public exponents), or CRT for long exponents with the trapdoor.
func (v *Verifier) Commit(rp *pedersen.Parameters, x, y *big.Int) *big.Int {
	crt := v.keys.PedersenCRT(rp)
	half := rp.N.BitLen() / 2
	exp := func(e *big.Int, fixed func(*big.Int) *big.Int, base *big.Int) *big.Int {
		if crt != nil && e.BitLen() > half {
			return crt.ExpN(base, e, bitsOf(e))
		}
		return fixed(e)
	}
	return MulMod(exp(x, rp.ExpS, rp.S), exp(y, rp.ExpT, rp.T), rp.N)
}

// PedersenEq reports whether s^x·t^y = a·b^e mod N̂.
func (v *Verifier) PedersenEq(rp *pedersen.Parameters, x, y, a, b, e *big.Int) bool {
	return v.Commit(rp, x, y).Cmp(MulMod(a, v.PedExp(rp, b, e), rp.N)) == 0
}

// ExpN2 returns base^e mod N² for the key pk: by constant-time CRT for
// exponents of the size of N when the verifier owns pk, else directly.
func (v *Verifier) ExpN2(pk *paillier.PublicKey, base, e *big.Int) *big.Int {
	if crt := v.keys.PaillierCRT(pk); crt != nil && e.BitLen() >= pk.BitLen() {
		return crt.ExpN2(base, e, bitsOf(e))
	}
	return arith.ExpVar(base, e, pk.NSquared())
}

// Enc returns (1+N)^m·ρ^N mod N² for public m, ρ.
func (v *Verifier) Enc(pk *paillier.PublicKey, m, rho *big.Int) *big.Int {
	n, n2 := pk.N(), pk.NSquared()
	x := new(big.Int).Mod(m, n)
	x.Mul(x, n).Add(x, big.NewInt(1))
	return MulMod(x, v.ExpN2(pk, rho, n), n2)
}
