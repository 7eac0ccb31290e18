package presign

import (
	"errors"
	"fmt"
	"io"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/zkparams"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

// signIdent rebuilds the public context of the χ identification (the
// paper's procedure when the final signature does not verify, Section
// 4.3.1) from the stored presignature.
func (p *Presignature) signIdent(key *share.Key) (*Ident, error) {
	if key.ID != p.Self || key.Epoch != p.Epoch {
		return nil, errors.New("presign: presignature belongs to another key share or epoch")
	}
	lambda, err := key.Lagrange(p.Signers)
	if err != nil {
		return nil, err
	}
	id := &Ident{SSID: ssid(p.ID, key, p.Signers, p.Path), Key: key, Signers: p.Signers, Hat: true,
		K: map[round.PartyID]*paillier.Ciphertext{}, XG: map[round.PartyID]group.Element{},
		Digests: p.Digests, Base: p.R}
	for _, j := range p.Signers {
		c, err := key.Aux[j].Paillier.NewCiphertext(p.K[j])
		if err != nil {
			return nil, fmt.Errorf("presign: stored K_%d: %w", j, err)
		}
		id.K[j] = c
		id.XG[j] = g.NewElement().ScalarMult(lambda[j], key.Shares[j])
	}
	return id, nil
}

// IdentProve makes this signer's identification message after a signature
// made with p did not verify: the D̂ it sent with Π^aff-g*, x̃_i·R linked
// to its public share, and Π^dec showing χ_i·R is the decryption of
// K_i^x̃_i·Π_j D̂_{i,j}·F̂_{j,i}⁻¹.
func (p *Presignature) IdentProve(rand io.Reader, key *share.Key) ([]byte, error) {
	id, err := p.signIdent(key)
	if err != nil {
		return nil, err
	}
	pki := key.Paillier.PublicKey()
	w := &IdentWitness{Sent: map[round.PartyID]*mta{}, Received: map[round.PartyID]*paillier.Ciphertext{}}
	lambda, _ := key.Lagrange(p.Signers)
	xt := g.NewScalar().Mul(lambda[p.Self], key.Secret)
	w.X = scalarInt(xt)
	xt.Zero()
	defer wipe(w.X)
	for j, m := range p.Sent {
		d, err1 := key.Aux[j].Paillier.NewCiphertext(m.D)
		f, err2 := pki.NewCiphertext(m.F)
		rc, err3 := pki.NewCiphertext(p.Received[j])
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("presign: stored conversion with %d: %w", j, err)
		}
		w.Sent[j] = &mta{D: d, F: f, Y: m.Y, Rho: m.Rho, Mu: m.Mu}
		w.Received[j] = rc
	}
	return id.prove(rand, zkparams.Get(), p.Self, w)
}

// IdentVerify checks every signer's identification message and, with
// check(j, χ_j·R), the signer's signature share; it returns the
// *round.AbortError naming every signer whose message or share failed.
func (p *Presignature) IdentVerify(key *share.Key, msgs map[round.PartyID][]byte, check func(j round.PartyID, chiR group.Element) bool) error {
	id, err := p.signIdent(key)
	if err != nil {
		return err
	}
	claims, bl := id.Verify(zkparams.Get(), msgs)
	for _, j := range p.Signers {
		if c := claims[j]; c != nil && !check(j, c.S) {
			bl.add(j, errors.New("signature share is inconsistent with the proven χ_j"), msgs[j])
		}
	}
	if err := bl.err(); err != nil {
		return err
	}
	return errors.New("presign: the signature does not verify but every identification proof did")
}
