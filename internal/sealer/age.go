package sealer

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
	"golang.org/x/crypto/chacha20poly1305"
)

// maxAgeParams bounds the wrapped data key (an age file with one X25519
// stanza and a 32-byte payload is about 250 bytes).
const maxAgeParams = 1024

// AgeSealer seals to an age X25519 recipient and opens with its identity.
// Each blob carries a fresh 32-byte data key, wrapped with age; the secret
// itself is sealed with XChaCha20-Poly1305 under that data key, so the
// caller's associated data is authenticated (age alone has no AD).
type AgeSealer struct {
	id        *age.X25519Identity // nil for a seal-only sealer
	recipient *age.X25519Recipient
}

var _ Sealer = (*AgeSealer)(nil)

// NewAgeSealer returns a sealer that seals to id's recipient and opens with id.
func NewAgeSealer(id *age.X25519Identity) (*AgeSealer, error) {
	if id == nil {
		return nil, errors.New("sealer: age sealer: nil identity")
	}
	return &AgeSealer{id: id, recipient: id.Recipient()}, nil
}

// NewAgeRecipientSealer returns a seal-only sealer for recipient (for
// example, to write a backup on a machine that must not be able to read it).
// Its Open always fails with ErrWrongKey.
func NewAgeRecipientSealer(recipient *age.X25519Recipient) (*AgeSealer, error) {
	if recipient == nil {
		return nil, errors.New("sealer: age sealer: nil recipient")
	}
	return &AgeSealer{recipient: recipient}, nil
}

// LoadAgeIdentityFile reads an age identity file holding exactly one native
// X25519 identity ("AGE-SECRET-KEY-1…"; blank lines and # comments allowed).
func LoadAgeIdentityFile(path string) (*AgeSealer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sealer: age identity file: %w", err)
	}
	defer wipe(b)
	var found *age.X25519Identity
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if found != nil {
			return nil, errors.New("sealer: age identity file: more than one identity")
		}
		id, err := age.ParseX25519Identity(line)
		if err != nil {
			// Do not wrap: the cause may quote the line, which is secret.
			return nil, errors.New("sealer: age identity file: not an X25519 identity")
		}
		found = id
	}
	if found == nil {
		return nil, errors.New("sealer: age identity file: no identity")
	}
	return NewAgeSealer(found)
}

// Kind returns "age".
func (s *AgeSealer) Kind() string { return KindAge }

// Recipient returns the public recipient string ("age1…").
func (s *AgeSealer) Recipient() string { return s.recipient.String() }

func (s *AgeSealer) String() string             { return "sealer.AgeSealer{" + s.recipient.String() + "}" }
func (s *AgeSealer) GoString() string           { return s.String() }
func (s *AgeSealer) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// Seal encrypts plaintext bound to associatedData.
func (s *AgeSealer) Seal(plaintext, associatedData []byte) ([]byte, error) {
	dek := make([]byte, chacha20poly1305.KeySize)
	defer wipe(dek)
	if _, err := rand.Read(dek); err != nil {
		return nil, fmt.Errorf("sealer: seal: data key: %w", err)
	}
	var wrapped bytes.Buffer
	w, err := age.Encrypt(&wrapped, s.recipient)
	if err != nil {
		return nil, fmt.Errorf("sealer: seal: age: %w", err)
	}
	if _, err := w.Write(dek); err != nil {
		return nil, fmt.Errorf("sealer: seal: age: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("sealer: seal: age: %w", err)
	}
	if wrapped.Len() > maxAgeParams {
		return nil, fmt.Errorf("sealer: seal: wrapped key is %d bytes", wrapped.Len())
	}
	out := appendHeader(make([]byte, 0, headerFixed+wrapped.Len()+nonceSize+len(plaintext)+tagSize), kindByteAge, wrapped.Bytes())
	header := out[:len(out):len(out)]
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealer: seal: nonce: %w", err)
	}
	out = append(out, nonce...)
	aead, err := chacha20poly1305.NewX(dek)
	if err != nil {
		return nil, fmt.Errorf("sealer: seal: %w", err)
	}
	return aead.Seal(out, nonce, plaintext, aad(header, associatedData)), nil
}

// Open decrypts a blob sealed to this sealer's recipient. It returns
// ErrWrongKey if the blob was sealed to another recipient and ErrAuth if the
// blob or associatedData was altered.
func (s *AgeSealer) Open(sealed, associatedData []byte) ([]byte, error) {
	bl, err := parseBlob(sealed)
	if err != nil {
		return nil, fmt.Errorf("sealer: open: %w", err)
	}
	if bl.kind != kindByteAge {
		return nil, fmt.Errorf("sealer: open: blob sealed by %s, not age: %w", kindName(bl.kind), ErrWrongKey)
	}
	if len(bl.params) > maxAgeParams {
		return nil, fmt.Errorf("sealer: open: %w: wrapped key is %d bytes", ErrMalformed, len(bl.params))
	}
	if s.id == nil {
		return nil, fmt.Errorf("sealer: open: seal-only sealer has no identity: %w", ErrWrongKey)
	}
	r, err := age.Decrypt(bytes.NewReader(bl.params), s.id)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, fmt.Errorf("sealer: open: %w", ErrWrongKey)
		}
		return nil, fmt.Errorf("sealer: open: %w: wrapped key: %v", ErrMalformed, err)
	}
	dek := make([]byte, chacha20poly1305.KeySize+1)
	defer wipe(dek)
	n, err := io.ReadFull(r, dek)
	if err != io.ErrUnexpectedEOF || n != chacha20poly1305.KeySize {
		return nil, fmt.Errorf("sealer: open: %w: wrapped key has wrong length", ErrMalformed)
	}
	aead, err := chacha20poly1305.NewX(dek[:n])
	if err != nil {
		return nil, fmt.Errorf("sealer: open: %w", err)
	}
	pt, err := aead.Open(nil, bl.nonce, bl.ciphertext, aad(bl.header, associatedData))
	if err != nil {
		return nil, fmt.Errorf("sealer: open: %w", ErrAuth)
	}
	return pt, nil
}
