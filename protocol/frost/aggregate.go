package frost

import (
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
	z := g.NewScalar()
	for _, c := range pkg.Commitments {
		z.Add(z, byID[c.ID])
	}
	if sc.tweakAdd != nil {
		z.Add(z, sc.tweakAdd)
	}
	sig := sc.signature(z)
	// RFC 9591 Section 5.3: verify the aggregate signature; only when it
	// fails verify the shares, to name the participants that misbehaved.
	// One two-point verification replaces the batch share check on the
	// common path.
	if Verify(pub.Suite, sc.verKey, pkg.Message, sig) == nil {
		return sig, nil
	}
	for _, c := range pkg.Commitments {
		if !sc.verifyShare(pub, c, byID[c.ID]) {
			bad = append(bad, c.ID)
		}
	}
	if len(bad) == 0 {
		return nil, errors.New("frost: aggregate signature does not verify although every share does")
	}
	return nil, round.Blame(errors.New("frost: invalid signature share"), nil, bad...)
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
