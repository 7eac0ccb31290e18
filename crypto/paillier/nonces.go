package paillier

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"runtime"
	"sync"

	"github.com/custos-mpc/custos/crypto/paillier/arith"
)

// NoncePool holds precomputed encryption nonces (ρ, ρ^N mod N²) for one
// public key, so that the constant-time ρ^N mod N² (about 4 full-size
// exponentiations, the dominant cost of encrypting under a peer's key) runs
// in idle time instead of in a protocol round. Every nonce is handed out
// once. The contents are secret and live in memory only.
type NoncePool struct {
	pk   *PublicKey
	rand io.Reader
	mu   sync.Mutex
	rho  []*big.Int
	rhoN []*big.Int
}

// NewNoncePool returns an empty nonce pool for pk drawing from r
// (crypto/rand if nil).
func (pk *PublicKey) NewNoncePool(r io.Reader) *NoncePool {
	if r == nil {
		r = rand.Reader
	}
	return &NoncePool{pk: pk, rand: r}
}

// Len returns the number of precomputed nonces.
func (np *NoncePool) Len() int {
	np.mu.Lock()
	defer np.mu.Unlock()
	return len(np.rho)
}

// Fill precomputes nonces on all cores until the pool holds want of them
// or ctx ends.
func (np *NoncePool) Fill(ctx context.Context, want int) error {
	need := want - np.Len()
	if need <= 0 {
		return nil
	}
	workers := runtime.NumCPU()
	jobs := make(chan struct{}, need)
	for i := 0; i < need; i++ {
		jobs <- struct{}{}
	}
	close(jobs)
	lr := arith.LockedReader(np.rand)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if err := ctx.Err(); err != nil {
					errs <- err
					return
				}
				rho, rhoN, err := np.pk.freshNonce(lr)
				if err != nil {
					errs <- err
					return
				}
				np.mu.Lock()
				np.rho = append(np.rho, rho)
				np.rhoN = append(np.rhoN, rhoN)
				np.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("paillier: fill nonce pool: %w", err)
	}
	return nil
}

func (pk *PublicKey) freshNonce(r io.Reader) (rho, rhoN *big.Int, err error) {
	rho, err = arith.SampleUnit(r, pk.n)
	if err != nil {
		return nil, nil, err
	}
	return rho, arith.ExpCTBits(rho, pk.n, pk.n2, pk.n.BitLen()), nil
}

// Take hands out one precomputed nonce (ρ, ρ^N mod N²), computing a fresh
// one if the pool is empty. The caller must use it for one encryption only.
func (np *NoncePool) Take() (rho, rhoN *big.Int, err error) {
	np.mu.Lock()
	if n := len(np.rho); n > 0 {
		rho, rhoN = np.rho[n-1], np.rhoN[n-1]
		np.rho[n-1], np.rhoN[n-1] = nil, nil
		np.rho, np.rhoN = np.rho[:n-1], np.rhoN[:n-1]
	}
	np.mu.Unlock()
	if rho == nil {
		if rho, rhoN, err = np.pk.freshNonce(np.rand); err != nil {
			return nil, nil, err
		}
	}
	return rho, rhoN, nil
}

// Encrypt encrypts m ∈ ±N/2 with a precomputed nonce (computing a fresh
// one if the pool is empty) and returns the ciphertext and ρ.
func (np *NoncePool) Encrypt(m *big.Int) (*Ciphertext, *big.Int, error) {
	pk := np.pk
	if !pk.InPlaintextRange(m) {
		return nil, nil, fmt.Errorf("paillier: encrypt: message out of range ±N/2")
	}
	rho, rhoN, err := np.Take()
	if err != nil {
		return nil, nil, fmt.Errorf("paillier: encrypt: %w", err)
	}
	return &Ciphertext{c: pk.combine(m, rhoN), n: pk.ctLen}, rho, nil
}

// PublicKey returns the key the nonces are for.
func (np *NoncePool) PublicKey() *PublicKey { return np.pk }
