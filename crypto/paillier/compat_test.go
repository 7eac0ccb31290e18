package paillier

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
)

// TestCompatV1 checks that the frozen v1 encodings of a public key, a
// secret key (of the public test primes) and a pool still decode to the
// same values (regenerate only with CUSTOS_WRITE_COMPAT=1 when a format
// version changes).
func TestCompatV1(t *testing.T) {
	dir := filepath.Join("testdata", "compat")
	sk := testKey(t, 0)
	pool := NewPool(1024, nil, 1)
	if err := pool.Put(testprimes.SafePrimes1024()[4:6]...); err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{
		"public-key-v1.bin": sk.PublicKey().Marshal(),
		"secret-key-v1.bin": sk.Marshal(),
		"pool-v1.bin":       pool.Marshal(),
	}
	if os.Getenv("CUSTOS_WRITE_COMPAT") == "1" {
		os.MkdirAll(dir, 0o755)
		for name, b := range want {
			os.WriteFile(filepath.Join(dir, name), b, 0o644)
		}
	}
	for name, w := range want {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var out []byte
		switch name {
		case "public-key-v1.bin":
			pk, err := ParsePublicKey(b)
			if err != nil {
				t.Fatal(err)
			}
			out = pk.Marshal()
		case "secret-key-v1.bin":
			k, err := ParseSecretKey(b)
			if err != nil {
				t.Fatal(err)
			}
			out = k.Marshal()
		case "pool-v1.bin":
			p := NewPool(1024, nil, 1)
			if err := p.Unmarshal(b); err != nil {
				t.Fatal(err)
			}
			out = p.Marshal()
		}
		if !bytes.Equal(out, w) || !bytes.Equal(b, w) {
			t.Fatalf("%s: frozen sample changed", name)
		}
	}
}
