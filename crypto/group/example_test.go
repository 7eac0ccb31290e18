package group_test

import (
	"crypto/rand"
	"fmt"

	"github.com/custos-mpc/custos/crypto/group"
)

// A Schnorr proof of knowledge of x for X = x·G, written once against the
// Group interface and run over every backend. The verifier's equation
// z·G − c·X = R is one variable-time multi-scalar multiplication.
func Example() {
	for _, g := range []group.Group{group.Secp256k1, group.Edwards25519, group.Ristretto255, group.P256, group.Edwards448} {
		x, _ := g.RandomScalar(rand.Reader) // secret
		X := g.NewElement().ScalarBaseMult(x)

		k, _ := g.RandomScalar(rand.Reader) // nonce
		R := g.NewElement().ScalarBaseMult(k)
		c, _ := g.RandomScalar(rand.Reader) // stands in for a Fiat–Shamir challenge
		z := g.NewScalar().Mul(c, x)
		z.Add(z, k)

		// The verifier decodes what it received; decoding validates.
		Xv, err := g.ParseElement(X.Bytes())
		if err != nil {
			panic(err)
		}
		check := g.NewElement().VarTimeMultiScalarMult(
			[]group.Scalar{z, g.NewScalar().Negate(c)},
			[]group.Element{g.Generator(), Xv})
		fmt.Printf("%s: %v, secret prints as %v\n", g.Name(), check.Equal(R), x)
	}
	// Output:
	// secp256k1: true, secret prints as <redacted>
	// edwards25519: true, secret prints as <redacted>
	// ristretto255: true, secret prints as <redacted>
	// P-256: true, secret prints as <redacted>
	// edwards448: true, secret prints as <redacted>
}

// ParseXOnly implements BIP340's lift_x for Taproot keys.
func ExampleParseXOnly() {
	two := group.Secp256k1.NewScalar().SetUint64(2)
	P := group.Secp256k1.NewElement().ScalarBaseMult(two)
	Q, err := group.ParseXOnly(group.XOnlyBytes(P))
	if err != nil {
		panic(err)
	}
	fmt.Println(group.IsYEven(Q), Q.Equal(P) == group.IsYEven(P))
	// Output: true true
}
