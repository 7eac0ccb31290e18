package sealer

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// Passphrase is an operator passphrase. It prints as <redacted> and is wiped
// by Destroy.
type Passphrase struct {
	b []byte
}

// NewPassphrase copies b into a Passphrase. It rejects an empty passphrase.
// The caller should wipe b.
func NewPassphrase(b []byte) (*Passphrase, error) {
	if err := checkPassphrase(b); err != nil {
		return nil, fmt.Errorf("sealer: passphrase: %w", err)
	}
	return &Passphrase{b: append([]byte(nil), b...)}, nil
}

func checkPassphrase(b []byte) error {
	if len(b) == 0 {
		return errors.New("empty")
	}
	if len(b) > maxPassphrase {
		return fmt.Errorf("longer than %d bytes", maxPassphrase)
	}
	return nil
}

const maxPassphrase = 4096

// Equal reports in constant time whether p and q hold the same passphrase.
func (p *Passphrase) Equal(q *Passphrase) bool {
	return subtle.ConstantTimeCompare(p.b, q.b) == 1
}

// Destroy wipes the passphrase. The value must not be used afterwards.
func (p *Passphrase) Destroy() { wipe(p.b); p.b = nil }

func (p *Passphrase) String() string               { return redacted }
func (p *Passphrase) GoString() string             { return redacted }
func (p *Passphrase) Format(f fmt.State, r rune)   { formatRedacted(f, r) }
func (p *Passphrase) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Argon2Params are the Argon2id cost parameters. They are stored in every
// blob, so they can be raised later without breaking old blobs.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

var (
	// DefaultArgon2 is the production setting: 64 MiB, 3 passes, 4 lanes
	// (RFC 9106 §4, second recommended option, with a larger time cost).
	DefaultArgon2 = Argon2Params{Memory: 64 * 1024, Time: 3, Threads: 4}
	// TestArgon2 is a fast setting for tests only. Never use it for real keys.
	TestArgon2 = Argon2Params{Memory: 64, Time: 1, Threads: 1}
)

// Bounds on parameters read from a blob, so a corrupt blob cannot exhaust
// memory or time.
const (
	maxArgon2Memory  = 1024 * 1024 // 1 GiB in KiB
	maxArgon2Time    = 16
	saltSize         = 16
	checkSize        = 16
	passphraseParams = 4 + 4 + 1 + saltSize + checkSize

	// freeOSMemoryKiB: after a derivation with at least this much memory,
	// derive returns the freed work area to the OS (not for TestArgon2).
	freeOSMemoryKiB = 16 * 1024
)

func (a Argon2Params) validate() error {
	switch {
	case a.Threads == 0:
		return errors.New("threads is zero")
	case a.Time == 0 || a.Time > maxArgon2Time:
		return fmt.Errorf("time %d out of range [1, %d]", a.Time, maxArgon2Time)
	case a.Memory < 8*uint32(a.Threads) || a.Memory > maxArgon2Memory:
		return fmt.Errorf("memory %d KiB out of range [%d, %d]", a.Memory, 8*uint32(a.Threads), maxArgon2Memory)
	}
	return nil
}

// derivedKey is an Argon2id-derived AEAD key and its key check value.
type derivedKey struct {
	key   [chacha20poly1305.KeySize]byte
	check [checkSize]byte
}

func (k *derivedKey) destroy() { wipe(k.key[:]); wipe(k.check[:]) }

// PassphraseSealer seals with XChaCha20-Poly1305 under a key derived from a
// passphrase by Argon2id.
//
// Argon2id runs once per (parameters, salt) and the result is cached, so
// sealing many secrets costs one derivation per process. Until it seals
// anything, the sealer adopts the salt of the first blob it opens that has
// its own parameters (for a keystore: the canary), so a store keeps one salt
// across restarts and opening it costs one derivation. Otherwise new blobs
// use a salt drawn at construction. Blobs with other salts or parameters
// (raised costs) are opened by deriving their key.
type PassphraseSealer struct {
	params Argon2Params

	mu        sync.Mutex
	salt      [saltSize]byte // for new blobs
	saltFixed bool           // set by the first Seal, or adopted by the first Open
	pass      *Passphrase
	cache     map[string]*derivedKey
}

var _ Sealer = (*PassphraseSealer)(nil)

const maxCachedKeys = 64

// NewPassphraseSealer returns a sealer for pass with the given Argon2id
// parameters for new blobs. It keeps its own copy of the passphrase; the
// caller may Destroy pass afterwards.
func NewPassphraseSealer(pass *Passphrase, params Argon2Params) (*PassphraseSealer, error) {
	if pass == nil || len(pass.b) == 0 {
		return nil, errors.New("sealer: passphrase sealer: empty passphrase")
	}
	if err := params.validate(); err != nil {
		return nil, fmt.Errorf("sealer: passphrase sealer: argon2 parameters: %v", err)
	}
	s := &PassphraseSealer{
		params: params,
		pass:   &Passphrase{b: append([]byte(nil), pass.b...)},
		cache:  make(map[string]*derivedKey),
	}
	if _, err := rand.Read(s.salt[:]); err != nil {
		return nil, fmt.Errorf("sealer: passphrase sealer: salt: %w", err)
	}
	return s, nil
}

// Kind returns "passphrase".
func (s *PassphraseSealer) Kind() string { return KindPassphrase }

func (s *PassphraseSealer) String() string             { return "sealer.PassphraseSealer{" + redacted + "}" }
func (s *PassphraseSealer) Format(f fmt.State, r rune) { formatRedacted(f, r) }

// Destroy wipes the passphrase and every cached key.
func (s *PassphraseSealer) Destroy() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pass != nil {
		s.pass.Destroy()
		s.pass = nil
	}
	for k, d := range s.cache {
		d.destroy()
		delete(s.cache, k)
	}
}

// derive returns a copy of the key for (params, salt), deriving and caching
// it if needed. The caller must destroy the copy. With forSeal it uses, and
// fixes, the sealer's own salt (salt is ignored) and returns it in saltOut.
func (s *PassphraseSealer) derive(p Argon2Params, salt []byte, forSeal bool) (d derivedKey, saltOut [saltSize]byte, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pass == nil {
		return d, saltOut, errors.New("sealer: passphrase sealer: destroyed")
	}
	if forSeal {
		s.saltFixed = true
		salt = s.salt[:]
	}
	copy(saltOut[:], salt)
	id := fmt.Sprintf("%d/%d/%d/%x", p.Memory, p.Time, p.Threads, salt)
	if c, ok := s.cache[id]; ok {
		return *c, saltOut, nil
	}
	master := argon2.IDKey(s.pass.b, salt, p.Time, p.Memory, p.Threads, 32)
	defer wipe(master)
	if p.Memory >= freeOSMemoryKiB {
		// The Argon2id work area (64 MiB by default) is garbage now, and a
		// derivation is rare: once per process when a daemon unseals its
		// keystore, then served from the cache. Hand the memory back to the
		// OS at once; otherwise the runtime's background scavenger returns
		// it page by page for minutes (runtime.madvise was ~3 % of a
		// signing node's CPU, and RSS drifted from ~93 to ~38 MiB during a
		// benchmark run).
		debug.FreeOSMemory()
	}
	c := new(derivedKey)
	key, err := hkdf.Key(sha256.New, master, nil, "custos sealer v1 passphrase kek", len(c.key))
	if err != nil {
		return d, saltOut, fmt.Errorf("sealer: passphrase sealer: hkdf: %w", err)
	}
	copy(c.key[:], key)
	wipe(key)
	check, err := hkdf.Key(sha256.New, master, nil, "custos sealer v1 passphrase key check", len(c.check))
	if err != nil {
		return d, saltOut, fmt.Errorf("sealer: passphrase sealer: hkdf: %w", err)
	}
	copy(c.check[:], check)
	if len(s.cache) >= maxCachedKeys {
		for k, old := range s.cache { // evict one at random; it is re-derived on demand
			old.destroy()
			delete(s.cache, k)
			break
		}
	}
	s.cache[id] = c
	return *c, saltOut, nil
}

// Seal encrypts plaintext bound to associatedData.
func (s *PassphraseSealer) Seal(plaintext, associatedData []byte) ([]byte, error) {
	d, salt, err := s.derive(s.params, nil, true)
	if err != nil {
		return nil, err
	}
	defer d.destroy()
	params := make([]byte, 0, passphraseParams)
	params = binary.BigEndian.AppendUint32(params, s.params.Memory)
	params = binary.BigEndian.AppendUint32(params, s.params.Time)
	params = append(params, s.params.Threads)
	params = append(params, salt[:]...)
	params = append(params, d.check[:]...)

	out := appendHeader(make([]byte, 0, headerFixed+passphraseParams+nonceSize+len(plaintext)+tagSize), kindBytePassphrase, params)
	header := out[:len(out):len(out)]
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealer: seal: nonce: %w", err)
	}
	out = append(out, nonce...)
	aead, err := chacha20poly1305.NewX(d.key[:])
	if err != nil {
		return nil, fmt.Errorf("sealer: seal: %w", err)
	}
	return aead.Seal(out, nonce, plaintext, aad(header, associatedData)), nil
}

// parsePassphraseParams strictly parses the passphrase params field.
func parsePassphraseParams(b []byte) (p Argon2Params, salt, check []byte, err error) {
	if len(b) != passphraseParams {
		return p, nil, nil, fmt.Errorf("%w: passphrase params are %d bytes, want %d", ErrMalformed, len(b), passphraseParams)
	}
	p = Argon2Params{
		Memory:  binary.BigEndian.Uint32(b[0:4]),
		Time:    binary.BigEndian.Uint32(b[4:8]),
		Threads: b[8],
	}
	if err := p.validate(); err != nil {
		return p, nil, nil, fmt.Errorf("%w: argon2 parameters: %v", ErrMalformed, err)
	}
	return p, b[9 : 9+saltSize], b[9+saltSize:], nil
}

// Open decrypts a blob sealed by a PassphraseSealer. It returns ErrWrongKey
// for a wrong passphrase and ErrAuth if the blob or associatedData was
// altered.
func (s *PassphraseSealer) Open(sealed, associatedData []byte) ([]byte, error) {
	bl, err := parseBlob(sealed)
	if err != nil {
		return nil, fmt.Errorf("sealer: open: %w", err)
	}
	if bl.kind != kindBytePassphrase {
		return nil, fmt.Errorf("sealer: open: blob sealed by %s, not passphrase: %w", kindName(bl.kind), ErrWrongKey)
	}
	p, salt, check, err := parsePassphraseParams(bl.params)
	if err != nil {
		return nil, fmt.Errorf("sealer: open: %w", err)
	}
	d, _, err := s.derive(p, salt, false)
	if err != nil {
		return nil, err
	}
	defer d.destroy()
	if subtle.ConstantTimeCompare(d.check[:], check) != 1 {
		return nil, fmt.Errorf("sealer: open: %w", ErrWrongKey)
	}
	aead, err := chacha20poly1305.NewX(d.key[:])
	if err != nil {
		return nil, fmt.Errorf("sealer: open: %w", err)
	}
	pt, err := aead.Open(nil, bl.nonce, bl.ciphertext, aad(bl.header, associatedData))
	if err != nil {
		return nil, fmt.Errorf("sealer: open: %w", ErrAuth)
	}
	s.adoptSalt(p, salt)
	return pt, nil
}

// adoptSalt makes salt the salt for new blobs if nothing was sealed yet and
// p are the sealer's parameters. Only called after a blob opened, so only
// a salt chosen by the passphrase holder is adopted.
func (s *PassphraseSealer) adoptSalt(p Argon2Params, salt []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.saltFixed && p == s.params {
		copy(s.salt[:], salt)
		s.saltFixed = true
	}
}
