// Package presign is CGGMP21 presigning (IACR ePrint 2021/060, latest
// revision, Fig. 8 "ECDSA Presigning", with the El-Gamal commitments that
// replaced the 2021 Π^log* proofs after CVE-2025-66016) for a signer set of a
// t-of-n key: the signers hold Lagrange-weighted shares x̃_i = λ_i·x_i of
// the key, so Σ x̃_i = x.
//
//	Round 1 (broadcast and point-to-point). Party i draws k_i, γ_i, an
//	El-Gamal key y_i (Y_i = y_i·G) and openings a_i, b_i; it broadcasts
//	K_i = enc_i(k_i), G_i = enc_i(γ_i), Y_i and the El-Gamal commitments
//	(A_i1, A_i2) = (a_i·G, a_i·Y_i + k_i·G), (B_i1, B_i2) = (b_i·G,
//	b_i·Y_i + γ_i·G), and sends each j Π^enc-elg proofs for K_i and G_i
//	made under j's ring-Pedersen parameters.
//	Round 2 (broadcast and point-to-point). Every proof verified, party i
//	broadcasts Γ_i = γ_i·G with Π^elog against (B_i1, B_i2), and sends
//	each j the MtA ciphertexts D_{j,i} = γ_i⊙K_j ⊕ enc_j(−β_{i,j}),
//	F_{j,i} = enc_i(−β_{i,j}), D̂_{j,i} = x̃_i⊙K_j ⊕ enc_j(−β̂_{i,j}),
//	F̂_{j,i} = enc_i(−β̂_{i,j}) with two Π^aff-g proofs (for Γ_i and X̃_i).
//	Round 3 (broadcast). Party i decrypts α_{i,j} and α̂_{i,j}, sets
//	Γ = Σ Γ_j, Δ_i = k_i·Γ, δ_i = k_i·γ_i + Σ_j (α_{i,j} + β_{i,j}),
//	χ_i = k_i·x̃_i + Σ_j (α̂_{i,j} + β̂_{i,j}), and broadcasts δ_i and
//	Δ_i with Π^elog against (A_i1, A_i2) (base Γ).
//	Output. δ = Σ δ_j; if δ·G = Σ Δ_j, R = δ⁻¹·Γ and the presignature is
//	(R, k_i, χ_i), with R̄_j = δ⁻¹·Δ_j = k_j·R kept for identification.
//	Otherwise Round 4 (Fig. 9, identification): every party broadcasts the
//	D_{j,i}, F_{j,i} it sent with Π^aff-g* proofs and a Π^dec proof that
//	δ_i is the decryption of K_i^γ_i·Π_j D_{i,j}·F_{j,i}⁻¹; a party whose
//	proof fails is the culprit.
//
// custos additions: the round-2 broadcast carries, for every recipient, a
// digest of the ciphertexts sent to it point-to-point, so every party holds
// a consistent record of what was sent and identification needs no signed
// point-to-point messages; the presignature is bound to a BIP32 derivation
// path (Options.Path) through the session context of every proof, the
// custos defence against the Groth–Shoup attack on presignatures with
// additive key derivation (ePrint 2021/1330): the tweak is fixed before R
// is revealed. See docs/protocol/cggmp.md.
//
// # Security
//
// Every proof a party receives is checked before its values are used; every
// failure aborts with a *round.AbortError naming the parties whose messages
// failed, with those messages as evidence. The presignature's secrets print
// as <redacted>; Destroy wipes them. A presignature must be used for at most
// one signature: the caller records its use durably before releasing a
// signature share.
package presign
