package paillier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"runtime"

	"github.com/custos-mpc/custos/crypto/paillier/arith"
)

// SecretKey is a Paillier secret key: the factorisation N = p·q into two
// safe primes p ≡ q ≡ 3 (mod 4). It prints as <redacted>; Destroy wipes it.
// Its operations use the factorisation (CRT) and constant-time arithmetic.
type SecretKey struct {
	pk        *PublicKey
	p, q, phi *big.Int
	crt       *arith.CRT
	// Decryption constants (CRT, with g = 1 + N): hp = (−q)⁻¹ mod p and
	// hq = (−p)⁻¹ mod q; nInvP = N⁻¹ mod (p−1), nInvQ = N⁻¹ mod (q−1) for
	// nonce recovery; pInv2k = p⁻¹ mod 2^|p|, qInv2k = q⁻¹ mod 2^|q| for
	// the exact divisions of L_p, L_q.
	hp, hq         *big.Int
	nInvP, nInvQ   *big.Int
	pInv2k, qInv2k *big.Int
}

// NewSecretKey checks that p and q are distinct safe primes, p ≡ q ≡ 3
// (mod 4), of the same bit length, with N = p·q of MinBits to MaxBits bits,
// and returns the secret key.
func NewSecretKey(p, q *big.Int) (*SecretKey, error) {
	if p == nil || q == nil {
		return nil, errors.New("paillier: new secret key: missing factor")
	}
	if p.Cmp(q) == 0 {
		return nil, errors.New("paillier: new secret key: p = q")
	}
	if p.BitLen() != q.BitLen() {
		return nil, errors.New("paillier: new secret key: factors of different sizes")
	}
	n := new(big.Int).Mul(p, q)
	if b := n.BitLen(); b < MinBits || b > MaxBits {
		return nil, fmt.Errorf("paillier: new secret key: modulus has %d bits, want %d to %d", b, MinBits, MaxBits)
	}
	if p.Bit(0) != 1 || p.Bit(1) != 1 || q.Bit(0) != 1 || q.Bit(1) != 1 {
		return nil, errors.New("paillier: new secret key: factors are not 3 mod 4")
	}
	if !IsSafePrime(p) || !IsSafePrime(q) {
		return nil, errors.New("paillier: new secret key: factors are not safe primes")
	}
	return newSecretKey(p, q)
}

// newSecretKey builds the key from distinct odd primes without the
// safe-prime and size checks (tests use it to build malformed keys).
func newSecretKey(p, q *big.Int) (*SecretKey, error) {
	n := new(big.Int).Mul(p, q)
	sk := &SecretKey{
		pk: makePublicKey(n),
		p:  new(big.Int).Set(p),
		q:  new(big.Int).Set(q),
	}
	pm1 := new(big.Int).Sub(p, one)
	qm1 := new(big.Int).Sub(q, one)
	sk.phi = new(big.Int).Mul(pm1, qm1)
	var err error
	if sk.crt, err = arith.NewCRT(p, q); err != nil {
		return nil, fmt.Errorf("paillier: new secret key: %w", err)
	}
	// These inverses are computed once per key load with math/big.
	sk.hp = new(big.Int).ModInverse(new(big.Int).Sub(p, new(big.Int).Mod(q, p)), p)
	sk.hq = new(big.Int).ModInverse(new(big.Int).Sub(q, new(big.Int).Mod(p, q)), q)
	sk.nInvP = new(big.Int).ModInverse(new(big.Int).Mod(n, pm1), pm1)
	sk.nInvQ = new(big.Int).ModInverse(new(big.Int).Mod(n, qm1), qm1)
	sk.pInv2k = new(big.Int).ModInverse(p, new(big.Int).Lsh(one, uint(p.BitLen())))
	sk.qInv2k = new(big.Int).ModInverse(q, new(big.Int).Lsh(one, uint(q.BitLen())))
	if sk.hp == nil || sk.hq == nil || sk.nInvP == nil || sk.nInvQ == nil || sk.pInv2k == nil || sk.qInv2k == nil {
		return nil, errors.New("paillier: new secret key: factors are not valid Paillier primes")
	}
	return sk, nil
}

// GenerateKey returns a fresh key with an N of bits bits (an even number
// in [MinBits, MaxBits]); the safe primes come from pool when it is non-nil
// and holds primes of bits/2 bits, and are generated on all cores otherwise.
func GenerateKey(ctx context.Context, r io.Reader, bits int, pool *Pool) (*SecretKey, error) {
	if bits%2 != 0 || bits < MinBits || bits > MaxBits {
		return nil, fmt.Errorf("paillier: generate key: unsupported size %d", bits)
	}
	half := bits / 2
	take := func() (*big.Int, error) {
		if pool != nil && pool.Bits() == half {
			return pool.Take(ctx)
		}
		return GenerateSafePrime(ctx, r, half, runtime.NumCPU())
	}
	p, err := take()
	if err != nil {
		return nil, fmt.Errorf("paillier: generate key: %w", err)
	}
	for {
		q, err := take()
		if err != nil {
			return nil, fmt.Errorf("paillier: generate key: %w", err)
		}
		// Keep |p − q| large (Fermat factoring): the top 100 bits differ.
		d := new(big.Int).Sub(p, q)
		if d.BitLen() <= half-100 {
			continue
		}
		sk, err := newSecretKey(p, q)
		if err != nil {
			return nil, fmt.Errorf("paillier: generate key: %w", err)
		}
		return sk, nil
	}
}

// PublicKey returns the public key N = p·q.
func (sk *SecretKey) PublicKey() *PublicKey { return sk.pk }

// P returns a copy of p.
func (sk *SecretKey) P() *big.Int { return new(big.Int).Set(sk.p) }

// Q returns a copy of q.
func (sk *SecretKey) Q() *big.Int { return new(big.Int).Set(sk.q) }

// Phi returns a copy of φ(N) = (p − 1)(q − 1).
func (sk *SecretKey) Phi() *big.Int { return new(big.Int).Set(sk.phi) }

// CRT returns the constant-time CRT exponentiation helper for N and N².
func (sk *SecretKey) CRT() *arith.CRT { return sk.crt }

// String redacts the key.
func (sk *SecretKey) String() string { return "<redacted>" }

// GoString redacts the key.
func (sk *SecretKey) GoString() string { return "<redacted>" }

// Format redacts the key for every verb.
func (sk *SecretKey) Format(f fmt.State, _ rune) { io.WriteString(f, "<redacted>") }

// Destroy overwrites the factorisation and derived values (best effort:
// math/big may have left copies in freed memory).
func (sk *SecretKey) Destroy() {
	for _, x := range []*big.Int{sk.p, sk.q, sk.phi, sk.hp, sk.hq, sk.nInvP, sk.nInvQ, sk.pInv2k, sk.qInv2k} {
		if x != nil {
			wipe(x)
		}
	}
	if sk.crt != nil {
		sk.crt.Destroy()
	}
	sk.crt = nil
}

func wipe(x *big.Int) {
	w := x.Bits()
	for i := range w {
		w[i] = 0
	}
	x.SetInt64(0)
}

// Decrypt returns the signed plaintext m ∈ ±N/2 of c (CGGMP21 §2.3), using
// CRT: m_p = L_p(c^(p−1) mod p²)·(−q)⁻¹ mod p, likewise m_q, recombined.
func (sk *SecretKey) Decrypt(c *Ciphertext) (*big.Int, error) {
	if sk.crt == nil {
		return nil, errors.New("paillier: decrypt: key destroyed")
	}
	if c == nil || c.c.Cmp(sk.pk.n2) >= 0 {
		return nil, errors.New("paillier: decrypt: ciphertext of another key")
	}
	pm1 := new(big.Int).Sub(sk.p, one)
	qm1 := new(big.Int).Sub(sk.q, one)
	xp := sk.crt.ExpPP(c.c, pm1, sk.p.BitLen())
	xq := sk.crt.ExpQQ(c.c, qm1, sk.q.BitLen())
	mp := sk.crt.MulP(lDiv(xp, sk.pInv2k, sk.p.BitLen()), sk.hp)
	mq := sk.crt.MulQ(lDiv(xq, sk.qInv2k, sk.q.BitLen()), sk.hq)
	m := sk.crt.Combine(mp, mq)
	if m.Cmp(sk.pk.half) > 0 {
		m.Sub(m, sk.pk.n)
	}
	return m, nil
}

// lDiv returns L_p(x) = (x − 1)/p for x ≡ 1 (mod p), x < p²: the quotient
// is below 2^k (k = |p|), and an exact division by the odd p is a
// multiplication by p⁻¹ modulo 2^k (no data-dependent division).
func lDiv(x, pInv2k *big.Int, k int) *big.Int {
	t := new(big.Int).Sub(x, one)
	t.Mul(t, pInv2k)
	mask := new(big.Int).Lsh(one, uint(k))
	mask.Sub(mask, one)
	return t.And(t, mask)
}

// DecryptWithNonce returns the plaintext m and the nonce ρ ∈ Z*_N with
// c = (1+N)^m·ρ^N mod N² (for Π^dec and identifiable abort): after
// decryption, c·(1+N)^(−m) ≡ ρ^N (mod N), so ρ = (c mod N)^(N⁻¹ mod φ(N)),
// computed by CRT as two half-size constant-time exponentiations.
func (sk *SecretKey) DecryptWithNonce(c *Ciphertext) (m, rho *big.Int, err error) {
	m, err = sk.Decrypt(c)
	if err != nil {
		return nil, nil, err
	}
	cn := new(big.Int).Mod(c.c, sk.pk.n)
	rp := sk.crt.ExpP(cn, sk.nInvP, sk.p.BitLen())
	rq := sk.crt.ExpQ(cn, sk.nInvQ, sk.q.BitLen())
	return m, sk.crt.Combine(rp, rq), nil
}

// EncryptWithNonce is PublicKey.EncryptWithNonce computed by the owner of
// the key with CRT (two half-size exponentiations instead of one modulo N²).
func (sk *SecretKey) EncryptWithNonce(m, rho *big.Int) (*Ciphertext, error) {
	pk := sk.pk
	if !pk.InPlaintextRange(m) {
		return nil, errors.New("paillier: encrypt: message out of range ±N/2")
	}
	if !pk.IsNonce(rho) {
		return nil, errors.New("paillier: encrypt: nonce not in Z*_N")
	}
	rn := sk.crt.ExpN2(rho, pk.n, pk.n.BitLen())
	return &Ciphertext{c: pk.combine(m, rn), n: pk.ctLen}, nil
}

// Encrypt is PublicKey.Encrypt computed with CRT.
func (sk *SecretKey) Encrypt(r io.Reader, m *big.Int) (*Ciphertext, *big.Int, error) {
	rho, err := arith.SampleUnit(r, sk.pk.n)
	if err != nil {
		return nil, nil, fmt.Errorf("paillier: encrypt: %w", err)
	}
	c, err := sk.EncryptWithNonce(m, rho)
	if err != nil {
		return nil, nil, err
	}
	return c, rho, nil
}

const secretKeyVersion = 1

// Marshal encodes the key for the sealed keystore: version (1 byte) ‖
// len(p) (2 bytes) ‖ p ‖ len(q) (2 bytes) ‖ q, big-endian, no leading
// zeros. The result is secret.
func (sk *SecretKey) Marshal() []byte {
	pb, qb := sk.p.Bytes(), sk.q.Bytes()
	out := []byte{secretKeyVersion, byte(len(pb) >> 8), byte(len(pb))}
	out = append(out, pb...)
	out = append(out, byte(len(qb)>>8), byte(len(qb)))
	return append(out, qb...)
}

// Unmarshal decodes a key encoded by Marshal into sk, checking it with
// NewSecretKey.
func (sk *SecretKey) Unmarshal(b []byte) error {
	k, err := ParseSecretKey(b)
	if err != nil {
		return err
	}
	*sk = *k
	return nil
}

// ParseSecretKey decodes and checks a key encoded by Marshal.
func ParseSecretKey(b []byte) (*SecretKey, error) {
	if len(b) < 1 || b[0] != secretKeyVersion {
		return nil, errors.New("paillier: parse secret key: bad version")
	}
	rest := b[1:]
	var parts [2]*big.Int
	for i := range parts {
		if len(rest) < 2 {
			return nil, errors.New("paillier: parse secret key: truncated")
		}
		l := int(rest[0])<<8 | int(rest[1])
		rest = rest[2:]
		if l == 0 || len(rest) < l || rest[0] == 0 {
			return nil, errors.New("paillier: parse secret key: bad length or non-canonical encoding")
		}
		parts[i] = new(big.Int).SetBytes(rest[:l])
		rest = rest[l:]
	}
	if len(rest) != 0 {
		return nil, errors.New("paillier: parse secret key: trailing data")
	}
	sk, err := NewSecretKey(parts[0], parts[1])
	if err != nil {
		return nil, fmt.Errorf("paillier: parse secret key: %w", err)
	}
	return sk, nil
}
