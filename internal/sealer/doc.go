// Package sealer provides key-encryption keys (KEKs) for the node's keystore
// behind the small [Sealer] interface.
//
// A Sealer encrypts a secret together with associated data that binds it to
// where it is stored; Open returns the plaintext only if both the key and the
// associated data match. Two implementations exist today:
//
//   - [PassphraseSealer]: Argon2id derives a key from an operator passphrase;
//     the secret is sealed with XChaCha20-Poly1305.
//   - [AgeSealer]: each blob carries a fresh data key wrapped with age to an
//     X25519 recipient; the matching identity file opens it.
//
// A PKCS#11 (HSM) sealer will implement the same interface later; its kind
// byte is reserved in the blob format.
//
// # Blob format (version 1)
//
//	magic    "CSEA"        4 bytes
//	version  0x01          1 byte
//	kind     1|2|3         1 byte (passphrase, age, pkcs11)
//	plen     uint16 BE     length of params
//	params   plen bytes    kind-specific, see below
//	nonce    24 bytes      XChaCha20-Poly1305 nonce
//	sealed   ≥16 bytes     ciphertext and tag
//
// Passphrase params (41 bytes): Argon2id memory KiB (uint32 BE), time
// (uint32 BE), threads (uint8), salt (16 bytes), key check (16 bytes).
// Age params: the age-encrypted 32-byte data key (bounded length).
//
// The AEAD's associated data is the header (magic through params) followed by
// the caller's associated data, so neither the parameters nor the binding can
// be changed without detection. The key check is an HKDF output of the
// Argon2id key; it lets Open report [ErrWrongKey] for a wrong passphrase,
// distinct from [ErrAuth] for a blob that was altered or moved to another
// row. It reveals nothing a ciphertext does not already reveal to an offline
// guesser.
//
// # Security
//
// Passphrases and derived keys live in redacting types and are wiped by
// Destroy (best effort: the Go runtime may have copied them). Argon2id
// parameters read from a blob are bounded before use, so a corrupt blob
// cannot make Open allocate gigabytes or run for hours.
package sealer
