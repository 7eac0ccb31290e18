package refresh

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

// round4 is the confirmation round custos adds after the paper's Round 3
// (docs/protocol/cggmp.md, "Key refresh"): nobody takes the refreshed key
// until every party has accepted every share, every proof and the same
// new public data.
type round4 struct {
	*round3
	conf []byte
}

func (r *round4) Number() uint16       { return 4 }
func (r *round4) Expect() round.Expect { return round.Expect{Broadcast: true} }

// Finalize outputs the refreshed key once every party confirmed the same
// view (Fig. 7 Output, step 2: x_i' and X_k').
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
		return r.abort(round.Blame(errors.New("refresh: confirmation of another view"), evidence, bad...))
	}
	key := &share.Key{
		ID: r.meta.ID, Threshold: r.t, Parties: r.meta.Parties,
		Secret: r.xNew, PublicKey: r.X, Shares: r.newShares, ChainCode: r.meta.ChainCode,
		Paillier: r.sk, Pedersen: r.sec, Aux: r.pub, Epoch: r.meta.Epoch,
	}
	// Σ_k λ_k·X_k' = X for every quorum, and x_i'·G = X_i'.
	if err := key.Validate(); err != nil {
		return r.abort(fmt.Errorf("refresh: refreshed key: %w", err))
	}
	r.x.Zero()
	r.sk, r.sec, r.xNew = nil, nil, nil
	return nil, nil, key, nil
}
