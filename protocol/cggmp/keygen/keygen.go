package keygen

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/vss"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/sch"
	"github.com/custos-mpc/custos/protocol/round"
)

// Protocol is the protocol name of a CGGMP key generation session.
const Protocol = "cggmp-keygen/secp256k1/v1"

const (
	randLen     = 32
	maxParties  = 1024
	commitLabel = "custos/cggmp/keygen/v1/commit"
)

// Result is one party's output.
type Result struct {
	ID        round.PartyID
	Threshold int
	Secret    group.Scalar                    // x_i; prints <redacted>
	PublicKey group.Element                   // X
	Shares    map[round.PartyID]group.Element // X_k for every party
	RID       [randLen]byte                   // joint randomness, the HD chain code
}

// Start begins key generation for party cfg.Self of a threshold-of-
// len(cfg.Parties) key over g (secp256k1 for ECDSA). Run it with
// round.NewMachine; the result is a *Result.
func Start(g group.Group, cfg round.Config, threshold int, rand io.Reader) (round.Round, []round.Message, error) {
	n := len(cfg.Parties)
	if threshold < 1 || threshold > n || n > maxParties {
		return nil, nil, fmt.Errorf("keygen: threshold %d out of range for %d parties", threshold, n)
	}
	if cfg.Protocol != Protocol {
		return nil, nil, fmt.Errorf("keygen: protocol %q is not %q", cfg.Protocol, Protocol)
	}
	poly, err := vss.NewPolynomial(g, rand, threshold-1, nil)
	if err != nil {
		return nil, nil, err
	}
	r1 := &round1{g: g, cfg: cfg, t: threshold, poly: poly, F: poly.Commit()}
	if _, err := io.ReadFull(rand, r1.rid[:]); err != nil {
		return nil, nil, fmt.Errorf("keygen: %w", err)
	}
	if _, err := io.ReadFull(rand, r1.u[:]); err != nil {
		return nil, nil, fmt.Errorf("keygen: %w", err)
	}
	if r1.A, r1.tau, err = sch.Commit(rand, g); err != nil {
		return nil, nil, err
	}
	v := commitment(cfg.Session, cfg.Self, r1.decommitment())
	return r1, []round.Message{{Payload: v}}, nil
}

// decommitment encodes (rid, F, A, u): what round 2 reveals.
type decommit struct {
	rid [randLen]byte
	F   vss.Commitment
	A   *sch.Commitment
	u   [randLen]byte
}

func (d *decommit) marshal() []byte {
	out := append([]byte{1}, d.rid[:]...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(d.F)))
	for _, e := range d.F {
		out = append(out, e.Bytes()...)
	}
	a := d.A.Marshal()
	out = binary.BigEndian.AppendUint16(out, uint16(len(a)))
	out = append(out, a...)
	return append(out, d.u[:]...)
}

func parseDecommit(g group.Group, t int, b []byte) (*decommit, error) {
	el := g.ElementLen()
	if len(b) < 1+randLen+2 || b[0] != 1 {
		return nil, errors.New("keygen: malformed decommitment")
	}
	d := &decommit{}
	copy(d.rid[:], b[1:1+randLen])
	b = b[1+randLen:]
	if k := int(binary.BigEndian.Uint16(b)); k != t {
		return nil, fmt.Errorf("keygen: %d commitments, want %d", k, t)
	}
	b = b[2:]
	if len(b) < t*el+2 {
		return nil, errors.New("keygen: truncated decommitment")
	}
	d.F = make(vss.Commitment, t)
	for i := range d.F {
		e, err := g.ParseElement(b[:el])
		if err != nil {
			return nil, fmt.Errorf("keygen: commitment %d: %w", i, err)
		}
		d.F[i], b = e, b[el:]
	}
	al := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if len(b) != al+randLen {
		return nil, errors.New("keygen: malformed decommitment length")
	}
	a, err := sch.ParseCommitment(g, b[:al])
	if err != nil {
		return nil, err
	}
	d.A = a
	copy(d.u[:], b[al:])
	return d, nil
}

// commitment is V_i = H(label, sid, i, decommitment).
func commitment(sid round.SessionID, id round.PartyID, dec []byte) []byte {
	h := sha256.New()
	h.Write([]byte(commitLabel))
	h.Write(sid[:])
	var ib [2]byte
	binary.BigEndian.PutUint16(ib[:], uint16(id))
	h.Write(ib[:])
	h.Write(dec)
	return h.Sum(nil)
}

func idBytes(id round.PartyID) []byte {
	return binary.BigEndian.AppendUint16(nil, uint16(id))
}

// proofContext binds a proof of knowledge to sid, rid and the prover.
func proofContext(sid round.SessionID, rid [randLen]byte, id round.PartyID) zk.Context {
	return zk.Context{SessionID: append(append([]byte{}, sid[:]...), rid[:]...), Prover: idBytes(id)}
}
