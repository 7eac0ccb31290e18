package platform

import (
	"context"
	"log/slog"
	"time"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/node"
)

// LoadPrimePool reads a node's sealed safe-prime pool (empty if none).
func LoadPrimePool(ctx context.Context, st keystore.Store, bits int) (*paillier.Pool, error) {
	return node.LoadPrimePool(ctx, st, bits)
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
	have := pool.Len()
	for have < want {
		// Search outside the store's lock, then add the prime to whatever
		// the pool holds now (key generation may have taken some).
		fresh := paillier.NewPool(bits, nil, 0)
		if err := fresh.Fill(ctx, 1); err != nil {
			return have, err
		}
		if have, err = node.AddPrimes(ctx, st, fresh); err != nil {
			return have, err
		}
		if progress != nil {
			progress(have, want)
		}
	}
	return have, nil
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
