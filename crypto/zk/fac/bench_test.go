package fac

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
	f := fixture(b)
	arith.ResetCount()
	for b.Loop() {
		if _, err := Prove(rand.Reader, f.sk, f.verifier, f.params, ctx); err != nil {
			b.Fatal(err)
		}
	}
	report(b)
}

func BenchmarkVerify(b *testing.B) {
	f := fixture(b)
	pk := f.sk.PublicKey()
	arith.ResetCount()
	for b.Loop() {
		if err := f.proof.Verify(pk, f.verifier, f.params, ctx); err != nil {
			b.Fatal(err)
		}
	}
	report(b)
}

func BenchmarkVerifyWithTrapdoor(b *testing.B) {
	f := fixture(b)
	pk := f.sk.PublicKey()
	opt := verifierKeys(b, f)
	arith.ResetCount()
	for b.Loop() {
		if err := f.proof.Verify(pk, f.verifier, f.params, ctx, opt); err != nil {
			b.Fatal(err)
		}
	}
	report(b)
}
