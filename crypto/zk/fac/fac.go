// Package fac implements Π^fac, the zero-knowledge proof that a Paillier
// modulus N0 = p·q has no small factor: both p and q are at least about
// √N0 / 2^(ℓ+ε) (CGGMP21, ePrint 2021/060, "No small factor proof",
// Appendix C.5, Fig. 28 in the 2021 numbering, Fig. 26 in the 2024
// revision, whose simplified form without σ this package implements). The
// proof is made for one
// verifier, under the VERIFIER's ring-Pedersen parameters (N̂, s, t): a
// prover who knew the trapdoor of the parameters could forge it.
//
//	Prover: α, β ← ±2^(ℓ+ε)·√N0; μ, ν ← ±2^ℓ·N̂;
//	        r ← ±2^(ℓ+ε)·N0·N̂; x, y ← ±2^(ℓ+ε)·N̂;
//	        P = s^p t^μ, Q = s^q t^ν, A = s^α t^x, B = s^β t^y,
//	        T = Q^α t^r (mod N̂); sends (P, Q, A, B, T).
//	Challenge: e ← ±q (q the order of the signature group).
//	Prover: z1 = α + e·p, z2 = β + e·q, w1 = x + e·μ, w2 = y + e·ν,
//	        v = r − e·ν·p.
//	Verifier: P, Q, A, B, T ∈ Z*_N̂; R = s^N0; s^z1 t^w1 = A·P^e,
//	        s^z2 t^w2 = B·Q^e, Q^z1 t^v = T·R^e (mod N̂);
//	        z1, z2 ∈ ±√N0·2^(ℓ+ε).
//
// (The 2021 figure also sent σ ← ±2^ℓ·N0·N̂ and used R = s^N0 t^σ,
// v = r + e·(σ − ν·p); the revision dropped it.) custos also bounds w1, w2
// and v by the largest values an honest prover produces (see Verify), and
// binds the session, both parties' identifiers, ℓ, ε, q, N0, (N̂, s, t) and
// every first-message value into the Fiat–Shamir challenge.
package fac

import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"runtime"
	"sync"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/arith"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/transcript"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/internal/zkutil"
)

const (
	domain  = "custos/zk/fac/v1"
	kind    = 0x22
	version = 1
)

// Proof is a Π^fac proof.
type Proof struct {
	P, Q, A, B, T     *big.Int // first message
	Z1, Z2, W1, W2, V *big.Int // response
}

// bounds holds the public bounds the proof's values are checked against.
type bounds struct {
	sqrtN0  *big.Int // ⌊√N0⌋ + 1
	z       *big.Int // 2^(ℓ+ε)·(⌊√N0⌋+1): α, β, z1, z2
	w       *big.Int // 2^(ℓ+ε+1)·N̂: bound on w1, w2 (x ± e·μ)
	v       *big.Int // 2^(ℓ+ε+1)·N0·N̂: bound on v (r ± e·σ̂)
	q       *big.Int
	l, eps  int
	nHatLen int
}

func newBounds(n0, nHat *big.Int, p zk.Params) (*bounds, error) {
	if p.Group == nil {
		return nil, errors.New("fac: invalid parameters: no group")
	}
	q := p.Group.Order()
	// The response bounds below need e·μ ≤ 2^(ℓ+ε)·N̂, i.e. |q| ≤ ℓ+ε, and
	// ε ≥ ℓ + 1 so e·σ̂ stays below 2^(ℓ+ε)·N0·N̂.
	if p.L < q.BitLen() || p.Epsilon < p.L+1 {
		return nil, fmt.Errorf("fac: invalid parameters: ℓ=%d ε=%d", p.L, p.Epsilon)
	}
	b := &bounds{q: q, l: p.L, eps: p.Epsilon, nHatLen: (nHat.BitLen() + 7) / 8}
	b.sqrtN0 = new(big.Int).Sqrt(n0)
	b.sqrtN0.Add(b.sqrtN0, big.NewInt(1))
	b.z = new(big.Int).Lsh(b.sqrtN0, uint(p.L+p.Epsilon))
	n0nHat := new(big.Int).Mul(n0, nHat)
	b.w = new(big.Int).Lsh(nHat, uint(p.L+p.Epsilon+1))
	b.v = new(big.Int).Lsh(n0nHat, uint(p.L+p.Epsilon+1))
	return b, nil
}

// Prove proves that sk's modulus N0 has no small factor, for the verifier
// whose ring-Pedersen parameters are rp.
func Prove(r io.Reader, sk *paillier.SecretKey, rp *pedersen.Parameters, p zk.Params, ctx zk.Context) (*Proof, error) {
	return prove(r, sk.PublicKey().N(), sk.P(), sk.Q(), rp, p, ctx)
}

func prove(r io.Reader, n0, pp, qq *big.Int, rp *pedersen.Parameters, p zk.Params, ctx zk.Context) (*Proof, error) {
	b, err := newBounds(n0, rp.N, p)
	if err != nil {
		return nil, err
	}
	nHat := rp.N
	l, le := p.L, p.L+p.Epsilon
	sample := func(bound *big.Int) (*big.Int, error) { return arith.SampleSigned(r, bound) }
	var alpha, beta, mu, nu, rr, x, y *big.Int
	for _, v := range []struct {
		dst   **big.Int
		bound *big.Int
	}{
		{&alpha, b.z}, {&beta, b.z},
		{&mu, new(big.Int).Lsh(nHat, uint(l))}, {&nu, new(big.Int).Lsh(nHat, uint(l))},
		{&rr, new(big.Int).Lsh(new(big.Int).Mul(n0, nHat), uint(le))},
		{&x, new(big.Int).Lsh(nHat, uint(le))}, {&y, new(big.Int).Lsh(nHat, uint(le))},
	} {
		if *v.dst, err = sample(v.bound); err != nil {
			return nil, fmt.Errorf("fac: prove: %w", err)
		}
	}
	// Public bit bounds of the secret exponents, for constant-time exps.
	pBits := (n0.BitLen()+1)/2 + 1
	zBits := b.z.BitLen()
	muBits := l + nHat.BitLen() + 1
	xBits := le + nHat.BitLen() + 1
	rBits := b.v.BitLen()

	pf := &Proof{}
	pf.P = rp.CommitCT(pp, mu, pBits, muBits)
	pf.Q = rp.CommitCT(qq, nu, pBits, muBits)
	pf.A = rp.CommitCT(alpha, x, zBits, xBits)
	pf.B = rp.CommitCT(beta, y, zBits, xBits)
	t1 := rp.ExpCT(pf.Q, alpha, zBits)
	t2 := rp.ExpTCT(rr, rBits)
	pf.T = t1.Mul(t1, t2)
	pf.T.Mod(pf.T, nHat)

	e := challenge(n0, rp, p, b, pf, ctx)
	// Responses over the integers, in constant time for the secret
	// operands at their public bit bounds; v = r − e·ν·p.
	nuP := new(big.Int).Mul(nu, pp)
	nuP.Neg(nuP)
	pf.Z1 = zkutil.Affine(alpha, zBits, e, pp, pBits)
	pf.Z2 = zkutil.Affine(beta, zBits, e, qq, pBits)
	pf.W1 = zkutil.Affine(x, xBits, e, mu, muBits)
	pf.W2 = zkutil.Affine(y, xBits, e, nu, muBits)
	pf.V = zkutil.Affine(rr, rBits, e, nuP, muBits+pBits)
	for _, s := range []*big.Int{alpha, beta, mu, nu, rr, x, y, nuP} {
		wipe(s)
	}
	return pf, nil
}

func wipe(x *big.Int) {
	w := x.Bits()
	for i := range w {
		w[i] = 0
	}
	x.SetInt64(0)
}

func challenge(n0 *big.Int, rp *pedersen.Parameters, p zk.Params, b *bounds, pf *Proof, ctx zk.Context) *big.Int {
	t := transcript.New(domain)
	t.AppendBytes("session", ctx.SessionID)
	t.AppendBytes("prover", ctx.Prover)
	t.AppendBytes("verifier", ctx.Verifier)
	t.AppendUint64("ell", uint64(p.L))
	t.AppendUint64("epsilon", uint64(p.Epsilon))
	t.AppendInt("q", b.q)
	t.AppendInt("N0", n0)
	t.AppendInt("Nhat", rp.N)
	t.AppendInt("s", rp.S)
	t.AppendInt("t", rp.T)
	t.AppendInts("first", pf.P, pf.Q, pf.A, pf.B, pf.T)
	return t.ChallengeSigned("e", b.q)
}

// Verify checks the proof that pk's modulus N0 has no small factor, made
// for the verifier whose own ring-Pedersen parameters are rp (CGGMP21
// Fig. 28, verifier). With zk.WithVerifierKeys holding the trapdoor of rp
// (the verifier's own N̂), long exponentiations modulo N̂ run by
// constant-time CRT, about twice as fast; the result is the same.
func (pf *Proof) Verify(pk *paillier.PublicKey, rp *pedersen.Parameters, p zk.Params, ctx zk.Context, opts ...zk.VerifyOption) error {
	if pk == nil || rp == nil {
		return errors.New("fac: verify: missing statement")
	}
	if pf == nil {
		return errors.New("fac: verify: missing proof")
	}
	for _, x := range []*big.Int{pf.P, pf.Q, pf.A, pf.B, pf.T, pf.Z1, pf.Z2, pf.W1, pf.W2, pf.V} {
		if x == nil {
			return errors.New("fac: verify: malformed proof")
		}
	}
	n0 := pk.N()
	nHat := rp.N
	// Size conditions: N0 and N̂ of at least paillier.MinBits (2^(8ℓ) for
	// secp256k1), so the ranges ±2^(ℓ+ε)·√N0 are meaningful; s, t units.
	if n0.BitLen() < paillier.MinBits || nHat == nil || nHat.BitLen() < paillier.MinBits || nHat.Bit(0) == 0 {
		return errors.New("fac: verify: modulus too small")
	}
	if !arith.IsUnit(rp.S, nHat) || !arith.IsUnit(rp.T, nHat) {
		return errors.New("fac: verify: s or t not in Z*_N̂")
	}
	b, err := newBounds(n0, nHat, p)
	if err != nil {
		return err
	}
	for _, x := range []*big.Int{pf.P, pf.Q, pf.A, pf.B, pf.T} {
		if !arith.IsUnit(x, nHat) {
			return errors.New("fac: verify: commitment not in Z*_N̂")
		}
	}
	// The paper's range checks: z1, z2 ∈ ±√N0·2^(ℓ+ε).
	if !arith.InSigned(pf.Z1, b.z) || !arith.InSigned(pf.Z2, b.z) {
		return errors.New("fac: verify: z1 or z2 out of range")
	}
	if !arith.InSigned(pf.W1, b.w) ||
		!arith.InSigned(pf.W2, b.w) || !arith.InSigned(pf.V, b.v) {
		return errors.New("fac: verify: response out of range")
	}
	e := challenge(n0, rp, p, b, pf, ctx)

	crt := zk.Config(opts).Keys.PedersenCRT(rp)
	half := nHat.BitLen() / 2
	// exp computes base^x mod N̂: by CRT for long exponents when the
	// verifier holds the trapdoor, else with the fixed-base table (for s
	// and t) or math/big.
	exp := func(base, x *big.Int, fixed func(*big.Int) *big.Int) *big.Int {
		if crt != nil && x.BitLen() > half {
			return crt.ExpN(base, x, x.BitLen()+1)
		}
		if fixed != nil {
			return fixed(x)
		}
		return arith.ExpVar(base, x, nHat)
	}
	mul := func(a, c *big.Int) *big.Int { return new(big.Int).Mod(new(big.Int).Mul(a, c), nHat) }
	commit := func(x, y *big.Int) *big.Int { return mul(exp(rp.S, x, rp.ExpS), exp(rp.T, y, rp.ExpT)) }
	// s^z1 t^w1 = A·P^e.
	if commit(pf.Z1, pf.W1).Cmp(mul(pf.A, exp(pf.P, e, nil))) != 0 {
		return errors.New("fac: verify: first equation fails")
	}
	// s^z2 t^w2 = B·Q^e.
	if commit(pf.Z2, pf.W2).Cmp(mul(pf.B, exp(pf.Q, e, nil))) != 0 {
		return errors.New("fac: verify: second equation fails")
	}
	// Q^z1 t^v = T·R^e with R = s^N0.
	rr := exp(rp.S, n0, rp.ExpS)
	lhs := mul(exp(pf.Q, pf.Z1, nil), exp(rp.T, pf.V, rp.ExpT))
	if lhs.Cmp(mul(pf.T, exp(rr, e, nil))) != 0 {
		return errors.New("fac: verify: third equation fails")
	}
	return nil
}

// ProveEach makes one proof per verifier (rps[i] under ctxs[i]), in
// parallel on every core: Fig. 7 proves N_i's factors to each other party
// under that party's parameters, and the proofs are independent. r is
// shared behind a lock.
func ProveEach(r io.Reader, sk *paillier.SecretKey, rps []*pedersen.Parameters, p zk.Params, ctxs []zk.Context) ([]*Proof, error) {
	if len(rps) != len(ctxs) {
		return nil, errors.New("fac: prove: one context per verifier")
	}
	lr := arith.LockedReader(r)
	out := make([]*Proof, len(rps))
	errs := make([]error, len(rps))
	next := make(chan int, len(rps))
	for i := range rps {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.NumCPU(), len(rps)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = Prove(lr, sk, rps[i], p, ctxs[i])
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}
