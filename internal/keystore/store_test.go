package keystore_test

import (
	"path/filepath"
	"testing"

	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/keystore/storetest"
	"github.com/custos-mpc/custos/internal/sealer"
)

// testSealer returns a fast passphrase sealer. Tests only.
func testSealer(t testing.TB, pass string) sealer.Sealer {
	t.Helper()
	p, err := sealer.NewPassphrase([]byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Destroy()
	s, err := sealer.NewPassphraseSealer(p, sealer.TestArgon2)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) keystore.Store {
		s, err := keystore.Open(filepath.Join(t.TempDir(), "node.db"), testSealer(t, "pw"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) keystore.Store {
		s, err := keystore.NewMemory(testSealer(t, "pw"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
