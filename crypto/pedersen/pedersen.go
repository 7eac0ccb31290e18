// Package pedersen implements the ring-Pedersen parameters of CGGMP21
// (ePrint 2021/060, "ring-Pedersen commitments" in the preliminaries, and
// the auxiliary-info phase of key generation and refresh): a modulus N̂ = p·q with p, q safe primes, t a random
// quadratic residue and s = t^λ mod N̂ for a secret λ ∈ Z_φ(N̂). A party
// publishes (N̂, s, t) with a Π^prm proof (crypto/zk/prm) that s ∈ ⟨t⟩ and
// a Π^mod proof for N̂; the other parties' range proofs commit under these
// parameters.
//
// # Security
//
// Commit is variable-time and meant for public exponents (the verifier's
// side). Provers committing to secret values use CommitCT, whose running
// time depends only on the public bounds on the exponents.
package pedersen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/arith"
)

var one = big.NewInt(1)

// Parameters are public ring-Pedersen parameters (N̂, s, t), validated by
// NewParameters. The fields must not be modified.
type Parameters struct {
	N, S, T *big.Int

	mod      *arith.Modulus
	fbS, fbT *arith.FixedBase // fixed-base tables, built lazily
}

// NewParameters validates (n, s, t): n is a valid Paillier-sized modulus
// (paillier.NewPublicKey's checks: size, odd, not a perfect power, no
// small factor), s and t lie in Z*_N̂ (0 < s, t < N̂, gcd = 1), s ≠ t, and
// neither is 1 or −1 (elements of order at most 2 make the commitment
// trivially binding-breakable). That s ∈ ⟨t⟩ is shown by Π^prm.
func NewParameters(n, s, t *big.Int) (*Parameters, error) {
	if n == nil || s == nil || t == nil {
		return nil, errors.New("pedersen: new parameters: missing value")
	}
	if _, err := paillier.NewPublicKey(n); err != nil {
		return nil, fmt.Errorf("pedersen: new parameters: %w", err)
	}
	return newParameters(n, s, t)
}

func newParameters(n, s, t *big.Int) (*Parameters, error) {
	nm1 := new(big.Int).Sub(n, one)
	for _, x := range []*big.Int{s, t} {
		if !arith.IsUnit(x, n) {
			return nil, errors.New("pedersen: new parameters: s or t not in Z*_N")
		}
		if x.Cmp(one) == 0 || x.Cmp(nm1) == 0 {
			return nil, errors.New("pedersen: new parameters: s or t is ±1")
		}
	}
	if s.Cmp(t) == 0 {
		return nil, errors.New("pedersen: new parameters: s = t")
	}
	p := &Parameters{N: new(big.Int).Set(n), S: new(big.Int).Set(s), T: new(big.Int).Set(t)}
	var err error
	if p.mod, err = arith.NewModulus(n); err != nil {
		return nil, fmt.Errorf("pedersen: new parameters: %w", err)
	}
	p.fbS = p.mod.NewFixedBase(s)
	p.fbT = p.mod.NewFixedBase(t)
	return p, nil
}

// Equal reports whether two parameter sets are identical.
func (p *Parameters) Equal(o *Parameters) bool {
	return p != nil && o != nil && p.N.Cmp(o.N) == 0 && p.S.Cmp(o.S) == 0 && p.T.Cmp(o.T) == 0
}

// Commit returns s^x · t^y mod N̂ for signed x, y, in VARIABLE time: use it
// for public exponents only (the verifier's side of a proof). Provers
// committing to secrets use CommitCT. Both use fixed-base tables of s and
// t (built on first use, about 1 MiB per 1000 exponent bits for each base
// with a 2048-bit N̂), which make them about four times faster than two
// plain exponentiations.
func (p *Parameters) Commit(x, y *big.Int) *big.Int {
	a := p.ExpS(x)
	a.Mul(a, p.ExpT(y))
	return a.Mod(a, p.N)
}

// CommitCT returns s^x · t^y mod N̂ for secret signed x, y with |x| <
// 2^xBits and |y| < 2^yBits, in time that depends only on xBits, yBits and
// the size of N̂ (CGGMP21 provers: e.g. S = s^x t^μ in Π^enc).
func (p *Parameters) CommitCT(x, y *big.Int, xBits, yBits int) *big.Int {
	p.ensure()
	a := p.fbS.ExpCT(x, xBits)
	a.Mul(a, p.fbT.ExpCT(y, yBits))
	return a.Mod(a, p.N)
}

// ExpS returns s^e mod N̂ for a public signed e (variable time).
func (p *Parameters) ExpS(e *big.Int) *big.Int {
	p.ensure()
	return p.fbS.ExpVar(e)
}

// ExpT returns t^e mod N̂ for a public signed e (variable time).
func (p *Parameters) ExpT(e *big.Int) *big.Int {
	p.ensure()
	return p.fbT.ExpVar(e)
}

// ExpTCT returns t^e mod N̂ for a secret signed e with |e| < 2^eBits, in
// constant time (e.g. t^r in Π^fac's T = Q^α t^r).
func (p *Parameters) ExpTCT(e *big.Int, eBits int) *big.Int {
	p.ensure()
	return p.fbT.ExpCT(e, eBits)
}

// ensure prepares the tables of a Parameters value built without
// NewParameters (a struct literal); such a value is not validated.
func (p *Parameters) ensure() {
	if p.fbS == nil {
		p.mod = arith.MustModulus(p.N)
		p.fbS = p.mod.NewFixedBase(p.S)
		p.fbT = p.mod.NewFixedBase(p.T)
	}
}

// ExpCT returns base^e mod N̂ for a public unit base and a secret signed
// exponent with |e| < 2^eBits, in constant time (e.g. Q^α in Π^fac).
func (p *Parameters) ExpCT(base, e *big.Int, eBits int) *big.Int {
	p.ensure()
	return p.mod.ExpSignedCT(base, e, eBits)
}

// Secret is the trapdoor of ring-Pedersen parameters: λ with s = t^λ mod
// N̂, φ(N̂) and the factors p, q. It prints as <redacted>; Destroy wipes it.
type Secret struct {
	Lambda, Phi, P, Q *big.Int
}

// String redacts the secret.
func (s *Secret) String() string { return "<redacted>" }

// GoString redacts the secret.
func (s *Secret) GoString() string { return "<redacted>" }

// Format redacts the secret for every verb.
func (s *Secret) Format(f fmt.State, _ rune) { io.WriteString(f, "<redacted>") }

// Destroy zeroes the secret (best effort).
func (s *Secret) Destroy() {
	for _, x := range []*big.Int{s.Lambda, s.Phi, s.P, s.Q} {
		if x != nil {
			w := x.Bits()
			for i := range w {
				w[i] = 0
			}
			x.SetInt64(0)
		}
	}
}

// Generate returns fresh parameters of a bits-bit modulus from two safe
// primes (taken from pool when non-nil): t = r² mod N̂ for a random unit r,
// λ uniform in Z*_φ(N̂), s = t^λ mod N̂ (CGGMP21 auxiliary info, round 1).
func Generate(ctx context.Context, r io.Reader, bits int, pool *paillier.Pool) (*Parameters, *Secret, error) {
	sk, err := paillier.GenerateKey(ctx, r, bits, pool)
	if err != nil {
		return nil, nil, fmt.Errorf("pedersen: generate: %w", err)
	}
	return FromKey(r, sk)
}

// FromKey derives ring-Pedersen parameters from an existing factorisation
// (the paper lets a party reuse its Paillier modulus as N̂; custos uses a
// separate one by default).
func FromKey(r io.Reader, sk *paillier.SecretKey) (*Parameters, *Secret, error) {
	n := sk.PublicKey().N()
	phi := sk.Phi()
	for {
		t, err := arith.SampleQR(r, n)
		if err != nil {
			return nil, nil, fmt.Errorf("pedersen: generate: %w", err)
		}
		lambda, err := arith.SampleUnit(r, phi)
		if err != nil {
			return nil, nil, fmt.Errorf("pedersen: generate: %w", err)
		}
		s := sk.CRT().ExpN(t, lambda, phi.BitLen())
		params, err := newParameters(n, s, t)
		if err != nil {
			continue // t or s of order ≤ 2, negligible: draw again
		}
		return params, &Secret{Lambda: lambda, Phi: phi, P: sk.P(), Q: sk.Q()}, nil
	}
}

const paramsVersion = 1

// Marshal encodes the parameters as version (1 byte) ‖ byte length L of N̂
// (2 bytes) ‖ N̂ ‖ s ‖ t, each L bytes big-endian.
func (p *Parameters) Marshal() []byte {
	l := (p.N.BitLen() + 7) / 8
	out := make([]byte, 3+3*l)
	out[0] = paramsVersion
	out[1], out[2] = byte(l>>8), byte(l)
	p.N.FillBytes(out[3 : 3+l])
	p.S.FillBytes(out[3+l : 3+2*l])
	p.T.FillBytes(out[3+2*l:])
	return out
}

// ParseParameters decodes and validates parameters encoded by Marshal.
func ParseParameters(b []byte) (*Parameters, error) {
	if len(b) < 3 || b[0] != paramsVersion {
		return nil, errors.New("pedersen: parse parameters: bad header")
	}
	l := int(b[1])<<8 | int(b[2])
	if l == 0 || len(b) != 3+3*l || b[3] == 0 {
		return nil, errors.New("pedersen: parse parameters: bad length or non-canonical encoding")
	}
	n := new(big.Int).SetBytes(b[3 : 3+l])
	s := new(big.Int).SetBytes(b[3+l : 3+2*l])
	t := new(big.Int).SetBytes(b[3+2*l:])
	p, err := NewParameters(n, s, t)
	if err != nil {
		return nil, fmt.Errorf("pedersen: parse parameters: %w", err)
	}
	return p, nil
}
