package presign

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/zk/elog"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/codec"
	"github.com/custos-mpc/custos/protocol/round"
)

// bcast3 is a party's round-3 broadcast.
type bcast3 struct {
	Delta   group.Scalar  // δ_i
	DeltaPt group.Element // Δ_i = k_i·Γ
	Proof   *elog.Proof
}

func (b *bcast3) marshal() []byte {
	w := &codec.Writer{}
	w.U8(msgVersion)
	w.Scalar(b.Delta)
	w.Element(b.DeltaPt)
	w.Bytes(b.Proof.Marshal())
	return w.B
}

func parseBcast3(b []byte) (*bcast3, error) {
	r := codec.NewReader(b)
	if r.U8() != msgVersion {
		return nil, fmt.Errorf("%w: version", codec.ErrMalformed)
	}
	out := &bcast3{Delta: r.Scalar(g), DeltaPt: r.Element(g)}
	pb := r.Bytes(1024)
	if err := r.Err(); err != nil {
		return nil, err
	}
	var err error
	if out.Proof, err = elog.Parse(g, pb); err != nil {
		return nil, err
	}
	return out, nil
}

type round3 struct {
	*round2
	bcasts2          map[round.PartyID]*bcast2
	recv             map[round.PartyID]*received2
	Gamma            group.Element // Γ = Σ Γ_j
	deltaInt, chiInt *big.Int      // δ_i, χ_i as integers; secret
	own3             *bcast3
}

// decSum returns K_i^x·Π_j D_{i,j}·F_{j,i}⁻¹ under N_i: the ciphertext whose
// decryption is δ_i (x = γ_i, plain MtA) or χ_i (x = x̃_i, hat MtA).
func decSum(pk *paillier.PublicKey, K *paillier.Ciphertext, x *big.Int, received, sentF map[round.PartyID]*paillier.Ciphertext) *paillier.Ciphertext {
	c := pk.MulScalarCT(K, x, g.Order().BitLen()) // x < q is secret
	for j, d := range received {
		c = pk.Add(c, d)
		c = pk.Add(c, invCiphertext(pk, sentF[j]))
	}
	return c
}

func newRound3(r2 *round2, bcasts map[round.PartyID]*bcast2, recv map[round.PartyID]*received2) (*round3, []round.Message, error) {
	self := r2.cfg.Self
	r := &round3{round2: r2, bcasts2: bcasts, recv: recv, Gamma: g.NewElement()}
	for _, j := range r.cfg.Parties {
		r.Gamma.Add(r.Gamma, bcasts[j].Gamma)
	}
	if r.Gamma.IsIdentity() {
		// Σ Γ_j is the identity only with negligible probability for
		// honest parties, and every Γ_j is proven; treat as unusable.
		return nil, nil, errors.New("presign: round 3: Γ is the identity")
	}
	k, gam, xt := scalarInt(r.k), scalarInt(r.gam), scalarInt(r.xt)
	r.deltaInt = new(big.Int).Mul(k, gam)
	r.chiInt = new(big.Int).Mul(k, xt)
	wipe(k, gam, xt)
	for _, j := range r.cfg.Parties.Others(self) {
		a, err := r.sk.Decrypt(recv[j].D)
		if err != nil {
			return nil, nil, fmt.Errorf("presign: round 3: %w", err)
		}
		ah, err := r.sk.Decrypt(recv[j].Dh)
		if err != nil {
			return nil, nil, fmt.Errorf("presign: round 3: %w", err)
		}
		// β = −y: δ_i += α_{i,j} + β_{i,j} = α − y.
		r.deltaInt.Add(r.deltaInt, a).Sub(r.deltaInt, r.sent[j].Y)
		r.chiInt.Add(r.chiInt, ah).Sub(r.chiInt, r.sentHat[j].Y)
		wipe(a, ah)
	}
	dpt := g.NewElement().ScalarMult(r.k, r.Gamma)
	pr, err := elog.Prove(r.rand, ctx(r.ssid, self, 0),
		&elog.Statement{L: r.own.A1, M: r.own.A2, X: r.own.Y, Y: dpt, H: r.Gamma},
		elog.NewWitness(r.k, r.a))
	if err != nil {
		return nil, nil, fmt.Errorf("presign: round 3: %w", err)
	}
	r.own3 = &bcast3{Delta: intScalar(r.deltaInt), DeltaPt: dpt, Proof: pr}
	return r, []round.Message{{Round: 3, Payload: r.own3.marshal()}}, nil
}

func (r *round3) Number() uint16       { return 3 }
func (r *round3) Expect() round.Expect { return round.Expect{Broadcast: true} }

// Finalize is Fig. 8's output: check every Δ_j's Π^elog and δ·G = Σ Δ_j;
// on a mismatch, start the identification of Fig. 9.
func (r *round3) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	self := r.cfg.Self
	// Every party, itself included, uses the broadcasts as the round
	// contract recorded and echo-checked them, so all reach the same
	// verdict on δ.
	b3 := map[round.PartyID]*bcast3{}
	var bl blamer
	for _, j := range r.cfg.Parties {
		b, err := parseBcast3(in.Broadcast[j])
		if err != nil {
			bl.add(j, err, in.Broadcast[j])
			continue
		}
		if j == self {
			b3[j] = b
			continue
		}
		c := r.commits[j]
		if err := elog.Verify(ctx(r.ssid, j, 0), &elog.Statement{L: c.A1, M: c.A2, X: c.Y, Y: b.DeltaPt, H: r.Gamma}, b.Proof); err != nil {
			bl.add(j, fmt.Errorf("Π^elog for Δ: %w", err), in.Broadcast[j])
			continue
		}
		b3[j] = b
	}
	if err := bl.err(); err != nil {
		r.destroy()
		return nil, nil, nil, err
	}
	delta := g.NewScalar()
	sum := g.NewElement()
	for _, j := range r.cfg.Parties {
		delta.Add(delta, b3[j].Delta)
		sum.Add(sum, b3[j].DeltaPt)
	}
	if delta.IsZero() || !g.NewElement().ScalarBaseMult(delta).Equal(sum) {
		r4, msgs, err := newIdentify(r, b3)
		if err != nil {
			r.destroy()
			return nil, nil, nil, err
		}
		return r4, msgs, nil, nil
	}
	dinv := group.InvertVarTime(g.NewScalar(), delta) // δ is public
	pre := r.presignature(dinv, b3)
	r.destroy()
	return nil, nil, pre, nil
}

func (r *round3) destroy() {
	r.round2.destroy()
	wipe(r.deltaInt, r.chiInt)
}
