package auxinfo

import (
	"errors"
	"fmt"
	"io"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/auxcore"
	"github.com/custos-mpc/custos/protocol/round"
)

// round1 holds the party's secrets and its decommitment until it reveals;
// its messages are the commitments V_j.
type round1 struct {
	cfg  round.Config
	bits int
	rand io.Reader
	sk   *paillier.SecretKey
	rp   *pedersen.Parameters
	sec  *pedersen.Secret
	dec  *decommit
	raw  []byte // dec.marshal(), fixed by commitMessages

	// tamper, set only by tests, rewrites the messages a round sends
	// before they leave (a malicious party).
	tamper func(rnd uint16, out []round.Message)
}

// newRound1 is CGGMP21 Fig. 7, Round 1, steps 1–3 without the refresh
// values: ring-Pedersen parameters on N_i, ψ̂_i, rid_i and u_i.
func newRound1(cfg round.Config, opts Options, sk *paillier.SecretKey, rand io.Reader) (*round1, error) {
	bits, err := opts.bits()
	if err != nil {
		return nil, err
	}
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	if sk == nil || sk.PublicKey().BitLen() != bits {
		return nil, fmt.Errorf("auxinfo: start: the Paillier key does not have %d bits", bits)
	}
	// Fig. 7 Round 1: t_i = r² mod N_i, λ_i ← Z_φ(N_i), s_i = t_i^λ_i, and
	// ψ̂_i = Π^prm for (N_i, s_i, t_i), bound to (sid, i).
	rp, sec, proof, err := auxcore.Setup(rand, sk, cfg.Session[:], cfg.Self)
	if err != nil {
		sk.Destroy()
		return nil, fmt.Errorf("auxinfo: start: %w", err)
	}
	r1 := &round1{cfg: cfg, bits: bits, rand: rand, sk: sk, rp: rp, sec: sec, dec: &decommit{params: rp.Marshal(), prm: proof}}
	fail := func(err error) (*round1, error) {
		r1.destroy()
		return nil, fmt.Errorf("auxinfo: start: %w", err)
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
// V_i = H(sid, i, N_i, s_i, t_i, ψ̂_i, rid_i, u_i) (Fig. 7 Round 1, step 4).
func (r *round1) commitMessages() []round.Message {
	r.raw = r.dec.marshal()
	return []round.Message{{Payload: commitment(r.cfg.Session, r.cfg.Self, r.raw)}}
}

// destroy wipes the secrets after an abort.
func (r *round1) destroy() {
	if r.sk != nil {
		r.sk.Destroy()
	}
	if r.sec != nil {
		r.sec.Destroy()
	}
}

func (r *round1) Number() uint16       { return 1 }
func (r *round1) Expect() round.Expect { return round.Expect{Broadcast: true} }

// Finalize is Fig. 7 Round 2: with every V_j received (and echoed),
// reveal the decommitment.
func (r *round1) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	var bad []round.PartyID
	var evidence []byte
	for _, j := range r.cfg.Parties {
		if len(in.Broadcast[j]) != sha256Len {
			bad = append(bad, j)
			evidence = append(evidence, in.Broadcast[j]...)
		}
	}
	if len(bad) > 0 {
		r.destroy()
		return nil, nil, nil, round.Blame(errors.New("auxinfo: commitment of the wrong length"), evidence, bad...)
	}
	return &round2{round1: r, V: in.Broadcast}, []round.Message{{Payload: r.raw}}, nil, nil
}

const sha256Len = 32
