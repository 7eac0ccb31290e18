// Package keystore is a share node's durable, encrypted store: its message
// identity, its key shares by epoch, its one-time secrets (FROST nonces and
// CGGMP presignatures), and a small table of other sealed blobs.
//
// [Store] is what the node uses; [Open] returns the SQLite implementation
// (one file per node, modernc.org/sqlite, WAL with synchronous=FULL) and
// [NewMemory] an in-memory one for tests. Both pass the conformance suite in
// package storetest.
//
// # Security
//
// Every secret is sealed with the node's [sealer.Sealer] before it is stored,
// with associated data naming its table and row (key id, scheme, epoch,
// public key, nonce id…), so a blob copied into another row does not open.
// Open first verifies that the sealer opens a canary written when the file
// was created: a wrong passphrase or identity yields [ErrWrongKey] before
// any migration or write.
//
// A nonce or presignature is used at most once. ConsumeNonce and
// ConsumePresignature, in one committed transaction, check that the id is
// unused, erase its sealed secret and record it as consumed, and only after
// the commit returns do they hand the secret to the caller. A crash after
// the commit loses the secret, never reuses it. Consumed ids stay recorded
// forever, so re-importing a backup cannot resurrect them: Put refuses an
// id that was consumed ([ErrNonceUsed]). Destroyed share epochs are kept as
// tombstones in the same way ([ErrDestroyed]).
//
// [Rekey] moves a store to another key-encryption key (new passphrase, age
// identity, later an HSM) in one transaction.
//
// # Throughput
//
// Each consume is one fsynced commit (about 1 ms on an ordinary disk; see
// BenchmarkConsumeNonce), and the store serializes its transactions on one
// connection. That bounds a node to roughly a thousand consumes a second.
package keystore
