// Package zktest provides fixed keys and helpers for the tests of the
// crypto/zk proofs. The primes are for tests only.
package zktest

import (
	"crypto/sha256"
	"math/big"
	"sync"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier/arith"
	"github.com/custos-mpc/custos/crypto/zk"
)

// Party holds one party's Paillier key and ring-Pedersen parameters.
type Party struct {
	P, Q, N *big.Int
	CRT     *arith.CRT
	RP      *zk.RingPedersen
}

var (
	once    [2]sync.Once
	parties [2][]*Party
)

func hexInt(s string) *big.Int {
	x, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("zktest: bad hex")
	}
	return x
}

func derive(label string, i int, n *big.Int) *big.Int {
	var buf []byte
	for c := 0; len(buf) < len(n.Bytes())+16; c++ {
		h := sha256.Sum256([]byte{byte(i), byte(c), label[0], label[len(label)-1]})
		buf = append(buf, h[:]...)
	}
	x := new(big.Int).SetBytes(buf)
	return x.Mod(x, n)
}

// Parties returns three parties (prover, verifier, third) with moduli of
// 2·primeBits bits; primeBits is 512 (fast unit tests) or 1024 (full size).
func Parties(tb testing.TB, primeBits int) []*Party {
	tb.Helper()
	idx, src := 0, primes512
	if primeBits == 1024 {
		idx, src = 1, primes1024
	} else if primeBits != 512 {
		tb.Fatalf("zktest: no %d-bit primes", primeBits)
	}
	once[idx].Do(func() {
		for i := range 3 {
			p, q := hexInt(src[4*i]), hexInt(src[4*i+1])
			crt, err := arith.NewCRT(p, q)
			if err != nil {
				panic(err)
			}
			nh := new(big.Int).Mul(hexInt(src[4*i+2]), hexInt(src[4*i+3]))
			r := derive("r", i, nh)
			t := new(big.Int).Mul(r, r)
			t.Mod(t, nh)
			lambda := derive("lambda", i, nh)
			s := new(big.Int).Exp(t, lambda, nh)
			parties[idx] = append(parties[idx], &Party{
				P: p, Q: q, N: new(big.Int).Mul(p, q), CRT: crt,
				RP: &zk.RingPedersen{N: nh, S: s, T: t},
			})
		}
	})
	return parties[idx]
}

// SmallParams are parameters that fit 1024-bit moduli: ℓ = |q|, ℓ' = 2ℓ,
// ε = ℓ, and 16 repetitions for the binary-challenge proofs.
func SmallParams(g group.Group) zk.Params {
	l := g.Order().BitLen()
	return zk.Params{Group: g, L: l, LPrime: 2 * l, Epsilon: l, Reps: 16}
}

// Ctx returns a context for a prover and a verifier in one session.
func Ctx(sid, prover, verifier string) zk.Context {
	return zk.Context{SessionID: []byte(sid), Prover: []byte(prover), Verifier: []byte(verifier)}
}

// Replays are contexts differing from Ctx("sid", "alice", "bob") in one
// field each.
var Replays = map[string]zk.Context{
	"another session id":  Ctx("sid2", "alice", "bob"),
	"another prover id":   Ctx("sid", "carol", "bob"),
	"another verifier id": Ctx("sid", "alice", "carol"),
}

// Base is the context honest tests use.
var Base = Ctx("sid", "alice", "bob")

// Enc returns (1+N)^m·ρ^N mod N².
func Enc(n, m, rho *big.Int) *big.Int {
	n2 := new(big.Int).Mul(n, n)
	x := new(big.Int).Mod(m, n)
	x.Mul(x, n).Add(x, big.NewInt(1))
	y := new(big.Int).Exp(rho, n, n2)
	return x.Mul(x, y).Mod(x, n2)
}

// Unit returns a fixed-ish unit mod n derived from a label.
func Unit(label string, n *big.Int) *big.Int {
	for i := 0; ; i++ {
		x := derive(label, i+7, n)
		if x.Sign() > 0 && new(big.Int).GCD(nil, nil, x, n).Cmp(big.NewInt(1)) == 0 {
			return x
		}
	}
}

// ScalarInt returns a scalar's integer value.
func ScalarInt(s group.Scalar, le bool) *big.Int {
	b := s.Bytes()
	if le {
		for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
	}
	return new(big.Int).SetBytes(b)
}
