package keygen

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/vss"
	"github.com/custos-mpc/custos/crypto/zk/sch"
	"github.com/custos-mpc/custos/protocol/round"
)

type round2 struct {
	*round1
	V map[round.PartyID][]byte
}

func (r *round2) Number() uint16       { return 2 }
func (r *round2) Expect() round.Expect { return round.Expect{Broadcast: true, P2P: true} }

// Finalize is Fig. 5 Round 3: check every decommitment and share, fix rid,
// and prove knowledge of the constant term committed in round 1.
func (r *round2) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	g := r.g
	self := r.cfg.Self
	decs := make(map[round.PartyID]*decommit, len(r.cfg.Parties))
	var bad []round.PartyID
	var evidence []byte
	var first error
	blame := func(j round.PartyID, err error, ev []byte) {
		bad = append(bad, j)
		evidence = append(evidence, ev...)
		if first == nil {
			first = fmt.Errorf("party %d: %w", j, err)
		}
	}
	x := r.poly.Evaluate(uint64(self))
	for _, j := range r.cfg.Parties {
		raw := in.Broadcast[j]
		d, err := parseDecommit(g, r.t, raw)
		if err != nil {
			blame(j, err, raw)
			continue
		}
		if !bytes.Equal(commitment(r.cfg.Session, j, raw), r.V[j]) {
			blame(j, errors.New("decommitment does not open the round-1 commitment"), raw)
			continue
		}
		decs[j] = d
		if j == self {
			continue
		}
		s, err := g.ParseScalar(in.P2P[j])
		if err != nil {
			blame(j, fmt.Errorf("malformed share: %w", err), nil)
			continue
		}
		if !d.F.Verify(uint64(self), s) {
			blame(j, errors.New("share does not match the dealer's commitment"), in.P2P[j])
			continue
		}
		x.Add(x, s)
		s.Zero()
	}
	if len(bad) > 0 {
		x.Zero()
		return nil, nil, nil, round.Blame(fmt.Errorf("keygen: %w", first), evidence, bad...)
	}
	var rid [randLen]byte
	for _, j := range r.cfg.Parties {
		for k := range rid {
			rid[k] ^= decs[j].rid[k]
		}
	}
	// ψ_i: knowledge of a_i0 with F_i(0) = a_i0·G, answering A_i.
	w := sch.NewWitness(r.poly.Constant())
	proof, err := sch.ProveWithCommitment(proofContext(r.cfg.Session, rid, self),
		&sch.Statement{X: r.F[0]}, w, r.A, r.tau)
	w.Destroy()
	r.poly.Destroy()
	if err != nil {
		x.Zero()
		return nil, nil, nil, err
	}
	return &round3{round2: r, decs: decs, rid: rid, x: x}, []round.Message{{Payload: proof.Marshal()}}, nil, nil
}

type round3 struct {
	*round2
	decs map[round.PartyID]*decommit
	rid  [randLen]byte
	x    group.Scalar
}

func (r *round3) Number() uint16       { return 3 }
func (r *round3) Expect() round.Expect { return round.Expect{Broadcast: true} }

// Finalize checks every proof of knowledge and outputs the key share.
func (r *round3) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	g := r.g
	var bad []round.PartyID
	var evidence []byte
	for _, j := range r.cfg.Parties {
		if j == r.cfg.Self {
			continue
		}
		d := r.decs[j]
		p, err := sch.Parse(g, in.Broadcast[j])
		if err == nil {
			err = sch.VerifyWithCommitment(proofContext(r.cfg.Session, r.rid, j), &sch.Statement{X: d.F[0]}, d.A, p)
		}
		if err != nil {
			bad = append(bad, j)
			evidence = append(evidence, in.Broadcast[j]...)
		}
	}
	if len(bad) > 0 {
		r.x.Zero()
		return nil, nil, nil, round.Blame(errors.New("keygen: invalid proof of knowledge of the constant term"), evidence, bad...)
	}
	commits := make([]vss.Commitment, 0, len(r.decs))
	for _, j := range r.cfg.Parties {
		commits = append(commits, r.decs[j].F)
	}
	sum, err := vss.Add(commits...)
	if err != nil {
		return nil, nil, nil, err
	}
	res := &Result{ID: r.cfg.Self, Threshold: r.t, Secret: r.x, PublicKey: sum[0], RID: r.rid,
		Shares: make(map[round.PartyID]group.Element, len(r.cfg.Parties))}
	if res.PublicKey.IsIdentity() {
		return nil, nil, nil, errors.New("keygen: the public key is the identity")
	}
	for _, k := range r.cfg.Parties {
		res.Shares[k] = sum.Evaluate(uint64(k))
	}
	if !g.NewElement().ScalarBaseMult(r.x).Equal(res.Shares[r.cfg.Self]) {
		return nil, nil, nil, errors.New("keygen: own share does not match the public shares")
	}
	return nil, nil, res, nil
}
