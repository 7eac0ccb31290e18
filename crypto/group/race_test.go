package group

import (
	"sync"
	"testing"
)

// TestConcurrentReadersDoNotRace shares scalars and elements between
// goroutines that only read them (as a verifier pool would); run with
// -race, it catches backends that write to their inputs.
func TestConcurrentReadersDoNotRace(t *testing.T) {
	for _, tc := range allGroups {
		g := tc.g
		t.Run(g.Name(), func(t *testing.T) {
			s := mustRandScalar(t, g)
			u := mustRandScalar(t, g)
			p := randElement(t, g)
			enc, senc := p.Bytes(), s.Bytes()
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 3 {
						_ = s.Equal(u)
						_ = s.IsZero()
						_ = s.Bytes()
						g.NewScalar().Add(s, u)
						g.NewScalar().Sub(s, u)
						g.NewScalar().Mul(s, u)
						g.NewScalar().Negate(s)
						g.NewScalar().Invert(s)
						g.NewScalar().Set(s)
						InvertVarTime(g.NewScalar(), s)
						if _, err := g.ParseScalar(senc); err != nil {
							t.Error(err)
						}
						if _, err := g.ParseElement(enc); err != nil {
							t.Error(err)
						}
						_ = p.Bytes()
						_ = p.Equal(g.Generator())
						_ = p.IsIdentity()
						g.NewElement().Add(p, p)
						g.NewElement().Sub(p, p)
						g.NewElement().Double(p)
						g.NewElement().Negate(p)
						g.NewElement().ScalarMult(s, p)
						g.NewElement().ScalarBaseMult(s)
						g.NewElement().VarTimeMultiScalarMult([]Scalar{s, u}, []Element{p, g.Generator()})
						SmallMult(g.NewElement(), 5, p)
					}
				}()
			}
			wg.Wait()
		})
	}
}
