package prm

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/custos-mpc/custos/crypto/pedersen"
)

// TestCompatV1 checks that the frozen v1 parameters and proof in
// testdata/compat still decode and verify (regenerate only with
// CUSTOS_WRITE_COMPAT=1 when the format version changes).
func TestCompatV1(t *testing.T) {
	dir := filepath.Join("testdata", "compat")
	if os.Getenv("CUSTOS_WRITE_COMPAT") == "1" {
		pp, sec, _ := fixture(t)
		pf, err := Prove(rand.Reader, pp, sec, ctx)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "params-v1.bin"), pp.Marshal(), 0o644)
		os.WriteFile(filepath.Join(dir, "prm-v1.bin"), pf.Marshal(), 0o644)
	}
	pb, err := os.ReadFile(filepath.Join(dir, "params-v1.bin"))
	if err != nil {
		t.Fatal(err)
	}
	pp, err := pedersen.ParseParameters(pb)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "prm-v1.bin"))
	if err != nil {
		t.Fatal(err)
	}
	pf, err := Parse(b, pp)
	if err != nil {
		t.Fatal(err)
	}
	if err := pf.Verify(pp, ctx); err != nil {
		t.Fatal(err)
	}
}
