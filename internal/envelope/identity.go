package envelope

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hpke"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"filippo.io/edwards25519"
)

const (
	identityVersion = 1
	x25519Size      = 32
	// IdentitySize is the length of a marshaled Identity.
	IdentitySize = 1 + ed25519.SeedSize + x25519Size
	// PublicIdentitySize is the length of a marshaled PublicIdentity.
	PublicIdentitySize = 1 + ed25519.PublicKeySize + x25519Size
)

// The HPKE suite: DHKEM(X25519, HKDF-SHA256) (the KEM of the keys made by
// hpke.NewDHKEMPrivateKey over X25519), HKDF-SHA256, ChaCha20-Poly1305.
var (
	suiteKDF  = hpke.HKDFSHA256()
	suiteAEAD = hpke.ChaCha20Poly1305()
)

// Identity is a node's long-term message keys: an Ed25519 signing key and an
// HPKE (X25519) decryption key. It prints as <redacted>; Destroy wipes what
// Go lets us wipe.
type Identity struct {
	sign   ed25519.PrivateKey
	x25519 []byte
	hpke   hpke.PrivateKey
	public PublicIdentity
}

// NewIdentity draws a fresh identity from rand (crypto/rand.Reader in
// production).
func NewIdentity(rand io.Reader) (*Identity, error) {
	var b [IdentitySize]byte
	b[0] = identityVersion
	if _, err := io.ReadFull(rand, b[1:]); err != nil {
		return nil, fmt.Errorf("envelope: new identity: %w", err)
	}
	defer wipe(b[:])
	return ParseIdentity(b[:])
}

// ParseIdentity decodes an identity written by Marshal.
func ParseIdentity(b []byte) (*Identity, error) {
	if len(b) != IdentitySize {
		return nil, fmt.Errorf("envelope: parse identity: %d bytes, want %d", len(b), IdentitySize)
	}
	if b[0] != identityVersion {
		return nil, fmt.Errorf("envelope: parse identity: unsupported version %d", b[0])
	}
	seed := b[1 : 1+ed25519.SeedSize]
	xb := b[1+ed25519.SeedSize:]
	xpriv, err := ecdh.X25519().NewPrivateKey(xb)
	if err != nil {
		return nil, fmt.Errorf("envelope: parse identity: x25519: %w", err)
	}
	hpriv, err := hpke.NewDHKEMPrivateKey(xpriv)
	if err != nil {
		return nil, fmt.Errorf("envelope: parse identity: hpke: %w", err)
	}
	id := &Identity{
		sign:   ed25519.NewKeyFromSeed(seed),
		x25519: append([]byte(nil), xb...),
		hpke:   hpriv,
	}
	pub, err := newPublicIdentity(id.sign.Public().(ed25519.PublicKey), xpriv.PublicKey().Bytes())
	if err != nil {
		// Only an X25519 private key whose public key is low order could
		// get here, which clamping rules out.
		return nil, fmt.Errorf("envelope: parse identity: %w", err)
	}
	id.public = pub
	return id, nil
}

// Marshal returns the secret encoding of id, for sealed storage only.
func (id *Identity) Marshal() []byte {
	out := make([]byte, 0, IdentitySize)
	out = append(out, identityVersion)
	out = append(out, id.sign.Seed()...)
	return append(out, id.x25519...)
}

// Public returns the public half of id.
func (id *Identity) Public() PublicIdentity { return id.public }

// Destroy wipes the private key bytes held by id (best effort: the HPKE
// private key object cannot be wiped from outside crypto/ecdh).
func (id *Identity) Destroy() {
	wipe(id.sign)
	wipe(id.x25519)
	id.sign, id.x25519, id.hpke = nil, nil, nil
}

// String, GoString, Format and MarshalText have value receivers so that
// both Identity and *Identity print as redacted.

func (Identity) String() string                { return "envelope.Identity{" + redacted + "}" }
func (id Identity) GoString() string           { return id.String() }
func (id Identity) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, id.String()) }
func (Identity) MarshalText() ([]byte, error)  { return []byte(redacted), nil }

// PublicIdentity is a node's public message keys: Ed25519 verification key
// and HPKE (X25519) public key. Values from ParsePublicIdentity are
// validated; the zero value is unusable.
type PublicIdentity struct {
	raw    [PublicIdentitySize]byte
	verify ed25519.PublicKey
	hpke   hpke.PublicKey
}

func newPublicIdentity(edPub, xPub []byte) (PublicIdentity, error) {
	var p PublicIdentity
	p.raw[0] = identityVersion
	copy(p.raw[1:], edPub)
	copy(p.raw[1+ed25519.PublicKeySize:], xPub)
	return ParsePublicIdentity(p.raw[:])
}

// lowOrderProbe is any valid X25519 scalar: ECDH with a low-order point
// yields the all-zero secret, which crypto/ecdh rejects.
var lowOrderProbe = func() *ecdh.PrivateKey {
	k, err := ecdh.X25519().NewPrivateKey(make([]byte, 32))
	if err != nil {
		panic(err)
	}
	return k
}()

// ParsePublicIdentity decodes and validates a public identity: the Ed25519
// key must be a canonical point of large order and the X25519 key must not
// be a low-order point.
func ParsePublicIdentity(b []byte) (PublicIdentity, error) {
	var p PublicIdentity
	if len(b) != PublicIdentitySize {
		return p, fmt.Errorf("envelope: parse public identity: %d bytes, want %d", len(b), PublicIdentitySize)
	}
	if b[0] != identityVersion {
		return p, fmt.Errorf("envelope: parse public identity: unsupported version %d", b[0])
	}
	edb := b[1 : 1+ed25519.PublicKeySize]
	pt, err := new(edwards25519.Point).SetBytes(edb)
	if err != nil {
		return p, errors.New("envelope: parse public identity: ed25519 key is not a point")
	}
	if !bytes.Equal(pt.Bytes(), edb) {
		return p, errors.New("envelope: parse public identity: ed25519 key is not canonical")
	}
	if new(edwards25519.Point).MultByCofactor(pt).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return p, errors.New("envelope: parse public identity: ed25519 key has small order")
	}
	xb := b[1+ed25519.PublicKeySize:]
	xpub, err := ecdh.X25519().NewPublicKey(xb)
	if err != nil {
		return p, fmt.Errorf("envelope: parse public identity: x25519: %w", err)
	}
	if _, err := lowOrderProbe.ECDH(xpub); err != nil {
		return p, errors.New("envelope: parse public identity: x25519 key has low order")
	}
	hpub, err := hpke.NewDHKEMPublicKey(xpub)
	if err != nil {
		return p, fmt.Errorf("envelope: parse public identity: hpke: %w", err)
	}
	copy(p.raw[:], b)
	p.verify = ed25519.PublicKey(p.raw[1 : 1+ed25519.PublicKeySize : 1+ed25519.PublicKeySize])
	p.hpke = hpub
	return p, nil
}

// Marshal returns the encoding of p.
func (p PublicIdentity) Marshal() []byte { return append([]byte(nil), p.raw[:]...) }

// Equal reports whether p and q are the same identity.
func (p PublicIdentity) Equal(q PublicIdentity) bool {
	return subtle.ConstantTimeCompare(p.raw[:], q.raw[:]) == 1
}

// valid reports whether p came from ParsePublicIdentity.
func (p PublicIdentity) valid() bool { return p.hpke != nil }

func (p PublicIdentity) String() string {
	return fmt.Sprintf("envelope.PublicIdentity{%x}", p.raw[1:9])
}

const redacted = "<redacted>"

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
