package node

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/keystore"
)

// The node keeps a pool of safe primes sealed in its keystore so that
// threshold-ECDSA auxiliary info does not wait on prime search. A prime
// leaves the stored pool (durably) before the Paillier key built from it is
// used, so no prime serves two keys, even across crashes.

// primePoolNamespace is where a node keeps its sealed pool of safe primes.
const primePoolNamespace = "paillier"

func primePoolName(bits int) string { return fmt.Sprintf("safe-primes-%d", bits) }

// primeMu serializes every read-modify-write of a stored prime pool in
// this process (the background refill and key generation).
var primeMu sync.Mutex

// LoadPrimePool reads a node's sealed safe-prime pool (empty if none).
func LoadPrimePool(ctx context.Context, st keystore.Store, bits int) (*paillier.Pool, error) {
	pool := paillier.NewPool(bits, nil, 0)
	sec, err := st.Blob(ctx, primePoolNamespace, primePoolName(bits))
	if errors.Is(err, keystore.ErrNotFound) {
		return pool, nil
	}
	if err != nil {
		return nil, err
	}
	defer sec.Destroy()
	if err := pool.Unmarshal(sec.Bytes()); err != nil {
		return nil, fmt.Errorf("node: stored prime pool: %w", err)
	}
	return pool, nil
}

// savePrimePool replaces the sealed pool. A crash between the delete and
// the write loses the pool (primes are regenerated), never reuses a prime.
func savePrimePool(ctx context.Context, st keystore.Store, pool *paillier.Pool) error {
	b := pool.Marshal()
	defer clear(b)
	name := primePoolName(pool.Bits())
	if err := st.DeleteBlob(ctx, primePoolNamespace, name); err != nil && !errors.Is(err, keystore.ErrNotFound) {
		return err
	}
	return st.PutBlob(ctx, primePoolNamespace, name, b)
}

// AddPrimes adds safe primes to the stored pool and returns its size.
func AddPrimes(ctx context.Context, st keystore.Store, pool *paillier.Pool) (int, error) {
	primeMu.Lock()
	defer primeMu.Unlock()
	stored, err := LoadPrimePool(ctx, st, pool.Bits())
	if err != nil {
		return 0, err
	}
	for pool.Len() > 0 {
		p, err := pool.Take(ctx)
		if err != nil {
			return 0, err
		}
		if err := stored.Put(p); err != nil {
			return 0, err
		}
	}
	if err := savePrimePool(ctx, st, stored); err != nil {
		return 0, err
	}
	return stored.Len(), nil
}

// takePrimes removes up to n primes of bits from the stored pool, durably,
// and returns them in a pool of their own (which may be short: the caller
// generates the rest).
func takePrimes(ctx context.Context, st keystore.Store, bits, n int) (*paillier.Pool, error) {
	primeMu.Lock()
	defer primeMu.Unlock()
	out := paillier.NewPool(bits, nil, 0)
	stored, err := LoadPrimePool(ctx, st, bits)
	if err != nil {
		return nil, err
	}
	if stored.Len() == 0 {
		return out, nil
	}
	for range min(n, stored.Len()) {
		p, err := stored.Take(ctx)
		if err != nil {
			return nil, err
		}
		if err := out.Put(p); err != nil {
			return nil, err
		}
	}
	if err := savePrimePool(ctx, st, stored); err != nil {
		return nil, err
	}
	return out, nil
}
