package platform

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/sealer"
)

func TestPrimePoolIsSealedAndSurvivesReopening(t *testing.T) {
	pass, _ := sealer.NewPassphrase([]byte("pool test"))
	s, err := sealer.NewPassphraseSealer(pass, sealer.TestArgon2)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "keystore.db")
	st, err := keystore.Open(path, s)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var calls int
	n, err := FillPrimePool(ctx, st, 256, 2, func(have, want int) { calls++ })
	if err != nil || n != 2 || calls != 3 {
		t.Fatalf("fill: n=%d calls=%d err=%v", n, calls, err)
	}
	st.Close()
	st, err = keystore.Open(path, s)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pool, err := LoadPrimePool(ctx, st, 256)
	if err != nil || pool.Len() != 2 {
		t.Fatalf("reopened pool: %v %v", pool, err)
	}
	p, err := pool.Take(ctx)
	if err != nil || !paillier.IsSafePrime(p) {
		t.Fatalf("took %v, %v", p, err)
	}
}

func TestRefillPrimesFillsWhileIdleOnly(t *testing.T) {
	pass, _ := sealer.NewPassphrase([]byte("pool test"))
	s, _ := sealer.NewPassphraseSealer(pass, sealer.TestArgon2)
	st, err := keystore.NewMemory(s)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var idle atomic.Bool
	done := make(chan struct{})
	go func() {
		RefillPrimes(ctx, st, 256, 2, idle.Load, 5*time.Millisecond, slog.New(slog.DiscardHandler))
		close(done)
	}()
	time.Sleep(50 * time.Millisecond)
	if p, _ := LoadPrimePool(ctx, st, 256); p.Len() != 0 {
		t.Fatal("primes were searched while the node was busy")
	}
	idle.Store(true)
	deadline := time.Now().Add(20 * time.Second)
	for {
		p, _ := LoadPrimePool(ctx, st, 256)
		if p.Len() == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pool has %d primes", p.Len())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
}
