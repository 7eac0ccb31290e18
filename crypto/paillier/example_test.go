package paillier_test

import (
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
)

func ExampleSecretKey_DecryptWithNonce() {
	// Production code calls paillier.GenerateKey(ctx, rand.Reader, paillier.DefaultBits, pool).
	p, q := testprimes.Pair(0)
	sk, err := paillier.NewSecretKey(p, q)
	if err != nil {
		panic(err)
	}
	pk := sk.PublicKey()
	a, _, _ := pk.Encrypt(rand.Reader, big.NewInt(20))
	b, rho, _ := pk.Encrypt(rand.Reader, big.NewInt(-5))
	sum := pk.Add(a, pk.MulScalar(b, big.NewInt(3))) // 20 + 3·(−5)
	m, _ := sk.Decrypt(sum)
	_, gotRho, _ := sk.DecryptWithNonce(b)
	fmt.Println(m, gotRho.Cmp(rho) == 0, sk)
	// Output: 5 true <redacted>
}
