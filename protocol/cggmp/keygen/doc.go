// Package keygen is CGGMP21 key generation (IACR ePrint 2021/060, Fig. 5,
// "ECDSA key generation"), adapted to a t-of-n key: each party deals a
// Feldman-committed polynomial instead of an additive share.
//
//	Round 1 (broadcast). Party i draws f_i of degree t−1 with commitments
//	F_i = (a_i0·G, ..., a_i,t−1·G), rid_i and u_i (32 random bytes each)
//	and a Schnorr commitment A_i = τ_i·G (Π^sch, commitment first), and
//	broadcasts V_i = H(sid, i, rid_i, F_i, A_i, u_i).
//	Round 2 (broadcast and point-to-point). After every V_j is echoed, party
//	i reveals (rid_i, F_i, A_i, u_i) and sends f_i(j) privately to each j.
//	Round 3 (broadcast). Party i checks every decommitment against V_j,
//	the length and points of every F_j and every share against F_j; sets
//	rid = ⊕_j rid_j; and proves knowledge of a_i0, the discrete log of
//	F_i(0), answering its committed A_i with the challenge bound to
//	(sid, rid, i).
//	Output. Every proof verified, party i's share is x_i = Σ_j f_j(i), the
//	public key X = Σ_j F_j(0), and party k's public share
//	X_k = Σ_j F_j(k). rid is kept (the chain code of HD derivation).
//
// Committing before revealing keeps any party from choosing its polynomial
// after seeing the others' (no bias of X or rid); the proofs of knowledge
// bound to sid, rid and the prover stop rogue-key attacks and replays.
// Every failure aborts naming the culprits with the offending message as
// evidence. Deviations from the paper are in docs/protocol/cggmp.md.
package keygen
