package presign

import (
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/affgstar"
	"github.com/custos-mpc/custos/crypto/zk/dec"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/codec"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

// Ident is the public context of one identification (Fig. 9 for δ,
// Section 4.3.1 for the signature): which MtA is examined and what the
// claimed value y_i of each signer is.
type Ident struct {
	SSID    []byte
	Key     *share.Key
	Signers round.Parties
	Hat     bool                                   // the χ conversions (D̂) instead of the δ ones (D)
	K       map[round.PartyID]*paillier.Ciphertext // K_j
	XG      map[round.PartyID]group.Element        // x_j·G the MtA was proven for: Γ_j or X̃_j
	Digests map[round.PartyID]map[round.PartyID][32]byte
	Base    group.Element // g of Π^dec: G for δ, R for the signature
}

// IdentWitness is one signer's secrets for its identification message.
type IdentWitness struct {
	X        *big.Int                               // γ_i or x̃_i
	Sent     map[round.PartyID]*mta                 // by recipient
	Received map[round.PartyID]*paillier.Ciphertext // D_{i,j} from j
}

// IdentClaim is what one signer's message establishes once verified: its
// decryption y_i·Base (S) and x_i·Base (XB).
type IdentClaim struct {
	S, XB group.Element
}

func (id *Ident) yBits(p zk.Params) int { return yBits(p, len(id.Signers)) }

// prove builds party self's identification message: for every j the D, F
// it sent with Π^aff-g*, then XB = x·Base (with Π^elog linking it to
// x·G when Base is not G) and Π^dec for y_i.
func (id *Ident) prove(rand io.Reader, p zk.Params, self round.PartyID, w *IdentWitness) ([]byte, error) {
	sk := id.Key.Paillier
	pki := sk.PublicKey()
	out := &codec.Writer{}
	out.U8(msgVersion)
	label := id.label()
	for _, j := range id.Signers.Others(self) {
		m := w.Sent[j]
		pkj := id.Key.Aux[j].Paillier
		st := &affgstar.Statement{Key0: pkj, Key1: pki, C: id.K[j], D: m.D, Y: m.F, X: id.XG[self]}
		wit := affgstar.NewWitness(w.X, m.Y, m.Rho, m.Mu, sk)
		pr, err := affgstar.Prove(rand, p, ctx(label, self, j), st, wit)
		wit.Destroy()
		if err != nil {
			return nil, fmt.Errorf("presign: identification: %w", err)
		}
		out.Ciphertext(m.D)
		out.Ciphertext(m.F)
		out.Bytes(pr.Marshal(p, st))
	}
	sentF := map[round.PartyID]*paillier.Ciphertext{}
	for j, m := range w.Sent {
		sentF[j] = m.F
	}
	c := decSum(pki, id.K[self], w.X, w.Received, sentF)
	y, rho, err := sk.DecryptWithNonce(c)
	if err != nil {
		return nil, fmt.Errorf("presign: identification: %w", err)
	}
	defer wipe(y, rho)
	xs := intScalar(w.X)
	defer xs.Zero()
	xb := g.NewElement().ScalarMult(xs, id.Base)
	s := g.NewElement().ScalarMult(intScalar(y), id.Base)
	out.Element(xb)
	out.Element(s)
	if !id.Base.Equal(g.Generator()) {
		link, err := linkProve(rand, label, self, xs, id.XG[self], id.Base, xb)
		if err != nil {
			return nil, err
		}
		out.Bytes(link)
	}
	st := &dec.Statement{Key: pki, K: id.K[self], D: sumOthers(pki, w.Received, sentF), X: xb, S: s, G: id.Base, YBits: id.yBits(p)}
	wit := dec.NewWitness(w.X, y, rho, sk)
	pr, err := dec.Prove(rand, p, ctx(label, self, 0), st, wit)
	wit.Destroy()
	if err != nil {
		return nil, fmt.Errorf("presign: identification: %w", err)
	}
	out.Bytes(pr.Marshal(p, st))
	return out.B, nil
}

func (id *Ident) label() []byte {
	if id.Hat {
		return append(append([]byte{}, id.SSID...), "/ident/chi"...)
	}
	return append(append([]byte{}, id.SSID...), "/ident/delta"...)
}

// sumOthers is Π_j D_{i,j}·F_{j,i}⁻¹ (D of Π^dec: K^x·D decrypts to y).
func sumOthers(pk *paillier.PublicKey, received, sentF map[round.PartyID]*paillier.Ciphertext) *paillier.Ciphertext {
	var c *paillier.Ciphertext
	for j, d := range received {
		t := pk.Add(d, invCiphertext(pk, sentF[j]))
		if c == nil {
			c = t
		} else {
			c = pk.Add(c, t)
		}
	}
	return c
}

type identParsed struct {
	D, F  map[round.PartyID]*paillier.Ciphertext
	proof map[round.PartyID][]byte
	XB, S group.Element
	link  []byte
	dec   []byte
}

// Verify checks every signer's identification message and returns the
// claims of those that verified and the culprits (with their messages as
// evidence) whose did not.
func (id *Ident) Verify(p zk.Params, msgs map[round.PartyID][]byte) (map[round.PartyID]*IdentClaim, *blamer) {
	bl := &blamer{}
	parsed := map[round.PartyID]*identParsed{}
	label := id.label()
	for _, i := range id.Signers {
		pki := id.Key.Aux[i].Paillier
		r := codec.NewReader(msgs[i])
		ver := r.U8()
		ip := &identParsed{D: map[round.PartyID]*paillier.Ciphertext{}, F: map[round.PartyID]*paillier.Ciphertext{}, proof: map[round.PartyID][]byte{}}
		for _, j := range id.Signers.Others(i) {
			ip.D[j] = r.Ciphertext(id.Key.Aux[j].Paillier)
			ip.F[j] = r.Ciphertext(pki)
			ip.proof[j] = r.Bytes(maxProof)
		}
		ip.XB, ip.S = r.Element(g), r.Element(g)
		if !id.Base.Equal(g.Generator()) {
			ip.link = r.Bytes(1024)
		}
		ip.dec = r.Bytes(maxProof)
		if err := r.Err(); err != nil || ver != msgVersion {
			bl.add(i, errors.Join(err, codec.ErrMalformed), msgs[i])
			continue
		}
		bad := false
		for _, j := range id.Signers.Others(i) {
			if mtaDigest(id.SSID, i, j, id.Hat, ip.D[j], ip.F[j]) != id.Digests[i][j] {
				bl.add(i, errors.New("identification: ciphertexts differ from the round-2 digest"), msgs[i])
				bad = true
				break
			}
			st := &affgstar.Statement{Key0: id.Key.Aux[j].Paillier, Key1: pki, C: id.K[j], D: ip.D[j], Y: ip.F[j], X: id.XG[i]}
			pr, err := affgstar.Parse(p, st, ip.proof[j])
			if err == nil {
				err = affgstar.Verify(p, ctx(label, i, j), st, pr)
			}
			if err != nil {
				bl.add(i, fmt.Errorf("identification: Π^aff-g* for the conversion to %d: %w", j, err), msgs[i])
				bad = true
				break
			}
		}
		if bad {
			continue
		}
		if ip.link != nil {
			if err := linkVerify(label, i, id.XG[i], id.Base, ip.XB, ip.link); err != nil {
				bl.add(i, err, msgs[i])
				continue
			}
		} else if !ip.XB.Equal(id.XG[i]) {
			bl.add(i, errors.New("identification: x·G differs from the committed value"), msgs[i])
			continue
		}
		parsed[i] = ip
	}
	claims := map[round.PartyID]*IdentClaim{}
	for _, i := range id.Signers {
		ip := parsed[i]
		if ip == nil {
			continue
		}
		pki := id.Key.Aux[i].Paillier
		// D_{i,j} as its sender j claimed it (pinned by j's digest).
		received := map[round.PartyID]*paillier.Ciphertext{}
		for _, j := range id.Signers.Others(i) {
			pj := parsed[j]
			if pj == nil {
				received = nil
				break
			}
			received[j] = pj.D[i]
		}
		if received == nil {
			continue // j is already blamed; i's claim cannot be checked without it
		}
		st := &dec.Statement{Key: pki, K: id.K[i], D: sumOthers(pki, received, ip.F), X: ip.XB, S: ip.S, G: id.Base, YBits: id.yBits(p)}
		pr, err := dec.Parse(p, st, ip.dec)
		if err == nil {
			err = dec.Verify(p, ctx(label, i, 0), st, pr)
		}
		if err != nil {
			bl.add(i, fmt.Errorf("identification: Π^dec: %w", err), msgs[i])
			continue
		}
		claims[i] = &IdentClaim{S: ip.S, XB: ip.XB}
	}
	return claims, bl
}

// identify is Round 4 of presigning: the δ identification of Fig. 9.
type identify struct {
	*round3
	id *Ident
	b3 map[round.PartyID]*bcast3
}

func (r *round3) identCtx() *Ident {
	id := &Ident{SSID: r.ssid, Key: r.key, Signers: r.cfg.Parties, K: map[round.PartyID]*paillier.Ciphertext{},
		XG: map[round.PartyID]group.Element{}, Digests: map[round.PartyID]map[round.PartyID][32]byte{}, Base: g.Generator()}
	for _, j := range r.cfg.Parties {
		id.K[j] = r.commits[j].K
		id.XG[j] = r.bcasts2[j].Gamma
		d := map[round.PartyID][32]byte{}
		for to, dg := range r.bcasts2[j].Sent {
			d[to] = dg.plain
		}
		id.Digests[j] = d
	}
	return id
}

func newIdentify(r3 *round3, b3 map[round.PartyID]*bcast3) (*identify, []round.Message, error) {
	r := &identify{round3: r3, id: r3.identCtx(), b3: b3}
	received := map[round.PartyID]*paillier.Ciphertext{}
	for j, rc := range r.recv {
		received[j] = rc.D
	}
	msg, err := r.id.prove(r.rand, r.p, r.cfg.Self, &IdentWitness{X: scalarInt(r.gam), Sent: r.sent, Received: received})
	if err != nil {
		return nil, nil, err
	}
	return r, []round.Message{{Round: 4, Payload: msg}}, nil
}

func (r *identify) Number() uint16       { return 4 }
func (r *identify) Expect() round.Expect { return round.Expect{Broadcast: true} }

// Finalize names the signers whose δ_j is not the decryption they proved.
func (r *identify) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	defer r.destroy()
	claims, bl := r.id.Verify(r.p, in.Broadcast)
	for _, j := range r.cfg.Parties {
		c := claims[j]
		if c == nil {
			continue
		}
		if !c.S.Equal(g.NewElement().ScalarBaseMult(r.b3[j].Delta)) {
			bl.add(j, errors.New("identification: δ_j is not the decryption it proved"), in.Broadcast[j])
		}
	}
	if err := bl.err(); err != nil {
		return nil, nil, nil, err
	}
	return nil, nil, nil, errors.New("presign: δ·G ≠ Σ Δ_j but every identification proof verified")
}
