package fac

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

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/zk"
)

var ctx = zk.Context{SessionID: []byte("session-1"), Prover: []byte("alice"), Verifier: []byte("bob")}

type fixtureT struct {
	verifierSecret            *pedersen.Secret
	sk                        *paillier.SecretKey
	verifier, own, thirdParty *pedersen.Parameters
	params                    zk.Params
	proof                     *Proof
}

var (
	once sync.Once
	fx   fixtureT
)

func rpFrom(i int) *pedersen.Parameters {
	rp, _ := rpSecretFrom(i)
	return rp
}

func rpSecretFrom(i int) (*pedersen.Parameters, *pedersen.Secret) {
	p, q := testprimes.Pair(i)
	sk, err := paillier.NewSecretKey(p, q)
	if err != nil {
		panic(err)
	}
	rp, sec, err := pedersen.FromKey(rand.Reader, sk)
	if err != nil {
		panic(err)
	}
	return rp, sec
}

func fixture(t testing.TB) *fixtureT {
	t.Helper()
	once.Do(func() {
		p, q := testprimes.Pair(0)
		sk, err := paillier.NewSecretKey(p, q)
		if err != nil {
			panic(err)
		}
		vrp, vsec := rpSecretFrom(1)
		fx = fixtureT{sk: sk, verifier: vrp, verifierSecret: vsec, own: rpFrom(2), thirdParty: rpFrom(3), params: zk.NewParams(group.Secp256k1)}
		fx.proof, err = Prove(rand.Reader, sk, fx.verifier, fx.params, ctx)
		if err != nil {
			panic(err)
		}
	})
	return &fx
}

func clone(pf *Proof) *Proof {
	c := *pf
	for _, p := range []**big.Int{&c.P, &c.Q, &c.A, &c.B, &c.T, &c.Z1, &c.Z2, &c.W1, &c.W2, &c.V} {
		*p = new(big.Int).Set(*p)
	}
	return &c
}

func TestHonestProofVerifies(t *testing.T) {
	f := fixture(t)
	if err := f.proof.Verify(f.sk.PublicKey(), f.verifier, f.params, ctx); err != nil {
		t.Fatal(err)
	}
}

func verifierKeys(t testing.TB, f *fixtureT) zk.VerifyOption {
	k, err := zk.NewVerifierKeys(nil, f.verifier, f.verifierSecret)
	if err != nil {
		t.Fatal(err)
	}
	return zk.WithVerifierKeys(k)
}

func TestHonestProofVerifiesWithTheVerifiersTrapdoor(t *testing.T) {
	f := fixture(t)
	if err := f.proof.Verify(f.sk.PublicKey(), f.verifier, f.params, ctx, verifierKeys(t, f)); err != nil {
		t.Fatal(err)
	}
}

func TestTamperedProofIsRejected(t *testing.T) {
	f := fixture(t)
	inc := func(x *big.Int) { x.Add(x, big.NewInt(1)) }
	for name, fn := range map[string]func(p *Proof){
		"P":      func(p *Proof) { inc(p.P) },
		"Q":      func(p *Proof) { inc(p.Q) },
		"A":      func(p *Proof) { inc(p.A) },
		"B":      func(p *Proof) { inc(p.B) },
		"T":      func(p *Proof) { inc(p.T) },
		"z1":     func(p *Proof) { inc(p.Z1) },
		"z2":     func(p *Proof) { inc(p.Z2) },
		"w1":     func(p *Proof) { inc(p.W1) },
		"w2":     func(p *Proof) { inc(p.W2) },
		"v":      func(p *Proof) { inc(p.V) },
		"P = 0":  func(p *Proof) { p.P.SetInt64(0) },
		"T = N̂": func(p *Proof) { p.T.Set(f.verifier.N) },
		"z1 beyond the range": func(p *Proof) {
			b, _ := newBounds(f.sk.PublicKey().N(), f.verifier.N, f.params)
			p.Z1.Add(b.z, big.NewInt(1))
		},
	} {
		t.Run(name+" changed", func(t *testing.T) {
			c := clone(f.proof)
			fn(c)
			if err := c.Verify(f.sk.PublicKey(), f.verifier, f.params, ctx); err == nil {
				t.Fatal("tampered proof verified")
			}
			if err := c.Verify(f.sk.PublicKey(), f.verifier, f.params, ctx, verifierKeys(t, f)); err == nil {
				t.Fatal("tampered proof verified with the trapdoor")
			}
		})
	}
}

func TestProofIsBoundToContextAndParameters(t *testing.T) {
	f := fixture(t)
	pk := f.sk.PublicKey()
	for name, c := range map[string]zk.Context{
		"another session":  {SessionID: []byte("session-2"), Prover: ctx.Prover, Verifier: ctx.Verifier},
		"another prover":   {SessionID: ctx.SessionID, Prover: []byte("carol"), Verifier: ctx.Verifier},
		"another verifier": {SessionID: ctx.SessionID, Prover: ctx.Prover, Verifier: []byte("carol")},
	} {
		t.Run(name, func(t *testing.T) {
			if err := f.proof.Verify(pk, f.verifier, f.params, c); err == nil {
				t.Fatal("replayed proof verified")
			}
		})
	}
	for name, rp := range map[string]*pedersen.Parameters{
		"the prover's own parameters": f.own,
		"a third party's parameters":  f.thirdParty,
	} {
		t.Run("made under "+name, func(t *testing.T) {
			pf, err := Prove(rand.Reader, f.sk, rp, f.params, ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := pf.Verify(pk, rp, f.params, ctx); err != nil {
				t.Fatal("proof does not verify under the parameters it was made with:", err)
			}
			if err := pf.Verify(pk, f.verifier, f.params, ctx); err == nil {
				t.Fatal("proof made under other parameters verified")
			}
		})
	}
	t.Run("for another modulus", func(t *testing.T) {
		p, q := testprimes.Pair(4)
		other, _ := paillier.NewSecretKey(p, q)
		if err := f.proof.Verify(other.PublicKey(), f.verifier, f.params, ctx); err == nil {
			t.Fatal("proof verified for another modulus")
		}
	})
}

func TestSmallFactorIsRejected(t *testing.T) {
	f := fixture(t)
	// N0 = p·q with a 256-bit p: NewPublicKey accepts it (no factor below
	// 2^16, right size), Π^mod cannot tell; only Π^fac's range check on z
	// catches it.
	for _, pBits := range []int{128, 250} {
		t.Run(fmt.Sprintf("a %d-bit factor", pBits), func(t *testing.T) {
			var p, q, n0 *big.Int
			for {
				p, _ = rand.Prime(rand.Reader, pBits)
				q, _ = rand.Prime(rand.Reader, 2048-pBits)
				n0 = new(big.Int).Mul(p, q)
				if n0.BitLen() == 2048 {
					break
				}
			}
			pk, err := paillier.NewPublicKey(n0)
			if err != nil {
				t.Fatal("NewPublicKey rejects it already:", err)
			}
			pf, err := prove(rand.Reader, n0, p, q, f.verifier, f.params, ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := pf.Verify(pk, f.verifier, f.params, ctx); err == nil {
				t.Fatal("modulus with a small factor accepted")
			} else {
				t.Log(err)
			}
		})
	}
}

func TestEncodingRoundTrip(t *testing.T) {
	f := fixture(t)
	pk := f.sk.PublicKey()
	b, err := f.proof.Marshal(pk, f.verifier, f.params)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b, pk, f.verifier, f.params)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := got.Marshal(pk, f.verifier, f.params)
	if !bytes.Equal(b, b2) {
		t.Fatal("round trip differs")
	}
	if err := got.Verify(pk, f.verifier, f.params, ctx); err != nil {
		t.Fatal(err)
	}
	l := byteLen(f.verifier.N)
	z1Off := 2 + 5*l
	setByte := func(i int, v byte) []byte {
		c := append([]byte(nil), b...)
		c[i] = v
		return c
	}
	zero := func(off, n int) []byte {
		c := append([]byte(nil), b...)
		clear(c[off : off+n])
		return c
	}
	bd, _ := newBounds(pk.N(), f.verifier.N, f.params)
	negZero := zero(z1Off, 1+byteLen(bd.z))
	negZero[z1Off] = 1
	overflow := append([]byte(nil), b...)
	for i := z1Off + 1; i < z1Off+1+byteLen(bd.z); i++ {
		overflow[i] = 0xff
	}
	bad := map[string][]byte{
		"empty":              {},
		"truncated":          b[:len(b)-1],
		"trailing byte":      append(append([]byte(nil), b...), 0),
		"wrong version":      setByte(0, 2),
		"wrong kind":         setByte(1, 0x20),
		"P is zero":          zero(2, l),
		"bad sign byte":      setByte(z1Off, 2),
		"negative zero z1":   negZero,
		"z1 above its bound": overflow,
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(in, pk, f.verifier, f.params); err == nil {
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
	fx := fixture(f)
	pk := fx.sk.PublicKey()
	b, _ := fx.proof.Marshal(pk, fx.verifier, fx.params)
	f.Add(b)
	f.Fuzz(func(t *testing.T, in []byte) {
		pf, err := Parse(in, pk, fx.verifier, fx.params)
		if err != nil {
			return
		}
		out, err := pf.Marshal(pk, fx.verifier, fx.params)
		if err != nil || !bytes.Equal(out, in) {
			t.Fatal("parse→marshal differs")
		}
	})
}

// ProveEach's proofs each verify under their own verifier and context, and
// not under another's.
func TestProveEach(t *testing.T) {
	f := fixture(t)
	other := ctx
	other.Verifier = []byte("another verifier")
	proofs, err := ProveEach(rand.Reader, f.sk, []*pedersen.Parameters{f.verifier, f.verifier}, f.params, []zk.Context{ctx, other})
	if err != nil {
		t.Fatal(err)
	}
	if err := proofs[0].Verify(f.sk.PublicKey(), f.verifier, f.params, ctx); err != nil {
		t.Fatal(err)
	}
	if err := proofs[1].Verify(f.sk.PublicKey(), f.verifier, f.params, other); err != nil {
		t.Fatal(err)
	}
	if err := proofs[1].Verify(f.sk.PublicKey(), f.verifier, f.params, ctx); err == nil {
		t.Fatal("a proof verified under another verifier's context")
	}
	if _, err := ProveEach(rand.Reader, f.sk, []*pedersen.Parameters{f.verifier}, f.params, nil); err == nil {
		t.Fatal("mismatched lengths accepted")
	}
}
