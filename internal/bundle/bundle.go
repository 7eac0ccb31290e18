// Package bundle defines the signing bundle: the authorization a share node
// checks, on its own, before it takes part in a signing ceremony.
//
// A bundle names the key, the exact messages (digests) that may be signed,
// a request id and an expiry, and is signed by an authorization key the node
// has pinned in its configuration. Until the policy plane exists that key
// is an operator key; the policy plane will fill in the intent, the
// transaction and the approvals in a later version of this format, and the
// node will check those too.
//
// # Format (version 1, big-endian)
//
//	magic      "CSBN"
//	version    1 byte (1)
//	requestLen 1 byte, request id (1..128 bytes)
//	keyLen     1 byte, key id (1..128 bytes)
//	notAfter   8 bytes, Unix seconds
//	count      2 bytes (1..MaxMessages), then per message: 4-byte length, bytes
//	merkle     1 byte flag (0/1), then 32 bytes if 1 (BIP341 script-tree root)
//	signer     32 bytes, the authorizing Ed25519 public key
//	signature  64 bytes, Ed25519 over "custos/bundle/v1" || all bytes above
//
// # Format version 2
//
// Version 2 is version 1 with the version byte 2 and, after the merkle
// field, the BIP32 derivation path the messages may be signed under (a
// threshold-ECDSA child key):
//
//	depth      1 byte (1..MaxPathDepth), then depth 4-byte non-hardened indices
//
// A bundle without a path (the root key) is always written as version 1,
// so every version-1 bundle keeps its encoding and meaning.
//
// Parse accepts exactly these encodings and nothing else.
package bundle

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

const (
	version     = 1
	versionPath = 2
	// MaxPathDepth bounds the derivation path of a version-2 bundle.
	MaxPathDepth = 16
	magic        = "CSBN"
	domain       = "custos/bundle/v1"
	MaxMessages  = 64
	MaxMessage   = 1 << 20
	maxIDLen     = 128
)

// Bundle is an authorization to sign Messages with KeyID until NotAfter.
type Bundle struct {
	RequestID  string
	KeyID      string
	NotAfter   time.Time
	Messages   [][]byte
	MerkleRoot []byte // BIP341 script-tree root for bip340 keys; nil otherwise
	// Path is the non-hardened BIP32 path of the child key the messages
	// may be signed under (threshold-ECDSA keys); nil for the key itself.
	Path      []uint32
	Signer    ed25519.PublicKey
	Signature []byte
}

// Errors a node reports when it refuses a bundle.
var (
	ErrMalformed     = errors.New("bundle: malformed")
	ErrUnauthorized  = errors.New("bundle: not signed by a pinned authorization key")
	ErrBadSignature  = errors.New("bundle: invalid authorization signature")
	ErrExpired       = errors.New("bundle: expired")
	ErrWrongKey      = errors.New("bundle: authorizes another key")
	ErrNotAuthorized = errors.New("bundle: message not authorized by the bundle")
)

func (b *Bundle) body() ([]byte, error) {
	if len(b.RequestID) == 0 || len(b.RequestID) > maxIDLen || len(b.KeyID) == 0 || len(b.KeyID) > maxIDLen {
		return nil, fmt.Errorf("%w: id length", ErrMalformed)
	}
	if len(b.Messages) == 0 || len(b.Messages) > MaxMessages {
		return nil, fmt.Errorf("%w: %d messages", ErrMalformed, len(b.Messages))
	}
	if b.MerkleRoot != nil && len(b.MerkleRoot) != 32 {
		return nil, fmt.Errorf("%w: merkle root length", ErrMalformed)
	}
	if len(b.Path) > MaxPathDepth {
		return nil, fmt.Errorf("%w: path depth %d", ErrMalformed, len(b.Path))
	}
	for _, i := range b.Path {
		if i >= 1<<31 {
			return nil, fmt.Errorf("%w: hardened path index", ErrMalformed)
		}
	}
	v := byte(version)
	if len(b.Path) > 0 {
		v = versionPath
	}
	out := []byte(magic)
	out = append(out, v, byte(len(b.RequestID)))
	out = append(out, b.RequestID...)
	out = append(out, byte(len(b.KeyID)))
	out = append(out, b.KeyID...)
	out = binary.BigEndian.AppendUint64(out, uint64(b.NotAfter.Unix()))
	out = binary.BigEndian.AppendUint16(out, uint16(len(b.Messages)))
	for _, m := range b.Messages {
		if len(m) == 0 || len(m) > MaxMessage {
			return nil, fmt.Errorf("%w: message length %d", ErrMalformed, len(m))
		}
		out = binary.BigEndian.AppendUint32(out, uint32(len(m)))
		out = append(out, m...)
	}
	if b.MerkleRoot != nil {
		out = append(out, 1)
		out = append(out, b.MerkleRoot...)
	} else {
		out = append(out, 0)
	}
	if len(b.Path) > 0 {
		out = append(out, byte(len(b.Path)))
		for _, i := range b.Path {
			out = binary.BigEndian.AppendUint32(out, i)
		}
	}
	return out, nil
}

// Sign fills in Signer and Signature with key.
func (b *Bundle) Sign(key ed25519.PrivateKey) error {
	b.Signer = key.Public().(ed25519.PublicKey)
	body, err := b.body()
	if err != nil {
		return err
	}
	body = append(body, b.Signer...)
	b.Signature = ed25519.Sign(key, append([]byte(domain), body...))
	return nil
}

// Marshal encodes a signed bundle.
func (b *Bundle) Marshal() ([]byte, error) {
	body, err := b.body()
	if err != nil {
		return nil, err
	}
	if len(b.Signer) != ed25519.PublicKeySize || len(b.Signature) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: unsigned", ErrMalformed)
	}
	body = append(body, b.Signer...)
	return append(body, b.Signature...), nil
}

// Parse decodes a bundle. It does not check the signature: Verify does.
func Parse(data []byte) (*Bundle, error) {
	r := bytes.NewReader(data)
	fail := func(what string) (*Bundle, error) { return nil, fmt.Errorf("%w: %s", ErrMalformed, what) }
	read := func(n int) []byte {
		if n < 0 || r.Len() < n {
			return nil
		}
		p := make([]byte, n)
		r.Read(p) //nolint:errcheck // length checked
		return p
	}
	if m := read(4); string(m) != magic {
		return fail("magic")
	}
	v := read(1)
	if v == nil || (v[0] != version && v[0] != versionPath) {
		return fail("version")
	}
	b := &Bundle{}
	for _, dst := range []*string{&b.RequestID, &b.KeyID} {
		l := read(1)
		if l == nil || l[0] == 0 || int(l[0]) > maxIDLen {
			return fail("id length")
		}
		s := read(int(l[0]))
		if s == nil {
			return fail("truncated id")
		}
		*dst = string(s)
	}
	t := read(8)
	if t == nil {
		return fail("truncated expiry")
	}
	na := binary.BigEndian.Uint64(t)
	if na > 1<<40 {
		return fail("expiry out of range")
	}
	b.NotAfter = time.Unix(int64(na), 0).UTC()
	c := read(2)
	if c == nil {
		return fail("truncated count")
	}
	n := int(binary.BigEndian.Uint16(c))
	if n == 0 || n > MaxMessages {
		return fail("message count")
	}
	for range n {
		l := read(4)
		if l == nil {
			return fail("truncated message length")
		}
		ml := int(binary.BigEndian.Uint32(l))
		if ml == 0 || ml > MaxMessage {
			return fail("message length")
		}
		m := read(ml)
		if m == nil {
			return fail("truncated message")
		}
		b.Messages = append(b.Messages, m)
	}
	switch f := read(1); {
	case f == nil:
		return fail("truncated merkle flag")
	case f[0] == 1:
		if b.MerkleRoot = read(32); b.MerkleRoot == nil {
			return fail("truncated merkle root")
		}
	case f[0] != 0:
		return fail("merkle flag")
	}
	if v[0] == versionPath {
		d := read(1)
		if d == nil || d[0] == 0 || int(d[0]) > MaxPathDepth {
			return fail("path depth")
		}
		for range int(d[0]) {
			ib := read(4)
			if ib == nil {
				return fail("truncated path")
			}
			i := binary.BigEndian.Uint32(ib)
			if i >= 1<<31 {
				return fail("hardened path index")
			}
			b.Path = append(b.Path, i)
		}
	}
	if b.Signer = read(ed25519.PublicKeySize); b.Signer == nil {
		return fail("truncated signer")
	}
	if b.Signature = read(ed25519.SignatureSize); b.Signature == nil {
		return fail("truncated signature")
	}
	if r.Len() != 0 {
		return fail("trailing bytes")
	}
	return b, nil
}

// Verify checks the bundle as a share node must before signing msg with
// keyID: signed by one of the pinned keys, not expired at now, for keyID,
// and msg among the authorized messages. The signer must also sign under
// b.Path and nothing else (a node checks the path it derives).
func (b *Bundle) Verify(pinned []ed25519.PublicKey, keyID string, msg []byte, now time.Time) error {
	ok := false
	for _, k := range pinned {
		if bytes.Equal(k, b.Signer) {
			ok = true
		}
	}
	if !ok {
		return ErrUnauthorized
	}
	body, err := b.body()
	if err != nil {
		return err
	}
	body = append(body, b.Signer...)
	if !ed25519.Verify(b.Signer, append([]byte(domain), body...), b.Signature) {
		return ErrBadSignature
	}
	if !now.Before(b.NotAfter) {
		return ErrExpired
	}
	if b.KeyID != keyID {
		return ErrWrongKey
	}
	for _, m := range b.Messages {
		if bytes.Equal(m, msg) {
			return nil
		}
	}
	return ErrNotAuthorized
}
