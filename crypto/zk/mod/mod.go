// Package mod implements Π^mod, the zero-knowledge proof that a modulus N
// is a Paillier–Blum modulus: N = p·q with p ≡ q ≡ 3 (mod 4) and
// gcd(N, φ(N)) = 1 (CGGMP21, ePrint 2021/060, "Paillier-Blum Modulus ZK",
// Fig. 16 in the 2021 numbering, Fig. 12 in the 2024 revision, which adds
// the check gcd(w, N) = 1; after Goldberg, Reyzin, Sagga and Baldimtsi,
// "Efficient noninteractive certification of RSA moduli").
//
// Protocol, with m = Repetitions binary-style repetitions (soundness error
// 2^-m):
//
//	Prover: w ← Z_N with Jacobi symbol (w/N) = −1.
//	Challenge: y_1..y_m ← Z*_N from the transcript.
//	Prover, for each i: z_i = y_i^(N⁻¹ mod φ(N)) mod N; a_i, b_i ∈ {0,1} the
//	unique bits with y'_i = (−1)^a_i·w^b_i·y_i a quadratic residue, and x_i
//	its fourth root that is a quadratic residue.
//	Verifier: N odd, N composite, w ∈ Z*_N (gcd(w, N) = 1) with (w/N) = −1,
//	every x_i, z_i
//	in Z*_N, z_i^N = y_i and x_i^4 = (−1)^a_i·w^b_i·y_i (mod N).
//
// Π^mod alone does not exclude small factors (N = 3·q passes): a
// Paillier key is accepted only together with Π^fac and NewPublicKey.
package mod

import (
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/arith"
	"github.com/custos-mpc/custos/crypto/transcript"
	"github.com/custos-mpc/custos/crypto/zk"
)

const (
	domain = "custos/zk/mod/v1"
	// Repetitions is m, the number of challenges y_i. Each repetition
	// halves a cheater's chance, so m = 128 gives 2^-128 soundness error,
	// matching the 128-bit security of secp256k1 (the paper's statistical
	// parameter; never lower it).
	Repetitions = 128
	// kind is the second byte of the encoding (after the version).
	kind    = 0x20
	version = 1
)

var one = big.NewInt(1)

// Proof is a Π^mod proof for a modulus N.
type Proof struct {
	W    *big.Int
	X, Z []*big.Int // x_i, z_i
	A, B []bool     // a_i, b_i

	width int // byte length of N, set by Prove and Parse
}

// Prove proves that sk's modulus is a Paillier–Blum modulus.
func Prove(r io.Reader, sk *paillier.SecretKey, ctx zk.Context) (*Proof, error) {
	return prove(r, sk.P(), sk.Q(), sk.CRT(), ctx)
}

func prove(r io.Reader, p, q *big.Int, crt *arith.CRT, ctx zk.Context) (*Proof, error) {
	n := new(big.Int).Mul(p, q)
	pm1 := new(big.Int).Sub(p, one)
	qm1 := new(big.Int).Sub(q, one)
	// w with Jacobi symbol −1 (public test on the public w).
	var w *big.Int
	for {
		x, err := arith.SampleUnit(r, n)
		if err != nil {
			return nil, fmt.Errorf("mod: prove: %w", err)
		}
		if big.Jacobi(x, n) == -1 {
			w = x
			break
		}
	}
	// Exponents: e2 = ((p+1)/4)² for the quadratic-residue fourth root,
	// d = N⁻¹ mod (p−1) for the N-th root; likewise for q.
	e2p := fourthRootExp(p)
	e2q := fourthRootExp(q)
	dp := new(big.Int).ModInverse(new(big.Int).Mod(n, pm1), pm1)
	dq := new(big.Int).ModInverse(new(big.Int).Mod(n, qm1), qm1)
	if dp == nil || dq == nil {
		return nil, errors.New("mod: prove: gcd(N, φ(N)) ≠ 1")
	}
	hb := p.BitLen()
	if q.BitLen() > hb {
		hb = q.BitLen()
	}
	// Legendre symbols of w, and ε^e2 for ε ∈ {1, −1, w, −w} (index 2b+a).
	lwp := legendreFromRoot(crt.ExpP(w, e2p, hb), new(big.Int).Mod(w, p), p, crt.MulP)
	lwq := legendreFromRoot(crt.ExpQ(w, e2q, hb), new(big.Int).Mod(w, q), q, crt.MulQ)
	if lwp*lwq != -1 {
		return nil, errors.New("mod: prove: modulus is not a Blum integer")
	}
	var epsP, epsQ [4]*big.Int
	for a := 0; a < 2; a++ {
		for b := 0; b < 2; b++ {
			eps := big.NewInt(1)
			if b == 1 {
				eps.Set(w)
			}
			if a == 1 {
				eps.Sub(n, eps)
			}
			epsP[2*b+a] = crt.ExpP(eps, e2p, hb)
			epsQ[2*b+a] = crt.ExpQ(eps, e2q, hb)
		}
	}

	t := newTranscript(n, w, ctx)
	ys := challenges(t, n)
	pf := &Proof{
		W: w, width: (n.BitLen() + 7) / 8,
		X: make([]*big.Int, Repetitions), Z: make([]*big.Int, Repetitions),
		A: make([]bool, Repetitions), B: make([]bool, Repetitions),
	}
	var failed sync.Once
	var failErr error
	parallel(Repetitions, func(i int) {
		y := ys[i]
		yp := new(big.Int).Mod(y, p)
		yq := new(big.Int).Mod(y, q)
		xp := crt.ExpP(yp, e2p, hb)
		xq := crt.ExpQ(yq, e2q, hb)
		lyp := legendreFromRoot(xp, yp, p, crt.MulP)
		lyq := legendreFromRoot(xq, yq, q, crt.MulQ)
		// (−1)^a·(w/p)^b·(y/p) = 1 and the same modulo q: since (w/p) =
		// −(w/q), b = 1 exactly when (y/p) ≠ (y/q).
		b := 0
		if lyp != lyq {
			b = 1
		}
		lp := lyp
		if b == 1 {
			lp *= lwp
		}
		a := 0
		if lp != 1 {
			a = 1
		}
		xp = crt.MulP(xp, epsP[2*b+a])
		xq = crt.MulQ(xq, epsQ[2*b+a])
		pf.X[i] = crt.Combine(xp, xq)
		pf.A[i], pf.B[i] = a == 1, b == 1
		zp := crt.ExpP(y, dp, hb)
		zq := crt.ExpQ(y, dq, hb)
		pf.Z[i] = crt.Combine(zp, zq)
		if pf.X[i].Sign() == 0 {
			failed.Do(func() { failErr = errors.New("mod: prove: invalid modulus") })
		}
	})
	if failErr != nil {
		return nil, failErr
	}
	return pf, nil
}

// fourthRootExp returns ((p+1)/4)² mod (p−1): for a unit y modulo a prime
// p ≡ 3 (mod 4), x = y^e satisfies x^4 = (y/p)·y and x is a quadratic
// residue.
func fourthRootExp(p *big.Int) *big.Int {
	e := new(big.Int).Add(p, one)
	e.Rsh(e, 2)
	e.Mul(e, e)
	return e.Mod(e, new(big.Int).Sub(p, one))
}

// legendreFromRoot returns the Legendre symbol (y/p) given x = y^e2 mod p:
// x^4 = y when y is a residue and −y otherwise.
func legendreFromRoot(x, y, p *big.Int, mul func(a, b *big.Int) *big.Int) int {
	x2 := mul(x, x)
	x4 := mul(x2, x2)
	if x4.Cmp(y) == 0 {
		return 1
	}
	return -1
}

func newTranscript(n, w *big.Int, ctx zk.Context) *transcript.Transcript {
	t := transcript.New(domain)
	t.AppendBytes("session", ctx.SessionID)
	t.AppendBytes("prover", ctx.Prover)
	t.AppendBytes("verifier", ctx.Verifier)
	t.AppendUint64("m", Repetitions)
	t.AppendInt("N", n)
	t.AppendInt("w", w)
	return t
}

// challenges draws y_1..y_m uniformly from Z*_N.
func challenges(t *transcript.Transcript, n *big.Int) []*big.Int {
	ys := make([]*big.Int, Repetitions)
	for i := range ys {
		for {
			y := t.ChallengeInt("y", n)
			if arith.IsUnit(y, n) {
				ys[i] = y
				break
			}
		}
	}
	return ys
}

// parallel runs fn(0..n-1) on all cores.
func parallel(n int, fn func(i int)) {
	workers := runtime.NumCPU()
	if workers > n {
		workers = n
	}
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// Verify checks the proof for the modulus n (CGGMP21 Fig. 16, verifier).
func (pf *Proof) Verify(n *big.Int, ctx zk.Context) error {
	if n == nil || n.Sign() <= 0 || n.Bit(0) == 0 {
		return errors.New("mod: verify: N is not odd")
	}
	if n.BitLen() < paillier.MinBits || n.BitLen() > paillier.MaxBits {
		return errors.New("mod: verify: N has an unsupported size")
	}
	if n.ProbablyPrime(20) {
		return errors.New("mod: verify: N is prime")
	}
	if pf == nil || pf.W == nil || len(pf.X) != Repetitions || len(pf.Z) != Repetitions ||
		len(pf.A) != Repetitions || len(pf.B) != Repetitions {
		return errors.New("mod: verify: malformed proof")
	}
	if !arith.IsUnit(pf.W, n) || big.Jacobi(pf.W, n) != -1 {
		return errors.New("mod: verify: w not in Z*_N with Jacobi symbol −1")
	}
	for i := 0; i < Repetitions; i++ {
		if pf.X[i] == nil || pf.Z[i] == nil || !arith.IsUnit(pf.X[i], n) || !arith.IsUnit(pf.Z[i], n) {
			return fmt.Errorf("mod: verify: x_%d or z_%d not in Z*_N", i, i)
		}
	}
	t := newTranscript(n, pf.W, ctx)
	ys := challenges(t, n)
	var failed atomic.Int64
	failed.Store(-1)
	nm1 := new(big.Int).Sub(n, one)
	parallel(Repetitions, func(i int) {
		if failed.Load() >= 0 {
			return // another repetition already failed
		}
		y := ys[i]
		// x_i^4 = (−1)^a_i·w^b_i·y_i (mod N), the cheap check first.
		want := new(big.Int).Set(y)
		if pf.B[i] {
			want.Mul(want, pf.W).Mod(want, n)
		}
		if pf.A[i] {
			want.Mul(want, nm1).Mod(want, n)
		}
		x4 := new(big.Int).Mul(pf.X[i], pf.X[i])
		x4.Mod(x4, n)
		x4.Mul(x4, x4).Mod(x4, n)
		if x4.Cmp(want) != 0 {
			failed.CompareAndSwap(-1, int64(i))
		}
	})
	if i := failed.Load(); i >= 0 {
		return fmt.Errorf("mod: verify: repetition %d fails", i)
	}
	// z_i^N = y_i (mod N) for every i, checked in batches.
	if err := verifyRoots(n, pf.Z, ys); err != nil {
		return err
	}
	return nil
}

// Batch verification of z_i^N = y_i (the expensive half of Fig. 16's
// check, one full-size exponentiation per repetition).
//
// With the verifier's private random odd c_i < 2^17 it checks
// (Π z_i^c_i)^N = Π y_i^c_i, rootBatches times with fresh c. Soundness:
// write u_i = z_i^N / y_i and look at the quotient group Q = Z*_N/(Z*_N)^N,
// in which every element's order divides N (g^N is an N-th power). If some
// y_j has no N-th root, ū_j ≠ 1 in Q, so its order has a prime factor r of
// N, and r > 2^17 because N has no prime factor below trialBound. For any
// fixed other c_i, the 2^16 odd values of c_j give distinct ū_j^c_j (their
// differences are below 2^17 < r), so at most one makes the product 1 in Q:
// a batch passes with probability at most 2^-16, all rootBatches with at
// most 2^-144. An error u_j that is an N-th power (for example z_j replaced
// by −z_j) leaves y_j with an N-th root, the statement Fig. 16 needs.
// Cost: about a tenth of 128 full-size exponentiations.
const (
	rootBatches = 9
	trialBound  = 1 << 17
)

func verifyRoots(n *big.Int, z, y []*big.Int) error {
	if p := smallFactor(n); p != 0 {
		return fmt.Errorf("mod: verify: N has the small factor %d", p)
	}
	mod, err := arith.NewModulus(n)
	if err != nil {
		return fmt.Errorf("mod: verify: %w", err)
	}
	var bad atomic.Bool
	parallel(rootBatches, func(int) {
		if bad.Load() {
			return
		}
		var buf [2 * Repetitions]byte
		if _, err := crand.Read(buf[:]); err != nil {
			bad.Store(true)
			return
		}
		c := make([]uint32, len(z))
		for i := range c {
			c[i] = uint32(buf[2*i])<<9 | uint32(buf[2*i+1])<<1 | 1 // odd, < 2^17
		}
		lhs := arith.ExpVar(mod.MultiExpSmall(z, c, 17), n, n)
		if lhs.Cmp(mod.MultiExpSmall(y, c, 17)) != 0 {
			bad.Store(true)
		}
	})
	if bad.Load() {
		return errors.New("mod: verify: some z_i is not an N-th root of y_i")
	}
	return nil
}

// smallFactor returns a prime factor of n below trialBound, or 0.
func smallFactor(n *big.Int) uint64 {
	words := n.Bits()
	for _, p := range smallPrimes() {
		var r uint64
		for i := len(words) - 1; i >= 0; i-- {
			if bits.UintSize == 64 {
				_, r = bits.Div64(r, uint64(words[i]), p)
			} else {
				r = (r<<32 | uint64(words[i])) % p
			}
		}
		if r == 0 {
			return p
		}
	}
	return 0
}

var smallPrimes = sync.OnceValue(func() []uint64 {
	sieve := make([]bool, trialBound)
	var out []uint64
	for i := 2; i < trialBound; i++ {
		if sieve[i] {
			continue
		}
		out = append(out, uint64(i))
		for j := i * i; j < trialBound; j += i {
			sieve[j] = true
		}
	}
	return out
})

// Marshal encodes the proof: version (1) ‖ kind (1) ‖ L = byte length of N
// (2) ‖ w (L) ‖ m × (x_i (L) ‖ z_i (L) ‖ a_i + 2·b_i (1)).
func (pf *Proof) Marshal() []byte {
	if pf.width > 0 {
		return pf.marshal(pf.width)
	}
	l := 0
	for _, x := range append([]*big.Int{pf.W}, append(pf.X, pf.Z...)...) {
		if bl := (x.BitLen() + 7) / 8; bl > l {
			l = bl
		}
	}
	return pf.marshal(l)
}

func (pf *Proof) marshal(l int) []byte {
	out := make([]byte, 0, 4+l+len(pf.X)*(2*l+1))
	out = append(out, version, kind, byte(l>>8), byte(l))
	out = append(out, pf.W.FillBytes(make([]byte, l))...)
	for i := range pf.X {
		out = append(out, pf.X[i].FillBytes(make([]byte, l))...)
		out = append(out, pf.Z[i].FillBytes(make([]byte, l))...)
		var ab byte
		if pf.A[i] {
			ab |= 1
		}
		if pf.B[i] {
			ab |= 2
		}
		out = append(out, ab)
	}
	return out
}

// MarshalFor encodes the proof with the field width of the modulus n (the
// canonical encoding that Parse accepts).
func (pf *Proof) MarshalFor(n *big.Int) []byte { return pf.marshal((n.BitLen() + 7) / 8) }

// Parse decodes a proof for the modulus n, rejecting any other version or
// kind, a field width other than the byte length of n, truncated or
// trailing data, flag bytes other than 0–3, and any w, x_i, z_i outside
// Z*_N.
func Parse(b []byte, n *big.Int) (*Proof, error) {
	if n == nil || n.Sign() <= 0 {
		return nil, errors.New("mod: parse: invalid modulus")
	}
	l := (n.BitLen() + 7) / 8
	if len(b) < 4 || b[0] != version || b[1] != kind {
		return nil, errors.New("mod: parse: bad header")
	}
	if int(b[2])<<8|int(b[3]) != l {
		return nil, errors.New("mod: parse: field width does not match N")
	}
	if len(b) != 4+l+Repetitions*(2*l+1) {
		return nil, errors.New("mod: parse: bad length")
	}
	rest := b[4:]
	take := func() *big.Int {
		x := new(big.Int).SetBytes(rest[:l])
		rest = rest[l:]
		return x
	}
	pf := &Proof{
		W: take(), width: l,
		X: make([]*big.Int, Repetitions), Z: make([]*big.Int, Repetitions),
		A: make([]bool, Repetitions), B: make([]bool, Repetitions),
	}
	if !arith.IsUnit(pf.W, n) {
		return nil, errors.New("mod: parse: w not in Z*_N")
	}
	for i := 0; i < Repetitions; i++ {
		pf.X[i], pf.Z[i] = take(), take()
		if !arith.IsUnit(pf.X[i], n) || !arith.IsUnit(pf.Z[i], n) {
			return nil, fmt.Errorf("mod: parse: x_%d or z_%d not in Z*_N", i, i)
		}
		ab := rest[0]
		rest = rest[1:]
		if ab > 3 {
			return nil, errors.New("mod: parse: bad flag byte")
		}
		pf.A[i], pf.B[i] = ab&1 != 0, ab&2 != 0
	}
	return pf, nil
}
