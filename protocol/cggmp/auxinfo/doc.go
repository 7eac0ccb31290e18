// Package auxinfo is the auxiliary-information phase of CGGMP21 (IACR ePrint
// 2021/060, latest revision, "Auxiliary Info & Key Refresh", Fig. 7 in the
// 2021 numbering; Fig. 6 is its 3-round overview) without the refresh part:
// key shares are left unchanged. Each party ends with its own Paillier
// secret key and ring-Pedersen trapdoor and with every party's validated
// Paillier public key and ring-Pedersen parameters, which presigning needs.
//
//	Round 1 (broadcast). Party i takes two safe primes (from a
//	paillier.Pool, generating them when the pool is empty), sets
//	N_i = p_i·q_i, derives ring-Pedersen parameters (N_i, s_i, t_i) on the
//	same modulus as the paper does (t_i = r² mod N_i, s_i = t_i^λ_i),
//	proves them well formed with Π^prm bound to (sid, i), draws rid_i and
//	u_i, and broadcasts V_i = H(sid, i, N_i, s_i, t_i, ψ̂_i, rid_i, u_i).
//	Round 2 (broadcast). After every V_j is echoed, party i reveals the
//	decommitment.
//	Round 3 (broadcast and point-to-point). Party i checks that every
//	decommitment opens V_j, that N_j has exactly the configured size (at
//	least paillier.MinBits = 8ℓ), that (N_j, s_j, t_j) are valid
//	(pedersen and paillier parsers) and that ψ̂_j verifies; sets
//	rid = ⊕_j rid_j; broadcasts Π^mod for N_i bound to (sid, rid, i) and
//	sends each j a Π^fac for N_i made under j's ring-Pedersen parameters,
//	bound to (sid, rid, i, j).
//	Round 4 (broadcast, custos's addition). Every Π^mod and every Π^fac
//	addressed to i verified, party i broadcasts a confirmation: a hash of
//	(sid, rid, every (N_j, s_j, t_j)).
//	Output. Once every party confirmed the same view, party i outputs its
//	secrets and every party's public data. A party that aborted sends no
//	confirmation, so nobody outputs auxiliary information another party
//	rejected.
//
// Every failure aborts with a *round.AbortError naming exactly the parties
// whose messages failed, with those messages as evidence. Deviations from
// the paper are listed in docs/protocol/cggmp-aux.md.
//
// # Security
//
// The Paillier secret key and the ring-Pedersen trapdoor print as
// <redacted>. A round that aborts wipes them; Result.Destroy wipes the
// output. A session that ends in the round contract itself (an echo
// mismatch, a malformed envelope) never calls the round again, so the
// caller drops the machine and the secrets die with it: they are never
// used, since the moduli were never accepted by the other parties.
package auxinfo
