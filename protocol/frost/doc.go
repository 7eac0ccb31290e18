// Package frost implements FROST threshold Schnorr signatures (RFC 9591)
// for all five ciphersuites of the RFC, a BIP340/BIP341 variant for
// Bitcoin Taproot, and a Pedersen distributed key generation.
//
// The RFC's roles map onto custos as follows. Each share node is a Signer:
// it runs [Commit] (round one) and [Sign] (round two). The untrusted
// coordinator is the RFC's Coordinator: it collects commitments, hands the
// commitment list to the signers and runs [Aggregate], which verifies every
// signature share and names the signer of an invalid one. The coordinator
// can only aggregate: a signer checks the commitment list it is given
// (sorted, no duplicates, its own commitment present and unchanged, every
// signer a holder of the key, at least threshold of them) and signs only
// the message its caller verified.
//
// # Security
//
// Nonces are single-use by construction: [Nonces] refuse a second Sign and
// are wiped after the first. The caller that persists nonces (a share node)
// must record their consumption durably before it sends the share. Secret
// scalars are redacting, wipeable values; every multiplication involving a
// secret is constant-time; verification uses variable-time multi-scalar
// multiplication on public values.
//
// Key generation without a dealer is in [NewDKG]. There is deliberately no
// dealer-based key split in this package: the daemons must never hold a
// whole key.
package frost
