// Package refresh is proactive key refresh for CGGMP21 threshold ECDSA on
// secp256k1 (IACR ePrint 2021/060, latest revision, "Auxiliary Info & Key
// Refresh", Fig. 7 in the 2021 numbering), adapted to t-of-n Shamir
// shares: every holder of a key re-randomises its share without changing
// the public key, and every party gets a fresh Paillier key and fresh
// ring-Pedersen parameters. Shares stolen before a refresh are useless
// with shares stolen after it.
//
//	Round 1 (broadcast). Party i takes a fresh Paillier key, derives its
//	ring-Pedersen parameters on it with ψ̂_i = Π^prm (as in
//	protocol/cggmp/auxinfo), draws f_i(x) = a_i1·x + ... + a_i,t−1·x^(t−1)
//	(constant term zero: Fig. 7's Σ_j x_i^j = 0, for Shamir shares) with
//	Feldman commitments F_i = (a_i1·G, ..., a_i,t−1·G), Π^sch commitments
//	A_i,k = τ_i,k·G, rid_i and u_i, and broadcasts
//	V_i = H(sid, i, F_i, A_i, N_i, s_i, t_i, ψ̂_i, rid_i, u_i) together
//	with a digest of the key it refreshes (public key, threshold, parties,
//	public shares, epoch, chain code).
//	Round 2 (broadcast and point-to-point). Every V_j echoed and every
//	digest equal to its own, party i reveals the decommitment and sends
//	f_i(j) to each j (sealed to j by the platform).
//	Round 3 (broadcast and point-to-point). Party i checks every
//	decommitment, every (N_j, s_j, t_j) and ψ̂_j, and every share against
//	its dealer's commitments with a zero constant term; sets
//	rid = ⊕_j rid_j; broadcasts Π^mod for N_i and the Π^sch responses for
//	every a_i,k bound to (sid, rid, i, k), and sends each j Π^fac for N_i
//	under j's parameters.
//	Round 4 (broadcast, custos's addition). Every proof verified, party i
//	broadcasts a hash of (sid, rid, every party's new public share and
//	(N_j, s_j, t_j)).
//	Output. Once every confirmation equals its own, party i outputs the
//	refreshed *share.Key: x_i' = x_i + Σ_j f_j(i), X_k' = X_k + Σ_j F_j(k),
//	the same public key, threshold, parties and chain code, the new
//	Paillier and ring-Pedersen data, and the epoch plus one.
//
// A dealer cannot change the key: its commitment vector has no constant
// slot (the constant commitment is the identity and is never sent), so a
// share of a polynomial with a nonzero constant fails the Feldman check of
// every recipient, and Σ_k λ_k·X_k' = X + Σ_j f_j(0)·G = X for every
// quorum. The result is checked with share.Key.Validate before it leaves.
//
// Every failure aborts with a *round.AbortError naming exactly the parties
// whose messages failed, with those messages as evidence. Deviations from
// the paper are listed in docs/protocol/cggmp.md, "Key refresh".
//
// # Security
//
// The new share, the polynomial, the Schnorr nonces, the Paillier key and
// the ring-Pedersen trapdoor print as <redacted>; a round that aborts wipes
// them. The old key is never modified: the caller keeps using it until it
// has persisted the refreshed key, then destroys it.
//
// A party outputs only once every party confirmed the same new public
// shares and auxiliary information. The confirmations are echo-broadcast
// like every broadcast round, and a party echoes only once it holds every
// confirmation, so a party that outputs knows that every party accepted
// the refresh and holds every confirmation too. A party that misses a
// confirmation outputs nothing and keeps its old key, and so does every
// other party, since its echo is missing: the platform redelivers (the
// machine ignores duplicates) or abandons the session. A session that ends
// in the round contract itself (an echo mismatch) never calls the round
// again; the caller drops the machine with its secrets.
package refresh
