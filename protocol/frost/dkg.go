package frost

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/vss"
	"github.com/custos-mpc/custos/protocol/round"
)

// Pedersen distributed key generation with proofs of possession, as in
// FROST (Komlo and Goldberg, "FROST: Flexible Round-Optimized Schnorr
// Threshold Signatures", SAC 2020, Figure 1), in one round plus the echo
// step of the round contract:
//
//	Round 1. Party i draws f_i of degree t−1, broadcasts the Feldman
//	commitment C_i = (a_i0·G, ..., a_i,t−1·G) and a Schnorr proof of
//	possession of a_i0 bound to the session id and to i (R_i = k·G,
//	c_i = H_dkg(sid || i || C_i0 || R_i), μ_i = k + a_i0·c_i), and sends
//	f_i(j) privately to each party j.
//	Echo. Every party confirms it received the same broadcasts.
//	Finalize. Party i checks every proof (no rogue keys), the length of
//	every commitment vector, and every share it received against its
//	sender's commitment; any failure aborts naming exactly the senders at
//	fault. Its share is s_i = Σ_j f_j(i); the group key is Σ_j C_j0 and
//	the verification share of party k is Σ_j f_j(k)·G, evaluated from the
//	summed commitments.
//	Round 2 (custos addition). Each party sends every other the digest of
//	the public key it computed; a party outputs its share only when all
//	digests match its own. A party that rejected a share sends nothing, so
//	no one keeps a key that not every party holds.
//
// Sending shares in the same round as the commitments is safe: a share is
// used only after its sender's commitment passed the echo check, and the
// proofs of possession bind each commitment to its sender and session.

// DKGProtocol is the protocol name of a FROST DKG session for suite s.
func DKGProtocol(s *Suite) string { return "frost-dkg/" + s.Name + "/v1" }

type dkgRound1 struct {
	suite     *Suite
	cfg       round.Config
	threshold int
	poly      *vss.Polynomial
}

// NewDKG starts party cfg.Self in a DKG for a threshold-of-len(cfg.Parties)
// key. It returns the party's first round and the messages it sends. Run
// it with round.NewMachine; the result is a *KeyShare.
func NewDKG(s *Suite, cfg round.Config, threshold int, rand io.Reader) (round.Round, []round.Message, error) {
	n := len(cfg.Parties)
	if threshold < 1 || threshold > n {
		return nil, nil, fmt.Errorf("frost: threshold %d out of range for %d parties", threshold, n)
	}
	if n > MaxParties {
		return nil, nil, errors.New("frost: too many parties")
	}
	if cfg.Protocol != DKGProtocol(s) {
		return nil, nil, fmt.Errorf("frost: protocol %q is not %q", cfg.Protocol, DKGProtocol(s))
	}
	g := s.Group
	poly, err := vss.NewPolynomial(g, rand, threshold-1, nil)
	if err != nil {
		return nil, nil, err
	}
	commit := poly.Commit()
	k, err := g.RandomScalar(rand)
	if err != nil {
		return nil, nil, err
	}
	R := g.NewElement().ScalarBaseMult(k)
	c := popChallenge(s, cfg.Session, cfg.Self, commit[0], R)
	mu := g.NewScalar().Mul(poly.Constant(), c)
	mu.Add(mu, k)
	k.Zero()

	w := newWriter(s).u16(uint16(threshold))
	for _, e := range commit {
		w = w.el(e)
	}
	w = w.el(R).sc(mu)
	out := []round.Message{{Payload: w}}
	for _, j := range cfg.Parties.Others(cfg.Self) {
		sh := poly.Evaluate(uint64(j))
		out = append(out, round.Message{To: j, Payload: newWriter(s).sc(sh)})
		sh.Zero()
	}
	return &dkgRound1{suite: s, cfg: cfg, threshold: threshold, poly: poly}, out, nil
}

func popChallenge(s *Suite, sid round.SessionID, id round.PartyID, c0, R group.Element) group.Scalar {
	var ib [2]byte
	binary.BigEndian.PutUint16(ib[:], uint16(id))
	return s.hdkg(sid[:], ib[:], c0.Bytes(), R.Bytes())
}

func (r *dkgRound1) Number() uint16       { return 1 }
func (r *dkgRound1) Expect() round.Expect { return round.Expect{Broadcast: true, P2P: true} }

type dkgBroadcast struct {
	commit vss.Commitment
	R      group.Element
	mu     group.Scalar
}

func (r *dkgRound1) parseBroadcast(b []byte) (*dkgBroadcast, error) {
	rd := newReader(b)
	if rd.err == nil && rd.suite != r.suite {
		return nil, errors.New("frost: dkg message for another suite")
	}
	if t := int(rd.u16()); rd.err == nil && t != r.threshold {
		return nil, fmt.Errorf("frost: commitment has %d coefficients, want %d", t, r.threshold)
	}
	m := &dkgBroadcast{commit: make(vss.Commitment, r.threshold)}
	for i := range m.commit {
		m.commit[i] = rd.element()
	}
	m.R = rd.element()
	m.mu = rd.scalar()
	if err := rd.done(); err != nil {
		return nil, err
	}
	return m, nil
}

func (r *dkgRound1) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	defer r.poly.Destroy()
	s, g := r.suite, r.suite.Group
	self := r.cfg.Self
	bc := make(map[round.PartyID]*dkgBroadcast, len(r.cfg.Parties))
	var culprits []round.PartyID
	var evidence []byte
	var firstErr error
	blame := func(j round.PartyID, err error, ev []byte) {
		culprits = append(culprits, j)
		evidence = append(evidence, ev...)
		if firstErr == nil {
			firstErr = fmt.Errorf("party %d: %w", j, err)
		}
	}
	mySum := r.poly.Evaluate(uint64(self))
	for _, j := range r.cfg.Parties {
		m, err := r.parseBroadcast(in.Broadcast[j])
		if err != nil {
			if j == self {
				return nil, nil, nil, fmt.Errorf("frost: own dkg broadcast: %w", err)
			}
			blame(j, err, in.Broadcast[j])
			continue
		}
		// Proof of possession of a_j0: μ·G − c·C_j0 == R.
		c := popChallenge(s, r.cfg.Session, j, m.commit[0], m.R)
		chk := g.NewElement().VarTimeMultiScalarMult(
			[]group.Scalar{m.mu, c.Negate(c)},
			[]group.Element{g.Generator(), m.commit[0]})
		if !chk.Equal(m.R) {
			blame(j, errors.New("invalid proof of possession"), in.Broadcast[j])
			continue
		}
		bc[j] = m
		if j == self {
			continue
		}
		rd := newReader(in.P2P[j])
		if rd.err == nil && rd.suite != s {
			rd.err = errors.New("frost: dkg share for another suite")
		}
		share := rd.scalar()
		if err := rd.done(); err != nil {
			blame(j, fmt.Errorf("malformed share: %w", err), nil)
			continue
		}
		if !m.commit.Verify(uint64(self), share) {
			// The share is the evidence: it is useless to anyone
			// once it is shown to be inconsistent.
			blame(j, errors.New("share does not match the sender's commitment"), in.P2P[j])
			continue
		}
		mySum.Add(mySum, share)
		share.Zero()
	}
	if len(culprits) > 0 {
		mySum.Zero()
		return nil, nil, nil, round.Blame(fmt.Errorf("frost: dkg: %w", firstErr), evidence, culprits...)
	}
	commits := make([]vss.Commitment, 0, len(bc))
	for _, j := range r.cfg.Parties {
		commits = append(commits, bc[j].commit)
	}
	sum, err := vss.Add(commits...)
	if err != nil {
		return nil, nil, nil, err
	}
	pub := &PublicKey{Suite: s, Threshold: r.threshold, Key: sum[0],
		Shares: make(map[round.PartyID]group.Element, len(r.cfg.Parties))}
	if pub.Key.IsIdentity() {
		return nil, nil, nil, errors.New("frost: dkg produced the identity as group key")
	}
	for _, k := range r.cfg.Parties {
		pub.Shares[k] = sum.Evaluate(uint64(k))
		if pub.Shares[k].IsIdentity() {
			return nil, nil, nil, errors.New("frost: dkg produced an identity verification share")
		}
	}
	ks := &KeyShare{ID: self, Secret: mySum, Public: pub}
	if err := ks.Validate(); err != nil {
		return nil, nil, nil, err
	}
	next := &dkgConfirm{share: ks, digest: confirmDigest(r.cfg.Session, pub)}
	var out []round.Message
	for _, j := range r.cfg.Parties.Others(self) {
		out = append(out, round.Message{To: j, Payload: next.digest})
	}
	return next, out, nil, nil
}

// dkgConfirm is the confirmation round: every party tells every other the
// digest of the public key it computed. A party that aborted in round 1
// (say, because it received a bad share) sends none, so no party outputs a
// key that not everyone holds.
type dkgConfirm struct {
	share  *KeyShare
	digest []byte
}

func confirmDigest(sid round.SessionID, pub *PublicKey) []byte {
	h := sha256.New()
	h.Write([]byte("custos/frost-dkg/confirm/v1"))
	h.Write(sid[:])
	h.Write(MarshalPublicKey(pub))
	return h.Sum(nil)
}

func (r *dkgConfirm) Number() uint16       { return 2 }
func (r *dkgConfirm) Expect() round.Expect { return round.Expect{P2P: true} }

func (r *dkgConfirm) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	var bad []round.PartyID
	for j, d := range in.P2P {
		if !bytes.Equal(d, r.digest) {
			bad = append(bad, j)
		}
	}
	if len(bad) > 0 {
		r.share.Destroy()
		return nil, nil, nil, round.Blame(errors.New("frost: dkg: parties confirmed a different public key"), nil, bad...)
	}
	return nil, nil, r.share, nil
}
