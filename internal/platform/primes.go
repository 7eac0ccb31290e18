package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/keystore"
)

// primePoolNamespace is where a node keeps its sealed pool of safe primes.
const primePoolNamespace = "paillier"

func primePoolName(bits int) string { return fmt.Sprintf("safe-primes-%d", bits) }

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
		return nil, fmt.Errorf("platform: stored prime pool: %w", err)
	}
	return pool, nil
}

// SavePrimePool replaces the sealed pool. A crash between the delete and
// the write loses the pool (primes are regenerated), never reuses a prime.
func SavePrimePool(ctx context.Context, st keystore.Store, pool *paillier.Pool) error {
	b := pool.Marshal()
	defer clear(b)
	name := primePoolName(pool.Bits())
	if err := st.DeleteBlob(ctx, primePoolNamespace, name); err != nil && !errors.Is(err, keystore.ErrNotFound) {
		return err
	}
	return st.PutBlob(ctx, primePoolNamespace, name, b)
}

// FillPrimePool tops up a node's sealed pool to want primes, saving after
// every prime so an interruption keeps what was found; progress is called
// after each.
func FillPrimePool(ctx context.Context, st keystore.Store, bits, want int, progress func(have, want int)) (int, error) {
	pool, err := LoadPrimePool(ctx, st, bits)
	if err != nil {
		return 0, err
	}
	if progress != nil {
		progress(pool.Len(), want)
	}
	for pool.Len() < want {
		if err := pool.Fill(ctx, pool.Len()+1); err != nil {
			return pool.Len(), err
		}
		if err := SavePrimePool(ctx, st, pool); err != nil {
			return pool.Len(), err
		}
		if progress != nil {
			progress(pool.Len(), want)
		}
	}
	return pool.Len(), nil
}

// RefillPrimes keeps a node's sealed pool at want primes, searching only
// while idle() holds (checked every interval and before each prime), until
// ctx ends. Prime search uses every core, so it never competes with a
// ceremony for long: at most one prime's search overlaps new work.
func RefillPrimes(ctx context.Context, st keystore.Store, bits, want int, idle func() bool, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for idle() && ctx.Err() == nil {
			pool, err := LoadPrimePool(ctx, st, bits)
			if err != nil {
				log.Warn("prime pool unreadable", "err", err)
				return
			}
			if pool.Len() >= want {
				break
			}
			n, err := FillPrimePool(ctx, st, bits, pool.Len()+1, nil)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("prime search failed", "err", err)
				}
				break
			}
			log.Info("safe prime added to the pool", "bits", bits, "pool", n, "want", want)
		}
	}
}
