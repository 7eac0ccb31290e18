package keygen

import (
	"errors"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/vss"
	"github.com/custos-mpc/custos/crypto/zk/sch"
	"github.com/custos-mpc/custos/protocol/round"
)

// round1 holds the party's secrets until it reveals; its messages are the
// commitments V_j.
type round1 struct {
	g    group.Group
	cfg  round.Config
	t    int
	poly *vss.Polynomial
	F    vss.Commitment
	rid  [randLen]byte
	u    [randLen]byte
	A    *sch.Commitment
	tau  *sch.Nonce
}

func (r *round1) decommitment() []byte {
	d := &decommit{rid: r.rid, F: r.F, A: r.A, u: r.u}
	return d.marshal()
}

func (r *round1) Number() uint16       { return 1 }
func (r *round1) Expect() round.Expect { return round.Expect{Broadcast: true} }

// Finalize is Fig. 5 Round 2: with every V_j received (and echoed), reveal
// the decommitment and send each party its share.
func (r *round1) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	var bad []round.PartyID
	for _, j := range r.cfg.Parties {
		if len(in.Broadcast[j]) != 32 {
			bad = append(bad, j)
		}
	}
	if len(bad) > 0 {
		return nil, nil, nil, round.Blame(errors.New("keygen: commitment of the wrong length"), nil, bad...)
	}
	out := []round.Message{{Payload: r.decommitment()}}
	for _, j := range r.cfg.Parties.Others(r.cfg.Self) {
		s := r.poly.Evaluate(uint64(j))
		out = append(out, round.Message{To: j, Payload: s.Bytes()})
		s.Zero()
	}
	return &round2{round1: r, V: in.Broadcast}, out, nil, nil
}
