package refresh

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/zk/sch"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/auxcore"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

// zeroPoly is f(x) = a_1·x + ... + a_{t−1}·x^(t−1): a Shamir sharing of
// zero. The constant term is not stored, so it cannot be anything but
// zero. It prints as <redacted>.
type zeroPoly struct {
	a []group.Scalar // a_1..a_{t−1}
}

func newZeroPoly(rand io.Reader, t int) (*zeroPoly, error) {
	p := &zeroPoly{a: make([]group.Scalar, t-1)}
	for i := range p.a {
		s, err := g.RandomScalar(rand)
		if err != nil {
			p.destroy()
			return nil, err
		}
		p.a[i] = s
	}
	return p, nil
}

// evaluate returns f(x) by Horner's rule, in constant time for a public x.
func (p *zeroPoly) evaluate(x uint64) group.Scalar {
	xs := g.NewScalar().SetUint64(x)
	acc := g.NewScalar()
	for i := len(p.a) - 1; i >= 0; i-- {
		acc.Add(acc, p.a[i])
		acc.Mul(acc, xs)
	}
	return acc
}

// commit returns the Feldman commitments a_k·G, k = 1..t−1.
func (p *zeroPoly) commit() []group.Element {
	out := make([]group.Element, len(p.a))
	for i, a := range p.a {
		out[i] = g.NewElement().ScalarBaseMult(a)
	}
	return out
}

func (p *zeroPoly) destroy() {
	for _, a := range p.a {
		if a != nil {
			a.Zero()
		}
	}
}

func (p *zeroPoly) String() string { return "<redacted>" }

// evalCommitment returns f(x)·G for the committed zero-constant f: the
// Feldman commitment with the identity as its constant term.
func evalCommitment(F []group.Element, x uint64) group.Element {
	c := make([]group.Element, 0, len(F)+1)
	c = append(c, g.NewElement())
	c = append(c, F...)
	return group.EvalCommitment(g.NewElement(), x, c)
}

// round1 holds the party's secrets and its decommitment until it reveals;
// its messages are (V_i, key digest).
type round1 struct {
	cfg     round.Config
	t       int
	bits    int
	rand    io.Reader
	session []byte // Protocol ‖ sid, for every proof context

	// From the old key (copies: the caller's key is never touched).
	x      group.Scalar                    // x_i; <redacted>
	X      group.Element                   // the public key
	shares map[round.PartyID]group.Element // X_k
	oldN   map[round.PartyID][]byte        // each party's old N_k, which it must not reuse
	digest [hashLen]byte
	meta   *share.Key // ID, threshold, parties, chain code and next epoch, for the result

	sk   *paillier.SecretKey
	rp   *pedersen.Parameters
	sec  *pedersen.Secret
	poly *zeroPoly
	tau  []*sch.Nonce // τ_i,k behind A_i,k
	dec  *decommit
	raw  []byte // dec.marshal(), fixed by commitMessages
}

// newRound1 is CGGMP21 Fig. 7, Round 1: the refresh values (f_i, F_i,
// A_i) and the auxiliary values (N_i, s_i, t_i, ψ̂_i), rid_i and u_i.
func newRound1(cfg round.Config, key *share.Key, opts Options, sk *paillier.SecretKey, rand io.Reader) (*round1, error) {
	bits, err := auxcore.Bits(opts.Bits)
	if err != nil {
		return nil, fmt.Errorf("refresh: start: %w", err)
	}
	if err := checkStart(cfg, key); err != nil {
		return nil, err
	}
	if sk == nil || sk.PublicKey().BitLen() != bits {
		return nil, fmt.Errorf("refresh: start: the Paillier key does not have %d bits", bits)
	}
	r1 := &round1{
		cfg: cfg, t: key.Threshold, bits: bits, rand: rand, session: sessionBytes(cfg.Session),
		x: g.NewScalar().Set(key.Secret), X: g.NewElement().Set(key.PublicKey),
		shares: make(map[round.PartyID]group.Element, len(cfg.Parties)),
		oldN:   make(map[round.PartyID][]byte, len(cfg.Parties)),
		digest: keyDigest(key),
		meta:   &share.Key{ID: key.ID, Threshold: key.Threshold, ChainCode: key.ChainCode, Epoch: key.Epoch + 1},
	}
	newN := sk.PublicKey().N().Bytes()
	for _, p := range cfg.Parties {
		r1.shares[p] = g.NewElement().Set(key.Shares[p])
		r1.oldN[p] = key.Aux[p].Paillier.N().Bytes()
		if bytes.Equal(r1.oldN[p], newN) {
			r1.x.Zero()
			return nil, errors.New("refresh: start: the new Paillier key is one the key already uses")
		}
	}
	r1.meta.Parties = append(round.Parties(nil), key.Parties...)
	r1.sk = sk
	fail := func(err error) (*round1, error) {
		r1.destroy()
		return nil, fmt.Errorf("refresh: start: %w", err)
	}
	// Fig. 7 Round 1: t_i = r² mod N_i, λ_i ← Z_φ(N_i), s_i = t_i^λ_i, and
	// ψ̂_i = Π^prm for (N_i, s_i, t_i) bound to (sid, i).
	rp, sec, prmProof, err := auxcore.Setup(rand, sk, r1.session, cfg.Self)
	if err != nil {
		return fail(err)
	}
	r1.rp, r1.sec = rp, sec
	// Fig. 7 Round 1: x_i^j with Σ_j x_i^j = 0, here the Shamir form f_i
	// with f_i(0) = 0, and X_i^j, here F_i,k = a_i,k·G.
	if r1.poly, err = newZeroPoly(rand, r1.t); err != nil {
		return fail(err)
	}
	r1.dec = &decommit{F: r1.poly.commit(), params: rp.Marshal(), prm: prmProof}
	// Fig. 7 Round 1: A_i^j = τ_j·G for the proofs of knowledge.
	for range r1.t - 1 {
		A, tau, err := sch.Commit(rand, g)
		if err != nil {
			return fail(err)
		}
		r1.dec.A = append(r1.dec.A, A.A)
		r1.tau = append(r1.tau, tau)
	}
	if _, err := io.ReadFull(rand, r1.dec.rid[:]); err != nil {
		return fail(err)
	}
	if _, err := io.ReadFull(rand, r1.dec.u[:]); err != nil {
		return fail(err)
	}
	return r1, nil
}

// commitMessages fixes the decommitment and returns the broadcast of
// V_i = H(sid, i, F_i, A_i, N_i, s_i, t_i, ψ̂_i, rid_i, u_i) (Fig. 7
// Round 1, step 4) followed by the digest of the key being refreshed.
func (r *round1) commitMessages() []round.Message {
	r.raw = r.dec.marshal()
	v := commitment(r.cfg.Session, r.cfg.Self, r.raw)
	return []round.Message{{Payload: append(v, r.digest[:]...)}}
}

// destroy wipes every secret after an abort.
func (r *round1) destroy() {
	if r.x != nil {
		r.x.Zero()
	}
	if r.sk != nil {
		r.sk.Destroy()
	}
	if r.sec != nil {
		r.sec.Destroy()
	}
	if r.poly != nil {
		r.poly.destroy()
	}
	for _, n := range r.tau {
		n.Destroy()
	}
}

// abort wipes the secrets and returns err.
func (r *round1) abort(err error) (round.Round, []round.Message, any, error) {
	r.destroy()
	return nil, nil, nil, err
}

func (r *round1) Number() uint16       { return 1 }
func (r *round1) Expect() round.Expect { return round.Expect{Broadcast: true} }

// Finalize is Fig. 7 Round 2: with every V_j received (and echoed) and
// every party refreshing the same key, reveal the decommitment and send
// each party j its share f_i(j).
func (r *round1) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	var bad []round.PartyID
	var evidence []byte
	var first error
	for _, j := range r.cfg.Parties {
		var err error
		switch p := in.Broadcast[j]; {
		case len(p) != hashLen+hashLen:
			err = errors.New("commitment of the wrong length")
		case !bytes.Equal(p[hashLen:], r.digest[:]):
			err = errors.New("refreshes another key state (public key, shares, epoch or chain code)")
		}
		if err != nil {
			bad = append(bad, j)
			evidence = append(evidence, in.Broadcast[j]...)
			if first == nil {
				first = fmt.Errorf("party %d: %w", j, err)
			}
		}
	}
	if len(bad) > 0 {
		return r.abort(round.Blame(fmt.Errorf("refresh: %w", first), evidence, bad...))
	}
	V := make(map[round.PartyID][]byte, len(in.Broadcast))
	for j, p := range in.Broadcast {
		V[j] = p[:hashLen]
	}
	out := []round.Message{{Payload: r.raw}}
	for _, j := range r.cfg.Parties.Others(r.cfg.Self) {
		s := r.poly.evaluate(uint64(j))
		out = append(out, round.Message{To: j, Payload: s.Bytes()})
		s.Zero()
	}
	return &round2{round1: r, V: V}, out, nil, nil
}
