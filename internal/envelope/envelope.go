package envelope

import (
	"crypto/ed25519"
	"crypto/hpke"
	"encoding/binary"
	"errors"
	"fmt"
)

// Version is the envelope wire-format version this package writes.
const Version = 1

// Bounds enforced by Seal and Parse.
const (
	SessionSize    = 32
	MaxProtocolLen = 32
	// MaxPayload bounds the payload on the wire (after HPKE sealing).
	MaxPayload = 4 << 20
	// MaxPlaintext bounds what Seal accepts for a point-to-point message.
	MaxPlaintext = MaxPayload - hpkeOverhead

	hpkeEncSize  = 32 // DHKEM(X25519) encapsulated key
	hpkeOverhead = hpkeEncSize + 16

	headerFixed = 1 + SessionSize + 1 + 2 + 2 + 2 + 1 + 4 // without protocol bytes
	// MaxSize is the largest valid encoded envelope.
	MaxSize = headerFixed + MaxProtocolLen + MaxPayload + ed25519.SignatureSize
)

// Domain-separation labels.
const (
	sigContext  = "custos/envelope/v1/sig"
	hpkeInfo    = "custos/envelope/v1/hpke"
	hpkeAADTag  = "custos/envelope/v1/aad"
	broadcastID = 0
)

var (
	// ErrMalformed reports an encoding Parse rejects, or a header Seal
	// refuses.
	ErrMalformed = errors.New("malformed envelope")
	// ErrBadSignature reports an envelope whose signature does not verify
	// under the claimed sender's key.
	ErrBadSignature = errors.New("bad signature")
	// ErrDecrypt reports a point-to-point payload that this node cannot
	// open: it is addressed to another node or was altered.
	ErrDecrypt = errors.New("cannot decrypt payload")
)

// Header is everything in an envelope except the payload and signature.
type Header struct {
	Session   [SessionSize]byte
	Protocol  string // e.g. "frost-ed25519/sign"; 1..MaxProtocolLen bytes of [a-z0-9._/-]
	Round     uint16
	Sender    uint16 // party id, nonzero
	Recipient uint16 // party id; 0 means broadcast
	Kind      uint8  // application-defined message kind
}

// Broadcast reports whether h addresses every party.
func (h *Header) Broadcast() bool { return h.Recipient == broadcastID }

func (h *Header) validate() error {
	if err := validProtocol(h.Protocol); err != nil {
		return err
	}
	if h.Sender == 0 {
		return fmt.Errorf("%w: sender is zero", ErrMalformed)
	}
	if h.Recipient == h.Sender {
		return fmt.Errorf("%w: recipient is the sender", ErrMalformed)
	}
	return nil
}

func validProtocol(p string) error {
	if len(p) == 0 || len(p) > MaxProtocolLen {
		return fmt.Errorf("%w: protocol name length %d not in [1, %d]", ErrMalformed, len(p), MaxProtocolLen)
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '/' || c == '-') {
			return fmt.Errorf("%w: protocol name has byte 0x%02x", ErrMalformed, c)
		}
	}
	return nil
}

// appendHeader appends the header encoding (version through kind).
func (h *Header) appendTo(dst []byte, version uint8) []byte {
	dst = append(dst, version)
	dst = append(dst, h.Session[:]...)
	dst = append(dst, byte(len(h.Protocol)))
	dst = append(dst, h.Protocol...)
	dst = binary.BigEndian.AppendUint16(dst, h.Round)
	dst = binary.BigEndian.AppendUint16(dst, h.Sender)
	dst = binary.BigEndian.AppendUint16(dst, h.Recipient)
	return append(dst, h.Kind)
}

// Envelope is a signed protocol message. Payload is the cleartext of a
// broadcast, or the HPKE ciphertext (enc ‖ sealed) of a point-to-point
// message.
type Envelope struct {
	Version uint8
	Header
	Payload   []byte
	Signature [ed25519.SignatureSize]byte
}

// appendSigned appends every field but the signature: the signed bytes,
// after the domain label.
func (e *Envelope) appendSigned(dst []byte) []byte {
	dst = e.Header.appendTo(dst, e.Version)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(e.Payload)))
	return append(dst, e.Payload...)
}

func (e *Envelope) signedMessage() []byte {
	msg := make([]byte, 0, len(sigContext)+headerFixed+len(e.Protocol)+len(e.Payload))
	msg = append(msg, sigContext...)
	return e.appendSigned(msg)
}

// hpkeAAD is the AEAD associated data binding a sealed payload to its header.
func hpkeAAD(h *Header, version uint8) []byte {
	aad := make([]byte, 0, len(hpkeAADTag)+headerFixed+len(h.Protocol))
	aad = append(aad, hpkeAADTag...)
	return h.appendTo(aad, version)
}

// Marshal returns the wire encoding of e.
func (e *Envelope) Marshal() []byte {
	out := make([]byte, 0, headerFixed+len(e.Protocol)+len(e.Payload)+ed25519.SignatureSize)
	out = e.appendSigned(out)
	return append(out, e.Signature[:]...)
}

// Parse strictly decodes an envelope: known version, bounded lengths, valid
// header fields, and no trailing bytes. It does not verify the signature;
// Open does.
func Parse(b []byte) (*Envelope, error) {
	e, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("envelope: parse: %w", err)
	}
	return e, nil
}

func parse(b []byte) (*Envelope, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrMalformed, len(b), MaxSize)
	}
	if len(b) < 1 {
		return nil, fmt.Errorf("%w: empty", ErrMalformed)
	}
	if b[0] != Version {
		return nil, fmt.Errorf("%w: unsupported version %d", ErrMalformed, b[0])
	}
	if len(b) < 1+SessionSize+1 {
		return nil, fmt.Errorf("%w: truncated header", ErrMalformed)
	}
	e := &Envelope{Version: b[0]}
	copy(e.Session[:], b[1:1+SessionSize])
	off := 1 + SessionSize
	plen := int(b[off])
	off++
	if plen == 0 || plen > MaxProtocolLen {
		return nil, fmt.Errorf("%w: protocol name length %d not in [1, %d]", ErrMalformed, plen, MaxProtocolLen)
	}
	if len(b) < off+plen+2+2+2+1+4 {
		return nil, fmt.Errorf("%w: truncated header", ErrMalformed)
	}
	e.Protocol = string(b[off : off+plen])
	off += plen
	e.Round = binary.BigEndian.Uint16(b[off:])
	e.Sender = binary.BigEndian.Uint16(b[off+2:])
	e.Recipient = binary.BigEndian.Uint16(b[off+4:])
	e.Kind = b[off+6]
	n := binary.BigEndian.Uint32(b[off+7:])
	off += 11
	if err := e.Header.validate(); err != nil {
		return nil, err
	}
	if n > MaxPayload {
		return nil, fmt.Errorf("%w: payload length %d exceeds %d", ErrMalformed, n, MaxPayload)
	}
	if e.Recipient != broadcastID && n < hpkeOverhead {
		return nil, fmt.Errorf("%w: point-to-point payload of %d bytes is shorter than HPKE overhead", ErrMalformed, n)
	}
	if want := off + int(n) + ed25519.SignatureSize; len(b) != want {
		return nil, fmt.Errorf("%w: %d bytes, header says %d", ErrMalformed, len(b), want)
	}
	e.Payload = append([]byte(nil), b[off:off+int(n)]...)
	copy(e.Signature[:], b[off+int(n):])
	return e, nil
}

// Seal builds an envelope from hdr and payload, signed by from. For a
// point-to-point header (hdr.Recipient ≠ 0) to must be the recipient's
// public identity and the payload is sealed to it; for a broadcast to must
// be nil and the payload travels in the clear (but signed).
func Seal(from *Identity, to *PublicIdentity, hdr Header, payload []byte) (*Envelope, error) {
	if from == nil || from.sign == nil {
		return nil, errors.New("envelope: seal: no sender identity")
	}
	if err := hdr.validate(); err != nil {
		return nil, fmt.Errorf("envelope: seal: %w", err)
	}
	e := &Envelope{Version: Version, Header: hdr}
	if hdr.Broadcast() {
		if to != nil {
			return nil, errors.New("envelope: seal: broadcast header with a recipient identity")
		}
		if len(payload) > MaxPayload {
			return nil, fmt.Errorf("envelope: seal: %w: payload of %d bytes exceeds %d", ErrMalformed, len(payload), MaxPayload)
		}
		e.Payload = append([]byte(nil), payload...)
	} else {
		if to == nil || !to.valid() {
			return nil, errors.New("envelope: seal: point-to-point header without a recipient identity")
		}
		if len(payload) > MaxPlaintext {
			return nil, fmt.Errorf("envelope: seal: %w: payload of %d bytes exceeds %d", ErrMalformed, len(payload), MaxPlaintext)
		}
		enc, s, err := hpke.NewSender(to.hpke, suiteKDF, suiteAEAD, []byte(hpkeInfo))
		if err != nil {
			return nil, fmt.Errorf("envelope: seal: hpke: %w", err)
		}
		if len(enc) != hpkeEncSize {
			return nil, fmt.Errorf("envelope: seal: hpke: encapsulated key is %d bytes", len(enc))
		}
		out, err := s.Seal(hpkeAAD(&hdr, Version), payload)
		if err != nil {
			return nil, fmt.Errorf("envelope: seal: hpke: %w", err)
		}
		e.Payload = append(append(make([]byte, 0, hpkeEncSize+len(out)), enc...), out...)
	}
	copy(e.Signature[:], ed25519.Sign(from.sign, e.signedMessage()))
	return e, nil
}

// Open verifies env's signature under from (the pinned identity of party
// env.Sender) and returns its payload, decrypted with me for a
// point-to-point envelope. me may be nil for a broadcast. It does not check
// replay, session or round: see Guard.
func Open(env *Envelope, from PublicIdentity, me *Identity) ([]byte, error) {
	if env == nil {
		return nil, fmt.Errorf("envelope: open: %w: nil envelope", ErrMalformed)
	}
	if !from.valid() {
		return nil, errors.New("envelope: open: sender identity is not a parsed PublicIdentity")
	}
	if env.Version != Version {
		return nil, fmt.Errorf("envelope: open: %w: unsupported version %d", ErrMalformed, env.Version)
	}
	if err := env.Header.validate(); err != nil {
		return nil, fmt.Errorf("envelope: open: %w", err)
	}
	if len(env.Payload) > MaxPayload {
		return nil, fmt.Errorf("envelope: open: %w: payload too long", ErrMalformed)
	}
	if !ed25519.Verify(from.verify, env.signedMessage(), env.Signature[:]) {
		return nil, fmt.Errorf("envelope: open: %w", ErrBadSignature)
	}
	if env.Broadcast() {
		return append([]byte(nil), env.Payload...), nil
	}
	if me == nil || me.hpke == nil {
		return nil, errors.New("envelope: open: point-to-point envelope and no identity to open it")
	}
	if len(env.Payload) < hpkeOverhead {
		return nil, fmt.Errorf("envelope: open: %w: payload shorter than HPKE overhead", ErrMalformed)
	}
	r, err := hpke.NewRecipient(env.Payload[:hpkeEncSize], me.hpke, suiteKDF, suiteAEAD, []byte(hpkeInfo))
	if err != nil {
		return nil, fmt.Errorf("envelope: open: %w", ErrDecrypt)
	}
	pt, err := r.Open(hpkeAAD(&env.Header, env.Version), env.Payload[hpkeEncSize:])
	if err != nil {
		return nil, fmt.Errorf("envelope: open: %w", ErrDecrypt)
	}
	return pt, nil
}
