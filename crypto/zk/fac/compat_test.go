package fac

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/pedersen"
)

// TestCompatV1 checks that the frozen v1 statement (Paillier key, the
// verifier's parameters) and proof in testdata/compat still decode and
// verify (regenerate only with CUSTOS_WRITE_COMPAT=1 when the format
// version changes).
func TestCompatV1(t *testing.T) {
	dir := filepath.Join("testdata", "compat")
	f := fixture(t)
	if os.Getenv("CUSTOS_WRITE_COMPAT") == "1" {
		pf, err := Prove(rand.Reader, f.sk, f.verifier, f.params, ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, err := pf.Marshal(f.sk.PublicKey(), f.verifier, f.params)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "paillier-pk-v1.bin"), f.sk.PublicKey().Marshal(), 0o644)
		os.WriteFile(filepath.Join(dir, "params-v1.bin"), f.verifier.Marshal(), 0o644)
		os.WriteFile(filepath.Join(dir, "fac-v1.bin"), b, 0o644)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pk, err := paillier.ParsePublicKey(read("paillier-pk-v1.bin"))
	if err != nil {
		t.Fatal(err)
	}
	rp, err := pedersen.ParseParameters(read("params-v1.bin"))
	if err != nil {
		t.Fatal(err)
	}
	pf, err := Parse(read("fac-v1.bin"), pk, rp, f.params)
	if err != nil {
		t.Fatal(err)
	}
	if err := pf.Verify(pk, rp, f.params, ctx); err != nil {
		t.Fatal(err)
	}
}
