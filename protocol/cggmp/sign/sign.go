// Package sign is CGGMP21 signing (IACR ePrint 2021/060, latest revision,
// Fig. 10 "ECDSA Signing", and the identification of Section 4.3.1): one
// message per signer from a presignature (protocol/cggmp/presign), then
// combination and verification, or presigning and signing in one session
// (StartFull) for callers without a stored presignature.
//
//	Round 1 (to every signer). With the presignature (R, k_i, χ_i), r =
//	R.x mod q and the digest m, party i sends σ_i = k_i·(m + r·τ) + r·χ_i,
//	where τ is the BIP32 tweak of the presignature's path (zero for the
//	root key): Σ k_i·r·τ = k·r·τ applies the tweak exactly once.
//	Output. σ = Σ σ_j, normalised to low S; the signature (r, σ) is
//	verified against the (child) public key and returned with its recovery
//	id. If it does not verify, Round 2 (broadcast): every signer proves its
//	χ_i (presign.Presignature.IdentProve) and every party checks
//	σ_j·R = (m + r·τ)·R̄_j + r·χ_j·R for the proven χ_j·R: a signer whose
//	proof or share fails is the culprit.
//
// # Security
//
// A presignature must sign at most one digest: the caller records its use
// durably before calling Start (the platform's keystore does). Start refuses
// a presignature of another key share, epoch or signer set.
package sign

import (
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/codec"
	"github.com/custos-mpc/custos/protocol/cggmp/presign"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

// Protocol is the protocol name of online signing from a presignature.
const Protocol = "cggmp-sign/secp256k1/v1"

// FullProtocol is the protocol name of presigning and signing in one session.
const FullProtocol = "cggmp-signfull/secp256k1/v1"

var g = share.Group

// Signature is an ECDSA signature valid on Bitcoin and Ethereum as it is:
// S is low (≤ q/2) and RecoveryID recovers PublicKey from the digest.
type Signature struct {
	R, S       [32]byte
	RecoveryID byte
	PublicKey  group.Element // the key that verifies it (the child key for a path)
}

// Bytes returns r ‖ s (64 bytes).
func (s *Signature) Bytes() []byte { return append(append([]byte{}, s.R[:]...), s.S[:]...) }

// Start begins online signing of digest with the presignature pre for
// party cfg.Self; cfg.Parties must be pre.Signers and cfg.Session must differ
// from pre.ID. Run it with round.NewMachine; the result is a *Signature.
func Start(cfg round.Config, key *share.Key, pre *presign.Presignature, digest [32]byte, rand io.Reader) (round.Round, []round.Message, error) {
	return start(cfg, key, pre, digest, rand, 1)
}

const fullBase = 10 // round numbers of the signing part of a full signing session

// StartFull begins presigning and signing in one session: the presignature
// lives only in memory and is destroyed with the session.
func StartFull(cfg round.Config, key *share.Key, path []uint32, digest [32]byte, rand io.Reader) (round.Round, []round.Message, error) {
	first, msgs, err := presign.Start(cfg, key, presign.Options{Path: path}, rand)
	if err != nil {
		return nil, nil, err
	}
	cont := func(res any) (round.Round, []round.Message, any, error) {
		pre := res.(*presign.Presignature)
		next, out, err := start(cfg, key, pre, digest, rand, fullBase)
		if err != nil {
			pre.Destroy()
			return nil, nil, nil, err
		}
		return next, out, nil, nil
	}
	return &chain{inner: first, cont: cont}, msgs, nil
}

// chain runs presigning's rounds and continues into signing with its result.
type chain struct {
	inner round.Round
	cont  func(any) (round.Round, []round.Message, any, error)
}

func (c *chain) Number() uint16       { return c.inner.Number() }
func (c *chain) Expect() round.Expect { return c.inner.Expect() }
func (c *chain) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	next, out, res, err := c.inner.Finalize(in)
	if err != nil {
		return nil, nil, nil, err
	}
	if next != nil {
		return &chain{inner: next, cont: c.cont}, out, nil, nil
	}
	return c.cont(res)
}

func start(cfg round.Config, key *share.Key, pre *presign.Presignature, digest [32]byte, rand io.Reader, base uint16) (round.Round, []round.Message, error) {
	if cfg.Self != key.ID || pre.Self != key.ID || pre.Epoch != key.Epoch {
		return nil, nil, errors.New("sign: the presignature belongs to another key share or epoch")
	}
	if len(cfg.Parties) != len(pre.Signers) || !cfg.Parties.IsSubsetOf(pre.Signers) {
		return nil, nil, errors.New("sign: the session's parties are not the presignature's signers")
	}
	if pre.KShare == nil || pre.KShare.IsZero() {
		return nil, nil, errors.New("sign: the presignature was already used or destroyed")
	}
	if base == 1 && cfg.Session == pre.ID {
		return nil, nil, errors.New("sign: the signing session must not reuse the presigning session id")
	}
	tweak, pub, err := presign.Tweak(key, pre.Path)
	if err != nil {
		return nil, nil, err
	}
	r, err := rScalar(pre.R)
	if err != nil {
		return nil, nil, err
	}
	m, err := g.NewScalar().SetUniformBytes(digest[:])
	if err != nil {
		return nil, nil, err
	}
	// m' = m + r·τ; σ_i = k_i·m' + r·χ_i.
	mp := g.NewScalar().Add(m, g.NewScalar().Mul(r, tweak))
	sigma := g.NewScalar().Add(g.NewScalar().Mul(pre.KShare, mp), g.NewScalar().Mul(r, pre.Chi))
	rd := &round1{cfg: cfg, key: key, pre: pre, digest: digest, rand: rand, base: base,
		r: r, mp: mp, pub: pub, sigma: sigma}
	w := &codec.Writer{}
	w.U8(1)
	w.Scalar(sigma)
	var out []round.Message
	for _, j := range cfg.Parties.Others(cfg.Self) {
		out = append(out, round.Message{Round: base, To: j, Payload: w.B})
	}
	return rd, out, nil
}

// rScalar is r = R.x mod q.
func rScalar(R group.Element) (group.Scalar, error) {
	b := R.Bytes() // compressed: prefix ‖ x
	x := new(big.Int).SetBytes(b[1:])
	x.Mod(x, g.Order())
	if x.Sign() == 0 {
		return nil, errors.New("sign: r = 0")
	}
	buf := make([]byte, 32)
	x.FillBytes(buf)
	return g.ParseScalar(buf)
}

type round1 struct {
	cfg    round.Config
	key    *share.Key
	pre    *presign.Presignature
	digest [32]byte
	rand   io.Reader
	base   uint16
	r, mp  group.Scalar
	pub    group.Element
	sigma  group.Scalar
}

func (r *round1) Number() uint16       { return r.base }
func (r *round1) Expect() round.Expect { return round.Expect{P2P: true} }

// Finalize combines the shares, normalises and verifies the signature.
func (r *round1) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	sigmas := map[round.PartyID]group.Scalar{r.cfg.Self: r.sigma}
	var bad []round.PartyID
	var evidence []byte
	for _, j := range r.cfg.Parties.Others(r.cfg.Self) {
		rd := codec.NewReader(in.P2P[j])
		v := rd.U8()
		s := rd.Scalar(g)
		if err := rd.Err(); err != nil || v != 1 {
			bad = append(bad, j)
			evidence = append(evidence, in.P2P[j]...)
			continue
		}
		sigmas[j] = s
	}
	if len(bad) > 0 {
		r.pre.Destroy()
		return nil, nil, nil, round.Blame(errors.New("sign: malformed signature share"), evidence, bad...)
	}
	s := g.NewScalar()
	for _, v := range sigmas {
		s.Add(s, v)
	}
	sig, err := r.signature(s)
	if err == nil {
		r.pre.Destroy()
		return nil, nil, sig, nil
	}
	// Section 4.3.1: identify the signer whose share is wrong.
	msg, perr := r.pre.IdentProve(r.rand, r.key)
	if perr != nil {
		r.pre.Destroy()
		return nil, nil, nil, fmt.Errorf("sign: identification: %w", perr)
	}
	return &identify{round1: r, sigmas: sigmas}, []round.Message{{Round: r.base + 1, Payload: msg}}, nil, nil
}

// signature builds and verifies (r, s) with low S and the recovery id.
func (r *round1) signature(s group.Scalar) (*Signature, error) {
	if s.IsZero() {
		return nil, errors.New("sign: s = 0")
	}
	var rs, ss secp256k1.ModNScalar
	rs.SetByteSlice(r.r.Bytes())
	ss.SetByteSlice(s.Bytes())
	rb := r.pre.R.Bytes()
	recid := rb[0] & 1 // 0x02 even, 0x03 odd
	if new(big.Int).SetBytes(rb[1:]).Cmp(g.Order()) >= 0 {
		recid |= 2
	}
	if ss.IsOverHalfOrder() {
		ss.Negate()
		recid ^= 1
	}
	pk, err := secp256k1.ParsePubKey(r.pub.Bytes())
	if err != nil {
		return nil, err
	}
	if !ecdsa.NewSignature(&rs, &ss).Verify(r.digest[:], pk) {
		return nil, errors.New("sign: the signature does not verify")
	}
	out := &Signature{RecoveryID: recid, PublicKey: g.NewElement().Set(r.pub)}
	rs.PutBytes(&out.R)
	ss.PutBytes(&out.S)
	return out, nil
}

type identify struct {
	*round1
	sigmas map[round.PartyID]group.Scalar
}

func (r *identify) Number() uint16       { return r.base + 1 }
func (r *identify) Expect() round.Expect { return round.Expect{Broadcast: true} }

// Finalize names the signers whose σ_j does not satisfy
// σ_j·R = m'·R̄_j + r·χ_j·R for the proven χ_j·R.
func (r *identify) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	defer r.pre.Destroy()
	err := r.pre.IdentVerify(r.key, in.Broadcast, func(j round.PartyID, chiR group.Element) bool {
		lhs := g.NewElement().ScalarMult(r.sigmas[j], r.pre.R)
		rhs := g.NewElement().VarTimeMultiScalarMult([]group.Scalar{r.mp, r.r}, []group.Element{r.pre.RBar[j], chiR})
		return lhs.Equal(rhs)
	})
	return nil, nil, nil, err
}
