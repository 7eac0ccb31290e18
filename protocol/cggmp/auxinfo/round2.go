package auxinfo

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/auxcore"
	"github.com/custos-mpc/custos/protocol/round"
)

type round2 struct {
	*round1
	V map[round.PartyID][]byte
}

func (r *round2) Number() uint16       { return 2 }
func (r *round2) Expect() round.Expect { return round.Expect{Broadcast: true} }

// Finalize is Fig. 7 Round 3: check every decommitment, modulus and Π^prm,
// fix rid, and prove that N_i is a Paillier–Blum modulus (Π^mod, to
// everyone) without small factors (Π^fac, one per verifier under the
// verifier's ring-Pedersen parameters).
func (r *round2) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	self := r.cfg.Self
	pub := make(map[round.PartyID]Public, len(r.cfg.Parties))
	pub[self] = Public{Paillier: r.sk.PublicKey(), Pedersen: r.rp}
	rid := r.dec.rid
	var bad []round.PartyID
	var evidence []byte
	var first error
	for _, j := range r.cfg.Parties {
		if j == self {
			continue
		}
		raw := in.Broadcast[j]
		p, d, err := r.check(j, raw)
		if err != nil {
			bad = append(bad, j)
			evidence = append(evidence, raw...)
			if first == nil {
				first = fmt.Errorf("party %d: %w", j, err)
			}
			continue
		}
		pub[j] = p
		for k := range rid {
			rid[k] ^= d.rid[k]
		}
	}
	if len(bad) > 0 {
		r.destroy()
		return nil, nil, nil, round.Blame(fmt.Errorf("auxinfo: %w", first), evidence, bad...)
	}
	// ψ_i = Π^mod for N_i, bound to (sid, rid, i), the same for every
	// verifier: broadcast (and echo-checked) rather than sent n−1 times;
	// φ_{j,i} = Π^fac for N_i under (N̂_j, s_j, t_j), bound to (sid, rid,
	// i, j), to each j.
	psi, facs, err := auxcore.ProveModulus(r.rand, r.sk, r.cfg.Session[:], rid[:], self, r.cfg.Parties.Others(self),
		func(j round.PartyID) *pedersen.Parameters { return pub[j].Pedersen })
	if err != nil {
		r.destroy()
		return nil, nil, nil, fmt.Errorf("auxinfo: %w", err)
	}
	out := append([]round.Message{{Payload: psi}}, facs...)
	if r.tamper != nil {
		r.tamper(3, out)
	}
	return &round3{round2: r, pub: pub, rid: rid}, out, nil, nil
}

// check opens V_j and validates party j's public data (Fig. 7 Round 3,
// steps 1–2: the decommitment, N_j ≥ 2^(8ℓ), and ψ̂_j).
func (r *round2) check(j round.PartyID, raw []byte) (Public, *decommit, error) {
	d, err := parseDecommit(raw)
	if err != nil {
		return Public{}, nil, err
	}
	if !bytes.Equal(commitment(r.cfg.Session, j, raw), r.V[j]) {
		return Public{}, nil, errors.New("decommitment does not open the round-1 commitment")
	}
	pk, rp, err := auxcore.CheckPublic(r.cfg.Session[:], j, r.bits, d.params, d.prm)
	if err != nil {
		return Public{}, nil, err
	}
	return Public{Paillier: pk, Pedersen: rp}, d, nil
}
