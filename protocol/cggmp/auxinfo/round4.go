package auxinfo

import (
	"bytes"
	"errors"

	"github.com/custos-mpc/custos/protocol/round"
)

const confirmLabel = "custos/cggmp/aux/v1/confirm"

// round4 is the confirmation round custos adds after the paper's Round 3
// (docs/protocol/cggmp-aux.md): nobody outputs until every party has
// accepted every proof and the same public data.
type round4 struct {
	*round3
	conf []byte
}

func (r *round4) Number() uint16       { return 4 }
func (r *round4) Expect() round.Expect { return round.Expect{Broadcast: true} }

// Finalize outputs once every party confirmed the same view.
func (r *round4) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	var bad []round.PartyID
	var evidence []byte
	for _, j := range r.cfg.Parties {
		if !bytes.Equal(in.Broadcast[j], r.conf) {
			bad = append(bad, j)
			evidence = append(evidence, in.Broadcast[j]...)
		}
	}
	if len(bad) > 0 {
		r.destroy()
		return nil, nil, nil, round.Blame(errors.New("auxinfo: confirmation of another view"), evidence, bad...)
	}
	res := &Result{ID: r.cfg.Self, Paillier: r.sk, Pedersen: r.sec, Public: r.pub, RID: r.rid}
	r.sk, r.sec = nil, nil
	return nil, nil, res, nil
}
