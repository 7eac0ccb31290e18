package sealer

import (
	"os"
	"testing"
)

// Frozen version-1 blobs must keep opening.
func TestCompatV1(t *testing.T) {
	p, _ := NewPassphrase([]byte("custos compat v1"))
	pass, err := NewPassphraseSealer(p, DefaultArgon2) // parameters come from the blob
	if err != nil {
		t.Fatal(err)
	}
	ag, err := LoadAgeIdentityFile("testdata/compat/age-identity.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file string
		s    Sealer
	}{
		{"blob-v1-passphrase.bin", pass},
		{"blob-v1-age.bin", ag},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/compat/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tc.s.Open(b, []byte("custos compat v1 ad"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "custos compat v1 secret" {
				t.Fatalf("got %q", got)
			}
		})
	}
}
