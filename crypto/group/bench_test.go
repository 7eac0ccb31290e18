package group

import (
	"fmt"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// BenchmarkGroups measures the operations that dominate the threshold
// protocols: fixed-base and variable-base multiplication (constant time)
// and multi-scalar multiplication (variable time, verification).
func BenchmarkGroups(b *testing.B) {
	for _, tc := range allGroups {
		g := tc.g
		b.Run(g.Name(), func(b *testing.B) {
			s := mustRandScalar(b, g)
			p := randElement(b, g)
			r := g.NewElement()
			b.Run("ScalarBaseMult", func(b *testing.B) {
				loopCPU(b, func() {
					r.ScalarBaseMult(s)
				})
			})
			b.Run("ScalarMult", func(b *testing.B) {
				loopCPU(b, func() {
					r.ScalarMult(s, p)
				})
			})
			for _, n := range []int{2, 4, 10} {
				ss := make([]Scalar, n)
				ps := make([]Element, n)
				for i := range n {
					ss[i] = mustRandScalar(b, g)
					ps[i] = randElement(b, g)
				}
				b.Run(fmt.Sprintf("MSM-%d", n), func(b *testing.B) {
					loopCPU(b, func() {
						r.VarTimeMultiScalarMult(ss, ps)
					})
				})
				// FROST verification shape: the generator is one of the terms.
				ps2 := append([]Element{g.Generator()}, ps[1:]...)
				b.Run(fmt.Sprintf("MSM-%d-with-G", n), func(b *testing.B) {
					loopCPU(b, func() {
						r.VarTimeMultiScalarMult(ss, ps2)
					})
				})
			}
			b.Run("ParseElement", func(b *testing.B) {
				enc := p.Bytes()
				loopCPU(b, func() {
					g.ParseElement(enc)
				})
			})
			b.Run("ScalarMul", func(b *testing.B) {
				t := mustRandScalar(b, g)
				loopCPU(b, func() {
					t.Mul(t, s)
				})
			})
			b.Run("InvertVarTime", func(b *testing.B) {
				t := mustRandScalar(b, g)
				loopCPU(b, func() {
					InvertVarTime(t, s)
				})
			})
			b.Run("ScalarInvert", func(b *testing.B) {
				t := mustRandScalar(b, g)
				loopCPU(b, func() {
					t.Invert(s)
				})
			})
		})
	}
}

// BenchmarkSecp256k1Reference measures decred's variable-time operations on
// the same machine, as a yardstick for the numbers above.
func BenchmarkSecp256k1Reference(b *testing.B) {
	s := mustRandScalar(b, Secp256k1)
	p := randElement(b, Secp256k1)
	var r secp256k1.JacobianPoint
	b.Run("decred-ScalarBaseMultNonConst", func(b *testing.B) {
		loopCPU(b, func() { secp256k1.ScalarBaseMultNonConst(secpS(s), &r) })
	})
	b.Run("decred-ScalarMultNonConst", func(b *testing.B) {
		loopCPU(b, func() { secp256k1.ScalarMultNonConst(secpS(s), secpP(p), &r) })
	})
	b.Run("decred-FieldMul", func(b *testing.B) {
		var f secp256k1.FieldVal
		f.Set(&secpP(p).X)
		loopCPU(b, func() { f.Mul(&secpP(p).Y) })
	})
}
