package frost

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/protocol/round"
)

// Wire and storage formats. Every encoding starts with a format version
// and the suite code, then fixed-width fields; parsers accept exactly one
// canonical encoding and reject trailing bytes.

const formatVersion = 1

// Limits that keep a hostile peer from making a parser allocate much.
const (
	MaxParties    = 1024
	MaxMessageLen = 1 << 20
)

var errTruncated = errors.New("frost: truncated encoding")

type reader struct {
	b     []byte
	suite *Suite
	err   error
}

func newReader(b []byte) *reader {
	r := &reader{b: b}
	if v := r.u8(); r.err == nil && v != formatVersion {
		r.err = fmt.Errorf("frost: unsupported format version %d", v)
	}
	if c := r.u8(); r.err == nil {
		r.suite, r.err = suiteByCode(c)
	}
	return r
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < n {
		r.err = errTruncated
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8() byte {
	b := r.take(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (r *reader) u16() uint16 {
	b := r.take(2)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

func (r *reader) u32() uint32 {
	b := r.take(4)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func (r *reader) id() round.PartyID {
	v := round.PartyID(r.u16())
	if r.err == nil && v == 0 {
		r.err = errors.New("frost: party id 0")
	}
	return v
}

func (r *reader) count() int {
	n := int(r.u16())
	if r.err == nil && (n == 0 || n > MaxParties) {
		r.err = fmt.Errorf("frost: count %d out of range", n)
	}
	return n
}

func (r *reader) element() group.Element {
	if r.err != nil {
		return nil // r.suite may be unknown
	}
	b := r.take(r.suite.Group.ElementLen())
	if r.err != nil {
		return nil
	}
	e, err := r.suite.Group.ParseElement(b)
	if err != nil {
		r.err = fmt.Errorf("frost: %w", err)
	}
	return e
}

func (r *reader) scalar() group.Scalar {
	if r.err != nil {
		return nil // r.suite may be unknown
	}
	b := r.take(r.suite.Group.ScalarLen())
	if r.err != nil {
		return nil
	}
	s, err := r.suite.Group.ParseScalar(b)
	if err != nil {
		r.err = fmt.Errorf("frost: %w", err)
	}
	return s
}

func (r *reader) done() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("frost: trailing bytes after encoding")
	}
	return r.err
}

type writer []byte

func newWriter(s *Suite) writer { return writer{formatVersion, s.code} }

func (w writer) u8(v byte) writer          { return append(w, v) }
func (w writer) u16(v uint16) writer       { return binary.BigEndian.AppendUint16(w, v) }
func (w writer) u32(v uint32) writer       { return binary.BigEndian.AppendUint32(w, v) }
func (w writer) id(v round.PartyID) writer { return w.u16(uint16(v)) }
func (w writer) el(e group.Element) writer { return append(w, e.Bytes()...) }
func (w writer) sc(s group.Scalar) writer  { return append(w, s.Bytes()...) }
func (w writer) commitment(c Commitment) writer {
	return w.id(c.ID).el(c.Hiding).el(c.Binding)
}

// MarshalCommitment encodes a signer's round-one commitment.
func MarshalCommitment(s *Suite, c Commitment) []byte {
	return newWriter(s).commitment(c)
}

// ParseCommitment decodes a commitment of the given suite.
func ParseCommitment(s *Suite, b []byte) (Commitment, error) {
	r := newReader(b)
	if r.err == nil && r.suite != s {
		return Commitment{}, errors.New("frost: commitment for another suite")
	}
	c := Commitment{ID: r.id(), Hiding: r.element(), Binding: r.element()}
	return c, r.done()
}

// MarshalSigningPackage encodes the round-two input the coordinator sends.
func MarshalSigningPackage(s *Suite, p *SigningPackage) []byte {
	w := newWriter(s).u32(uint32(len(p.Message)))
	w = append(w, p.Message...)
	if p.MerkleRoot != nil {
		w = w.u8(1)
		w = append(w, p.MerkleRoot...)
	} else {
		w = w.u8(0)
	}
	w = w.u16(uint16(len(p.Commitments)))
	for _, c := range p.Commitments {
		w = w.commitment(c)
	}
	return w
}

// ParseSigningPackage decodes a signing package of the given suite.
func ParseSigningPackage(s *Suite, b []byte) (*SigningPackage, error) {
	return parseSigningPackage(s, b, nil)
}

// ParseSigningPackageFor decodes a signing package for a signer that made
// commitment own: its own entry is compared byte for byte with what it
// made (a mismatch fails the parse) instead of being decoded and
// validated again, which for edwards25519 saves two subgroup checks.
func ParseSigningPackageFor(s *Suite, b []byte, own Commitment) (*SigningPackage, error) {
	return parseSigningPackage(s, b, &own)
}

func parseSigningPackage(s *Suite, b []byte, own *Commitment) (*SigningPackage, error) {
	r := newReader(b)
	if r.err == nil && r.suite != s {
		return nil, errors.New("frost: signing package for another suite")
	}
	p := &SigningPackage{}
	n := r.u32()
	if r.err == nil && n > MaxMessageLen {
		return nil, errors.New("frost: message too long")
	}
	p.Message = append([]byte{}, r.take(int(n))...)
	switch r.u8() {
	case 0:
	case 1:
		p.MerkleRoot = append([]byte{}, r.take(32)...)
	default:
		if r.err == nil {
			r.err = errors.New("frost: bad merkle root flag")
		}
	}
	k := r.count()
	var ownEnc []byte
	if own != nil {
		ownEnc = concat(own.Hiding.Bytes(), own.Binding.Bytes())
	}
	for i := 0; i < k && r.err == nil; i++ {
		id := r.id()
		if own != nil && id == own.ID && r.err == nil {
			if enc := r.take(len(ownEnc)); r.err == nil && string(enc) != string(ownEnc) {
				r.err = errors.New("frost: own commitment altered in the signing package")
			}
			p.Commitments = append(p.Commitments, *own)
			continue
		}
		p.Commitments = append(p.Commitments, Commitment{ID: id, Hiding: r.element(), Binding: r.element()})
	}
	if err := r.done(); err != nil {
		return nil, err
	}
	return p, nil
}

// MarshalSignatureShare encodes a round-two share.
func MarshalSignatureShare(s *Suite, z SignatureShare) []byte {
	return newWriter(s).id(z.ID).sc(z.Z)
}

// ParseSignatureShare decodes a share of the given suite.
func ParseSignatureShare(s *Suite, b []byte) (SignatureShare, error) {
	r := newReader(b)
	if r.err == nil && r.suite != s {
		return SignatureShare{}, errors.New("frost: signature share for another suite")
	}
	z := SignatureShare{ID: r.id(), Z: r.scalar()}
	return z, r.done()
}

// MarshalShareReport encodes a round-two share followed by the group
// commitment its signer computed (SignWithCommitment), for an aggregator
// that uses AggregateReported.
func MarshalShareReport(s *Suite, z SignatureShare, commitment []byte) []byte {
	return append(MarshalSignatureShare(s, z), commitment...)
}

// ParseShareReport decodes MarshalShareReport's encoding: the share, and
// the reported commitment as bytes of an element's length (AggregateReported
// parses it only if it uses it).
func ParseShareReport(s *Suite, b []byte) (SignatureShare, []byte, error) {
	n := s.Group.ElementLen()
	if len(b) < n {
		return SignatureShare{}, nil, errTruncated
	}
	z, err := ParseSignatureShare(s, b[:len(b)-n])
	if err != nil {
		return SignatureShare{}, nil, err
	}
	return z, b[len(b)-n:], nil
}

func (w writer) publicKey(pk *PublicKey) writer {
	ids := pk.Parties()
	w = w.u16(uint16(pk.Threshold)).u16(uint16(len(ids))).el(pk.Key)
	for _, id := range ids {
		w = w.id(id).el(pk.Shares[id])
	}
	return w
}

func (r *reader) publicKey() *PublicKey {
	pk := &PublicKey{Suite: r.suite, Threshold: int(r.u16())}
	n := r.count()
	pk.Key = r.element()
	pk.Shares = make(map[round.PartyID]group.Element, n)
	prev := round.PartyID(0)
	for i := 0; i < n && r.err == nil; i++ {
		id := r.id()
		if r.err == nil && id <= prev {
			r.err = errors.New("frost: verification shares not sorted")
		}
		prev = id
		pk.Shares[id] = r.element()
	}
	if r.err == nil {
		r.err = pk.Validate()
	}
	return pk
}

// MarshalPublicKey encodes a threshold public key.
func MarshalPublicKey(pk *PublicKey) []byte { return newWriter(pk.Suite).publicKey(pk) }

// ParsePublicKey decodes and validates a threshold public key.
func ParsePublicKey(b []byte) (*PublicKey, error) {
	r := newReader(b)
	pk := r.publicKey()
	if err := r.done(); err != nil {
		return nil, err
	}
	return pk, nil
}

// MarshalKeyShare encodes a key share for sealed storage. The result
// contains the secret share: seal it before it leaves memory.
func MarshalKeyShare(k *KeyShare) []byte {
	return newWriter(k.Public.Suite).id(k.ID).sc(k.Secret).publicKey(k.Public)
}

// ParseKeyShare decodes a key share and checks it against its public key.
func ParseKeyShare(b []byte) (*KeyShare, error) {
	r := newReader(b)
	k := &KeyShare{ID: r.id(), Secret: r.scalar()}
	k.Public = r.publicKey()
	if err := r.done(); err != nil {
		return nil, err
	}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return k, nil
}

// MarshalNonces encodes unused nonces for sealed storage (a preprocessed
// nonce a share node keeps until a signing request spends it), with their
// commitment, so that reading them back costs two point decodings instead
// of two scalar multiplications and two encodings.
func MarshalNonces(n *Nonces) ([]byte, error) {
	if n.used {
		return nil, ErrNonceReused
	}
	return newWriter(n.suite).id(n.commitment.ID).sc(n.hiding).sc(n.binding).
		el(n.commitment.Hiding).el(n.commitment.Binding), nil
}

// ParseNonces decodes stored nonces. The commitment is taken as stored
// (the blob is the node's own, authenticated by its sealer); nonces stored
// without it, by earlier versions, get it recomputed.
func ParseNonces(b []byte) (*Nonces, error) {
	r := newReader(b)
	id, d, e := r.id(), r.scalar(), r.scalar()
	var c Commitment
	if r.err == nil && len(r.b) > 0 {
		c = Commitment{ID: id, Hiding: r.element(), Binding: r.element()}
	}
	if err := r.done(); err != nil {
		return nil, err
	}
	if d.IsZero() || e.IsZero() {
		return nil, errors.New("frost: zero nonce")
	}
	if c.Hiding == nil {
		return newNonces(r.suite, id, d, e), nil
	}
	return &Nonces{suite: r.suite, hiding: d, binding: e, commitment: c}, nil
}
