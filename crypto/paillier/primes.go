package paillier

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/bits"
	"runtime"
	"sync"

	"github.com/custos-mpc/custos/crypto/paillier/arith"
)

// sieveBound is the bound on the small primes the safe-prime search sieves
// with; smallPrimeBound is the bound NewPublicKey trial-divides with.
const (
	sieveBound      = 1 << 20
	smallPrimeBound = 1 << 16
	sieveWindow     = 1 << 16 // candidates q = q0 + 2k, 0 ≤ k < sieveWindow
	// mrRounds is the number of random-base Miller–Rabin rounds run, on top
	// of the Baillie–PSW test of math/big, on each half of a safe prime.
	mrRounds = 20
)

// sievePrimes holds the odd primes below sieveBound; sieveInv2 and
// sieveInv4 hold 2⁻¹ and 4⁻¹ modulo each of them.
var (
	primesOnce  sync.Once
	sievePrimes []uint32
	sieveInv2   []uint32
	sieveInv4   []uint32
	// primeGroups packs consecutive sieve primes into products below 2^64
	// so a big number is reduced modulo several primes with one pass.
	primeGroups []primeGroup
)

type primeGroup struct {
	prod       uint64
	start, end int // indices into sievePrimes
}

func initPrimes() {
	primesOnce.Do(func() {
		composite := make([]bool, sieveBound)
		for i := 3; i < sieveBound; i += 2 {
			if composite[i] {
				continue
			}
			sievePrimes = append(sievePrimes, uint32(i))
			for j := i * i; j < sieveBound; j += 2 * i {
				composite[j] = true
			}
		}
		sieveInv2 = make([]uint32, len(sievePrimes))
		sieveInv4 = make([]uint32, len(sievePrimes))
		for i, p := range sievePrimes {
			inv2 := (uint64(p) + 1) / 2
			sieveInv2[i] = uint32(inv2)
			sieveInv4[i] = uint32(inv2 * inv2 % uint64(p))
		}
		g := primeGroup{prod: 1}
		for i, p := range sievePrimes {
			hi, lo := bits.Mul64(g.prod, uint64(p))
			if hi != 0 {
				g.end = i
				primeGroups = append(primeGroups, g)
				g = primeGroup{prod: uint64(p), start: i}
				continue
			}
			g.prod = lo
		}
		g.end = len(sievePrimes)
		primeGroups = append(primeGroups, g)
	})
}

// modWord returns x mod m for x ≥ 0 and 0 < m.
func modWord(x *big.Int, m uint64) uint64 {
	words := x.Bits()
	var r uint64
	for i := len(words) - 1; i >= 0; i-- {
		r = bits.Rem64(r, uint64(words[i]), m)
	}
	return r
}

// residues returns x mod p for every sieve prime p.
func residues(x *big.Int) []uint32 {
	initPrimes()
	res := make([]uint32, len(sievePrimes))
	for _, g := range primeGroups {
		r := modWord(x, g.prod)
		for i := g.start; i < g.end; i++ {
			res[i] = uint32(r % uint64(sievePrimes[i]))
		}
	}
	return res
}

// hasSmallFactor reports whether n has a prime factor below bound (n is
// larger than bound).
func hasSmallFactor(n *big.Int, bound uint32) bool {
	initPrimes()
	if n.Bit(0) == 0 {
		return true
	}
	for _, g := range primeGroups {
		if sievePrimes[g.start] >= bound {
			break
		}
		r := modWord(n, g.prod)
		for i := g.start; i < g.end && sievePrimes[i] < bound; i++ {
			if r%uint64(sievePrimes[i]) == 0 {
				return true
			}
		}
	}
	return false
}

// MinSafePrimeBits is the smallest safe prime GenerateSafePrime produces.
const MinSafePrimeBits = 64

// GenerateSafePrime returns a random safe prime p = 2q + 1 (q prime) of
// exactly bits bits whose two top bits are set (so the product of two such
// primes has exactly 2·bits bits). p ≡ 3 (mod 4) holds for every safe
// prime above 7, so p is a Blum prime as CGGMP21 §2 and Fig. 16 need.
//
// The search runs on workers goroutines (runtime.NumCPU() if workers ≤ 0),
// each sieving a window of candidates q and 2q + 1 together against the
// odd primes below 2^20 by updating residues incrementally, then testing
// the survivors with a base-2 Fermat test on q, on p, and finally with
// Baillie–PSW plus 20 random-base Miller–Rabin rounds on both.
func GenerateSafePrime(ctx context.Context, r io.Reader, bits, workers int) (*big.Int, error) {
	if bits < MinSafePrimeBits {
		return nil, fmt.Errorf("paillier: generate safe prime: %d bits is below the minimum of %d", bits, MinSafePrimeBits)
	}
	if r == nil {
		r = rand.Reader
	}
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	initPrimes()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lr := arith.LockedReader(r)
	type result struct {
		p   *big.Int
		err error
	}
	out := make(chan result, workers)
	for w := 0; w < workers; w++ {
		go func() {
			p, err := searchSafePrime(ctx, lr, bits)
			out <- result{p, err}
		}()
	}
	var firstErr error
	for w := 0; w < workers; w++ {
		res := <-out
		if res.err == nil {
			cancel()
			// Drain in the background so no worker blocks.
			go func(n int) {
				for i := 0; i < n; i++ {
					<-out
				}
			}(workers - w - 1)
			return res.p, nil
		}
		if firstErr == nil || errors.Is(firstErr, context.Canceled) {
			firstErr = res.err
		}
	}
	return nil, firstErr
}

var errRestart = errors.New("restart")

func searchSafePrime(ctx context.Context, r io.Reader, bits int) (*big.Int, error) {
	for {
		p, err := searchFrom(ctx, r, bits)
		if err == errRestart {
			continue
		}
		return p, err
	}
}

// searchFrom draws a random start q0 and scans windows q0 + 2k upwards.
func searchFrom(ctx context.Context, r io.Reader, bits int) (*big.Int, error) {
	qbits := bits - 1
	buf := make([]byte, (qbits+7)/8)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("paillier: generate safe prime: %w", err)
	}
	q0 := new(big.Int).SetBytes(buf)
	// Keep qbits bits, set the two top bits and make q0 odd.
	q0.SetBit(q0, qbits, 0)
	for i := qbits + 1; i < len(buf)*8; i++ {
		q0.SetBit(q0, i, 0)
	}
	q0.SetBit(q0, qbits-1, 1)
	q0.SetBit(q0, qbits-2, 1)
	q0.SetBit(q0, 0, 1)

	res := residues(q0)
	composite := make([]uint64, sieveWindow/64)
	step := uint64(2 * sieveWindow)
	q := new(big.Int)
	p := new(big.Int)
	two := big.NewInt(2)
	one := big.NewInt(1)
	fermat := new(big.Int)
	for {
		if q0.BitLen() != qbits {
			return nil, errRestart
		}
		clear(composite)
		for i, pr := range sievePrimes {
			pp := uint64(pr)
			rr := uint64(res[i])
			// q0 + 2k ≡ 0 (mod pr)  ⇔  k ≡ −r·2⁻¹.
			k := (pp - rr) % pp * uint64(sieveInv2[i]) % pp
			for ; k < sieveWindow; k += pp {
				composite[k/64] |= 1 << (k % 64)
			}
			// 2(q0 + 2k) + 1 ≡ 0 (mod pr)  ⇔  k ≡ −(2r + 1)·4⁻¹.
			k = (pp - (2*rr+1)%pp) % pp * uint64(sieveInv4[i]) % pp
			for ; k < sieveWindow; k += pp {
				composite[k/64] |= 1 << (k % 64)
			}
		}
		for k := uint64(0); k < sieveWindow; k++ {
			if composite[k/64]&(1<<(k%64)) != 0 {
				continue
			}
			if k%64 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			q.SetUint64(2 * k)
			q.Add(q, q0)
			// Base-2 Fermat test on q: 2^(q−1) ≡ 1 (mod q).
			fermat.Sub(q, one)
			if fermat.Exp(two, fermat, q).Cmp(one) != 0 {
				continue
			}
			p.Lsh(q, 1)
			p.Add(p, one)
			fermat.Sub(p, one)
			if fermat.Exp(two, fermat, p).Cmp(one) != 0 {
				continue
			}
			if !q.ProbablyPrime(mrRounds) || !p.ProbablyPrime(mrRounds) {
				continue
			}
			if p.BitLen() != bits {
				return nil, errRestart
			}
			return new(big.Int).Set(p), nil
		}
		// Next window: q0 += 2·W, residues updated in place.
		q0.Add(q0, new(big.Int).SetUint64(step))
		for i, pr := range sievePrimes {
			res[i] = uint32((uint64(res[i]) + step) % uint64(pr))
		}
	}
}

// IsSafePrime reports whether p is a safe prime (p and (p−1)/2 both pass
// Baillie–PSW and 20 Miller–Rabin rounds).
func IsSafePrime(p *big.Int) bool {
	if p.Sign() <= 0 || p.Bit(0) == 0 || p.BitLen() < 3 {
		return false
	}
	q := new(big.Int).Rsh(p, 1)
	return q.ProbablyPrime(mrRounds) && p.ProbablyPrime(mrRounds)
}
