package arith

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
)

// SampleUnit returns a uniform element of Z*_n (n > 1).
func SampleUnit(r io.Reader, n *big.Int) (*big.Int, error) {
	if r == nil {
		r = rand.Reader
	}
	g := new(big.Int)
	for i := 0; i < 256; i++ {
		x, err := rand.Int(r, n)
		if err != nil {
			return nil, fmt.Errorf("arith: sample unit: %w", err)
		}
		if x.Sign() > 0 && g.GCD(nil, nil, x, n).Cmp(big.NewInt(1)) == 0 {
			return x, nil
		}
	}
	return nil, errors.New("arith: sample unit: no unit found (is the modulus valid?)")
}

// SampleQR returns a uniform quadratic residue r² mod n with r ∈ Z*_n.
func SampleQR(r io.Reader, n *big.Int) (*big.Int, error) {
	x, err := SampleUnit(r, n)
	if err != nil {
		return nil, err
	}
	return x.Mul(x, x).Mod(x, n), nil
}

// SampleSigned returns a uniform integer in [−bound, bound] (bound ≥ 0),
// the interval the paper writes ±bound.
func SampleSigned(r io.Reader, bound *big.Int) (*big.Int, error) {
	if r == nil {
		r = rand.Reader
	}
	w := new(big.Int).Lsh(bound, 1)
	w.Add(w, big.NewInt(1))
	x, err := rand.Int(r, w)
	if err != nil {
		return nil, fmt.Errorf("arith: sample signed: %w", err)
	}
	return x.Sub(x, bound), nil
}

// SampleSignedBits returns a uniform integer in ±2^bits.
func SampleSignedBits(r io.Reader, bits int) (*big.Int, error) {
	return SampleSigned(r, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
}

// SampleSignedTimes returns a uniform integer in ±2^bits·m (m > 0), e.g.
// ±2^ℓ·N̂ in CGGMP21's range proofs.
func SampleSignedTimes(r io.Reader, bits int, m *big.Int) (*big.Int, error) {
	b := new(big.Int).Lsh(m, uint(bits))
	return SampleSigned(r, b)
}

// InSigned reports whether |x| ≤ bound.
func InSigned(x, bound *big.Int) bool {
	return new(big.Int).Abs(x).Cmp(bound) <= 0
}

// IsUnit reports whether 0 < x < n and gcd(x, n) = 1.
func IsUnit(x, n *big.Int) bool {
	if x.Sign() <= 0 || x.Cmp(n) >= 0 {
		return false
	}
	return new(big.Int).GCD(nil, nil, x, n).Cmp(big.NewInt(1)) == 0
}

// LockedReader returns a reader that serialises reads from r, for a random
// source shared by several workers; each Read fills its buffer
// (io.ReadFull).
func LockedReader(r io.Reader) io.Reader { return &lockedReader{r: r} }

type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return io.ReadFull(l.r, b)
}
