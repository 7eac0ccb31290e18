// Package zk holds what the CGGMP21 zero-knowledge proofs share: the size
// parameters ℓ, ℓ', ε (Params), the context every Fiat–Shamir challenge is
// bound to (Context), and the verifier's optional trapdoors
// (VerifierKeys). The proofs live in sub-packages, one per proof of
// CGGMP21 (ePrint 2021/060, latest revision, revised after
// CVE-2025-66016):
//
//	package   proof        used in (latest revision)
//	sch       Π^sch        key generation and key refresh, commitment first
//	encelg    Π^enc-elg    presigning Round 1 (Fig. 8): K_i and G_i, per verifier
//	affg      Π^aff-g      presigning Round 2 (Fig. 8): D_{j,i}, D̂_{j,i}, per verifier
//	elog      Π^elog       presigning Round 2 (Γ_i) and Round 3 (Δ_i), broadcast
//	affgstar  Π^aff-g*     identification (Fig. 9, Section 4.3.1), broadcast
//	dec       Π^dec        identification (Fig. 9, Section 4.3.1), broadcast
//	enc       Π^enc        2021 presigning (K_i); kept, not used by the latest flow
//	logstar   Π^log*       2021 presigning (Γ_i, Δ_i); kept, not used by the latest flow
//	mod, prm, fac          auxiliary information and refresh: see their packages
//
// Π^mul, Π^mul* and Π^aff-p are not used by the latest revision's
// presigning, signing or identification and are not implemented.
//
// Every proof has a Statement, a Witness (which prints as <redacted> and has
// Destroy), Prove, Verify (returning an error that wraps the package's
// ErrInvalidProof) and a strict, versioned, fixed-width encoding (Marshal,
// Parse). docs/protocol/cggmp-proofs.md lists the exact relations, the
// checks and every deviation from the paper.
//
// # Fiat–Shamir
//
// The challenge is drawn from crypto/transcript after absorbing, in order: a
// domain string with a version ("custos/zk/aff-g/v1"), the group and the
// parameters (ℓ, ℓ', ε, repetitions), the session id, the prover's and the
// verifier's identifiers (empty verifier for broadcast proofs), the
// verifier's ring-Pedersen parameters, every statement value and every
// first-message value. Challenges e ∈ ±q are uniform (rejection sampling);
// binary challenges are bits of the transcript output.
//
// # Security
//
// Range proofs are made under the verifier's ring-Pedersen parameters: a
// prover makes one proof per verifier, and a verifier checks proofs only
// against its own parameters.
//
// Every verifier checks what the paper's verification does (the equations
// and the ranges z ∈ ±2^(ℓ+ε), z ∈ ±2^(ℓ'+ε)) and, before any arithmetic,
// that every Paillier value lies in Z*_{N²} (0 < c < N², gcd(c, N) = 1),
// every nonce response in Z*_N, every ring-Pedersen value in Z*_N̂, and
// every point is a valid non-identity group element: the gcd and unit
// checks the revision after CVE-2025-66016 insists on. The decoders check
// the same conditions, so a Proof obtained from Parse is well-formed; Verify
// re-checks them for proofs built in memory.
//
// Secret-dependent arithmetic in the provers is constant time: ρ^N, r^N
// (crypto/paillier/arith on filippo.io/bigmod, by CRT modulo p², q² when the
// prover owns N), C^α with a secret α, s^x·t^y (fixed-base tables with
// constant-time table scans), ρ^e with a public e (constant-time inverse by
// saferith for e < 0), (1+N)^m = 1 + (m mod N)·N with m mod N reduced by
// saferith. The integer responses z = α + e·x are computed with saferith's
// constant-time signed integers at announced sizes fixed by the public
// bounds; scalars α mod q by saferith's constant-time reduction. What leaks
// is what math/big values leak at the API boundary: the length in words of
// a secret held in a big.Int (witnesses come in as big.Int, the paillier
// package's API). Verifiers use variable-time math/big on public values and
// constant-time CRT on the moduli they own (WithVerifierKeys).
package zk
