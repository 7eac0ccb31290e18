package sch_test

import (
	"crypto/rand"
	"fmt"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/sch"
)

// The commitment-first flow of CGGMP21 key generation: A is sent (hashed)
// in one round, the response in a later one.
func Example() {
	g := group.Secp256k1
	x, _ := g.RandomScalar(rand.Reader)
	st := &sch.Statement{X: g.NewElement().ScalarBaseMult(x)}
	ctx := zk.Context{SessionID: []byte("ssid‖rid"), Prover: []byte("P1")}

	// Round 1: commit.
	c, nonce, _ := sch.Commit(rand.Reader, g)
	sent := c.Marshal()

	// Round 3: answer, once the challenge's inputs are fixed.
	pr, _ := sch.ProveWithCommitment(ctx, st, sch.NewWitness(x), c, nonce)

	// Verifier.
	c2, _ := sch.ParseCommitment(g, sent)
	pr2, _ := sch.Parse(g, pr.Marshal())
	fmt.Println(sch.VerifyWithCommitment(ctx, st, c2, pr2))
	// Output: <nil>
}
