package frost

import (
	"crypto/sha256"
	"errors"

	"github.com/custos-mpc/custos/crypto/group"
)

// The BIP340 variant. FROST(secp256k1, SHA-256) with these changes, so that
// the aggregate is a BIP340 Schnorr signature valid for a Taproot key-path
// spend (BIP341):
//
//   - The group key P is used as the BIP341 internal key: P' = ±P with even
//     Y, tweak t = hash_TapTweak(x(P') [|| merkle_root]) (BIP341, "Constructing
//     and spending Taproot outputs"), output key Q = P' + t·G, and the
//     signature verifies under x(Q). Keys are not normalised at key
//     generation: signers fold the signs into their shares instead.
//   - Binding factors use the context "FROST-secp256k1-SHA256-TR-v1" and the
//     32-byte x-only output key in place of SerializeElement(PK).
//   - If the group commitment R has odd Y, every signer negates its nonce
//     contribution so that R has even Y (BIP340 requires it).
//   - The challenge is BIP340's: int(hash_BIP0340/challenge(x(R) || x(Q) || m)) mod n.
//   - With g_P, g_Q ∈ {±1} the signs that make P' and Q even, the effective
//     secret is q = g_Q·(g_P·x + t), so each share is
//     z_i = g_R·(d_i + e_i·ρ_i) + g_Q·g_P·λ_i·sk_i·c and the aggregator adds
//     g_Q·t·c.

func newBIP340Suite() *Suite {
	s := newXMDSuite("bip340", "FROST-secp256k1-SHA256-TR-v1", group.Secp256k1)
	s.h2 = nil // the challenge is bip340Challenge
	s.taproot = true
	return s
}

// taggedHash is BIP340's hash_tag(x) = SHA256(SHA256(tag) || SHA256(tag) || x).
func taggedHash(tag string, parts ...[]byte) []byte {
	th := sha256.Sum256([]byte(tag))
	h := sha256.New()
	h.Write(th[:])
	h.Write(th[:])
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

type tweak struct {
	outputKey group.Element // even-Y output key Q
	keySign   group.Scalar  // g_Q·g_P
	tweakOut  group.Scalar  // g_Q·t (multiplied by c once the challenge is known)
}

// taprootTweak applies the BIP341 key-path tweak to internal key P.
func taprootTweak(P group.Element, merkleRoot []byte) (*tweak, error) {
	if merkleRoot != nil && len(merkleRoot) != 32 {
		return nil, errors.New("frost: taproot merkle root must be 32 bytes")
	}
	g := group.Secp256k1
	one := g.NewScalar().SetUint64(1)
	minusOne := g.NewScalar().Negate(one)
	gP := one
	Pe := g.NewElement().Set(P)
	if !group.IsYEven(P) {
		gP = minusOne
		Pe.Negate(Pe)
	}
	th := taggedHash("TapTweak", group.XOnlyBytes(Pe), merkleRoot)
	t, err := g.ParseScalar(th)
	if err != nil {
		return nil, errors.New("frost: taproot tweak is not below the group order")
	}
	Q := g.NewElement().ScalarBaseMult(t)
	Q.Add(Q, Pe)
	if Q.IsIdentity() {
		return nil, errors.New("frost: taproot output key is the identity")
	}
	gQ := one
	if !group.IsYEven(Q) {
		gQ = minusOne
		Q.Negate(Q)
	}
	return &tweak{
		outputKey: Q,
		keySign:   g.NewScalar().Mul(gQ, gP),
		tweakOut:  g.NewScalar().Mul(gQ, t),
	}, nil
}

// TaprootOutputKey returns the 32-byte x-only BIP341 output key for a group
// key used as internal key, with an optional 32-byte script-tree root.
func TaprootOutputKey(internal group.Element, merkleRoot []byte) ([]byte, error) {
	tw, err := taprootTweak(internal, merkleRoot)
	if err != nil {
		return nil, err
	}
	return group.XOnlyBytes(tw.outputKey), nil
}

func bip340Challenge(R, Q group.Element, msg []byte) group.Scalar {
	h := taggedHash("BIP0340/challenge", group.XOnlyBytes(R), group.XOnlyBytes(Q), msg)
	c, _ := group.Secp256k1.NewScalar().SetUniformBytes(h)
	return c
}

// verifyBIP340 is BIP340's Verify(pk, m, sig) for an even-Y key point.
func verifyBIP340(key group.Element, msg, sig []byte) error {
	g := group.Secp256k1
	if len(sig) != 64 || !group.IsYEven(key) {
		return ErrInvalidSignature
	}
	if _, err := group.ParseXOnly(sig[:32]); err != nil {
		return ErrInvalidSignature // r ≥ p or not an x-coordinate
	}
	s, err := g.ParseScalar(sig[32:])
	if err != nil {
		return ErrInvalidSignature
	}
	e := taggedHash("BIP0340/challenge", sig[:32], group.XOnlyBytes(key), msg)
	ec, _ := g.NewScalar().SetUniformBytes(e)
	R := g.NewElement().VarTimeMultiScalarMult(
		[]group.Scalar{s, ec.Negate(ec)},
		[]group.Element{g.Generator(), key})
	if R.IsIdentity() || !group.IsYEven(R) || string(group.XOnlyBytes(R)) != string(sig[:32]) {
		return ErrInvalidSignature
	}
	return nil
}
