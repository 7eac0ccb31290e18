package paillier

import (
	"context"
	"crypto/rand"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/custos-mpc/custos/crypto/paillier/arith"
)

func report(b *testing.B) {
	calls, full := arith.Count()
	b.ReportMetric(float64(calls)/float64(b.N), "exps/op")
	b.ReportMetric(full/float64(b.N), "fullexp/op")
}

// BenchmarkSafePrime1024 generates the 1024-bit safe primes of a 2048-bit
// modulus on all cores and reports the median and 90th percentile.
func BenchmarkSafePrime1024(b *testing.B) {
	var ds []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := GenerateSafePrime(context.Background(), rand.Reader, 1024, 0); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(ds[len(ds)*9/10].Milliseconds()), "p90-ms")
}

func BenchmarkEncrypt(b *testing.B) {
	sk := testKey(b, 0)
	pk := sk.PublicKey()
	m := big.NewInt(123456789)
	b.Run("public", func(b *testing.B) {
		arith.ResetCount()
		for b.Loop() {
			pk.Encrypt(rand.Reader, m)
		}
		report(b)
	})
	b.Run("owner-crt", func(b *testing.B) {
		arith.ResetCount()
		for b.Loop() {
			sk.Encrypt(rand.Reader, m)
		}
		report(b)
	})
}

func BenchmarkDecrypt(b *testing.B) {
	sk := testKey(b, 0)
	c, _, _ := sk.PublicKey().Encrypt(rand.Reader, big.NewInt(-99))
	b.Run("message", func(b *testing.B) {
		arith.ResetCount()
		for b.Loop() {
			sk.Decrypt(c)
		}
		report(b)
	})
	b.Run("message-and-nonce", func(b *testing.B) {
		arith.ResetCount()
		for b.Loop() {
			sk.DecryptWithNonce(c)
		}
		report(b)
	})
}

func BenchmarkNewPublicKey(b *testing.B) {
	n := testKey(b, 0).PublicKey().N()
	for b.Loop() {
		if _, err := NewPublicKey(n); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncryptWithNoncePool(b *testing.B) {
	pk := testKey(b, 0).PublicKey()
	np := pk.NewNoncePool(rand.Reader)
	if err := np.Fill(context.Background(), b.N); err != nil {
		b.Fatal(err)
	}
	m := big.NewInt(123456789)
	arith.ResetCount()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		np.Encrypt(m)
	}
	report(b)
}
