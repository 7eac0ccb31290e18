package sealer

import (
	"bytes"
	"testing"
)

// FuzzParseBlob checks that the blob parser never panics, that whatever it
// accepts re-encodes to the same bytes, and that Open never panics either.
// Seeds live in testdata/fuzz/FuzzParseBlob.
func FuzzParseBlob(f *testing.F) {
	pass := testPassphraseSealer(f, "pw")
	ag := testAgeSealer(f)
	for _, s := range []Sealer{pass, ag} {
		b, _ := s.Seal([]byte("seed secret"), []byte("seed ad"))
		f.Add(b)
	}
	f.Add([]byte("CSEA"))
	f.Fuzz(func(t *testing.T, b []byte) {
		bl, err := parseBlob(b)
		if err != nil {
			return
		}
		if got := bl.marshal(); !bytes.Equal(got, b) {
			t.Fatalf("parse→marshal changed bytes:\n in %x\nout %x", b, got)
		}
		// Opening runs Argon2id with the blob's parameters; keep the
		// fuzzer to cheap ones (the bounds themselves are tested elsewhere).
		if bl.kind != kindBytePassphrase || cheapParams(bl.params) {
			_, _ = pass.Open(b, []byte("seed ad"))
		}
		_, _ = ag.Open(b, []byte("seed ad"))
	})
}

func cheapParams(params []byte) bool {
	p, _, _, err := parsePassphraseParams(params)
	return err != nil || (p.Memory <= 1024 && p.Time <= 2 && p.Threads <= 4)
}
