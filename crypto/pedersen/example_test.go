package pedersen_test

import (
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/crypto/pedersen"
)

func ExampleParameters_CommitCT() {
	// Production code calls pedersen.Generate(ctx, rand.Reader, bits, pool).
	p, q := testprimes.Pair(1)
	sk, _ := paillier.NewSecretKey(p, q)
	params, secret, _ := pedersen.FromKey(rand.Reader, sk)

	x, mu := big.NewInt(-42), big.NewInt(7)
	prover := params.CommitCT(x, mu, 64, 64) // secret exponents: constant time
	verifier := params.Commit(x, mu)         // public exponents: variable time
	fmt.Println(prover.Cmp(verifier) == 0, secret)
	// Output: true <redacted>
}
