package node

import (
	"context"
	"crypto/sha256"
	"sync"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

// noncesPerPeer is how many precomputed encryption nonces the node keeps
// for each peer's Paillier key: a presignature takes four per peer
// (presign.Options.Nonces), so this serves four presignatures in a row.
const noncesPerPeer = 16

// peerNonces keeps, for each peer Paillier modulus the node has presigned
// with, a pool of precomputed nonces (ρ, ρ^N mod N²), the most expensive
// part of encrypting under a peer's key. A presigning session takes what
// is there (computing the rest in the round) and the pool refills in the
// background afterwards, so the next session finds them ready. The nonces
// are secret and live in memory only: a restart loses them, never reuses
// one (paillier.NoncePool hands each out once).
type peerNonces struct {
	mu      sync.Mutex
	pools   map[[32]byte]*paillier.NoncePool
	filling map[[32]byte]bool
}

// presignNonces returns the pools for every other signer of a presigning
// session with key, and starts refilling them in the background.
func (n *Node) presignNonces(key *share.Key, signers round.Parties) map[round.PartyID]*paillier.NoncePool {
	p := &n.nonces
	out := map[round.PartyID]*paillier.NoncePool{}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pools == nil {
		p.pools = map[[32]byte]*paillier.NoncePool{}
		p.filling = map[[32]byte]bool{}
	}
	for _, j := range signers.Others(key.ID) {
		pk := key.Aux[j].Paillier
		id := sha256.Sum256(pk.Marshal())
		pool := p.pools[id]
		if pool == nil {
			pool = pk.NewNoncePool(n.rand())
			p.pools[id] = pool
		}
		out[j] = pool
		if !p.filling[id] {
			p.filling[id] = true
			go func() {
				// Errors only mean a broken random source; the next
				// session computes its nonces in the round.
				_ = pool.Fill(context.Background(), noncesPerPeer)
				p.mu.Lock()
				delete(p.filling, id)
				p.mu.Unlock()
			}()
		}
	}
	return out
}
