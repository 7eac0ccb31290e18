package envelope

import (
	"bytes"
	"os"
	"testing"
)

func readCompat(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/compat/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Frozen version-1 samples must keep decoding, verifying and decrypting.
func TestCompatV1(t *testing.T) {
	alice, err := ParseIdentity(readCompat(t, "identity-v1-alice.bin"))
	if err != nil {
		t.Fatal(err)
	}
	bob, err := ParseIdentity(readCompat(t, "identity-v1-bob.bin"))
	if err != nil {
		t.Fatal(err)
	}
	alicePub, err := ParsePublicIdentity(readCompat(t, "public-identity-v1-alice.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !alicePub.Equal(alice.Public()) {
		t.Fatal("frozen public identity does not match the frozen identity")
	}
	for _, tc := range []struct{ file, payload string }{
		{"envelope-v1-broadcast.bin", "custos compat v1 broadcast"},
		{"envelope-v1-p2p.bin", "custos compat v1 p2p"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			wire := readCompat(t, tc.file)
			env, err := Parse(wire)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(env.Marshal(), wire) {
				t.Fatal("re-encoding differs")
			}
			got, err := Open(env, alicePub, bob)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.payload {
				t.Fatalf("payload %q, want %q", got, tc.payload)
			}
		})
	}
}
