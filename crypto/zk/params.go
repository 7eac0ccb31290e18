package zk

import (
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/crypto/group"
)

// Params are the CGGMP21 size parameters shared by the range proofs
// (ePrint 2021/060, the paper's parameter choice: ℓ = |q|, ℓ' = 5ℓ,
// ε = 2ℓ), together with the group the proofs' group commitments live in.
//
// "x ∈ ±2^ℓ" means |x| ≤ 2^ℓ (the paper's interval notation I_ℓ).
type Params struct {
	Group group.Group
	// L is ℓ, the bit bound of plaintexts congruent to group scalars
	// (k_i, γ_i, x_i).
	L int
	// LPrime is ℓ', the bit bound of the additive masks β in Π^aff-g.
	LPrime int
	// Epsilon is ε, the slack of the range proofs.
	Epsilon int
	// Reps is the number of parallel repetitions of the binary-challenge,
	// setup-free proofs (Π^aff-g*, Π^dec): the soundness error is 2^-Reps.
	Reps int
}

// NewParams returns the paper's parameters for g: ℓ is the bit length of
// the group order, ℓ' = 5ℓ, ε = 2ℓ, and 128 repetitions for the
// binary-challenge proofs.
func NewParams(g group.Group) Params {
	l := g.Order().BitLen()
	return Params{Group: g, L: l, LPrime: 5 * l, Epsilon: 2 * l, Reps: 128}
}

// Validate checks that p is usable: a group, ℓ at least the bit length of
// the group order (witnesses are group scalars), ε ≥ ℓ + 128 (statistical
// zero knowledge of the masked responses; the paper takes ε = 2ℓ),
// ℓ' ≥ 2ℓ + ε + 128 (the bound on the Π^aff-g masks that hides the
// product; the paper takes 5ℓ), and a repetition count in [1, 256].
//
// The repetition count's floor is 1 only so unit tests can run the
// binary-challenge proofs fast; protocol engines must use NewParams
// (128 repetitions, soundness error 2^-128).
func (p Params) Validate() error {
	if p.Group == nil {
		return errors.New("zk: invalid parameters: no group")
	}
	const stat = 128
	if p.L < p.Group.Order().BitLen() || p.Epsilon < p.L+stat || p.LPrime < 2*p.L+p.Epsilon+stat {
		return fmt.Errorf("zk: invalid parameters: ℓ=%d ℓ'=%d ε=%d for a %d-bit group", p.L, p.LPrime, p.Epsilon, p.Group.Order().BitLen())
	}
	if p.L+p.Epsilon > 1<<14 || p.LPrime+p.Epsilon > 1<<14 {
		return errors.New("zk: invalid parameters: bounds too large")
	}
	if p.Reps < 1 || p.Reps > 256 {
		return fmt.Errorf("zk: invalid parameters: %d repetitions", p.Reps)
	}
	return nil
}

// Context binds a proof to where it is used. Every field is absorbed into
// the Fiat–Shamir transcript, so a proof made for one session, prover or
// verifier does not verify for another.
type Context struct {
	// SessionID is the protocol session identifier (ssid, with rid where
	// the paper binds it).
	SessionID []byte
	// Prover is the prover's party identifier.
	Prover []byte
	// Verifier is the verifier's party identifier. Proofs addressed to
	// every party (Π^sch, Π^elog, Π^aff-g*, Π^dec) leave it empty.
	Verifier []byte
}
