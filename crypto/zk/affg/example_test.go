package affg_test

import (
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/affg"
)

// Party i proves to party j that D_{j,i} = K_j^γ_i · enc_j(y) with
// Γ_i = γ_i·G and Y = enc_i(y), under j's ring-Pedersen parameters
// (CGGMP21 presigning, Round 2). Test keys only.
func Example() {
	skI, _ := paillier.NewSecretKey(testprimes.Pair(0))
	skJ, _ := paillier.NewSecretKey(testprimes.Pair(1))
	rsk, _ := paillier.NewSecretKey(testprimes.Pair(2))
	rpJ, _, _ := pedersen.FromKey(rand.Reader, rsk) // j's ring-Pedersen parameters
	pkI, pkJ := skI.PublicKey(), skJ.PublicKey()
	p := zk.NewParams(group.Secp256k1)

	Kj, _, _ := pkJ.Encrypt(rand.Reader, big.NewInt(12345)) // j's K_j
	gamma := big.NewInt(777)                                // γ_i
	y := big.NewInt(-4242)                                  // −β_{i,j}
	ey, rho, _ := pkJ.Encrypt(rand.Reader, y)
	D := pkJ.Add(pkJ.MulScalar(Kj, gamma), ey)
	Y, rhoY, _ := pkI.Encrypt(rand.Reader, y)
	g := group.Secp256k1
	Gamma := g.NewElement().ScalarBaseMult(g.NewScalar().SetUint64(777))

	st := &affg.Statement{Key0: pkJ, Key1: pkI, C: Kj, D: D, Y: Y, X: Gamma}
	ctx := zk.Context{SessionID: []byte("ssid"), Prover: []byte("i"), Verifier: []byte("j")}
	pr, _ := affg.Prove(rand.Reader, p, ctx, rpJ, st, affg.NewWitness(gamma, y, rho, rhoY, skI))

	wire := pr.Marshal(p, rpJ, st)
	got, err := affg.Parse(p, rpJ, st, wire)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(affg.Verify(p, ctx, rpJ, st, got))
	// Output: <nil>
}
