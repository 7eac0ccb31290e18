package group

import (
	"bytes"
	"crypto/rand"
	"testing"
)

// TestEncodeAll: batch encodings equal one-by-one encodings, for every
// group, for mixed fresh and already-encoded elements and the identity.
func TestEncodeAll(t *testing.T) {
	for _, g := range []Group{Edwards25519, Secp256k1, Ristretto255, P256, Edwards448} {
		var es, fresh []Element
		for i := range 9 {
			s, _ := g.RandomScalar(rand.Reader)
			e := g.NewElement().ScalarBaseMult(s)
			if i == 3 {
				_ = e.Bytes() // already cached
			}
			if i == 5 {
				e = g.NewElement()
			}
			es = append(es, e)
			fresh = append(fresh, g.NewElement().Set(e).Add(e, g.NewElement())) // same point, no cached encoding
		}
		EncodeAll(es)
		for i := range es {
			if !bytes.Equal(es[i].Bytes(), fresh[i].Bytes()) {
				t.Fatalf("%s: element %d: batch encoding %x, want %x", g.Name(), i, es[i].Bytes(), fresh[i].Bytes())
			}
		}
	}
}

func BenchmarkEncodeAll(b *testing.B) {
	g := Edwards25519
	es := make([]Element, 256)
	for i := range es {
		s, _ := g.RandomScalar(rand.Reader)
		es[i] = g.NewElement().ScalarBaseMult(s)
	}
	b.Run("one-by-one", func(b *testing.B) {
		for b.Loop() {
			for _, e := range es {
				e.(*edElement).enc.Store(nil)
				_ = e.Bytes()
			}
		}
	})
	b.Run("EncodeAll", func(b *testing.B) {
		for b.Loop() {
			for _, e := range es {
				e.(*edElement).enc.Store(nil)
			}
			EncodeAll(es)
		}
	})
}
