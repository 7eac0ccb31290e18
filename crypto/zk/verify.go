package zk

import (
	"errors"
	"math/big"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/arith"
	"github.com/custos-mpc/custos/crypto/pedersen"
)

// VerifierKeys are the trapdoors of the moduli a verifier owns: its
// Paillier key (N0 of Π^aff-g, where the verifier's K_j is the multiplied
// ciphertext) and the factorisation of its ring-Pedersen modulus N̂ (every
// range proof is made under the verifier's parameters). With them the
// verifier computes modulo the prime factors (CRT, constant time since the
// factors are secret) instead of modulo N̂ or N0²: a range-proof
// verification costs about half as much. Verification is correct with or
// without them.
type VerifierKeys struct {
	paillier *paillier.SecretKey
	rpN      *big.Int
	rpCRT    *arith.CRT
}

// NewVerifierKeys prepares the verifier's trapdoors; either may be nil.
// sec must be the trapdoor of rp.
func NewVerifierKeys(sk *paillier.SecretKey, rp *pedersen.Parameters, sec *pedersen.Secret) (*VerifierKeys, error) {
	k := &VerifierKeys{paillier: sk}
	if sec != nil {
		if rp == nil || sec.P == nil || sec.Q == nil || new(big.Int).Mul(sec.P, sec.Q).Cmp(rp.N) != 0 {
			return nil, errors.New("zk: verifier keys: ring-pedersen trapdoor does not match the parameters")
		}
		crt, err := arith.NewCRT(sec.P, sec.Q)
		if err != nil {
			return nil, err
		}
		k.rpN, k.rpCRT = new(big.Int).Set(rp.N), crt
	}
	return k, nil
}

// PaillierCRT returns the CRT context of the verifier's Paillier key if it
// is pk, else nil.
func (k *VerifierKeys) PaillierCRT(pk *paillier.PublicKey) *arith.CRT {
	if k == nil || k.paillier == nil || !k.paillier.PublicKey().Equal(pk) {
		return nil
	}
	return k.paillier.CRT()
}

// PedersenCRT returns the CRT context of N̂ if the keys hold rp's
// trapdoor, else nil.
func (k *VerifierKeys) PedersenCRT(rp *pedersen.Parameters) *arith.CRT {
	if k == nil || k.rpCRT == nil || k.rpN.Cmp(rp.N) != 0 {
		return nil
	}
	return k.rpCRT
}

// VerifyOption configures a verification.
type VerifyOption func(*VerifyConfig)

// VerifyConfig is the result of applying VerifyOptions.
type VerifyConfig struct {
	Keys *VerifierKeys
}

// WithVerifierKeys lets the verification use the verifier's trapdoors.
func WithVerifierKeys(k *VerifierKeys) VerifyOption {
	return func(c *VerifyConfig) { c.Keys = k }
}

// Config applies opts.
func Config(opts []VerifyOption) VerifyConfig {
	var c VerifyConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}
