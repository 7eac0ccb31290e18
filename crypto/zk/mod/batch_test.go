package mod

import (
	"crypto/rand"
	"math/big"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
)

// The batch check of z_i^N = y_i catches any single wrong root, including
// the sign flip that leaves an order-2 error (odd c_i), and refuses a
// modulus with a factor below the trial-division bound, on which its
// soundness argument would not hold.
func TestBatchRoots(t *testing.T) {
	p, q := testprimes.Pair(0)
	n := new(big.Int).Mul(p, q)
	phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
	d := new(big.Int).ModInverse(n, phi) // N-th roots: y^(N⁻¹ mod φ)
	ys := make([]*big.Int, Repetitions)
	zs := make([]*big.Int, Repetitions)
	for i := range ys {
		y, _ := rand.Int(rand.Reader, n)
		ys[i], zs[i] = y, new(big.Int).Exp(y, d, n)
	}
	if err := verifyRoots(n, zs, ys); err != nil {
		t.Fatalf("honest roots rejected: %v", err)
	}
	for _, tamper := range []func(z *big.Int){
		func(z *big.Int) { z.Sub(n, z) },                       // −z: error −1
		func(z *big.Int) { z.Mul(z, big.NewInt(2)).Mod(z, n) }, // error 2^N
	} {
		bad := append([]*big.Int(nil), zs...)
		bad[77] = new(big.Int).Set(zs[77])
		tamper(bad[77])
		if err := verifyRoots(n, bad, ys); err == nil {
			t.Fatal("a wrong root passed the batch check")
		}
	}
	small := new(big.Int).Mul(n, big.NewInt(131071)) // a prime below 2^17
	if err := verifyRoots(small, zs, ys); err == nil {
		t.Fatal("modulus with a small factor accepted")
	}
}
