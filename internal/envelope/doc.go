// Package envelope defines what crosses the untrusted coordinator: a signed,
// and for point-to-point messages encrypted, protocol message.
//
// Every envelope is signed by the sending node's Ed25519 identity key over a
// domain-separated encoding of all its fields, so the coordinator cannot
// forge, alter, re-target or re-label it. A point-to-point payload is sealed
// to the recipient node's HPKE key (RFC 9180, DHKEM(X25519, HKDF-SHA256),
// HKDF-SHA256, ChaCha20-Poly1305) with the envelope header as the AEAD's
// associated data, so the coordinator cannot read it and another node
// cannot open it.
//
// # Wire format (version 1, big-endian)
//
//	version     1 byte   (1)
//	session     32 bytes
//	protoLen    1 byte   (1..MaxProtocolLen)
//	protocol    protoLen bytes of [a-z0-9._/-]
//	round       2 bytes
//	sender      2 bytes  (nonzero)
//	recipient   2 bytes  (0 = broadcast; never the sender)
//	kind        1 byte   (application-defined message kind)
//	payloadLen  4 bytes  (≤ MaxPayload)
//	payload     payloadLen bytes (HPKE enc ‖ ciphertext when recipient ≠ 0)
//	signature   64 bytes Ed25519
//
// The signature covers "custos/envelope/v1/sig" followed by every byte
// before the signature. [Parse] accepts exactly this encoding and nothing
// else, so Parse then Marshal returns the input.
//
// # Security
//
// [Open] verifies before it decrypts and returns nothing on failure. The
// caller maps the sender party id to its pinned [PublicIdentity] from the
// roster; a [Guard] then rejects replays, other sessions, stale rounds and
// envelopes addressed to someone else. Feed the Guard only envelopes that
// Open accepted, so forged traffic cannot fill it.
package envelope
