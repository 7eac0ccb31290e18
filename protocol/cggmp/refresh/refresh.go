package refresh

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/mod"
	"github.com/custos-mpc/custos/crypto/zk/sch"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/auxcore"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

// Protocol is the protocol name of a CGGMP key-refresh session.
const Protocol = "cggmp-refresh/secp256k1/v1"

const (
	randLen      = 32
	hashLen      = sha256.Size
	maxParties   = 1024
	wireVersion  = 1
	commitLabel  = "custos/cggmp/refresh/v1/commit"
	keyLabel     = "custos/cggmp/refresh/v1/key"
	confirmLabel = "custos/cggmp/refresh/v1/confirm"
	// maxModLen is the encoded size of Π^mod at paillier.MaxBits.
	maxModLen = 4 + paillier.MaxBits/8 + mod.Repetitions*(2*paillier.MaxBits/8+1)
	// maxSchLen bounds one encoded Π^sch proof (a point and a scalar
	// with a small header).
	maxSchLen = 256
)

// g is the curve of every CGGMP key.
var g = share.Group

// Options configures the party's new Paillier key; it has the meaning of
// auxinfo.Options.
type Options struct {
	// Bits is the size of every party's new modulus N_j: even, in
	// [paillier.MinBits, paillier.MaxBits]; 0 means paillier.DefaultBits.
	// A peer whose modulus has another size is blamed.
	Bits int
	// Pool holds pre-generated safe primes of Bits/2 bits. When it is nil,
	// of another size or empty, the primes are generated (minutes at 3072
	// bits).
	Pool *paillier.Pool
}

// Start begins a refresh of key for party cfg.Self: it takes a new
// Paillier key of opts.Bits bits (primes from opts.Pool) and continues as
// StartWithKey. cfg.Parties must equal key.Parties: every holder of the
// key takes part. Run the round with round.NewMachine; the result is the
// refreshed *share.Key. key is only read, never changed or wiped.
func Start(ctx context.Context, cfg round.Config, key *share.Key, opts Options, rand io.Reader) (round.Round, []round.Message, error) {
	bits, err := auxcore.Bits(opts.Bits)
	if err != nil {
		return nil, nil, fmt.Errorf("refresh: start: %w", err)
	}
	if err := checkStart(cfg, key); err != nil {
		return nil, nil, err
	}
	sk, err := paillier.GenerateKey(ctx, rand, bits, opts.Pool)
	if err != nil {
		return nil, nil, fmt.Errorf("refresh: start: %w", err)
	}
	first, msgs, err := StartWithKey(cfg, key, opts, sk, rand)
	if err != nil {
		sk.Destroy()
	}
	return first, msgs, err
}

// StartWithKey begins a refresh with a new Paillier key the caller
// generated (in idle time, for example). sk must have exactly opts.Bits
// bits, must not be a modulus the key already uses, and must be used for
// no other session. Once StartWithKey succeeds the round owns sk: it is in
// the result, or wiped when a round aborts.
func StartWithKey(cfg round.Config, key *share.Key, opts Options, sk *paillier.SecretKey, rand io.Reader) (round.Round, []round.Message, error) {
	r1, err := newRound1(cfg, key, opts, sk, rand)
	if err != nil {
		return nil, nil, err
	}
	return r1, r1.commitMessages(), nil
}

// checkStart checks the session against the key being refreshed.
func checkStart(cfg round.Config, key *share.Key) error {
	if cfg.Protocol != Protocol {
		return fmt.Errorf("refresh: start: protocol %q is not %q", cfg.Protocol, Protocol)
	}
	if key == nil || key.Secret == nil || key.PublicKey == nil || key.Paillier == nil || key.Pedersen == nil {
		return errors.New("refresh: start: incomplete key")
	}
	n := len(key.Parties)
	if n < 1 || n > maxParties || key.Threshold < 1 || key.Threshold > n {
		return fmt.Errorf("refresh: start: %d-of-%d key", key.Threshold, n)
	}
	if !slices.Equal(cfg.Parties, key.Parties) {
		return errors.New("refresh: start: the session's parties are not the key's parties")
	}
	if cfg.Self != key.ID {
		return fmt.Errorf("refresh: start: the key is party %d's, not party %d's", key.ID, cfg.Self)
	}
	if key.Epoch == math.MaxUint32 {
		return errors.New("refresh: start: the key's epoch is exhausted")
	}
	for _, p := range key.Parties {
		if key.Shares[p] == nil {
			return fmt.Errorf("refresh: start: the key lacks party %d's public share", p)
		}
		if a, ok := key.Aux[p]; !ok || a.Paillier == nil || a.Pedersen == nil {
			return fmt.Errorf("refresh: start: the key lacks party %d's auxiliary information", p)
		}
	}
	if err := key.Validate(); err != nil {
		return fmt.Errorf("refresh: start: %w", err)
	}
	return nil
}

// keyDigest identifies the key state being refreshed: every party must
// refresh the same public key, threshold, parties, public shares, epoch
// and chain code, or the new shares would not fit together.
func keyDigest(key *share.Key) [hashLen]byte {
	h := sha256.New()
	h.Write([]byte(keyLabel))
	h.Write(key.PublicKey.Bytes())
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(key.Threshold)))
	h.Write(binary.BigEndian.AppendUint32(nil, key.Epoch))
	h.Write(key.ChainCode[:])
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(key.Parties))))
	for _, p := range key.Parties {
		h.Write(idBytes(p))
		h.Write(key.Shares[p].Bytes())
	}
	var d [hashLen]byte
	h.Sum(d[:0])
	return d
}

// sessionBytes prefixes sid with the protocol name in every proof context,
// so no proof made for another engine (auxinfo binds sid alone) verifies
// here.
func sessionBytes(sid round.SessionID) []byte {
	return append([]byte(Protocol), sid[:]...)
}

func idBytes(id round.PartyID) []byte { return auxcore.IDBytes(id) }

// schContext binds the Π^sch proof for coefficient k of party i's
// polynomial to (sid, rid, i, k) (keygen-grade binding, CGGMP21 Fig. 7,
// Round 3: ψ_i^k bound to ssid, rid and i).
func schContext(session []byte, rid [randLen]byte, prover round.PartyID, k int) zk.Context {
	s := append(append(slices.Clone(session), rid[:]...), binary.BigEndian.AppendUint16(nil, uint16(k))...)
	return zk.Context{SessionID: s, Prover: idBytes(prover)}
}

// commitment is V_i = SHA-256(label, sid, i, decommitment).
func commitment(sid round.SessionID, id round.PartyID, dec []byte) []byte {
	h := sha256.New()
	h.Write([]byte(commitLabel))
	h.Write(sid[:])
	h.Write(idBytes(id))
	h.Write(dec)
	return h.Sum(nil)
}

// decommit is what round 2 reveals (CGGMP21 Fig. 7, Round 2): rid_i, u_i,
// the Feldman commitments F_i,k = a_i,k·G and the Π^sch commitments
// A_i,k for k = 1..t−1 (no constant term: it is zero), and the encodings
// of (N_i, s_i, t_i) and ψ̂_i. Parsing checks the structure and the points;
// round 3 validates the Paillier and ring-Pedersen data.
type decommit struct {
	rid    [randLen]byte
	u      [randLen]byte
	F      []group.Element
	A      []group.Element
	params []byte
	prm    []byte
}

// marshal encodes version (1) ‖ rid (32) ‖ u (32) ‖ t−1 (2) ‖ F_i,1..t−1 ‖
// A_i,1..t−1 (compressed points) ‖ len (4) ‖ params ‖ len (4) ‖ ψ̂.
func (d *decommit) marshal() []byte {
	el := g.ElementLen()
	out := make([]byte, 0, 1+2*randLen+2+2*len(d.F)*el+8+len(d.params)+len(d.prm))
	out = append(out, wireVersion)
	out = append(out, d.rid[:]...)
	out = append(out, d.u[:]...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(d.F)))
	for _, e := range d.F {
		out = append(out, e.Bytes()...)
	}
	for _, e := range d.A {
		out = append(out, e.Bytes()...)
	}
	out = binary.BigEndian.AppendUint32(out, uint32(len(d.params)))
	out = append(out, d.params...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(d.prm)))
	return append(out, d.prm...)
}

// reader decodes length-checked fields; the first failure sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < n {
		r.err = errors.New("truncated")
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u16() int {
	if p := r.take(2); p != nil {
		return int(binary.BigEndian.Uint16(p))
	}
	return 0
}

// field reads a 4-byte length and at most max bytes.
func (r *reader) field(max int) []byte {
	p := r.take(4)
	if p == nil {
		return nil
	}
	if l := binary.BigEndian.Uint32(p); l > uint32(max) {
		r.err = errors.New("field too long")
		return nil
	}
	return r.take(int(binary.BigEndian.Uint32(p)))
}

func (r *reader) element() group.Element {
	p := r.take(g.ElementLen())
	if p == nil {
		return nil
	}
	e, err := g.ParseElement(p)
	if err != nil && r.err == nil {
		r.err = err
	}
	return e
}

func (r *reader) finish() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("trailing data")
	}
	return r.err
}

// parseDecommit decodes a decommitment of a threshold-t key, rejecting
// another version, a commitment count other than t−1, points off the curve
// (the identity has no encoding), truncated or trailing data and fields
// longer than a MaxBits modulus needs.
func parseDecommit(b []byte, t int) (*decommit, error) {
	r := &reader{b: b}
	if v := r.take(1); v == nil || v[0] != wireVersion {
		return nil, errors.New("parse decommitment: bad header")
	}
	d := &decommit{}
	copy(d.rid[:], r.take(randLen))
	copy(d.u[:], r.take(randLen))
	k := r.u16()
	if r.err == nil && k != t-1 {
		return nil, fmt.Errorf("parse decommitment: %d commitments, want %d (no constant term)", k, t-1)
	}
	if r.err == nil {
		d.F = make([]group.Element, k)
		d.A = make([]group.Element, k)
		for i := range d.F {
			d.F[i] = r.element()
		}
		for i := range d.A {
			d.A[i] = r.element()
		}
	}
	d.params = r.field(auxcore.MaxParamsLen)
	d.prm = r.field(auxcore.MaxPrmLen)
	if err := r.finish(); err != nil {
		return nil, fmt.Errorf("parse decommitment: %w", err)
	}
	return d, nil
}

// proofs is party i's round-3 broadcast: ψ_i (Π^mod, parsed against N_i
// when verified) and the Π^sch responses for a_i,1..a_i,t−1.
type proofs struct {
	mod []byte
	sch []*sch.Proof
}

// marshal encodes version (1) ‖ len (4) ‖ Π^mod ‖ t−1 (2) ‖ (len (2) ‖
// Π^sch) × (t−1).
func (p *proofs) marshal() []byte {
	out := []byte{wireVersion}
	out = binary.BigEndian.AppendUint32(out, uint32(len(p.mod)))
	out = append(out, p.mod...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(p.sch)))
	for _, s := range p.sch {
		b := s.Marshal()
		out = binary.BigEndian.AppendUint16(out, uint16(len(b)))
		out = append(out, b...)
	}
	return out
}

// parseProofs decodes a round-3 broadcast for a threshold-t key; every
// Π^sch proof is parsed strictly (canonical, non-identity A, canonical z).
func parseProofs(b []byte, t int) (*proofs, error) {
	r := &reader{b: b}
	if v := r.take(1); v == nil || v[0] != wireVersion {
		return nil, errors.New("parse proofs: bad header")
	}
	p := &proofs{mod: r.field(maxModLen)}
	k := r.u16()
	if r.err == nil && k != t-1 {
		return nil, fmt.Errorf("parse proofs: %d proofs of knowledge, want %d", k, t-1)
	}
	for i := 0; r.err == nil && i < k; i++ {
		l := r.u16()
		if r.err == nil && l > maxSchLen {
			return nil, errors.New("parse proofs: proof of knowledge too long")
		}
		raw := r.take(l)
		if r.err != nil {
			break
		}
		s, err := sch.Parse(g, raw)
		if err != nil {
			return nil, fmt.Errorf("parse proofs: proof of knowledge %d: %w", i+1, err)
		}
		p.sch = append(p.sch, s)
	}
	if err := r.finish(); err != nil {
		return nil, fmt.Errorf("parse proofs: %w", err)
	}
	return p, nil
}
