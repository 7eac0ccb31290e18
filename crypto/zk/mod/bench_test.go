package mod

import (
	"crypto/rand"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier/arith"
)

// report adds the number of modular exponentiations per call, and their
// cost in full-size (2048-bit exponent, 2048-bit modulus) equivalents.
func report(b *testing.B) {
	calls, full := arith.Count()
	b.ReportMetric(float64(calls)/float64(b.N), "exps/op")
	b.ReportMetric(full/float64(b.N), "fullexp/op")
}

func BenchmarkProve(b *testing.B) {
	sk, _ := fixture(b)
	arith.ResetCount()
	for b.Loop() {
		if _, err := Prove(rand.Reader, sk, ctx); err != nil {
			b.Fatal(err)
		}
	}
	report(b)
}

func BenchmarkVerify(b *testing.B) {
	sk, pf := fixture(b)
	n := sk.PublicKey().N()
	arith.ResetCount()
	for b.Loop() {
		if err := pf.Verify(n, ctx); err != nil {
			b.Fatal(err)
		}
	}
	report(b)
}
