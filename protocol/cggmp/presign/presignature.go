package presign

import (
	"fmt"
	"io"
	"math/big"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/codec"
	"github.com/custos-mpc/custos/protocol/round"
)

// HatMta is what a signer keeps of the D̂ conversion it sent to j, for the
// identification after a failed signature (Section 4.3.1 of the paper).
type HatMta struct {
	D, F    *big.Int // D̂_{j,i} under N_j, F̂_{j,i} under N_i (public)
	Y       *big.Int // −β̂_{i,j}; secret
	Rho, Mu *big.Int // nonces; secret
}

// Presignature is one signer's output of presigning. ID, Signers, Path, R,
// RBar, K, Digests and the D, F fields are public; KShare, Chi and the
// nonces and masks are secret.
type Presignature struct {
	ID      round.SessionID // the presigning session, shared by every holder
	Self    round.PartyID
	Signers round.Parties
	Path    []uint32
	Epoch   uint32        // the key epoch it was made under
	R       group.Element // δ⁻¹·Γ = k⁻¹·G
	KShare  group.Scalar  // k_i; secret
	Chi     group.Scalar  // χ_i; secret

	// For identification when the final signature does not verify.
	RBar     map[round.PartyID]group.Element              // k_j·R = δ⁻¹·Δ_j
	K        map[round.PartyID]*big.Int                   // K_j under N_j
	Sent     map[round.PartyID]*HatMta                    // by recipient j
	Received map[round.PartyID]*big.Int                   // D̂_{i,j} from j, under N_i
	Digests  map[round.PartyID]map[round.PartyID][32]byte // hat digests, sender → recipient
}

// String redacts the secrets.
func (p *Presignature) String() string {
	return fmt.Sprintf("presign.Presignature{ID: %s, Self: %d, Signers: %v, secrets: <redacted>}", p.ID, p.Self, p.Signers)
}

// Format redacts the secrets for every verb.
func (p *Presignature) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// Destroy wipes the secrets.
func (p *Presignature) Destroy() {
	if p.KShare != nil {
		p.KShare.Zero()
	}
	if p.Chi != nil {
		p.Chi.Zero()
	}
	for _, m := range p.Sent {
		wipe(m.Y, m.Rho, m.Mu)
	}
}

func (r *round3) presignature(dinv group.Scalar, b3 map[round.PartyID]*bcast3) *Presignature {
	self := r.cfg.Self
	p := &Presignature{
		ID: r.cfg.Session, Self: self, Signers: r.cfg.Parties, Path: append([]uint32(nil), r.opts.Path...),
		Epoch: r.key.Epoch, R: g.NewElement().ScalarMult(dinv, r.Gamma),
		KShare: g.NewScalar().Set(r.k), Chi: intScalar(r.chiInt),
		RBar: map[round.PartyID]group.Element{}, K: map[round.PartyID]*big.Int{},
		Sent: map[round.PartyID]*HatMta{}, Received: map[round.PartyID]*big.Int{},
		Digests: map[round.PartyID]map[round.PartyID][32]byte{},
	}
	cp := func(x *big.Int) *big.Int { return new(big.Int).Set(x) }
	for _, j := range r.cfg.Parties {
		p.RBar[j] = g.NewElement().ScalarMult(dinv, b3[j].DeltaPt)
		p.K[j] = r.commits[j].K.Int()
		d := map[round.PartyID][32]byte{}
		for to, dg := range r.bcasts2[j].Sent {
			d[to] = dg.hat
		}
		p.Digests[j] = d
		if j == self {
			continue
		}
		m := r.sentHat[j]
		p.Sent[j] = &HatMta{D: m.D.Int(), F: m.F.Int(), Y: cp(m.Y), Rho: cp(m.Rho), Mu: cp(m.Mu)}
		p.Received[j] = r.recv[j].Dh.Int()
	}
	return p
}

const presigVersion = 1

// Marshal encodes the presignature for sealed storage: it holds secrets.
func (p *Presignature) Marshal() []byte {
	w := &codec.Writer{}
	w.U8(presigVersion)
	w.Fixed(p.ID[:])
	w.U16(uint16(p.Self))
	w.Fixed([]byte{byte(p.Epoch >> 24), byte(p.Epoch >> 16), byte(p.Epoch >> 8), byte(p.Epoch)})
	w.U16(uint16(len(p.Path)))
	for _, c := range p.Path {
		w.Fixed([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
	}
	w.Element(p.R)
	w.Scalar(p.KShare)
	w.Scalar(p.Chi)
	w.U16(uint16(len(p.Signers)))
	for _, j := range p.Signers {
		w.U16(uint16(j))
		w.Element(p.RBar[j])
		w.Bytes(p.K[j].Bytes())
		for _, to := range p.Signers {
			if to != j {
				dg := p.Digests[j][to]
				w.Fixed(dg[:])
			}
		}
		if j == p.Self {
			continue
		}
		m := p.Sent[j]
		w.Bytes(m.D.Bytes())
		w.Bytes(m.F.Bytes())
		w.Int(m.Y)
		w.Bytes(m.Rho.Bytes())
		w.Bytes(m.Mu.Bytes())
		w.Bytes(p.Received[j].Bytes())
	}
	return w.B
}

const (
	maxSigners = 256
	maxPath    = 255
	maxInt     = 1 << 13 // bytes: above any Paillier N² custos accepts
)

// Parse decodes a presignature encoded by Marshal. Its ciphertexts are
// validated against the key when identification uses them.
func Parse(b []byte) (*Presignature, error) {
	r := codec.NewReader(b)
	if r.U8() != presigVersion {
		return nil, fmt.Errorf("presign: parse: %w: version", codec.ErrMalformed)
	}
	p := &Presignature{RBar: map[round.PartyID]group.Element{}, K: map[round.PartyID]*big.Int{},
		Sent: map[round.PartyID]*HatMta{}, Received: map[round.PartyID]*big.Int{},
		Digests: map[round.PartyID]map[round.PartyID][32]byte{}}
	copy(p.ID[:], r.Fixed(len(p.ID)))
	p.Self = round.PartyID(r.U16())
	if e := r.Fixed(4); e != nil {
		p.Epoch = uint32(e[0])<<24 | uint32(e[1])<<16 | uint32(e[2])<<8 | uint32(e[3])
	}
	np := int(r.U16())
	if np > maxPath {
		return nil, fmt.Errorf("presign: parse: %w: path of %d levels", codec.ErrMalformed, np)
	}
	for range np {
		if c := r.Fixed(4); c != nil {
			p.Path = append(p.Path, uint32(c[0])<<24|uint32(c[1])<<16|uint32(c[2])<<8|uint32(c[3]))
		}
	}
	p.R = r.Element(g)
	p.KShare = r.Scalar(g)
	p.Chi = r.Scalar(g)
	ns := int(r.U16())
	if ns < 1 || ns > maxSigners {
		return nil, fmt.Errorf("presign: parse: %w: %d signers", codec.ErrMalformed, ns)
	}
	ids := make([]round.PartyID, 0, ns)
	pos := func() *big.Int { return new(big.Int).SetBytes(r.Bytes(maxInt)) }
	for range ns {
		j := round.PartyID(r.U16())
		ids = append(ids, j)
		p.RBar[j] = r.Element(g)
		p.K[j] = pos()
		p.Digests[j] = map[round.PartyID][32]byte{}
		// Recipients are every other signer; ids are known only once
		// the list is complete, so read the digests positionally.
		for range ns - 1 {
			var d [32]byte
			copy(d[:], r.Fixed(32))
			p.Digests[j][round.PartyID(len(p.Digests[j]))] = d // re-keyed below
		}
		if j == p.Self {
			continue
		}
		p.Sent[j] = &HatMta{D: pos(), F: pos(), Y: r.Int(8 * maxInt), Rho: pos(), Mu: pos()}
		p.Received[j] = pos()
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("presign: parse: %w", err)
	}
	signers, err := round.NewParties(ids)
	if err != nil || len(signers) != ns || !signers.Contains(p.Self) {
		return nil, fmt.Errorf("presign: parse: %w: signer set", codec.ErrMalformed)
	}
	for i := range ids {
		if signers[i] != ids[i] {
			return nil, fmt.Errorf("presign: parse: %w: signers not sorted", codec.ErrMalformed)
		}
	}
	p.Signers = signers
	for _, j := range signers {
		pos := p.Digests[j]
		d := map[round.PartyID][32]byte{}
		k := 0
		for _, to := range signers {
			if to != j {
				d[to] = pos[round.PartyID(k)]
				k++
			}
		}
		p.Digests[j] = d
	}
	return p, nil
}
