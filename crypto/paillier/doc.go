// Package paillier implements the Paillier cryptosystem as CGGMP21 uses it
// (IACR ePrint 2021/060, §2.3): N = p·q with p, q safe primes, p ≡ q ≡ 3
// (mod 4), generator 1 + N, signed plaintexts in ±N/2, ciphertexts in
// Z*_{N²} and nonces in Z*_N.
//
// It also provides fast safe-prime generation (GenerateSafePrime) and a
// Pool of pre-generated safe primes for key generation in idle time.
//
// # Security
//
// The owner's operations (Decrypt, DecryptWithNonce, SecretKey.Encrypt and
// the exponentiations of crypto/paillier/arith's CRT) use the factorisation
// and constant-time arithmetic (filippo.io/bigmod). Encryption by a public
// key computes ρ^N in constant time. Public operations on ciphertexts
// (Add, MulScalar) and every verifier-side computation are variable time:
// they touch public values only. Peer-supplied values enter only through
// NewPublicKey, ParsePublicKey, NewCiphertext and ParseCiphertext, which
// validate them.
package paillier
