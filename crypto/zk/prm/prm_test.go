package prm

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
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/zk"
)

var ctx = zk.Context{SessionID: []byte("session-1"), Prover: []byte("alice"), Verifier: []byte("bob")}

var (
	once   sync.Once
	params *pedersen.Parameters
	secret *pedersen.Secret
	honest *Proof
)

func fixture(t testing.TB) (*pedersen.Parameters, *pedersen.Secret, *Proof) {
	t.Helper()
	once.Do(func() {
		p, q := testprimes.Pair(1)
		sk, err := paillier.NewSecretKey(p, q)
		if err != nil {
			panic(err)
		}
		params, secret, err = pedersen.FromKey(rand.Reader, sk)
		if err != nil {
			panic(err)
		}
		honest, err = Prove(rand.Reader, params, secret, ctx)
		if err != nil {
			panic(err)
		}
	})
	return params, secret, honest
}

func clone(pf *Proof) *Proof {
	c := &Proof{width: pf.width}
	for i := range pf.A {
		c.A = append(c.A, new(big.Int).Set(pf.A[i]))
		c.Z = append(c.Z, new(big.Int).Set(pf.Z[i]))
	}
	return c
}

func TestHonestProofVerifies(t *testing.T) {
	pp, _, pf := fixture(t)
	if err := pf.Verify(pp, ctx); err != nil {
		t.Fatal(err)
	}
}

func TestTamperedProofIsRejected(t *testing.T) {
	pp, sec, pf := fixture(t)
	n := pp.N
	for name, f := range map[string]func(p *Proof){
		"A_0 changed":         func(p *Proof) { p.A[0].Add(p.A[0], big.NewInt(1)) },
		"A_127 negated":       func(p *Proof) { p.A[127].Sub(n, p.A[127]) },
		"z_0 changed":         func(p *Proof) { p.Z[0].Add(p.Z[0], big.NewInt(1)) },
		"z_5 plus phi":        func(p *Proof) { p.Z[5].Add(p.Z[5], sec.Phi) },
		"z_9 is N":            func(p *Proof) { p.Z[9].Set(n) },
		"z_9 negative":        func(p *Proof) { p.Z[9].Neg(p.Z[9]) },
		"A_1 is zero":         func(p *Proof) { p.A[1].SetInt64(0) },
		"A_2 shares a factor": func(p *Proof) { p.A[2].Set(sec.P) },
		"too few":             func(p *Proof) { p.A, p.Z = p.A[:127], p.Z[:127] },
	} {
		t.Run(name, func(t *testing.T) {
			c := clone(pf)
			f(c)
			if err := c.Verify(pp, ctx); err == nil {
				t.Fatal("tampered proof verified")
			}
		})
	}
}

func TestProofIsBoundToContext(t *testing.T) {
	pp, _, pf := fixture(t)
	for name, c := range map[string]zk.Context{
		"another session":  {SessionID: []byte("session-2"), Prover: ctx.Prover, Verifier: ctx.Verifier},
		"another prover":   {SessionID: ctx.SessionID, Prover: []byte("carol"), Verifier: ctx.Verifier},
		"another verifier": {SessionID: ctx.SessionID, Prover: ctx.Prover, Verifier: []byte("carol")},
	} {
		t.Run(name, func(t *testing.T) {
			if err := pf.Verify(pp, c); err == nil {
				t.Fatal("replayed proof verified")
			}
		})
	}
	t.Run("other parameters on the same modulus", func(t *testing.T) {
		s2 := new(big.Int).Mul(pp.S, pp.T)
		s2.Mod(s2, pp.N)
		other, err := pedersen.NewParameters(pp.N, s2, pp.T)
		if err != nil {
			t.Fatal(err)
		}
		if err := pf.Verify(other, ctx); err == nil {
			t.Fatal("proof verified for other parameters")
		}
	})
}

func TestWrongTrapdoorIsRejected(t *testing.T) {
	pp, sec, _ := fixture(t)
	// A prover that does not know log_t(s) (here: a wrong λ) fails.
	bad := *sec
	bad.Lambda = new(big.Int).Add(sec.Lambda, big.NewInt(1))
	pf, err := Prove(rand.Reader, pp, &bad, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := pf.Verify(pp, ctx); err == nil {
		t.Fatal("proof with a wrong trapdoor verified")
	}
}

func TestEncodingRoundTrip(t *testing.T) {
	pp, _, pf := fixture(t)
	b := pf.Marshal()
	got, err := Parse(b, pp)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Marshal(), b) {
		t.Fatal("round trip differs")
	}
	if err := got.Verify(pp, ctx); err != nil {
		t.Fatal(err)
	}
	l := width(pp.N)
	put := func(off int, x *big.Int) []byte {
		c := append([]byte(nil), b...)
		x.FillBytes(c[off : off+l])
		return c
	}
	bad := map[string][]byte{
		"empty":         {},
		"truncated":     b[:len(b)-1],
		"trailing byte": append(append([]byte(nil), b...), 0),
		"wrong version": append([]byte{2}, b[1:]...),
		"wrong kind":    append([]byte{1, 0x20}, b[2:]...),
		"wrong width":   append([]byte{1, kind, byte((l + 1) >> 8), byte(l + 1)}, b[4:]...),
		"A_0 is zero":   put(4, big.NewInt(0)),
		"A_0 is N":      put(4, pp.N),
		"z_0 is N":      put(4+l, pp.N),
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(in, pp); err == nil {
				t.Fatal("parsed")
			}
		})
		writeSeed(t, name, in)
	}
	writeSeed(t, "valid", b)
}

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
	pp, _, pf := fixture(f)
	f.Add(pf.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Parse(b, pp)
		if err != nil {
			return
		}
		if !bytes.Equal(got.Marshal(), b) {
			t.Fatal("parse→marshal differs")
		}
	})
}
