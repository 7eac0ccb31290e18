package refresh

import (
	"bytes"
	"crypto/rand"
	"testing"
)

// The decoders are fuzzed for a 3-of-n key (two commitments, two proofs
// of knowledge): parse then marshal gives the same bytes, and no input
// panics. Seeds are in testdata/fuzz/.

func FuzzParseDecommit(f *testing.F) {
	// A 3-of-n decommitment with real points and short stand-ins for the
	// Paillier fields (their contents are validated later, not parsed
	// here; a 64 kB Π^prm would only slow the fuzzer down).
	d := &decommit{params: []byte{1, 0, 1, 9, 4, 16}, prm: []byte{1, 2, 3}}
	for range 2 {
		a, _ := g.RandomScalar(rand.Reader)
		b, _ := g.RandomScalar(rand.Reader)
		d.F = append(d.F, g.NewElement().ScalarBaseMult(a))
		d.A = append(d.A, g.NewElement().ScalarBaseMult(b))
	}
	rand.Read(d.rid[:])
	f.Add(d.marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parseDecommit(b, 3)
		if err == nil && !bytes.Equal(d.marshal(), b) {
			t.Fatal("re-encoding differs")
		}
	})
}

func FuzzParseProofs(f *testing.F) {
	pr := &proofs{mod: []byte{1, 0x20, 0, 1, 7}}
	for range 2 {
		s, _ := g.RandomScalar(rand.Reader)
		p, err := schProve(s)
		if err != nil {
			f.Fatal(err)
		}
		pr.sch = append(pr.sch, p)
	}
	f.Add(pr.marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseProofs(b, 3)
		if err == nil && !bytes.Equal(p.marshal(), b) {
			t.Fatal("re-encoding differs")
		}
	})
}
