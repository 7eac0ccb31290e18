package presign

import (
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/encelg"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/codec"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/zkparams"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

const (
	msgVersion = 1
	maxProof   = 1 << 22 // generous cap: the largest proof here is a few hundred KiB
)

// commit1 is a party's round-1 broadcast.
type commit1 struct {
	K, G           *paillier.Ciphertext // enc_i(k_i), enc_i(γ_i)
	Y              group.Element        // El-Gamal key
	A1, A2, B1, B2 group.Element        // commitments to k_i and γ_i
}

func (c *commit1) marshal() []byte {
	w := &codec.Writer{}
	w.U8(msgVersion)
	w.Ciphertext(c.K)
	w.Ciphertext(c.G)
	for _, e := range []group.Element{c.Y, c.A1, c.A2, c.B1, c.B2} {
		w.Element(e)
	}
	return w.B
}

func parseCommit1(pk *paillier.PublicKey, b []byte) (*commit1, error) {
	r := codec.NewReader(b)
	if r.U8() != msgVersion {
		return nil, fmt.Errorf("%w: version", codec.ErrMalformed)
	}
	c := &commit1{K: r.Ciphertext(pk), G: r.Ciphertext(pk), Y: r.Element(g),
		A1: r.Element(g), A2: r.Element(g), B1: r.Element(g), B2: r.Element(g)}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// round1 holds party i's secrets from Fig. 8 Round 1 and waits for every
// other signer's round-1 messages.
type round1 struct {
	cfg     round.Config
	key     *share.Key
	opts    Options
	rand    io.Reader
	p       zk.Params
	ssid    []byte
	vk      *zk.VerifierKeys
	sk      *paillier.SecretKey
	lambda  map[round.PartyID]group.Scalar
	xt      group.Scalar                    // x̃_i = λ_i·x_i
	Xt      map[round.PartyID]group.Element // X̃_j = λ_j·X_j
	k, gam  group.Scalar
	a, b    group.Scalar // El-Gamal openings
	y       group.Scalar // El-Gamal secret
	rho, nu *big.Int     // nonces of K_i, G_i
	own     *commit1
}

func newRound1(cfg round.Config, key *share.Key, opts Options, rand io.Reader) (*round1, error) {
	lambda, err := key.Lagrange(cfg.Parties)
	if err != nil {
		return nil, fmt.Errorf("presign: start: %w", err)
	}
	vk, err := key.VerifierKeys()
	if err != nil {
		return nil, fmt.Errorf("presign: start: %w", err)
	}
	r := &round1{cfg: cfg, key: key, opts: opts, rand: rand, p: zkparams.Get(),
		ssid: ssid(cfg.Session, key, cfg.Parties, opts.Path), vk: vk, sk: key.Paillier,
		lambda: lambda, Xt: map[round.PartyID]group.Element{}}
	r.xt = g.NewScalar().Mul(lambda[cfg.Self], key.Secret)
	for _, j := range cfg.Parties {
		r.Xt[j] = g.NewElement().ScalarMult(lambda[j], key.Shares[j])
	}
	rs := make([]group.Scalar, 5)
	for i := range rs {
		if rs[i], err = g.RandomScalar(rand); err != nil {
			return nil, fmt.Errorf("presign: start: %w", err)
		}
	}
	r.k, r.gam, r.a, r.b, r.y = rs[0], rs[1], rs[2], rs[3], rs[4]
	c := &commit1{}
	if c.K, r.rho, err = r.sk.Encrypt(rand, scalarInt(r.k)); err != nil {
		return nil, fmt.Errorf("presign: start: %w", err)
	}
	if c.G, r.nu, err = r.sk.Encrypt(rand, scalarInt(r.gam)); err != nil {
		return nil, fmt.Errorf("presign: start: %w", err)
	}
	c.Y = g.NewElement().ScalarBaseMult(r.y)
	c.A1 = g.NewElement().ScalarBaseMult(r.a)
	c.A2 = g.NewElement().Add(g.NewElement().ScalarMult(r.a, c.Y), g.NewElement().ScalarBaseMult(r.k))
	c.B1 = g.NewElement().ScalarBaseMult(r.b)
	c.B2 = g.NewElement().Add(g.NewElement().ScalarMult(r.b, c.Y), g.NewElement().ScalarBaseMult(r.gam))
	r.own = c
	return r, nil
}

// messages are Round 1's: the broadcast and, for each j, the Π^enc-elg
// proofs for K_i and G_i under j's ring-Pedersen parameters.
func (r *round1) messages() []round.Message {
	out := []round.Message{{Round: 1, Payload: r.own.marshal()}}
	self := r.cfg.Self
	pk := r.sk.PublicKey()
	for _, j := range r.cfg.Parties.Others(self) {
		rp := r.key.Aux[j].Pedersen
		stK := &encelg.Statement{Key: pk, C: r.own.K, A: r.own.Y, B: r.own.A1, X: r.own.A2}
		stG := &encelg.Statement{Key: pk, C: r.own.G, A: r.own.Y, B: r.own.B1, X: r.own.B2}
		wK := encelg.NewWitness(scalarInt(r.k), r.rho, r.a, r.sk)
		wG := encelg.NewWitness(scalarInt(r.gam), r.nu, r.b, r.sk)
		pK, err1 := encelg.Prove(r.rand, r.p, ctx(r.ssid, self, j), rp, stK, wK)
		pG, err2 := encelg.Prove(r.rand, r.p, ctx(r.ssid, self, j), rp, stG, wG)
		wK.Destroy()
		wG.Destroy()
		if err := errors.Join(err1, err2); err != nil {
			// Only a broken random source gets here; send nothing to j,
			// which times this party out.
			continue
		}
		w := &codec.Writer{}
		w.U8(msgVersion)
		w.Bytes(pK.Marshal(r.p, rp, stK))
		w.Bytes(pG.Marshal(r.p, rp, stG))
		out = append(out, round.Message{Round: 1, To: j, Payload: w.B})
	}
	return out
}

func (r *round1) Number() uint16       { return 1 }
func (r *round1) Expect() round.Expect { return round.Expect{Broadcast: true, P2P: true} }

// blamer collects culprits of one round.
type blamer struct {
	bad      []round.PartyID
	evidence []byte
	first    error
}

func (b *blamer) add(j round.PartyID, err error, ev []byte) {
	for _, p := range b.bad {
		if p == j {
			return
		}
	}
	b.bad = append(b.bad, j)
	b.evidence = append(b.evidence, ev...)
	if b.first == nil {
		b.first = fmt.Errorf("party %d: %w", j, err)
	}
}

func (b *blamer) err() error {
	if len(b.bad) == 0 {
		return nil
	}
	return round.Blame(fmt.Errorf("presign: %w", b.first), b.evidence, b.bad...)
}

// Finalize is Fig. 8 Round 2: verify every commitment and Π^enc-elg proof
// addressed to this party, then run the MtA with every other signer.
func (r *round1) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	self := r.cfg.Self
	ownRP := r.key.Aux[self].Pedersen
	commits := map[round.PartyID]*commit1{self: r.own}
	var bl blamer
	for _, j := range r.cfg.Parties.Others(self) {
		pkj := r.key.Aux[j].Paillier
		c, err := parseCommit1(pkj, in.Broadcast[j])
		if err != nil {
			bl.add(j, err, in.Broadcast[j])
			continue
		}
		rd := codec.NewReader(in.P2P[j])
		ver := rd.U8()
		bK, bG := rd.Bytes(maxProof), rd.Bytes(maxProof)
		if err := rd.Err(); err != nil || ver != msgVersion {
			bl.add(j, errors.Join(err, codec.ErrMalformed), in.P2P[j])
			continue
		}
		stK := &encelg.Statement{Key: pkj, C: c.K, A: c.Y, B: c.A1, X: c.A2}
		stG := &encelg.Statement{Key: pkj, C: c.G, A: c.Y, B: c.B1, X: c.B2}
		pK, err1 := encelg.Parse(r.p, ownRP, stK, bK)
		pG, err2 := encelg.Parse(r.p, ownRP, stG, bG)
		if err := errors.Join(err1, err2); err != nil {
			bl.add(j, err, in.P2P[j])
			continue
		}
		if err := encelg.Verify(r.p, ctx(r.ssid, j, self), ownRP, stK, pK, zk.WithVerifierKeys(r.vk)); err != nil {
			bl.add(j, fmt.Errorf("Π^enc-elg for K: %w", err), in.P2P[j])
			continue
		}
		if err := encelg.Verify(r.p, ctx(r.ssid, j, self), ownRP, stG, pG, zk.WithVerifierKeys(r.vk)); err != nil {
			bl.add(j, fmt.Errorf("Π^enc-elg for G: %w", err), in.P2P[j])
			continue
		}
		commits[j] = c
	}
	if err := bl.err(); err != nil {
		r.destroy()
		return nil, nil, nil, err
	}
	r2, msgs, err := newRound2(r, commits)
	if err != nil {
		r.destroy()
		return nil, nil, nil, err
	}
	return r2, msgs, nil, nil
}

func (r *round1) destroy() {
	for _, s := range []group.Scalar{r.k, r.gam, r.a, r.b, r.y, r.xt} {
		if s != nil {
			s.Zero()
		}
	}
	wipe(r.rho, r.nu)
}
