package platform

import (
	"context"
	"path/filepath"
	"testing"

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
