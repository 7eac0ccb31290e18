package sealer

import (
	"errors"
	"fmt"
	"io"
)

// Sealer encrypts and decrypts secrets under a key-encryption key.
//
// associatedData is authenticated but not encrypted; Open must be given the
// same associatedData that Seal was given.
type Sealer interface {
	Seal(plaintext, associatedData []byte) ([]byte, error)
	Open(sealed, associatedData []byte) ([]byte, error)
	// Kind names the implementation: "passphrase", "age", later "pkcs11".
	Kind() string
}

// Kind names, as returned by Sealer.Kind.
const (
	KindPassphrase = "passphrase"
	KindAge        = "age"
	KindPKCS11     = "pkcs11"
)

var (
	// ErrWrongKey reports that a blob was sealed under a different key:
	// a wrong passphrase, a wrong age identity, or another kind of sealer.
	ErrWrongKey = errors.New("wrong key")
	// ErrAuth reports that the key is right but the blob or its associated
	// data does not authenticate: it was altered or moved to another row.
	ErrAuth = errors.New("authentication failed")
	// ErrMalformed reports a blob that does not parse.
	ErrMalformed = errors.New("malformed blob")
)

const redacted = "<redacted>"

// formatRedacted implements fmt.Formatter for every secret type here.
func formatRedacted(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// wipe zeroes b. Best effort: the runtime may hold other copies.
func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
