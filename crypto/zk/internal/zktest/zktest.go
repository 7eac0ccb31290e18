// Package zktest provides fixed keys and helpers for the tests of the
// crypto/zk proofs. The keys are built from the public test primes of
// crypto/paillier/testprimes: for tests only.
package zktest

import (
	"crypto/sha3"
	"math/big"
	"sync"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/arith"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/internal/zkutil"
)

// Party holds one party's Paillier key and ring-Pedersen parameters.
type Party struct {
	SK    *paillier.SecretKey
	PK    *paillier.PublicKey
	RP    *pedersen.Parameters
	RPSec *pedersen.Secret
	Keys  *zk.VerifierKeys // SK and RPSec, for CRT verification
}

var (
	once    sync.Once
	parties []*Party
	initErr error
)

// Reader is a deterministic random source for building fixed test values.
func Reader(label string) *sha3.SHAKE {
	h := sha3.NewSHAKE256()
	h.Write([]byte("custos/zk/zktest/" + label))
	return h
}

// Parties returns three parties (0 = prover, 1 = verifier, 2 = a third
// party) with 2048-bit Paillier keys and 2048-bit ring-Pedersen parameters,
// the same on every run.
func Parties(tb testing.TB) []*Party {
	tb.Helper()
	once.Do(func() {
		for i := range 3 {
			p, q := testprimes.Pair(2 * i)
			sk, err := paillier.NewSecretKey(p, q)
			if err != nil {
				initErr = err
				return
			}
			p2, q2 := testprimes.Pair(2*i + 1)
			sk2, err := paillier.NewSecretKey(p2, q2)
			if err != nil {
				initErr = err
				return
			}
			rp, sec, err := pedersen.FromKey(Reader("rp"+string(rune('0'+i))), sk2)
			if err != nil {
				initErr = err
				return
			}
			keys, err := zk.NewVerifierKeys(sk, rp, sec)
			if err != nil {
				initErr = err
				return
			}
			parties = append(parties, &Party{SK: sk, PK: sk.PublicKey(), RP: rp, RPSec: sec, Keys: keys})
		}
	})
	if initErr != nil {
		tb.Fatal(initErr)
	}
	return parties
}

// SmallParams are parameters for fast tests: the paper's ℓ, ℓ', ε for the
// group, and 16 repetitions (instead of 128) for the binary-challenge
// proofs.
func SmallParams(g group.Group) zk.Params {
	p := zk.NewParams(g)
	p.Reps = 16
	return p
}

// Ctx returns a context for a prover and a verifier in one session.
func Ctx(sid, prover, verifier string) zk.Context {
	return zk.Context{SessionID: []byte(sid), Prover: []byte(prover), Verifier: []byte(verifier)}
}

// Base is the context honest tests use.
var Base = Ctx("sid", "alice", "bob")

// Replays are contexts differing from Base in one field each.
var Replays = map[string]zk.Context{
	"another session id":  Ctx("sid2", "alice", "bob"),
	"another prover id":   Ctx("sid", "carol", "bob"),
	"another verifier id": Ctx("sid", "alice", "carol"),
}

// Bump returns x+1 (a tampering helper).
func Bump(x *big.Int) *big.Int { return new(big.Int).Add(x, big.NewInt(1)) }

// MulMod returns a·b mod m (a tampering helper that keeps units units).
func MulMod(a, b, m *big.Int) *big.Int {
	r := new(big.Int).Mul(a, b)
	return r.Mod(r, m)
}

// Scalar returns x mod q as a scalar of g.
func Scalar(g group.Group, x *big.Int) group.Scalar { return zkutil.ScalarFromInt(g, x) }

// BumpPoint returns e + G.
func BumpPoint(e group.Element) group.Element {
	return e.Group().NewElement().Add(e, e.Group().Generator())
}

// FullExp runs op b.N times and reports "fullexp/op": the modular
// exponentiations it costs in full-size units (a 2048-bit exponent modulo a
// 2048-bit modulus), as counted by crypto/paillier/arith.
func FullExp(b *testing.B, op func()) {
	b.Helper()
	arith.ResetCount()
	for b.Loop() {
		op()
	}
	_, full := arith.Count()
	b.ReportMetric(full/float64(b.N), "fullexp/op")
}
