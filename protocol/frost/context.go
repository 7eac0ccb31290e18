package frost

import (
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/vss"
	"github.com/custos-mpc/custos/protocol/round"
)

// SigningPackage is what the coordinator hands every signer in round two:
// the message and the commitment list (RFC 9591 Section 5.2). For the
// BIP340 suite, MerkleRoot is the BIP341 script-tree root the key-path
// tweak commits to (nil for a key with no script tree).
type SigningPackage struct {
	Message     []byte
	Commitments []Commitment
	MerkleRoot  []byte
}

// signingContext is everything derived from a signing package that signers
// and the aggregator compute identically.
type signingContext struct {
	suite  *Suite
	pkg    *SigningPackage
	ids    []uint64
	rho    map[round.PartyID]group.Scalar
	lam    map[round.PartyID]group.Scalar // Lagrange coefficients of the signers
	R      group.Element                  // group commitment, normalised for BIP340
	c      group.Scalar                   // challenge
	verKey group.Element                  // the key the final signature verifies under
	// BIP340 sign adjustments (both 1 for the RFC suites): each share is
	// nonceSign·(d + e·ρ) + keySign·λ·sk·c, and tweakAdd is added to z.
	nonceSign group.Scalar
	keySign   group.Scalar
	tweakAdd  group.Scalar
}

var errEmptyList = errors.New("frost: empty commitment list")

// checkCommitmentList enforces the RFC's conditions on the list a signer or
// aggregator is given: sorted by identifier without duplicates, at least
// threshold entries, each from a holder of the key.
func checkCommitmentList(pub *PublicKey, list []Commitment) error {
	if len(list) == 0 {
		return errEmptyList
	}
	if len(list) < pub.Threshold {
		return fmt.Errorf("frost: %d commitments, threshold is %d", len(list), pub.Threshold)
	}
	for i, c := range list {
		if i > 0 && list[i-1].ID >= c.ID {
			return errors.New("frost: commitment list not sorted or has duplicates")
		}
		if _, ok := pub.Shares[c.ID]; !ok {
			return fmt.Errorf("frost: commitment from party %d, which holds no share of the key", c.ID)
		}
		if c.Hiding == nil || c.Binding == nil || c.Hiding.IsIdentity() || c.Binding.IsIdentity() {
			return fmt.Errorf("frost: commitment from party %d is the identity", c.ID)
		}
	}
	return nil
}

// encodeCommitmentList is RFC 9591 Section 4.3 encode_group_commitment_list.
func encodeCommitmentList(s *Suite, list []Commitment) []byte {
	g := s.Group
	out := make([]byte, 0, len(list)*(g.ScalarLen()+2*g.ElementLen()))
	for _, c := range list {
		out = append(out, g.NewScalar().SetUint64(uint64(c.ID)).Bytes()...)
		out = append(out, c.Hiding.Bytes()...)
		out = append(out, c.Binding.Bytes()...)
	}
	return out
}

func newSigningContext(pub *PublicKey, pkg *SigningPackage) (*signingContext, error) {
	sc, pkEnc, err := baseContext(pub, pkg)
	if err != nil {
		return nil, err
	}
	s := pub.Suite
	g := s.Group
	// RFC 9591 Section 4.4, compute_binding_factors.
	prefix := concat(pkEnc, s.h4(pkg.Message), s.h5(encodeCommitmentList(s, pkg.Commitments)))
	sc.rho = make(map[round.PartyID]group.Scalar, len(pkg.Commitments))
	sc.ids = make([]uint64, len(pkg.Commitments))
	hidings := g.NewElement()
	scal := make([]group.Scalar, len(pkg.Commitments))
	pts := make([]group.Element, len(pkg.Commitments))
	for i, c := range pkg.Commitments {
		r := s.h1(prefix, g.NewScalar().SetUint64(uint64(c.ID)).Bytes())
		sc.rho[c.ID] = r
		sc.ids[i] = uint64(c.ID)
		hidings.Add(hidings, c.Hiding)
		scal[i], pts[i] = r, c.Binding
	}
	// Lagrange coefficients of every signer, with one inversion.
	lams, err := vss.LagrangeAll(g, sc.ids)
	if err != nil {
		return nil, err
	}
	sc.lam = make(map[round.PartyID]group.Scalar, len(lams))
	for i, c := range pkg.Commitments {
		sc.lam[c.ID] = lams[i]
	}
	// Section 4.5, compute_group_commitment.
	R := g.NewElement().VarTimeMultiScalarMult(scal, pts)
	R.Add(R, hidings)
	if R.IsIdentity() {
		return nil, errors.New("frost: group commitment is the identity")
	}
	if s.taproot && !group.IsYEven(R) {
		R.Negate(R)
		sc.nonceSign.Negate(sc.nonceSign)
	}
	sc.R = R
	sc.challenge(pkEnc)
	return sc, nil
}

// reportedContext is the part of the signing context an aggregator needs
// to combine shares and verify the result when it was told the group
// commitment R (normalised for BIP340) instead of computing it: the
// challenge and the BIP340 tweak, but no binding factors or Lagrange
// coefficients, so it cannot verify shares.
func reportedContext(pub *PublicKey, pkg *SigningPackage, R group.Element) (*signingContext, error) {
	sc, pkEnc, err := baseContext(pub, pkg)
	if err != nil {
		return nil, err
	}
	if R.IsIdentity() || (pub.Suite.taproot && !group.IsYEven(R)) {
		return nil, errors.New("frost: reported group commitment is not a possible one")
	}
	sc.R = R
	sc.challenge(pkEnc)
	return sc, nil
}

// baseContext checks the package and derives what does not depend on the
// group commitment: the key the signature verifies under (BIP341-tweaked
// for BIP340) and its encoding in the challenge.
func baseContext(pub *PublicKey, pkg *SigningPackage) (*signingContext, []byte, error) {
	s := pub.Suite
	g := s.Group
	if err := checkCommitmentList(pub, pkg.Commitments); err != nil {
		return nil, nil, err
	}
	if !s.taproot && pkg.MerkleRoot != nil {
		return nil, nil, errors.New("frost: a Taproot merkle root given for a non-BIP340 suite")
	}
	sc := &signingContext{suite: s, pkg: pkg,
		nonceSign: g.NewScalar().SetUint64(1),
		keySign:   g.NewScalar().SetUint64(1),
		verKey:    pub.Key,
	}
	pkEnc := pub.Key.Bytes()
	if s.taproot {
		tw, err := taprootTweak(pub.Key, pkg.MerkleRoot)
		if err != nil {
			return nil, nil, err
		}
		sc.verKey, sc.keySign, sc.tweakAdd = tw.outputKey, tw.keySign, tw.tweakOut
		pkEnc = group.XOnlyBytes(tw.outputKey)
	}
	return sc, pkEnc, nil
}

// challenge is Section 4.6, compute_challenge (BIP340's for that suite),
// and scales the BIP340 tweak term by it.
func (sc *signingContext) challenge(pkEnc []byte) {
	if sc.suite.taproot {
		sc.c = bip340Challenge(sc.R, sc.verKey, sc.pkg.Message)
		sc.tweakAdd.Mul(sc.tweakAdd, sc.c)
		return
	}
	sc.c = sc.suite.h2(sc.R.Bytes(), pkEnc, sc.pkg.Message)
}

// lambda is RFC 9591 Section 4.2 derive_interpolating_value for a signer
// of the package (a new copy).
func (sc *signingContext) lambda(id round.PartyID) group.Scalar {
	return sc.suite.Group.NewScalar().Set(sc.lam[id])
}

// commitmentShare returns nonceSign·(D_i + ρ_i·E_i), the signer's part of R.
func (sc *signingContext) commitmentShare(c Commitment) group.Element {
	g := sc.suite.Group
	e := g.NewElement().VarTimeMultiScalarMult(
		[]group.Scalar{g.NewScalar().SetUint64(1), sc.rho[c.ID]},
		[]group.Element{c.Hiding, c.Binding})
	if !sc.nonceSign.Equal(g.NewScalar().SetUint64(1)) {
		e.Negate(e)
	}
	return e
}

// signature encodes (R, z): SerializeElement(R) || SerializeScalar(z), or
// BIP340's x(R) || z.
func (sc *signingContext) signature(z group.Scalar) []byte {
	if sc.suite.taproot {
		return concat(group.XOnlyBytes(sc.R), z.Bytes())
	}
	return concat(sc.R.Bytes(), z.Bytes())
}
