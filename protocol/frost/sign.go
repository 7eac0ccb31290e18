package frost

import (
	"errors"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/protocol/round"
)

// SignatureShare is a signer's round-two output z_i.
type SignatureShare struct {
	ID round.PartyID
	Z  group.Scalar
}

// Sign is round two (RFC 9591 Section 5.2). The nonces sign at most once:
// they are marked used before anything is computed and wiped afterwards,
// whatever the outcome. msg is the message the caller verified it may sign;
// it must equal pkg.Message.
func Sign(share *KeyShare, nonces *Nonces, msg []byte, pkg *SigningPackage) (*SignatureShare, error) {
	z, _, err := SignWithCommitment(share, nonces, msg, pkg)
	return z, err
}

// SignWithCommitment is Sign that also returns the group commitment R the
// signer computed (encoded; normalised to even Y for BIP340), for an
// aggregator that takes it from the signers (AggregateReported).
func SignWithCommitment(share *KeyShare, nonces *Nonces, msg []byte, pkg *SigningPackage) (*SignatureShare, []byte, error) {
	if nonces.used {
		return nil, nil, ErrNonceReused
	}
	defer nonces.Destroy()
	if nonces.suite != share.Public.Suite {
		return nil, nil, errors.New("frost: nonces are for another ciphersuite")
	}
	if string(msg) != string(pkg.Message) {
		return nil, nil, errors.New("frost: signing package carries a different message than the one approved")
	}
	own := -1
	for i, c := range pkg.Commitments {
		if c.ID == share.ID {
			own = i
		}
	}
	if own < 0 {
		return nil, nil, errors.New("frost: own commitment missing from the commitment list")
	}
	if !pkg.Commitments[own].Equal(nonces.commitment) {
		return nil, nil, errors.New("frost: own commitment altered in the commitment list")
	}
	sc, err := newSigningContext(share.Public, pkg)
	if err != nil {
		return nil, nil, err
	}
	g := share.Public.Suite.Group
	// z_i = nonceSign·(d_i + e_i·ρ_i) + keySign·λ_i·sk_i·c
	z := g.NewScalar().Mul(nonces.binding, sc.rho[share.ID])
	z.Add(z, nonces.hiding)
	z.Mul(z, sc.nonceSign)
	t := g.NewScalar().Mul(sc.lambda(share.ID), share.Secret)
	t.Mul(t, sc.c)
	t.Mul(t, sc.keySign)
	z.Add(z, t)
	t.Zero()
	return &SignatureShare{ID: share.ID, Z: z}, sc.R.Bytes(), nil
}
