package frost

import (
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/protocol/round"
)

// ErrInvalidSignature is returned by Verify.
var ErrInvalidSignature = errors.New("frost: invalid signature")

// Aggregate verifies every signature share and combines them into a
// signature (RFC 9591 Sections 5.3 and 5.4). Shares are checked together
// with a random linear combination; if that fails each is checked alone
// and the abort names exactly the signers whose shares are invalid.
// A missing or unexpected share also aborts naming its party.
func Aggregate(pub *PublicKey, pkg *SigningPackage, shares []SignatureShare) ([]byte, error) {
	sc, err := newSigningContext(pub, pkg)
	if err != nil {
		return nil, err
	}
	g := pub.Suite.Group
	byID := make(map[round.PartyID]group.Scalar, len(shares))
	var bad []round.PartyID
	for _, s := range shares {
		if _, ok := sc.rho[s.ID]; !ok || byID[s.ID] != nil || s.Z == nil {
			bad = append(bad, s.ID)
			continue
		}
		byID[s.ID] = s.Z
	}
	for _, c := range pkg.Commitments {
		if byID[c.ID] == nil {
			bad = append(bad, c.ID)
		}
	}
	if len(bad) > 0 {
		return nil, round.Blame(errors.New("frost: signature share missing, duplicated or unexpected"), nil, bad...)
	}
	if !sc.verifyShares(pub, byID) {
		for _, c := range pkg.Commitments {
			if !sc.verifyShare(pub, c, byID[c.ID]) {
				bad = append(bad, c.ID)
			}
		}
		if len(bad) == 0 {
			return nil, errors.New("frost: batch share verification failed but every share verifies")
		}
		return nil, round.Blame(errors.New("frost: invalid signature share"), nil, bad...)
	}
	z := g.NewScalar()
	for _, c := range pkg.Commitments {
		z.Add(z, byID[c.ID])
	}
	if sc.tweakAdd != nil {
		z.Add(z, sc.tweakAdd)
	}
	sig := sc.signature(z)
	if err := Verify(pub.Suite, sc.verKey, pkg.Message, sig); err != nil {
		return nil, fmt.Errorf("frost: aggregate signature does not verify although every share does: %w", err)
	}
	return sig, nil
}

// VerifyShare is RFC 9591 Section 5.4 verify_signature_share for one share.
func VerifyShare(pub *PublicKey, pkg *SigningPackage, share SignatureShare) error {
	sc, err := newSigningContext(pub, pkg)
	if err != nil {
		return err
	}
	for _, c := range pkg.Commitments {
		if c.ID == share.ID {
			if sc.verifyShare(pub, c, share.Z) {
				return nil
			}
			return round.Blame(errors.New("frost: invalid signature share"), nil, share.ID)
		}
	}
	return fmt.Errorf("frost: no commitment from party %d", share.ID)
}

// verifyShare checks z_i·G == nonceSign·(D_i + ρ_i·E_i) + (keySign·c·λ_i)·PK_i.
func (sc *signingContext) verifyShare(pub *PublicKey, c Commitment, z group.Scalar) bool {
	g := pub.Suite.Group
	k := g.NewScalar().Mul(sc.c, sc.lambda(c.ID))
	k.Mul(k, sc.keySign)
	rhs := g.NewElement().VarTimeMultiScalarMult(
		[]group.Scalar{k},
		[]group.Element{pub.Shares[c.ID]})
	rhs.Add(rhs, sc.commitmentShare(c))
	return g.NewElement().ScalarBaseMult(z).Equal(rhs)
}

// verifyShares checks every share at once: with random 128-bit weights a_i,
// (Σ a_i·z_i)·G − Σ a_i·n·D_i − Σ a_i·n·ρ_i·E_i − Σ a_i·k·c·λ_i·PK_i = 0,
// where n and k are the BIP340 signs (1 otherwise). One multi-scalar
// multiplication instead of one per share.
func (sc *signingContext) verifyShares(pub *PublicKey, z map[round.PartyID]group.Scalar) bool {
	g := pub.Suite.Group
	list := sc.pkg.Commitments
	scal := make([]group.Scalar, 0, 3*len(list)+1)
	pts := make([]group.Element, 0, 3*len(list)+1)
	sumZ := g.NewScalar()
	var wb [16]byte
	for i, c := range list {
		a := g.NewScalar().SetUint64(1)
		if i > 0 {
			if _, err := rand.Read(wb[:]); err != nil {
				return false
			}
			a.SetUniformBytes(wb[:]) //nolint:errcheck // 16 bytes always fit
		}
		sumZ.Add(sumZ, g.NewScalar().Mul(a, z[c.ID]))
		an := g.NewScalar().Mul(a, sc.nonceSign)
		an.Negate(an)
		scal = append(scal, an, g.NewScalar().Mul(an, sc.rho[c.ID]))
		pts = append(pts, c.Hiding, c.Binding)
		k := g.NewScalar().Mul(a, sc.keySign)
		k.Mul(k, sc.c)
		k.Mul(k, sc.lambda(c.ID))
		scal = append(scal, k.Negate(k))
		pts = append(pts, pub.Shares[c.ID])
	}
	scal = append(scal, sumZ)
	pts = append(pts, g.Generator())
	return g.NewElement().VarTimeMultiScalarMult(scal, pts).IsIdentity()
}

// Verify checks a FROST signature under key (RFC 9591 Appendix B, the
// prime-order verification): z·G == R + c·PK. For the BIP340 suite, key is
// the (tweaked) output key and sig is a 64-byte BIP340 signature.
func Verify(s *Suite, key group.Element, msg, sig []byte) error {
	g := s.Group
	if s.taproot {
		return verifyBIP340(key, msg, sig)
	}
	if len(sig) != g.ElementLen()+g.ScalarLen() {
		return ErrInvalidSignature
	}
	R, err := g.ParseElement(sig[:g.ElementLen()])
	if err != nil {
		return ErrInvalidSignature
	}
	z, err := g.ParseScalar(sig[g.ElementLen():])
	if err != nil {
		return ErrInvalidSignature
	}
	c := s.h2(R.Bytes(), key.Bytes(), msg)
	// z·G − c·PK == R
	chk := g.NewElement().VarTimeMultiScalarMult(
		[]group.Scalar{z, g.NewScalar().Negate(c)},
		[]group.Element{g.Generator(), key})
	if !chk.Equal(R) {
		return ErrInvalidSignature
	}
	return nil
}
