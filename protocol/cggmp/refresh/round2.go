package refresh

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/zk/sch"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/auxcore"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

type round2 struct {
	*round1
	V map[round.PartyID][]byte
}

func (r *round2) Number() uint16       { return 2 }
func (r *round2) Expect() round.Expect { return round.Expect{Broadcast: true, P2P: true} }

// Finalize is Fig. 7 Round 3: check every decommitment, every share
// against its dealer's commitments, every modulus and Π^prm; fix rid and
// the new shares; prove N_i (Π^mod to everyone, Π^fac to each verifier
// under its parameters) and knowledge of every a_i,k (Π^sch).
func (r *round2) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	self := r.cfg.Self
	pub := make(map[round.PartyID]share.Aux, len(r.cfg.Parties))
	pub[self] = share.Aux{Paillier: r.sk.PublicKey(), Pedersen: r.rp}
	decs := map[round.PartyID]*decommit{self: r.dec}
	// x_i' = x_i + Σ_j f_j(i), starting with the own f_i(i).
	xNew := r.poly.evaluate(uint64(self))
	xNew.Add(xNew, r.x)
	var bad []round.PartyID
	var evidence []byte
	var first error
	for _, j := range r.cfg.Parties {
		if j == self {
			continue
		}
		d, ev, err := r.check(j, in.Broadcast[j], in.P2P[j], xNew, pub)
		if err != nil {
			bad = append(bad, j)
			evidence = append(evidence, ev...)
			if first == nil {
				first = fmt.Errorf("party %d: %w", j, err)
			}
			continue
		}
		decs[j] = d
	}
	if len(bad) > 0 {
		xNew.Zero()
		return r.abort(round.Blame(fmt.Errorf("refresh: %w", first), evidence, bad...))
	}
	// rid = ⊕_j rid_j.
	var rid [randLen]byte
	for _, j := range r.cfg.Parties {
		for k := range rid {
			rid[k] ^= decs[j].rid[k]
		}
	}
	// X_k' = X_k + Σ_j F_j(k): the sum of the dealt zero-sharings, a
	// commitment whose constant term is the identity.
	sum := make([]group.Element, r.t-1)
	for k := range sum {
		sum[k] = g.NewElement()
		for _, j := range r.cfg.Parties {
			sum[k].Add(sum[k], decs[j].F[k])
		}
	}
	newShares := make(map[round.PartyID]group.Element, len(r.cfg.Parties))
	for _, k := range r.cfg.Parties {
		newShares[k] = g.NewElement().Add(r.shares[k], evalCommitment(sum, uint64(k)))
	}
	if !g.NewElement().ScalarBaseMult(xNew).Equal(newShares[self]) {
		xNew.Zero()
		return r.abort(errors.New("refresh: the new share does not match the new public share"))
	}
	// ψ_i = Π^mod and φ_{j,i} = Π^fac, as in the auxiliary-info phase.
	psi, facs, err := auxcore.ProveModulus(r.rand, r.sk, r.session, rid[:], self, r.cfg.Parties.Others(self),
		func(j round.PartyID) *pedersen.Parameters { return pub[j].Pedersen })
	if err != nil {
		xNew.Zero()
		return r.abort(fmt.Errorf("refresh: %w", err))
	}
	// ψ_i^k = Π^sch for F_i,k = a_i,k·G answering A_i,k, bound to
	// (sid, rid, i, k).
	pr := &proofs{mod: psi}
	for k := range r.t - 1 {
		w := sch.NewWitness(r.poly.a[k])
		p, err := sch.ProveWithCommitment(schContext(r.session, rid, self, k+1),
			&sch.Statement{X: r.dec.F[k]}, w, &sch.Commitment{A: r.dec.A[k]}, r.tau[k])
		w.Destroy()
		if err != nil {
			xNew.Zero()
			return r.abort(fmt.Errorf("refresh: %w", err))
		}
		pr.sch = append(pr.sch, p)
	}
	r.poly.destroy()
	out := append([]round.Message{{Payload: pr.marshal()}}, facs...)
	return &round3{round2: r, decs: decs, pub: pub, rid: rid, xNew: xNew, newShares: newShares}, out, nil, nil
}

// check opens V_j and validates party j's reveal and the share it dealt
// to this party (Fig. 7 Round 3, step 2, and the share check of the
// output step, done here since custos sends the shares in round 2). It
// adds the share to xNew and j's public data to pub. On failure it returns
// the offending payload as evidence.
func (r *round2) check(j round.PartyID, raw, rawShare []byte, xNew group.Scalar, pub map[round.PartyID]share.Aux) (*decommit, []byte, error) {
	d, err := parseDecommit(raw, r.t)
	if err != nil {
		return nil, raw, err
	}
	if !bytes.Equal(commitment(r.cfg.Session, j, raw), r.V[j]) {
		return nil, raw, errors.New("decommitment does not open the round-1 commitment")
	}
	s, err := g.ParseScalar(rawShare)
	if err != nil {
		return nil, rawShare, fmt.Errorf("malformed share: %w", err)
	}
	defer s.Zero()
	// Feldman check with the constant term fixed to the identity: a
	// dealer whose shares sum to anything but a sharing of zero fails.
	if !g.NewElement().ScalarBaseMult(s).Equal(evalCommitment(d.F, uint64(r.cfg.Self))) {
		return nil, rawShare, errors.New("share does not match the dealer's commitment (with a zero constant term)")
	}
	pk, rp, err := auxcore.CheckPublic(r.session, j, r.bits, d.params, d.prm)
	if err != nil {
		return nil, raw, err
	}
	if bytes.Equal(pk.N().Bytes(), r.oldN[j]) {
		return nil, raw, errors.New("reuses its previous Paillier modulus")
	}
	xNew.Add(xNew, s)
	pub[j] = share.Aux{Paillier: pk, Pedersen: rp}
	return d, nil, nil
}
