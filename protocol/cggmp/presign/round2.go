package presign

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/affg"
	"github.com/custos-mpc/custos/crypto/zk/elog"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/codec"
	"github.com/custos-mpc/custos/protocol/round"
)

// mta is one direction of one multiplicative-to-additive conversion:
// D = x⊙K_j ⊕ enc_j(y; Rho), F = enc_i(y; Mu), with y = −β. The sender
// keeps y and the nonces for identification.
type mta struct {
	D, F    *paillier.Ciphertext
	Y       *big.Int // −β; secret
	Rho, Mu *big.Int // nonces; secret
}

func (m *mta) destroy() { wipe(m.Y, m.Rho, m.Mu) }

// mtaDigest binds what `from` sent `to` point-to-point into from's round-2
// broadcast (custos addition, see the package doc).
func mtaDigest(s []byte, from, to round.PartyID, hat bool, d, f *paillier.Ciphertext) [32]byte {
	h := sha256.New()
	h.Write([]byte("custos/cggmp/presign/v1/mta"))
	h.Write(s)
	h.Write(idBytes(from))
	h.Write(idBytes(to))
	if hat {
		h.Write([]byte{1})
	} else {
		h.Write([]byte{0})
	}
	h.Write(d.Bytes())
	h.Write(f.Bytes())
	var out [32]byte
	h.Sum(out[:0])
	return out
}

type digests struct{ plain, hat [32]byte }

// bcast2 is a party's round-2 broadcast.
type bcast2 struct {
	Gamma group.Element
	Proof *elog.Proof
	Sent  map[round.PartyID]digests // by recipient
}

func (b *bcast2) marshal(others round.Parties) []byte {
	w := &codec.Writer{}
	w.U8(msgVersion)
	w.Element(b.Gamma)
	w.Bytes(b.Proof.Marshal())
	for _, j := range others {
		d := b.Sent[j]
		w.Fixed(d.plain[:])
		w.Fixed(d.hat[:])
	}
	return w.B
}

func parseBcast2(others round.Parties, b []byte) (*bcast2, error) {
	r := codec.NewReader(b)
	if r.U8() != msgVersion {
		return nil, fmt.Errorf("%w: version", codec.ErrMalformed)
	}
	out := &bcast2{Gamma: r.Element(g), Sent: map[round.PartyID]digests{}}
	pb := r.Bytes(1024)
	for _, j := range others {
		var d digests
		copy(d.plain[:], r.Fixed(32))
		copy(d.hat[:], r.Fixed(32))
		out.Sent[j] = d
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	var err error
	if out.Proof, err = elog.Parse(g, pb); err != nil {
		return nil, err
	}
	return out, nil
}

// round2 holds Round 2's state and waits for every other signer's round-2
// messages.
type round2 struct {
	*round1
	commits map[round.PartyID]*commit1
	gamma   group.Element // Γ_i
	sent    map[round.PartyID]*mta
	sentHat map[round.PartyID]*mta
	bcast   *bcast2
}

func newRound2(r1 *round1, commits map[round.PartyID]*commit1) (*round2, []round.Message, error) {
	self := r1.cfg.Self
	r := &round2{round1: r1, commits: commits, sent: map[round.PartyID]*mta{}, sentHat: map[round.PartyID]*mta{}}
	r.gamma = g.NewElement().ScalarBaseMult(r.gam)
	pr, err := elog.Prove(r.rand, ctx(r.ssid, self, 0),
		&elog.Statement{L: r.own.B1, M: r.own.B2, X: r.own.Y, Y: r.gamma, H: g.Generator()},
		elog.NewWitness(r.gam, r.b))
	if err != nil {
		return nil, nil, fmt.Errorf("presign: round 2: %w", err)
	}
	r.bcast = &bcast2{Gamma: r.gamma, Proof: pr, Sent: map[round.PartyID]digests{}}
	pki := r.sk.PublicKey()
	var out []round.Message
	for _, j := range r.cfg.Parties.Others(self) {
		pkj := r.key.Aux[j].Paillier
		rpj := r.key.Aux[j].Pedersen
		Kj := commits[j].K
		w := &codec.Writer{}
		w.U8(msgVersion)
		var proofs [][]byte
		var d digests
		for _, hat := range []bool{false, true} {
			x, X := r.gam, r.gamma
			if hat {
				x, X = r.xt, r.Xt[self]
			}
			m, err := r.newMta(pkj, r.opts.Nonces[j], Kj, x)
			if err != nil {
				return nil, nil, fmt.Errorf("presign: round 2: %w", err)
			}
			st := &affg.Statement{Key0: pkj, Key1: pki, C: Kj, D: m.D, Y: m.F, X: X}
			wit := affg.NewWitness(scalarInt(x), m.Y, m.Rho, m.Mu, r.sk)
			if np := r.opts.Nonces[j]; np != nil {
				wit.WithMaskNonces(np)
			}
			p, err := affg.Prove(r.rand, r.p, ctx(r.ssid, self, j), rpj, st, wit)
			wit.Destroy()
			if err != nil {
				return nil, nil, fmt.Errorf("presign: round 2: %w", err)
			}
			w.Ciphertext(m.D)
			w.Ciphertext(m.F)
			proofs = append(proofs, p.Marshal(r.p, rpj, st))
			if hat {
				r.sentHat[j] = m
				d.hat = mtaDigest(r.ssid, self, j, true, m.D, m.F)
			} else {
				r.sent[j] = m
				d.plain = mtaDigest(r.ssid, self, j, false, m.D, m.F)
			}
		}
		for _, p := range proofs {
			w.Bytes(p)
		}
		r.bcast.Sent[j] = d
		out = append(out, round.Message{Round: 2, To: j, Payload: w.B})
	}
	out = append(out, round.Message{Round: 2, Payload: r.bcast.marshal(r.cfg.Parties.Others(self))})
	return r, out, nil
}

// newMta computes D = x⊙K ⊕ enc_j(y), F = enc_i(y) for a fresh y = −β ∈ ±2^ℓ'.
func (r *round2) newMta(pkj *paillier.PublicKey, np *paillier.NoncePool, K *paillier.Ciphertext, x group.Scalar) (*mta, error) {
	y, err := sampleSigned(r.rand, r.p.LPrime)
	if err != nil {
		return nil, err
	}
	var ey *paillier.Ciphertext
	var rho *big.Int
	if np != nil && np.PublicKey().Equal(pkj) {
		ey, rho, err = np.Encrypt(y)
	} else {
		ey, rho, err = pkj.Encrypt(r.rand, y)
	}
	if err != nil {
		return nil, err
	}
	xi := scalarInt(x)
	D := pkj.Add(pkj.MulScalarCT(K, xi, r.p.L), ey)
	wipe(xi)
	F, mu, err := r.sk.Encrypt(r.rand, y)
	if err != nil {
		return nil, err
	}
	return &mta{D: D, F: F, Y: y, Rho: rho, Mu: mu}, nil
}

func (r *round2) Number() uint16       { return 2 }
func (r *round2) Expect() round.Expect { return round.Expect{Broadcast: true, P2P: true} }

// received2 is what j sent this party in round 2.
type received2 struct {
	D, F, Dh, Fh *paillier.Ciphertext
}

// Finalize is Fig. 8 Round 3: verify Γ_j's Π^elog and both Π^aff-g, check
// the point-to-point ciphertexts against j's broadcast digest, decrypt
// α, α̂ and compute δ_i, χ_i, Δ_i.
func (r *round2) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	self := r.cfg.Self
	ownRP := r.key.Aux[self].Pedersen
	pki := r.sk.PublicKey()
	bcasts := map[round.PartyID]*bcast2{self: r.bcast}
	recv := map[round.PartyID]*received2{}
	var bl blamer
	for _, j := range r.cfg.Parties.Others(self) {
		b, err := parseBcast2(r.cfg.Parties.Others(j), in.Broadcast[j])
		if err != nil {
			bl.add(j, err, in.Broadcast[j])
			continue
		}
		c := r.commits[j]
		if err := elog.Verify(ctx(r.ssid, j, 0), &elog.Statement{L: c.B1, M: c.B2, X: c.Y, Y: b.Gamma, H: g.Generator()}, b.Proof); err != nil {
			bl.add(j, fmt.Errorf("Π^elog for Γ: %w", err), in.Broadcast[j])
			continue
		}
		pkj := r.key.Aux[j].Paillier
		rd := codec.NewReader(in.P2P[j])
		ver := rd.U8()
		rc := &received2{D: rd.Ciphertext(pki), F: rd.Ciphertext(pkj), Dh: rd.Ciphertext(pki), Fh: rd.Ciphertext(pkj)}
		pb, pbh := rd.Bytes(maxProof), rd.Bytes(maxProof)
		if err := rd.Err(); err != nil || ver != msgVersion {
			bl.add(j, errors.Join(err, codec.ErrMalformed), in.P2P[j])
			continue
		}
		if mtaDigest(r.ssid, j, self, false, rc.D, rc.F) != b.Sent[self].plain ||
			mtaDigest(r.ssid, j, self, true, rc.Dh, rc.Fh) != b.Sent[self].hat {
			bl.add(j, errors.New("point-to-point ciphertexts differ from the broadcast digest"), append(bytes.Clone(in.Broadcast[j]), in.P2P[j]...))
			continue
		}
		st := &affg.Statement{Key0: pki, Key1: pkj, C: r.own.K, D: rc.D, Y: rc.F, X: b.Gamma}
		sth := &affg.Statement{Key0: pki, Key1: pkj, C: r.own.K, D: rc.Dh, Y: rc.Fh, X: r.Xt[j]}
		p, err1 := affg.Parse(r.p, ownRP, st, pb)
		ph, err2 := affg.Parse(r.p, ownRP, sth, pbh)
		if err := errors.Join(err1, err2); err != nil {
			bl.add(j, err, in.P2P[j])
			continue
		}
		if err := affg.Verify(r.p, ctx(r.ssid, j, self), ownRP, st, p, zk.WithVerifierKeys(r.vk)); err != nil {
			bl.add(j, fmt.Errorf("Π^aff-g for D: %w", err), in.P2P[j])
			continue
		}
		if err := affg.Verify(r.p, ctx(r.ssid, j, self), ownRP, sth, ph, zk.WithVerifierKeys(r.vk)); err != nil {
			bl.add(j, fmt.Errorf("Π^aff-g for D̂: %w", err), in.P2P[j])
			continue
		}
		bcasts[j] = b
		recv[j] = rc
	}
	if err := bl.err(); err != nil {
		r.destroy()
		return nil, nil, nil, err
	}
	r3, msgs, err := newRound3(r, bcasts, recv)
	if err != nil {
		r.destroy()
		return nil, nil, nil, err
	}
	return r3, msgs, nil, nil
}

func (r *round2) destroy() {
	r.round1.destroy()
	for _, m := range r.sent {
		m.destroy()
	}
	for _, m := range r.sentHat {
		m.destroy()
	}
}
