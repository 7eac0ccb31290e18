package refresh

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/sch"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/auxcore"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

type round3 struct {
	*round2
	decs      map[round.PartyID]*decommit
	pub       map[round.PartyID]share.Aux
	rid       [randLen]byte
	xNew      group.Scalar // x_i'; <redacted>
	newShares map[round.PartyID]group.Element
}

func (r *round3) Number() uint16       { return 3 }
func (r *round3) Expect() round.Expect { return round.Expect{Broadcast: true, P2P: true} }

func (r *round3) destroy() {
	if r.xNew != nil {
		r.xNew.Zero()
	}
	r.round1.destroy()
}

func (r *round3) abort(err error) (round.Round, []round.Message, any, error) {
	r.destroy()
	return nil, nil, nil, err
}

// Finalize is Fig. 7 Output, step 1: verify every ψ_j (Π^mod), every
// ψ_j^k (Π^sch) and every φ_{i,j} (Π^fac under this party's parameters),
// then confirm.
func (r *round3) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	self := r.cfg.Self
	keys, err := zk.NewVerifierKeys(nil, r.rp, r.sec)
	if err != nil {
		return r.abort(fmt.Errorf("refresh: %w", err))
	}
	var bad []round.PartyID
	var evidence []byte
	var first error
	for _, j := range r.cfg.Parties {
		if j == self {
			continue
		}
		ev := in.Broadcast[j]
		err := r.verifyBroadcast(j, ev)
		if err == nil {
			ev = in.P2P[j]
			err = auxcore.VerifyFac(r.session, r.rid[:], j, self, r.pub[j].Paillier, r.rp, ev, keys)
		}
		if err != nil {
			bad = append(bad, j)
			evidence = append(evidence, ev...)
			if first == nil {
				first = fmt.Errorf("party %d: %w", j, err)
			}
		}
	}
	if len(bad) > 0 {
		return r.abort(round.Blame(fmt.Errorf("refresh: %w", first), evidence, bad...))
	}
	conf := r.confirmation()
	return &round4{round3: r, conf: conf}, []round.Message{{Payload: conf}}, nil, nil
}

// verifyBroadcast checks party j's Π^mod and its Π^sch proofs of
// knowledge of a_j,1..a_j,t−1, each answering the A_j,k it committed to
// in round 1.
func (r *round3) verifyBroadcast(j round.PartyID, raw []byte) error {
	p, err := parseProofs(raw, r.t)
	if err != nil {
		return err
	}
	if err := auxcore.VerifyMod(r.session, r.rid[:], j, r.pub[j].Paillier, p.mod); err != nil {
		return err
	}
	d := r.decs[j]
	for k, proof := range p.sch {
		err := sch.VerifyWithCommitment(schContext(r.session, r.rid, j, k+1),
			&sch.Statement{X: d.F[k]}, &sch.Commitment{A: d.A[k]}, proof)
		if err != nil {
			return fmt.Errorf("invalid proof of knowledge of coefficient %d: %w", k+1, err)
		}
	}
	return nil
}

// confirmation is SHA-256(label, sid, rid, every party's (j, X_j',
// N_j, s_j, t_j) in party order): the refresh this party accepted.
func (r *round3) confirmation() []byte {
	h := sha256.New()
	h.Write([]byte(confirmLabel))
	h.Write(r.cfg.Session[:])
	h.Write(r.rid[:])
	for _, j := range r.cfg.Parties {
		h.Write(idBytes(j))
		h.Write(r.newShares[j].Bytes())
		b := r.pub[j].Pedersen.Marshal()
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(b))))
		h.Write(b)
	}
	return h.Sum(nil)
}
