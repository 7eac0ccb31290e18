// Package testprimes provides fixed 1024-bit safe primes for tests, so test
// binaries build 2048-bit Paillier keys and ring-Pedersen parameters
// without generating primes. Never use them outside tests: they are public.
package testprimes

import (
	_ "embed"
	"math/big"
	"strings"
)

//go:embed safeprimes1024.txt
var safePrimes1024 string

// SafePrimes1024 returns the embedded 1024-bit safe primes, in a fixed
// order (there are at least 20). Distinct pairs give distinct 2048-bit
// moduli: (0,1), (2,3), ... are used by convention.
func SafePrimes1024() []*big.Int {
	var out []*big.Int
	for _, l := range strings.Fields(safePrimes1024) {
		p, ok := new(big.Int).SetString(l, 16)
		if !ok {
			panic("testprimes: bad embedded prime")
		}
		out = append(out, p)
	}
	return out
}

// Pair returns the i-th pair of distinct safe primes (primes 2i and 2i+1).
func Pair(i int) (p, q *big.Int) {
	ps := SafePrimes1024()
	return ps[2*i], ps[2*i+1]
}
