// Package prm implements Π^prm, the zero-knowledge proof that ring-Pedersen
// parameters (N̂, s, t) are well formed, i.e. s ∈ ⟨t⟩: the prover knows λ
// with s = t^λ mod N̂ (CGGMP21, ePrint 2021/060, "Ring-Pedersen parameters
// ZK", Fig. 17 in the 2021 numbering).
//
// Protocol, repeated m = Repetitions times in parallel with binary
// challenges (soundness error 2^-m):
//
//	Prover: a_i ← Z_φ(N̂), A_i = t^a_i mod N̂.
//	Challenge: e_i ∈ {0, 1} from the transcript.
//	Prover: z_i = a_i + e_i·λ mod φ(N̂).
//	Verifier: A_i ∈ Z*_N̂, 0 ≤ z_i < N̂, t^z_i = A_i·s^e_i (mod N̂).
package prm

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/arith"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/transcript"
	"github.com/custos-mpc/custos/crypto/zk"
)

const (
	domain = "custos/zk/prm/v1"
	// Repetitions is m, the number of binary challenges: soundness error
	// 2^-128, the paper's statistical parameter for 128-bit security.
	// Never lower it.
	Repetitions = 128
	kind        = 0x21
	version     = 1
)

// Proof is a Π^prm proof for ring-Pedersen parameters.
type Proof struct {
	A, Z []*big.Int

	width int
}

// Prove proves that params were generated with the trapdoor secret.
func Prove(r io.Reader, params *pedersen.Parameters, secret *pedersen.Secret, ctx zk.Context) (*Proof, error) {
	if r == nil {
		r = rand.Reader
	}
	if secret == nil || secret.P == nil || secret.Q == nil || secret.Phi == nil || secret.Lambda == nil ||
		new(big.Int).Mul(secret.P, secret.Q).Cmp(params.N) != 0 {
		return nil, errors.New("prm: prove: the secret does not match the parameters")
	}
	crt, err := arith.NewCRT(secret.P, secret.Q)
	if err != nil {
		return nil, fmt.Errorf("prm: prove: %w", err)
	}
	phi := secret.Phi
	pf := &Proof{A: make([]*big.Int, Repetitions), Z: make([]*big.Int, Repetitions), width: width(params.N)}
	as := make([]*big.Int, Repetitions)
	for i := range as {
		if as[i], err = randBelow(r, phi); err != nil {
			return nil, fmt.Errorf("prm: prove: %w", err)
		}
	}
	tb := crt.NewFixedBase(params.T)
	tb.ExpCT(big.NewInt(0), phi.BitLen()) // build the tables before going parallel
	parallel(Repetitions, func(i int) {
		pf.A[i] = tb.ExpCT(as[i], phi.BitLen())
	})
	e := challenges(newTranscript(params, pf.A, ctx))
	for i := range as {
		if e[i] {
			pf.Z[i] = arith.AddModCT(as[i], secret.Lambda, phi)
		} else {
			pf.Z[i] = as[i]
		}
	}
	return pf, nil
}

func randBelow(r io.Reader, m *big.Int) (*big.Int, error) {
	// Uniform in [0, m) by rejection sampling.
	buf := make([]byte, (m.BitLen()+7)/8)
	excess := uint(len(buf)*8 - m.BitLen())
	for {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		buf[0] &= 0xff >> excess
		x := new(big.Int).SetBytes(buf)
		if x.Cmp(m) < 0 {
			return x, nil
		}
	}
}

func width(n *big.Int) int { return (n.BitLen() + 7) / 8 }

func newTranscript(params *pedersen.Parameters, as []*big.Int, ctx zk.Context) *transcript.Transcript {
	t := transcript.New(domain)
	t.AppendBytes("session", ctx.SessionID)
	t.AppendBytes("prover", ctx.Prover)
	t.AppendBytes("verifier", ctx.Verifier)
	t.AppendUint64("m", Repetitions)
	t.AppendInt("N", params.N)
	t.AppendInt("s", params.S)
	t.AppendInt("t", params.T)
	t.AppendInts("A", as...)
	return t
}

func challenges(t *transcript.Transcript) []bool {
	b := t.ChallengeBytes("e", Repetitions/8)
	e := make([]bool, Repetitions)
	for i := range e {
		e[i] = b[i/8]>>(i%8)&1 == 1
	}
	return e
}

func parallel(n int, fn func(i int)) {
	workers := runtime.NumCPU()
	if workers > n {
		workers = n
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// Verify checks the proof against the parameters (CGGMP21 Fig. 17).
func (pf *Proof) Verify(params *pedersen.Parameters, ctx zk.Context) error {
	if params == nil {
		return errors.New("prm: verify: missing parameters")
	}
	if pf == nil || len(pf.A) != Repetitions || len(pf.Z) != Repetitions {
		return errors.New("prm: verify: malformed proof")
	}
	n := params.N
	if n == nil || n.BitLen() < paillier.MinBits || n.Bit(0) == 0 ||
		!arith.IsUnit(params.S, n) || !arith.IsUnit(params.T, n) {
		return errors.New("prm: verify: invalid parameters")
	}
	for i := 0; i < Repetitions; i++ {
		if pf.A[i] == nil || pf.Z[i] == nil || !arith.IsUnit(pf.A[i], n) {
			return fmt.Errorf("prm: verify: A_%d not in Z*_N", i)
		}
		if pf.Z[i].Sign() < 0 || pf.Z[i].Cmp(n) >= 0 {
			return fmt.Errorf("prm: verify: z_%d out of range", i)
		}
	}
	e := challenges(newTranscript(params, pf.A, ctx))
	var failed atomic.Int64
	failed.Store(-1)
	parallel(Repetitions, func(i int) {
		if failed.Load() >= 0 {
			return
		}
		want := pf.A[i]
		if e[i] {
			want = new(big.Int).Mul(want, params.S)
			want.Mod(want, n)
		}
		if params.ExpT(pf.Z[i]).Cmp(want) != 0 {
			failed.CompareAndSwap(-1, int64(i))
		}
	})
	if i := failed.Load(); i >= 0 {
		return fmt.Errorf("prm: verify: repetition %d fails", i)
	}
	return nil
}

// Marshal encodes the proof: version (1) ‖ kind (1) ‖ L = byte length of N̂
// (2) ‖ m × (A_i (L) ‖ z_i (L)).
func (pf *Proof) Marshal() []byte {
	l := pf.width
	if l == 0 {
		for _, x := range append(append([]*big.Int(nil), pf.A...), pf.Z...) {
			if bl := (x.BitLen() + 7) / 8; bl > l {
				l = bl
			}
		}
	}
	out := make([]byte, 0, 4+2*l*len(pf.A))
	out = append(out, version, kind, byte(l>>8), byte(l))
	for i := range pf.A {
		out = append(out, pf.A[i].FillBytes(make([]byte, l))...)
		out = append(out, pf.Z[i].FillBytes(make([]byte, l))...)
	}
	return out
}

// Parse decodes a proof for params, rejecting another version or kind, a
// field width other than the byte length of N̂, truncated or trailing data,
// A_i ∉ Z*_N̂ and z_i ≥ N̂.
func Parse(b []byte, params *pedersen.Parameters) (*Proof, error) {
	n := params.N
	l := width(n)
	if len(b) < 4 || b[0] != version || b[1] != kind {
		return nil, errors.New("prm: parse: bad header")
	}
	if int(b[2])<<8|int(b[3]) != l {
		return nil, errors.New("prm: parse: field width does not match N̂")
	}
	if len(b) != 4+Repetitions*2*l {
		return nil, errors.New("prm: parse: bad length")
	}
	rest := b[4:]
	pf := &Proof{A: make([]*big.Int, Repetitions), Z: make([]*big.Int, Repetitions), width: l}
	for i := 0; i < Repetitions; i++ {
		pf.A[i] = new(big.Int).SetBytes(rest[:l])
		pf.Z[i] = new(big.Int).SetBytes(rest[l : 2*l])
		rest = rest[2*l:]
		if !arith.IsUnit(pf.A[i], n) {
			return nil, fmt.Errorf("prm: parse: A_%d not in Z*_N", i)
		}
		if pf.Z[i].Cmp(n) >= 0 {
			return nil, fmt.Errorf("prm: parse: z_%d out of range", i)
		}
	}
	return pf, nil
}
