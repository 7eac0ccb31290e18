package mod

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/crypto/zk"
)

var ctx = zk.Context{SessionID: []byte("session-1"), Prover: []byte("alice"), Verifier: []byte("bob")}

var (
	keyOnce sync.Once
	key     *paillier.SecretKey
	honest  *Proof
)

func fixture(t testing.TB) (*paillier.SecretKey, *Proof) {
	t.Helper()
	keyOnce.Do(func() {
		p, q := testprimes.Pair(0)
		sk, err := paillier.NewSecretKey(p, q)
		if err != nil {
			panic(err)
		}
		pf, err := Prove(rand.Reader, sk, ctx)
		if err != nil {
			panic(err)
		}
		key, honest = sk, pf
	})
	return key, honest
}

func clone(pf *Proof) *Proof {
	c := &Proof{W: new(big.Int).Set(pf.W), width: pf.width}
	for i := range pf.X {
		c.X = append(c.X, new(big.Int).Set(pf.X[i]))
		c.Z = append(c.Z, new(big.Int).Set(pf.Z[i]))
	}
	c.A = append([]bool(nil), pf.A...)
	c.B = append([]bool(nil), pf.B...)
	return c
}

func TestHonestProofVerifies(t *testing.T) {
	sk, pf := fixture(t)
	if err := pf.Verify(sk.PublicKey().N(), ctx); err != nil {
		t.Fatal(err)
	}
}

func TestTamperedProofIsRejected(t *testing.T) {
	sk, pf := fixture(t)
	n := sk.PublicKey().N()
	tampers := map[string]func(p *Proof){
		"w replaced":          func(p *Proof) { p.W.Add(p.W, big.NewInt(2)) },
		"x_0 squared":         func(p *Proof) { p.X[0].Mul(p.X[0], p.X[0]).Mod(p.X[0], n) },
		"x_127 changed":       func(p *Proof) { p.X[127].Add(p.X[127], one) },
		"z_0 changed":         func(p *Proof) { p.Z[0].Add(p.Z[0], one) },
		"z_64 negated":        func(p *Proof) { p.Z[64].Sub(n, p.Z[64]) },
		"a_0 flipped":         func(p *Proof) { p.A[0] = !p.A[0] },
		"b_5 flipped":         func(p *Proof) { p.B[5] = !p.B[5] },
		"x_3 zero":            func(p *Proof) { p.X[3].SetInt64(0) },
		"z_3 is N":            func(p *Proof) { p.Z[3].Set(n) },
		"one repetition":      func(p *Proof) { p.X, p.Z, p.A, p.B = p.X[:1], p.Z[:1], p.A[:1], p.B[:1] },
		"x_1 shares a factor": func(p *Proof) { p.X[1].Set(sk.P()) },
	}
	for name, f := range tampers {
		t.Run(name, func(t *testing.T) {
			c := clone(pf)
			f(c)
			if err := c.Verify(n, ctx); err == nil {
				t.Fatal("tampered proof verified")
			}
		})
	}
}

func TestProofIsBoundToContext(t *testing.T) {
	sk, pf := fixture(t)
	n := sk.PublicKey().N()
	for name, c := range map[string]zk.Context{
		"another session":  {SessionID: []byte("session-2"), Prover: ctx.Prover, Verifier: ctx.Verifier},
		"another prover":   {SessionID: ctx.SessionID, Prover: []byte("carol"), Verifier: ctx.Verifier},
		"another verifier": {SessionID: ctx.SessionID, Prover: ctx.Prover, Verifier: []byte("carol")},
	} {
		t.Run(name, func(t *testing.T) {
			if err := pf.Verify(n, c); err == nil {
				t.Fatal("replayed proof verified")
			}
		})
	}
	t.Run("another modulus", func(t *testing.T) {
		p, q := testprimes.Pair(1)
		if err := pf.Verify(new(big.Int).Mul(p, q), ctx); err == nil {
			t.Fatal("proof verified for another modulus")
		}
	})
}

// blumPrime returns a random prime of bits bits that is ≡ mod4 (mod 4).
func randomPrime(t testing.TB, bits int, mod4 int64) *big.Int {
	for {
		p, err := rand.Prime(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		if new(big.Int).Mod(p, big.NewInt(4)).Int64() == mod4 {
			return p
		}
	}
}

// cheat builds the best proof a prover knowing the factorisation of n into
// prime powers can: N-th roots when gcd(N, λ) = 1, and fourth roots in the
// quadratic-residue subgroup of each factor when they exist.
func cheat(t testing.TB, factors []*big.Int, exps []int) *Proof {
	n := big.NewInt(1)
	pk := make([]*big.Int, len(factors)) // p^k
	phis := make([]*big.Int, len(factors))
	lambda := big.NewInt(1)
	for i, p := range factors {
		pk[i] = new(big.Int).Exp(p, big.NewInt(int64(exps[i])), nil)
		n.Mul(n, pk[i])
		phis[i] = new(big.Int).Div(pk[i], p)
		phis[i].Mul(phis[i], new(big.Int).Sub(p, one))
		g := new(big.Int).GCD(nil, nil, lambda, phis[i])
		lambda.Mul(lambda, phis[i]).Div(lambda, g)
	}
	crt := func(rs []*big.Int) *big.Int {
		x := big.NewInt(0)
		for i := range rs {
			m := new(big.Int).Div(n, pk[i])
			inv := new(big.Int).ModInverse(m, pk[i])
			term := new(big.Int).Mul(rs[i], m)
			term.Mul(term, inv)
			x.Add(x, term)
		}
		return x.Mod(x, n)
	}
	var w *big.Int
	for {
		w, _ = rand.Int(rand.Reader, n)
		if big.Jacobi(w, n) == -1 || (len(factors) == 1 && exps[0] == 1 && big.Jacobi(w, n) == -1) {
			break
		}
	}
	d := new(big.Int).ModInverse(new(big.Int).Mod(n, lambda), lambda)
	tr := newTranscript(n, w, ctx)
	ys := challenges(tr, n)
	pf := &Proof{W: w, width: (n.BitLen() + 7) / 8}
	nm1 := new(big.Int).Sub(n, one)
	for _, y := range ys {
		z := new(big.Int).Set(y)
		if d != nil {
			z.Exp(y, d, n)
		}
		x, a, b := big.NewInt(1), false, false
	search:
		for _, ab := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			yy := new(big.Int).Set(y)
			if ab[1] {
				yy.Mul(yy, w).Mod(yy, n)
			}
			if ab[0] {
				yy.Mul(yy, nm1).Mod(yy, n)
			}
			roots := make([]*big.Int, len(factors))
			for i := range factors {
				half := new(big.Int).Rsh(phis[i], 1)
				e := new(big.Int).ModInverse(big.NewInt(4), half)
				if e == nil {
					continue search
				}
				r := new(big.Int).Exp(yy, e, pk[i])
				r4 := new(big.Int).Exp(r, big.NewInt(4), pk[i])
				if r4.Cmp(new(big.Int).Mod(yy, pk[i])) != 0 {
					continue search
				}
				roots[i] = r
			}
			x, a, b = crt(roots), ab[0], ab[1]
			break
		}
		pf.X = append(pf.X, x)
		pf.Z = append(pf.Z, z)
		pf.A = append(pf.A, a)
		pf.B = append(pf.B, b)
	}
	return pf
}

func TestBadModuliAreRejected(t *testing.T) {
	p0, q0 := testprimes.Pair(0)
	cases := []struct {
		name    string
		factors func() ([]*big.Int, []int)
	}{
		{"a prime N (3 mod 4)", func() ([]*big.Int, []int) { return []*big.Int{randomPrime(t, 2048, 3)}, []int{1} }},
		{"three Blum primes", func() ([]*big.Int, []int) {
			return []*big.Int{randomPrime(t, 683, 3), randomPrime(t, 683, 3), randomPrime(t, 683, 3)}, []int{1, 1, 1}
		}},
		{"a square factor p²·q", func() ([]*big.Int, []int) {
			return []*big.Int{randomPrime(t, 683, 3), randomPrime(t, 683, 3)}, []int{2, 1}
		}},
		{"a non-Blum factor p ≡ 1 mod 4", func() ([]*big.Int, []int) {
			return []*big.Int{randomPrime(t, 1024, 1), q0}, []int{1, 1}
		}},
		{"a 1024-bit modulus (wrong size)", func() ([]*big.Int, []int) {
			return []*big.Int{randomPrime(t, 512, 3), randomPrime(t, 512, 3)}, []int{1, 1}
		}},
	}
	_ = p0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, e := c.factors()
			pf := cheat(t, f, e)
			n := big.NewInt(1)
			for i := range f {
				n.Mul(n, new(big.Int).Exp(f[i], big.NewInt(int64(e[i])), nil))
			}
			if err := pf.Verify(n, ctx); err == nil {
				t.Fatal("proof for a bad modulus verified")
			} else {
				t.Log(err)
			}
		})
	}
	t.Run("the cheating prover is honest on a good modulus", func(t *testing.T) {
		p, q := testprimes.Pair(1)
		pf := cheat(t, []*big.Int{p, q}, []int{1, 1})
		if err := pf.Verify(new(big.Int).Mul(p, q), ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("an even modulus", func(t *testing.T) {
		_, pf := fixture(t)
		n := new(big.Int).Lsh(p0, 1024)
		if err := pf.Verify(n, ctx); err == nil {
			t.Fatal("even modulus accepted")
		}
	})
}

func TestEncodingRoundTrip(t *testing.T) {
	sk, pf := fixture(t)
	n := sk.PublicKey().N()
	b := pf.Marshal()
	got, err := Parse(b, n)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Marshal(), b) {
		t.Fatal("round trip differs")
	}
	if err := got.Verify(n, ctx); err != nil {
		t.Fatal(err)
	}
	l := (n.BitLen() + 7) / 8
	bad := map[string][]byte{
		"empty":         {},
		"truncated":     b[:len(b)-1],
		"trailing byte": append(append([]byte(nil), b...), 0),
		"wrong version": append([]byte{2}, b[1:]...),
		"wrong kind":    append([]byte{1, 0x21}, b[2:]...),
		"bad flag byte": setByte(b, 4+l+2*l, 4),
		"w is zero":     zeroField(b, 4, l),
		"x_0 is zero":   zeroField(b, 4+l, l),
		"x_0 is N":      putField(b, 4+l, n, l),
		"z_0 overflows": putField(b, 4+2*l, new(big.Int).Add(n, one), l),
		"wrong width":   append([]byte{1, kind, byte((l + 1) >> 8), byte(l + 1)}, b[4:]...),
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(in, n); err == nil {
				t.Fatal("parsed")
			}
		})
		writeSeed(t, name, in)
	}
	writeSeed(t, "valid", b)
}

func setByte(b []byte, i int, v byte) []byte {
	c := append([]byte(nil), b...)
	c[i] = v
	return c
}

func zeroField(b []byte, off, l int) []byte {
	c := append([]byte(nil), b...)
	clear(c[off : off+l])
	return c
}

func putField(b []byte, off int, x *big.Int, l int) []byte {
	c := append([]byte(nil), b...)
	x.FillBytes(c[off : off+l])
	return c
}

// writeSeed stores a seed-corpus entry when CUSTOS_WRITE_SEEDS=1.
func writeSeed(t *testing.T, name string, b []byte) {
	if os.Getenv("CUSTOS_WRITE_SEEDS") != "1" {
		return
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	os.MkdirAll(dir, 0o755)
	data := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(b)))
	if err := os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, " ", "-")), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func FuzzParse(f *testing.F) {
	sk, pf := fixture(f)
	n := sk.PublicKey().N()
	f.Add(pf.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		pf, err := Parse(b, n)
		if err != nil {
			return
		}
		if !bytes.Equal(pf.Marshal(), b) {
			t.Fatal("parse→marshal differs")
		}
	})
}
