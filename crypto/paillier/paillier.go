package paillier

import (
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/custos-mpc/custos/crypto/paillier/arith"
)

// Key sizes. CGGMP21 asks for a Paillier modulus of at least 8ℓ = 2048
// bits for secp256k1 (ℓ = |q| = 256; the auxiliary-info phase has every
// party check the size of its peers' moduli): that is MinBits, the floor
// the proofs accept. 128-bit security for factoring needs 3072 bits (NIST
// SP 800-57), so DefaultBits is 3072; the benchmarks also report 2048 to
// compare with other implementations. See docs/protocol/cggmp-proofs.md.
const (
	MinBits     = 2048
	DefaultBits = 3072
	MaxBits     = 8192
)

var (
	one = big.NewInt(1)
	two = big.NewInt(2)
)

// PublicKey is a validated Paillier public key N with generator 1 + N.
type PublicKey struct {
	n, n2, half *big.Int
	ctLen       int // byte length of an encoded ciphertext
	nLen        int // byte length of N
}

// NewPublicKey validates n and returns the public key. n must have a bit
// length in [MinBits, MaxBits], be odd, not a perfect power, and have no
// prime factor below 2^16. That a modulus is a product of two safe primes
// cannot be checked from n alone: callers accept a peer's key only together
// with the Π^mod and Π^fac proofs (crypto/zk/mod, crypto/zk/fac).
func NewPublicKey(n *big.Int) (*PublicKey, error) {
	return newPublicKey(n, MinBits, MaxBits)
}

func newPublicKey(n *big.Int, minBits, maxBits int) (*PublicKey, error) {
	if n == nil || n.Sign() <= 0 {
		return nil, errors.New("paillier: new public key: modulus is not positive")
	}
	if b := n.BitLen(); b < minBits || b > maxBits {
		return nil, fmt.Errorf("paillier: new public key: modulus has %d bits, want %d to %d", b, minBits, maxBits)
	}
	if n.Bit(0) == 0 {
		return nil, errors.New("paillier: new public key: modulus is even")
	}
	if hasSmallFactor(n, smallPrimeBound) {
		return nil, errors.New("paillier: new public key: modulus has a small prime factor")
	}
	if IsPerfectPower(n) {
		return nil, errors.New("paillier: new public key: modulus is a perfect power")
	}
	if n.ProbablyPrime(0) { // Baillie–PSW: one exponentiation for a composite n
		return nil, errors.New("paillier: new public key: modulus is prime")
	}
	return makePublicKey(n), nil
}

func makePublicKey(n *big.Int) *PublicKey {
	pk := &PublicKey{n: new(big.Int).Set(n)}
	pk.n2 = new(big.Int).Mul(n, n)
	pk.half = new(big.Int).Rsh(n, 1)
	pk.ctLen = (pk.n2.BitLen() + 7) / 8
	pk.nLen = (n.BitLen() + 7) / 8
	return pk
}

// IsPerfectPower reports whether n = a^k for integers a > 1, k > 1. It is
// enough to try prime k; when n has no prime factor below 2^16 (which
// NewPublicKey checks first), a ≥ 2^16 and k ≤ bitlen(n)/16.
func IsPerfectPower(n *big.Int) bool {
	if n.Cmp(two) < 0 {
		return false
	}
	maxK := n.BitLen()
	if !hasSmallFactor(n, smallPrimeBound) {
		maxK = n.BitLen()/16 + 1
	}
	for k := 2; k <= maxK; k++ {
		if !isSmallPrime(k) {
			continue
		}
		r := iroot(n, k)
		if new(big.Int).Exp(r, big.NewInt(int64(k)), nil).Cmp(n) == 0 {
			return true
		}
	}
	return false
}

func isSmallPrime(k int) bool {
	if k < 2 {
		return false
	}
	for d := 2; d*d <= k; d++ {
		if k%d == 0 {
			return false
		}
	}
	return true
}

// iroot returns ⌊n^(1/k)⌋ for n > 0, k ≥ 2, by Newton's iteration.
func iroot(n *big.Int, k int) *big.Int {
	if k == 2 {
		return new(big.Int).Sqrt(n)
	}
	// Start above the root: 2^⌈bitlen/k⌉.
	x := new(big.Int).Lsh(one, uint((n.BitLen()+k-1)/k))
	kk := big.NewInt(int64(k))
	km1 := big.NewInt(int64(k - 1))
	for {
		// y = ((k−1)·x + n / x^(k−1)) / k
		t := new(big.Int).Exp(x, km1, nil)
		t.Quo(n, t)
		y := new(big.Int).Mul(x, km1)
		y.Add(y, t)
		y.Quo(y, kk)
		if y.Cmp(x) >= 0 {
			return x
		}
		x = y
	}
}

// N returns a copy of the modulus.
func (pk *PublicKey) N() *big.Int { return new(big.Int).Set(pk.n) }

// NSquared returns a copy of N².
func (pk *PublicKey) NSquared() *big.Int { return new(big.Int).Set(pk.n2) }

// BitLen returns the bit length of N.
func (pk *PublicKey) BitLen() int { return pk.n.BitLen() }

// Equal reports whether two public keys have the same modulus.
func (pk *PublicKey) Equal(o *PublicKey) bool {
	return pk != nil && o != nil && pk.n.Cmp(o.n) == 0
}

// InPlaintextRange reports whether m lies in ±N/2, the plaintext space of
// signed messages.
func (pk *PublicKey) InPlaintextRange(m *big.Int) bool {
	return new(big.Int).Abs(m).Cmp(pk.half) <= 0
}

// IsNonce reports whether rho ∈ Z*_N.
func (pk *PublicKey) IsNonce(rho *big.Int) bool { return arith.IsUnit(rho, pk.n) }

// Ciphertext is an element of Z*_{N²}. Values of this type come only from
// the constructors, which check membership.
type Ciphertext struct {
	c *big.Int
	n int // encoded length (byte length of N²)
}

// Int returns a copy of the ciphertext as an integer in (0, N²).
func (c *Ciphertext) Int() *big.Int { return new(big.Int).Set(c.c) }

// Equal reports whether two ciphertexts are the same integer.
func (c *Ciphertext) Equal(o *Ciphertext) bool {
	return c != nil && o != nil && c.c.Cmp(o.c) == 0
}

// NewCiphertext accepts c only if c ∈ Z*_{N²}: 0 < c < N² and gcd(c, N) = 1.
func (pk *PublicKey) NewCiphertext(c *big.Int) (*Ciphertext, error) {
	if c == nil || c.Sign() <= 0 || c.Cmp(pk.n2) >= 0 {
		return nil, errors.New("paillier: new ciphertext: value out of range (0, N²)")
	}
	if new(big.Int).GCD(nil, nil, c, pk.n).Cmp(one) != 0 {
		return nil, errors.New("paillier: new ciphertext: value shares a factor with N")
	}
	return &Ciphertext{c: new(big.Int).Set(c), n: pk.ctLen}, nil
}

// CiphertextLen returns the byte length of an encoded ciphertext.
func (pk *PublicKey) CiphertextLen() int { return pk.ctLen }

// Bytes returns the ciphertext as a fixed-length big-endian string of the
// byte length of N² (PublicKey.CiphertextLen); c.Bytes is the inverse of
// PublicKey.ParseCiphertext for the key that produced c.
func (c *Ciphertext) Bytes() []byte {
	// The length is carried by the ciphertext so it does not need the key.
	out := make([]byte, c.lenFor())
	c.c.FillBytes(out)
	return out
}

func (c *Ciphertext) lenFor() int {
	if c.n > 0 {
		return c.n
	}
	return (c.c.BitLen() + 7) / 8
}

// ParseCiphertext decodes a fixed-length big-endian ciphertext (exactly
// CiphertextLen bytes) and checks it lies in Z*_{N²}.
func (pk *PublicKey) ParseCiphertext(b []byte) (*Ciphertext, error) {
	if len(b) != pk.ctLen {
		return nil, fmt.Errorf("paillier: parse ciphertext: length %d, want %d", len(b), pk.ctLen)
	}
	c, err := pk.NewCiphertext(new(big.Int).SetBytes(b))
	if err != nil {
		return nil, fmt.Errorf("paillier: parse ciphertext: %w", err)
	}
	c.n = pk.ctLen
	return c, nil
}

// Encrypt encrypts a signed message m ∈ ±N/2 with a fresh nonce ρ ∈ Z*_N
// and returns the ciphertext and ρ. The message and nonce are secret: ρ^N
// is computed in constant time.
func (pk *PublicKey) Encrypt(r io.Reader, m *big.Int) (*Ciphertext, *big.Int, error) {
	rho, err := arith.SampleUnit(r, pk.n)
	if err != nil {
		return nil, nil, fmt.Errorf("paillier: encrypt: %w", err)
	}
	c, err := pk.EncryptWithNonce(m, rho)
	if err != nil {
		return nil, nil, err
	}
	return c, rho, nil
}

// EncryptWithNonce returns (1+N)^m · ρ^N mod N² for m ∈ ±N/2 and ρ ∈ Z*_N
// (CGGMP21 §2.3). (1+N)^m = 1 + m·N mod N², so the cost is one
// constant-time exponentiation ρ^N mod N².
func (pk *PublicKey) EncryptWithNonce(m, rho *big.Int) (*Ciphertext, error) {
	if !pk.InPlaintextRange(m) {
		return nil, errors.New("paillier: encrypt: message out of range ±N/2")
	}
	if !pk.IsNonce(rho) {
		return nil, errors.New("paillier: encrypt: nonce not in Z*_N")
	}
	rn := arith.ExpCTBits(rho, pk.n, pk.n2, pk.n.BitLen())
	return &Ciphertext{c: pk.combine(m, rn), n: pk.ctLen}, nil
}

// combine returns (1 + m·N)·rn mod N².
func (pk *PublicKey) combine(m, rn *big.Int) *big.Int {
	g := new(big.Int).Mul(m, pk.n)
	g.Add(g, one)
	g.Mod(g, pk.n2)
	g.Mul(g, rn)
	return g.Mod(g, pk.n2)
}

// Add returns the homomorphic sum a ⊕ b = a·b mod N².
func (pk *PublicKey) Add(a, b *Ciphertext) *Ciphertext {
	c := new(big.Int).Mul(a.c, b.c)
	return &Ciphertext{c: c.Mod(c, pk.n2), n: pk.ctLen}
}

// MulScalar returns k ⊙ c = c^k mod N² for a signed k. The exponentiation
// is variable-time in k: for a secret k use MulScalarCT.
func (pk *PublicKey) MulScalar(c *Ciphertext, k *big.Int) *Ciphertext {
	return &Ciphertext{c: arith.ExpVar(c.c, k, pk.n2), n: pk.ctLen}
}

// MulScalarCT is MulScalar in constant time with respect to a secret signed
// k with |k| < 2^kBits (c is public).
func (pk *PublicKey) MulScalarCT(c *Ciphertext, k *big.Int, kBits int) *Ciphertext {
	return &Ciphertext{c: arith.ExpSignedCT(c.c, k, pk.n2, kBits), n: pk.ctLen}
}

// Marshal encodes the public key as version (1 byte) ‖ length of N in bytes
// (2 bytes, big-endian) ‖ N (big-endian, no leading zero).
func (pk *PublicKey) Marshal() []byte {
	nb := pk.n.Bytes()
	out := make([]byte, 3+len(nb))
	out[0] = publicKeyVersion
	out[1] = byte(len(nb) >> 8)
	out[2] = byte(len(nb))
	copy(out[3:], nb)
	return out
}

const publicKeyVersion = 1

// ParsePublicKey decodes and validates a public key encoded by Marshal.
func ParsePublicKey(b []byte) (*PublicKey, error) {
	if len(b) < 3 || b[0] != publicKeyVersion {
		return nil, errors.New("paillier: parse public key: bad header")
	}
	l := int(b[1])<<8 | int(b[2])
	if l == 0 || len(b) != 3+l || b[3] == 0 {
		return nil, errors.New("paillier: parse public key: bad length or non-canonical encoding")
	}
	pk, err := NewPublicKey(new(big.Int).SetBytes(b[3:]))
	if err != nil {
		return nil, fmt.Errorf("paillier: parse public key: %w", err)
	}
	return pk, nil
}
