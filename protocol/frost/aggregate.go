package frost

import (
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/protocol/round"
)

// ErrInvalidSignature is returned by Verify.
var ErrInvalidSignature = errors.New("frost: invalid signature")

// Aggregate combines the signature shares into a signature and verifies
// it (RFC 9591 Section 5.3); only if it does not verify does it check each
// share (Section 5.4), so that the abort names exactly the signers whose
// shares are invalid. A missing or unexpected share also aborts naming its
// party.
func Aggregate(pub *PublicKey, pkg *SigningPackage, shares []SignatureShare) ([]byte, error) {
	sc, err := newSigningContext(pub, pkg)
	if err != nil {
		return nil, err
	}
	byID, err := sharesByID(pkg, shares)
	if err != nil {
		return nil, err
	}
	return sc.aggregate(pub, byID)
}

func (sc *signingContext) aggregate(pub *PublicKey, byID map[round.PartyID]group.Scalar) ([]byte, error) {
	sig, ok := sc.combine(byID)
	// RFC 9591 Section 5.3: verify the aggregate signature; only when it
	// fails verify the shares, to name the participants that misbehaved.
	// One two-point verification replaces the batch share check on the
	// common path.
	if ok {
		return sig, nil
	}
	var bad []round.PartyID
	for _, c := range sc.pkg.Commitments {
		if !sc.verifyShare(pub, c, byID[c.ID]) {
			bad = append(bad, c.ID)
		}
	}
	if len(bad) == 0 {
		return nil, errors.New("frost: aggregate signature does not verify although every share does")
	}
	return nil, round.Blame(errors.New("frost: invalid signature share"), nil, bad...)
}

// AggregateReported is Aggregate for an aggregator whose signers each
// reported, beside their share, the group commitment R they computed
// (reported[i] with shares[i], encoded as SignWithCommitment returns it).
// When the reports agree, the aggregator takes R from them instead of
// computing it (Section 4.5's multi-scalar multiplication, the costliest
// step of aggregation) and verifies the combined signature under the group
// key, which no wrong R can pass: the signature is the one Aggregate would
// return. When the reports disagree or the signature does not verify, it
// falls back to Aggregate, and returns in misreported the signers whose
// report was not the group commitment of the package (whatever the shares
// gave).
func AggregateReported(pub *PublicKey, pkg *SigningPackage, shares []SignatureShare, reported [][]byte) (sig []byte, misreported []round.PartyID, err error) {
	if len(reported) != len(shares) {
		return nil, nil, errors.New("frost: one reported group commitment per share needed")
	}
	byID, err := sharesByID(pkg, shares)
	if err != nil {
		return nil, nil, err
	}
	agree := len(reported) > 0
	for _, r := range reported[1:] {
		agree = agree && string(r) == string(reported[0])
	}
	if agree {
		if R, perr := pub.Suite.Group.ParseElement(reported[0]); perr == nil {
			if sc, cerr := reportedContext(pub, pkg, R); cerr == nil {
				if sig, ok := sc.combine(byID); ok {
					return sig, nil, nil
				}
			}
		}
	}
	sc, err := newSigningContext(pub, pkg)
	if err != nil {
		return nil, nil, err
	}
	want := sc.R.Bytes()
	for i, r := range reported {
		if string(r) != string(want) {
			misreported = append(misreported, shares[i].ID)
		}
	}
	sig, err = sc.aggregate(pub, byID)
	return sig, misreported, err
}

// sharesByID maps each signer of the package to its share, or aborts
// naming the signers whose share is missing, duplicated or unexpected.
func sharesByID(pkg *SigningPackage, shares []SignatureShare) (map[round.PartyID]group.Scalar, error) {
	byID := make(map[round.PartyID]group.Scalar, len(shares))
	signer := make(map[round.PartyID]bool, len(pkg.Commitments))
	for _, c := range pkg.Commitments {
		signer[c.ID] = true
	}
	var bad []round.PartyID
	for _, s := range shares {
		if !signer[s.ID] || byID[s.ID] != nil || s.Z == nil {
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
	return byID, nil
}

// combine is Section 5.3's z = Σ z_i (plus the BIP340 tweak term) and the
// encoded signature (R, z), with whether it verifies under the group key.
func (sc *signingContext) combine(byID map[round.PartyID]group.Scalar) ([]byte, bool) {
	z := sc.suite.Group.NewScalar()
	for _, c := range sc.pkg.Commitments {
		z.Add(z, byID[c.ID])
	}
	if sc.tweakAdd != nil {
		z.Add(z, sc.tweakAdd)
	}
	sig := sc.signature(z)
	if sc.suite.taproot {
		return sig, Verify(sc.suite, sc.verKey, sc.pkg.Message, sig) == nil
	}
	// Verify without re-parsing R from sig: sc.R is a valid element (a
	// parsed report or the package's sum) and sc.c its challenge.
	return sig, verifies(sc.suite.Group, sc.verKey, sc.R, sc.c, z)
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
	if !verifies(g, key, R, s.h2(R.Bytes(), key.Bytes(), msg), z) {
		return ErrInvalidSignature
	}
	return nil
}

// verifies is the check of Verify for a parsed signature (R, z) with
// challenge c: z·G − c·PK == R.
func verifies(g group.Group, key, R group.Element, c, z group.Scalar) bool {
	chk := g.NewElement().VarTimeMultiScalarMult(
		[]group.Scalar{z, g.NewScalar().Negate(c)},
		[]group.Element{g.Generator(), key})
	return chk.Equal(R)
}
