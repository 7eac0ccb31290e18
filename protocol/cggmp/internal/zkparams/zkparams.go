// Package zkparams holds the zero-knowledge parameters of the CGGMP
// engines: zk.NewParams on secp256k1 (ℓ = 256, ℓ' = 5ℓ, ε = 2ℓ, 128
// repetitions of the binary-challenge proofs Π^aff-g* and Π^dec).
//
// Only tests of the engines lower Reps, to keep the identification tests
// (whose proofs repeat 128 times) fast under the race detector; no
// non-test code writes it.
package zkparams

import (
	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/zk"
)

// Reps is the repetition count of the binary-challenge proofs.
var Reps = zk.NewParams(group.Secp256k1).Reps

// Get returns the parameters.
func Get() zk.Params {
	p := zk.NewParams(group.Secp256k1)
	p.Reps = Reps
	return p
}
