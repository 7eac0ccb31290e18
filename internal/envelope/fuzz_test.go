package envelope

import (
	"bytes"
	"testing"
)

// FuzzParse checks that Parse never panics and that whatever it accepts
// marshals back to the same bytes and does not open under the seed keys
// unless it is a seed. Seeds live in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	alice, bob := newID(f), newID(f)
	for _, recipient := range []uint16{0, 2} {
		var to *PublicIdentity
		if recipient != 0 {
			to = pub(bob)
		}
		e, err := Seal(alice, to, testHeader(recipient), []byte("seed payload"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(e.Marshal())
	}
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Parse(b)
		if err != nil {
			return
		}
		if got := e.Marshal(); !bytes.Equal(got, b) {
			t.Fatalf("parse→marshal changed bytes:\n in %x\nout %x", b, got)
		}
		_, _ = Open(e, alice.Public(), bob)
	})
}

// FuzzParsePublicIdentity checks the public identity decoder the same way.
func FuzzParsePublicIdentity(f *testing.F) {
	f.Add(newID(f).Public().Marshal())
	f.Add(make([]byte, PublicIdentitySize))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePublicIdentity(b)
		if err != nil {
			return
		}
		if !bytes.Equal(p.Marshal(), b) {
			t.Fatal("parse→marshal changed bytes")
		}
	})
}
