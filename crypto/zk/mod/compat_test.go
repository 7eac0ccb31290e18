package mod

import (
	"crypto/rand"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
)

// TestCompatV1 checks that the frozen v1 proof in testdata/compat still
// decodes and verifies (regenerate only with CUSTOS_WRITE_COMPAT=1 when the
// format version changes).
func TestCompatV1(t *testing.T) {
	p, q := testprimes.Pair(0)
	n := new(big.Int).Mul(p, q)
	path := filepath.Join("testdata", "compat", "mod-v1.bin")
	if os.Getenv("CUSTOS_WRITE_COMPAT") == "1" {
		sk, err := paillier.NewSecretKey(p, q)
		if err != nil {
			t.Fatal(err)
		}
		pf, err := Prove(rand.Reader, sk, ctx)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, pf.Marshal(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := Parse(b, n)
	if err != nil {
		t.Fatal(err)
	}
	if err := pf.Verify(n, ctx); err != nil {
		t.Fatal(err)
	}
}
