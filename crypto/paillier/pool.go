package paillier

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"runtime"
	"sync"
)

// Pool holds pre-generated safe primes of one size, filled in idle time
// and consumed by GenerateKey (and pedersen.Generate). A prime leaves the
// pool when it is taken and must never be used twice: persist the pool
// (Marshal, sealed by the caller) after every Take and after every Fill.
// The contents are secret; Pool prints as <redacted>.
type Pool struct {
	bits     int
	rand     io.Reader
	workers  int
	mu       sync.Mutex
	primes   []*big.Int
	progress func(have, want int)
}

// NewPool returns an empty pool of safe primes of bits bits (1024 for a
// 2048-bit N), drawing randomness from r (crypto/rand if nil) and
// generating with workers goroutines (all cores if workers ≤ 0).
func NewPool(bits int, r io.Reader, workers int) *Pool {
	if r == nil {
		r = rand.Reader
	}
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	return &Pool{bits: bits, rand: r, workers: workers}
}

// Bits returns the size of the primes in the pool.
func (p *Pool) Bits() int { return p.bits }

// Len returns the number of primes in the pool.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.primes)
}

// SetProgress installs a callback called after each prime Fill adds, with
// the pool's size and the target (for a CLI progress bar).
func (p *Pool) SetProgress(fn func(have, want int)) {
	p.mu.Lock()
	p.progress = fn
	p.mu.Unlock()
}

// Fill generates primes until the pool holds want of them or ctx ends.
func (p *Pool) Fill(ctx context.Context, want int) error {
	for {
		p.mu.Lock()
		have, fn := len(p.primes), p.progress
		p.mu.Unlock()
		if have >= want {
			return nil
		}
		sp, err := GenerateSafePrime(ctx, p.rand, p.bits, p.workers)
		if err != nil {
			return fmt.Errorf("paillier: fill pool: %w", err)
		}
		p.mu.Lock()
		p.primes = append(p.primes, sp)
		have = len(p.primes)
		p.mu.Unlock()
		if fn != nil {
			fn(have, want)
		}
	}
}

// Take removes and returns a prime from the pool, generating one if the
// pool is empty.
func (p *Pool) Take(ctx context.Context) (*big.Int, error) {
	p.mu.Lock()
	if n := len(p.primes); n > 0 {
		sp := p.primes[n-1]
		p.primes[n-1] = nil
		p.primes = p.primes[:n-1]
		p.mu.Unlock()
		return sp, nil
	}
	p.mu.Unlock()
	return GenerateSafePrime(ctx, p.rand, p.bits, p.workers)
}

// Put adds safe primes to the pool after checking them.
func (p *Pool) Put(primes ...*big.Int) error {
	for _, sp := range primes {
		if sp == nil || sp.BitLen() != p.bits || !IsSafePrime(sp) {
			return errors.New("paillier: pool put: not a safe prime of the pool's size")
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sp := range primes {
		p.primes = append(p.primes, new(big.Int).Set(sp))
	}
	return nil
}

const poolVersion = 1

// Marshal encodes the pool's contents: version (1 byte) ‖ prime size in
// bits (2 bytes) ‖ count (4 bytes) ‖ each prime as bits/8 bytes
// big-endian. The output is secret: seal it before it touches the disk.
func (p *Pool) Marshal() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	size := (p.bits + 7) / 8
	out := make([]byte, 7, 7+size*len(p.primes))
	out[0] = poolVersion
	out[1], out[2] = byte(p.bits>>8), byte(p.bits)
	n := len(p.primes)
	out[3], out[4], out[5], out[6] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	for _, sp := range p.primes {
		b := make([]byte, size)
		sp.FillBytes(b)
		out = append(out, b...)
	}
	return out
}

// Unmarshal replaces the pool's contents with primes encoded by Marshal,
// checking each is a safe prime of the pool's size.
func (p *Pool) Unmarshal(b []byte) error {
	if len(b) < 7 || b[0] != poolVersion {
		return errors.New("paillier: pool unmarshal: bad header")
	}
	bits := int(b[1])<<8 | int(b[2])
	if bits != p.bits {
		return fmt.Errorf("paillier: pool unmarshal: primes of %d bits, pool holds %d", bits, p.bits)
	}
	n := int(b[3])<<24 | int(b[4])<<16 | int(b[5])<<8 | int(b[6])
	size := (bits + 7) / 8
	if n < 0 || len(b)-7 != n*size {
		return errors.New("paillier: pool unmarshal: bad length")
	}
	primes := make([]*big.Int, 0, n)
	for i := 0; i < n; i++ {
		sp := new(big.Int).SetBytes(b[7+i*size : 7+(i+1)*size])
		if sp.BitLen() != bits || !IsSafePrime(sp) {
			return errors.New("paillier: pool unmarshal: not a safe prime of the pool's size")
		}
		primes = append(primes, sp)
	}
	p.mu.Lock()
	p.primes = primes
	p.mu.Unlock()
	return nil
}

// String redacts the pool's contents.
func (p *Pool) String() string { return fmt.Sprintf("paillier.Pool{bits: %d, <redacted>}", p.bits) }
