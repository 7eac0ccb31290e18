package prm

import (
	"crypto/rand"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier/arith"
)

func report(b *testing.B) {
	calls, full := arith.Count()
	b.ReportMetric(float64(calls)/float64(b.N), "exps/op")
	b.ReportMetric(full/float64(b.N), "fullexp/op")
}

func BenchmarkProve(b *testing.B) {
	pp, sec, _ := fixture(b)
	arith.ResetCount()
	for b.Loop() {
		if _, err := Prove(rand.Reader, pp, sec, ctx); err != nil {
			b.Fatal(err)
		}
	}
	report(b)
}

func BenchmarkVerify(b *testing.B) {
	pp, _, pf := fixture(b)
	arith.ResetCount()
	for b.Loop() {
		if err := pf.Verify(pp, ctx); err != nil {
			b.Fatal(err)
		}
	}
	report(b)
}
