package auxinfo

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/auxcore"
	"github.com/custos-mpc/custos/protocol/round"
)

type round3 struct {
	*round2
	pub map[round.PartyID]Public
	rid [randLen]byte
}

func (r *round3) Number() uint16       { return 3 }
func (r *round3) Expect() round.Expect { return round.Expect{Broadcast: true, P2P: true} }

// Finalize is Fig. 7 Output, step 1 without the refresh values: verify
// every ψ_j (Π^mod) and every φ_{i,j} (Π^fac under this party's
// parameters), then output.
func (r *round3) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	self := r.cfg.Self
	keys, err := zk.NewVerifierKeys(nil, r.rp, r.sec)
	if err != nil {
		r.destroy()
		return nil, nil, nil, fmt.Errorf("auxinfo: %w", err)
	}
	var bad []round.PartyID
	var evidence []byte
	var first error
	for _, j := range r.cfg.Parties {
		if j == self {
			continue
		}
		p := r.pub[j]
		err := r.verifyMod(j, p, in.Broadcast[j])
		ev := in.Broadcast[j]
		if err == nil {
			ev = in.P2P[j]
			err = r.verifyFac(j, p, in.P2P[j], keys)
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
		r.destroy()
		return nil, nil, nil, round.Blame(fmt.Errorf("auxinfo: %w", first), evidence, bad...)
	}
	conf := r.confirmation()
	out := []round.Message{{Payload: conf}}
	if r.tamper != nil {
		r.tamper(4, out)
	}
	return &round4{round3: r, conf: conf}, out, nil, nil
}

// confirmation is SHA-256(label, sid, rid, every party's (N_j, s_j, t_j)
// in party order): what this party accepted.
func (r *round3) confirmation() []byte {
	h := sha256.New()
	h.Write([]byte(confirmLabel))
	h.Write(r.cfg.Session[:])
	h.Write(r.rid[:])
	for _, j := range r.cfg.Parties {
		h.Write(idBytes(j))
		b := r.pub[j].Pedersen.Marshal()
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(b))))
		h.Write(b)
	}
	return h.Sum(nil)
}

func (r *round3) verifyMod(j round.PartyID, p Public, raw []byte) error {
	return auxcore.VerifyMod(r.cfg.Session[:], r.rid[:], j, p.Paillier, raw)
}

func (r *round3) verifyFac(j round.PartyID, p Public, raw []byte, keys *zk.VerifierKeys) error {
	return auxcore.VerifyFac(r.cfg.Session[:], r.rid[:], j, r.cfg.Self, p.Paillier, r.rp, raw, keys)
}
