package auxinfo

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/zk/fac"
	"github.com/custos-mpc/custos/crypto/zk/mod"
	"github.com/custos-mpc/custos/crypto/zk/prm"
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
	// verifier: broadcast (and echo-checked) rather than sent n−1 times.
	psi, err := mod.Prove(r.rand, r.sk, proofContext(r.cfg.Session, rid, self, 0))
	if err != nil {
		r.destroy()
		return nil, nil, nil, fmt.Errorf("auxinfo: %w", err)
	}
	out := []round.Message{{Payload: psi.MarshalFor(r.sk.PublicKey().N())}}
	// φ_{j,i} = Π^fac for N_i under (N̂_j, s_j, t_j), bound to (sid, rid, i, j).
	for _, j := range r.cfg.Parties.Others(self) {
		phi, err := fac.Prove(r.rand, r.sk, pub[j].Pedersen, zkParams, proofContext(r.cfg.Session, rid, self, j))
		var b []byte
		if err == nil {
			b, err = phi.Marshal(r.sk.PublicKey(), pub[j].Pedersen, zkParams)
		}
		if err != nil {
			r.destroy()
			return nil, nil, nil, fmt.Errorf("auxinfo: %w", err)
		}
		out = append(out, round.Message{To: j, Payload: b})
	}
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
	rp, err := pedersen.ParseParameters(d.params)
	if err != nil {
		return Public{}, nil, err
	}
	if b := rp.N.BitLen(); b != r.bits {
		return Public{}, nil, fmt.Errorf("modulus has %d bits, want %d", b, r.bits)
	}
	pk, err := paillier.NewPublicKey(rp.N)
	if err != nil {
		return Public{}, nil, err
	}
	proof, err := prm.Parse(d.prm, rp)
	if err == nil {
		err = proof.Verify(rp, prmContext(r.cfg.Session, j))
	}
	if err != nil {
		return Public{}, nil, fmt.Errorf("invalid ring-Pedersen proof: %w", err)
	}
	return Public{Paillier: pk, Pedersen: rp}, d, nil
}
