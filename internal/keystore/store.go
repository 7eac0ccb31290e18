package keystore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/custos-mpc/custos/internal/sealer"
)

// Store is the node's view of its keystore. Implementations are safe for
// concurrent use.
type Store interface {
	// PutIdentity stores the node's message identity (the secret half is
	// sealed). There is one identity per store: ErrExists if already set.
	PutIdentity(ctx context.Context, public, secret []byte) error
	// Identity returns the node's identity, or ErrNotFound.
	Identity(ctx context.Context) (public []byte, secret *Secret, err error)

	// PutShare stores a new share as StatusPending. The (KeyID, Epoch) pair
	// must be new: ErrExists if present, ErrDestroyed if it was destroyed.
	PutShare(ctx context.Context, info ShareInfo, secret []byte) error
	// Share returns one epoch of a key's share. ErrNotFound if absent,
	// ErrDestroyed if destroyed.
	Share(ctx context.Context, keyID string, epoch uint64) (ShareInfo, *Secret, error)
	// ActiveShare returns the key's active share, or ErrNotFound.
	ActiveShare(ctx context.Context, keyID string) (ShareInfo, *Secret, error)
	// ActivateShare makes a pending epoch active and, in the same
	// transaction, marks the previously active epoch superseded.
	ActivateShare(ctx context.Context, keyID string, epoch uint64) error
	// DestroyShare erases an epoch's sealed share and keeps a tombstone.
	// The active epoch cannot be destroyed (ErrActive).
	DestroyShare(ctx context.Context, keyID string, epoch uint64) error
	// DiscardPendingShare deletes a pending epoch that never became
	// active (its refresh was aborted), leaving no tombstone, so a later
	// refresh can store that epoch number again. ErrNotFound if absent,
	// ErrInvalid if the epoch is not pending.
	DiscardPendingShare(ctx context.Context, keyID string, epoch uint64) error
	// ListShares lists share metadata, for one key or (keyID "") all keys,
	// ordered by key id then epoch.
	ListShares(ctx context.Context, keyID string) ([]ShareInfo, error)

	// PutNonce stores a FROST nonce secret under (keyID, nonceID).
	// ErrExists if the id is pending, ErrNonceUsed if it was consumed.
	PutNonce(ctx context.Context, keyID, nonceID string, secret []byte) error
	// ConsumeNonce durably marks the nonce consumed, then returns it.
	// ErrNonceUsed if it was consumed before, ErrNotFound if unknown.
	ConsumeNonce(ctx context.Context, keyID, nonceID string) (*Secret, error)
	// RecordNonceUses durably records, in one transaction (one fsync for
	// the whole batch), that each nonce id was used: a node that keeps a
	// FROST nonce in memory only records its use here before it sends the
	// share computed from it. Each use gets its own result: ErrNonceUsed if
	// the id was recorded or stored before. Many concurrent signers share
	// one commit (group commit).
	RecordNonceUses(ctx context.Context, uses []NonceUse) []error
	// PutNonces stores many preprocessed nonces in one transaction (one
	// fsync): all or none. ErrExists / ErrNonceUsed as for PutNonce.
	PutNonces(ctx context.Context, nonces []NonceSecret) error
	// ConsumeNonces consumes many nonces in one transaction (group
	// commit): each result is the nonce's secret, returned only after the
	// commit, or that nonce's own error (ErrNotFound, ErrNonceUsed).
	ConsumeNonces(ctx context.Context, uses []NonceUse) ([]*Secret, []error)
	// ConsumeNoncesAhead is ConsumeNonces where each use that succeeds
	// also takes, in the same transaction, up to ahead further unused
	// nonces of its key stored after it (in storage order), consumed like
	// it and returned in aheads[i]. A node spends preprocessed nonces in
	// about the order it published them: taking the next ones with the
	// first makes one durable write per ahead+1 nonces instead of one per
	// signature. Whatever it returns is consumed on disk, so a crash can
	// lose nonces taken ahead and not yet spent, never offer them again.
	ConsumeNoncesAhead(ctx context.Context, uses []NonceUse, ahead int) (secs []*Secret, aheads [][]TakenNonce, errs []error)
	// PutPresignature and ConsumePresignature are the same for CGGMP
	// presignatures, in their own id space.
	PutPresignature(ctx context.Context, keyID, presigID string, secret []byte) error
	ConsumePresignature(ctx context.Context, keyID, presigID string) (*Secret, error)
	// ConsumePresignatures is ConsumeNonces for presignatures: one
	// transaction, each secret returned only after the commit.
	ConsumePresignatures(ctx context.Context, uses []NonceUse) ([]*Secret, []error)
	// UnusedPresignatures counts the key's presignatures not yet consumed.
	UnusedPresignatures(ctx context.Context, keyID string) (int, error)
	// DiscardPresignatures consumes every unused presignature of a key in
	// one transaction (ids kept, secrets erased) and returns how many: a
	// key refresh makes them unusable, and consuming them means no backup
	// restored later can offer them again as unused.
	DiscardPresignatures(ctx context.Context, keyID string) (int, error)

	// PutBlob stores a sealed blob under (namespace, name); ErrExists if present.
	PutBlob(ctx context.Context, namespace, name string, secret []byte) error
	// Blob returns a blob, or ErrNotFound.
	Blob(ctx context.Context, namespace, name string) (*Secret, error)
	// DeleteBlob deletes a blob, or returns ErrNotFound.
	DeleteBlob(ctx context.Context, namespace, name string) error
	// ListBlobs lists the names in a namespace, sorted.
	ListBlobs(ctx context.Context, namespace string) ([]string, error)

	Close() error
}

var (
	// ErrWrongKey reports that the sealer cannot open this store: a wrong
	// passphrase, identity or kind. It is sealer.ErrWrongKey.
	ErrWrongKey = sealer.ErrWrongKey
	// ErrNotFound reports a missing row.
	ErrNotFound = errors.New("not found")
	// ErrExists reports a row that is already present.
	ErrExists = errors.New("already exists")
	// ErrNonceUsed reports a nonce or presignature id that was consumed.
	ErrNonceUsed = errors.New("nonce or presignature already used")
	// ErrDestroyed reports a share epoch that was destroyed.
	ErrDestroyed = errors.New("share destroyed")
	// ErrActive reports an operation refused on the active share.
	ErrActive = errors.New("share is active")
	// ErrInvalid reports an argument out of bounds.
	ErrInvalid = errors.New("invalid argument")
	// ErrClosed reports use after Close.
	ErrClosed = errors.New("store is closed")
	// ErrSchema reports a file this version cannot use: not a keystore, or
	// written by a newer version.
	ErrSchema = errors.New("unsupported schema")
)

// NonceUse names one nonce of one key.
type NonceUse struct{ KeyID, ID string }

// TakenNonce is a nonce ConsumeNoncesAhead consumed ahead of its use.
type TakenNonce struct {
	ID     string
	Secret *Secret
}

// MaxAhead bounds ConsumeNoncesAhead's ahead.
const MaxAhead = 256

// NonceSecret is a nonce to store.
type NonceSecret struct {
	KeyID, ID string
	Secret    []byte
}

// ShareStatus is the lifecycle state of a share epoch.
type ShareStatus string

const (
	StatusPending    ShareStatus = "pending"    // written, quorum not yet confirmed
	StatusActive     ShareStatus = "active"     // the epoch used to sign
	StatusSuperseded ShareStatus = "superseded" // replaced by a newer active epoch
	StatusDestroyed  ShareStatus = "destroyed"  // secret erased; tombstone
)

// ShareInfo is a share's public metadata.
type ShareInfo struct {
	KeyID     string
	Scheme    string // e.g. "frost-ed25519", "ecdsa-secp256k1"
	Epoch     uint64
	PublicKey []byte // the group public key
	Status    ShareStatus
	Created   time.Time
	Updated   time.Time
}

// Secret is plaintext returned by the store. It prints as <redacted>;
// Destroy wipes it.
type Secret struct {
	b []byte
}

func newSecret(b []byte) *Secret { return &Secret{b: b} }

// Bytes returns the secret's bytes, which the caller must not retain past
// Destroy.
func (s *Secret) Bytes() []byte { return s.b }

// Destroy wipes the secret.
func (s *Secret) Destroy() {
	for i := range s.b {
		s.b[i] = 0
	}
	s.b = nil
}

func (s *Secret) String() string               { return redacted }
func (s *Secret) GoString() string             { return redacted }
func (s *Secret) Format(f fmt.State, _ rune)   { _, _ = io.WriteString(f, redacted) }
func (s *Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

const redacted = "<redacted>"

// Bounds on identifiers and sizes.
const (
	MaxIDLen        = 128
	MaxSchemeLen    = 64
	MaxPublicKeyLen = 1024
	MaxSecretLen    = 16 << 20
	maxEpoch        = 1<<63 - 1 // SQLite INTEGER is signed
)

// Kinds of one-time secrets, also their table discriminator.
const (
	kindNonce   = "nonce"
	kindPresign = "presignature"
)

func validID(what, s string) error {
	if len(s) == 0 || len(s) > MaxIDLen {
		return fmt.Errorf("%w: %s length %d not in [1, %d]", ErrInvalid, what, len(s), MaxIDLen)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return fmt.Errorf("%w: %s has control byte 0x%02x", ErrInvalid, what, s[i])
		}
	}
	return nil
}

func validScheme(s string) error {
	if len(s) == 0 || len(s) > MaxSchemeLen {
		return fmt.Errorf("%w: scheme length %d not in [1, %d]", ErrInvalid, len(s), MaxSchemeLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("%w: scheme has byte 0x%02x", ErrInvalid, c)
		}
	}
	return nil
}

func validSecret(b []byte) error {
	if len(b) > MaxSecretLen {
		return fmt.Errorf("%w: secret of %d bytes exceeds %d", ErrInvalid, len(b), MaxSecretLen)
	}
	return nil
}

func validShare(info *ShareInfo) error {
	if err := validID("key id", info.KeyID); err != nil {
		return err
	}
	if err := validScheme(info.Scheme); err != nil {
		return err
	}
	if info.Epoch > maxEpoch {
		return fmt.Errorf("%w: epoch %d too large", ErrInvalid, info.Epoch)
	}
	if len(info.PublicKey) == 0 || len(info.PublicKey) > MaxPublicKeyLen {
		return fmt.Errorf("%w: public key length %d not in [1, %d]", ErrInvalid, len(info.PublicKey), MaxPublicKeyLen)
	}
	return nil
}

// Associated data: a domain label, the table, then each field with a
// length prefix, so no two rows share associated data.
func associatedData(table string, fields ...[]byte) []byte {
	ad := []byte("custos/keystore/v1")
	ad = appendField(ad, []byte(table))
	for _, f := range fields {
		ad = appendField(ad, f)
	}
	return ad
}

func appendField(dst, f []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(f)))
	return append(dst, f...)
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func identityAD(public []byte) []byte { return associatedData("identity", public) }

func shareAD(info *ShareInfo) []byte {
	return associatedData("shares", []byte(info.KeyID), []byte(info.Scheme), u64(info.Epoch), info.PublicKey)
}

func oneTimeAD(kind, keyID, id string) []byte {
	return associatedData("one_time", []byte(kind), []byte(keyID), []byte(id))
}

func blobAD(namespace, name string) []byte {
	return associatedData("blobs", []byte(namespace), []byte(name))
}

func canaryAD(storeID []byte) []byte { return associatedData("canary", storeID) }
