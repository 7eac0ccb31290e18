package group

import (
	"bytes"
	"crypto/rand"
	"sync"
	"testing"
)

// TestEncodingCacheFollowsChanges: elements cache their encoding; every
// operation that changes an element must drop it.
func TestEncodingCacheFollowsChanges(t *testing.T) {
	for _, g := range []Group{Edwards25519, Secp256k1} {
		t.Run(g.Name(), func(t *testing.T) {
			s, _ := g.RandomScalar(rand.Reader)
			base := g.NewElement().ScalarBaseMult(s)
			parsed, err := g.ParseElement(base.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			gen := g.Generator()
			fresh := func(f func(Element) Element) []byte {
				x := g.NewElement().ScalarBaseMult(s) // no cached encoding
				return f(x).Bytes()
			}
			ops := map[string]func(Element) Element{
				"Add":            func(e Element) Element { return e.Add(e, gen) },
				"Sub":            func(e Element) Element { return e.Sub(e, gen) },
				"Negate":         func(e Element) Element { return e.Negate(e) },
				"Double":         func(e Element) Element { return e.Double(e) },
				"ScalarBaseMult": func(e Element) Element { return e.ScalarBaseMult(g.NewScalar().SetUint64(7)) },
				"ScalarMult":     func(e Element) Element { return e.ScalarMult(g.NewScalar().SetUint64(7), e) },
				"VarTimeMultiScalarMult": func(e Element) Element {
					return e.VarTimeMultiScalarMult([]Scalar{g.NewScalar().SetUint64(3)}, []Element{g.NewElement().Set(e)})
				},
				"Set": func(e Element) Element { return e.Set(gen) },
			}
			for name, op := range ops {
				e := g.NewElement().Set(parsed)
				_ = e.Bytes() // fill the cache
				if got, want := op(e).Bytes(), fresh(op); !bytes.Equal(got, want) {
					t.Errorf("%s: stale encoding %x, want %x", name, got, want)
				}
			}
			// Concurrent encoders of one shared value (run with -race).
			shared := g.NewElement().ScalarBaseMult(s)
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if !bytes.Equal(shared.Bytes(), base.Bytes()) {
						t.Error("concurrent encodings differ")
					}
				}()
			}
			wg.Wait()
		})
	}
}
