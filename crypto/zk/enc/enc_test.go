package enc

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/internal/zktest"
)

type fixture struct {
	p  zk.Params
	rp *pedersen.Parameters // the verifier's
	st *Statement
	w  *Witness
}

func newFixture(t testing.TB, g group.Group, k *big.Int) *fixture {
	ps := zktest.Parties(t)
	p := zk.NewParams(g)
	if k == nil {
		var err error
		if k, err = rand.Int(rand.Reader, g.Order()); err != nil {
			t.Fatal(err)
		}
	}
	K, rho, err := ps[0].PK.Encrypt(rand.Reader, k)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{p: p, rp: ps[1].RP, st: &Statement{Key: ps[0].PK, K: K}, w: NewWitness(k, rho, ps[0].SK)}
}

func (f *fixture) prove(t testing.TB) *Proof {
	t.Helper()
	pr, err := Prove(rand.Reader, f.p, zktest.Base, f.rp, f.st, f.w)
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

func TestHonestProofVerifies(t *testing.T) {
	for _, g := range []group.Group{group.Secp256k1, group.Edwards25519} {
		t.Run(g.Name(), func(t *testing.T) {
			f := newFixture(t, g, nil)
			pr := f.prove(t)
			if err := Verify(f.p, zktest.Base, f.rp, f.st, pr); err != nil {
				t.Fatal(err)
			}
			b := pr.Marshal(f.p, f.rp, f.st)
			pr2, err := Parse(f.p, f.rp, f.st, b)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(pr2.Marshal(f.p, f.rp, f.st), b) {
				t.Fatal("round trip changed the encoding")
			}
			if err := Verify(f.p, zktest.Base, f.rp, f.st, pr2); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("negative plaintext at the bound", func(t *testing.T) {
		f := newFixture(t, group.Secp256k1, new(big.Int).Neg(zktestPow2(256)))
		if err := Verify(f.p, zktest.Base, f.rp, f.st, f.prove(t)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("without the secret key (no CRT)", func(t *testing.T) {
		f := newFixture(t, group.Secp256k1, nil)
		f.w.sk = nil
		if err := Verify(f.p, zktest.Base, f.rp, f.st, f.prove(t)); err != nil {
			t.Fatal(err)
		}
	})
}

func zktestPow2(n int) *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(n)) }

func TestVerifierKeysGiveTheSameAnswer(t *testing.T) {
	ps := zktest.Parties(t)
	f := newFixture(t, group.Secp256k1, nil)
	pr := f.prove(t)
	keys := zk.WithVerifierKeys(ps[1].Keys)
	if err := Verify(f.p, zktest.Base, f.rp, f.st, pr, keys); err != nil {
		t.Fatal(err)
	}
	pr.Z1 = zktest.Bump(pr.Z1)
	if err := Verify(f.p, zktest.Base, f.rp, f.st, pr, keys); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("got %v", err)
	}
	t.Run("keys of another party are ignored", func(t *testing.T) {
		pr := f.prove(t)
		if err := Verify(f.p, zktest.Base, f.rp, f.st, pr, zk.WithVerifierKeys(ps[2].Keys)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTamperedFieldIsRejected(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil)
	nh, n, n2 := f.rp.N, f.st.Key.N(), f.st.Key.NSquared()
	cases := map[string]func(pr *Proof){
		"S":  func(pr *Proof) { pr.S = zktest.MulMod(pr.S, f.rp.S, nh) },
		"A":  func(pr *Proof) { pr.A = zktest.MulMod(pr.A, big.NewInt(2), n2) },
		"C":  func(pr *Proof) { pr.C = zktest.MulMod(pr.C, f.rp.T, nh) },
		"z1": func(pr *Proof) { pr.Z1 = zktest.Bump(pr.Z1) },
		"z2": func(pr *Proof) { pr.Z2 = zktest.MulMod(pr.Z2, big.NewInt(2), n) },
		"z3": func(pr *Proof) { pr.Z3 = zktest.Bump(pr.Z3) },
	}
	base := f.prove(t)
	for name, tamper := range cases {
		t.Run("tampered "+name, func(t *testing.T) {
			pr := *base
			tamper(&pr)
			if err := Verify(f.p, zktest.Base, f.rp, f.st, &pr); !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("got %v", err)
			}
		})
	}
	t.Run("tampered statement K", func(t *testing.T) {
		K2, err := f.st.Key.NewCiphertext(zktest.MulMod(f.st.K.Int(), big.NewInt(2), n2))
		if err != nil {
			t.Fatal(err)
		}
		st := &Statement{Key: f.st.Key, K: K2}
		if err := Verify(f.p, zktest.Base, f.rp, st, base); !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestWitnessOutOfRangeIsRejected(t *testing.T) {
	big1 := new(big.Int).Lsh(big.NewInt(3), 256+512+2) // far beyond ±2^(ℓ+ε)
	f := newFixture(t, group.Secp256k1, big1)
	if _, err := Prove(rand.Reader, f.p, zktest.Base, f.rp, f.st, f.w); err == nil {
		t.Fatal("Prove accepted a witness out of range")
	}
	pr, err := prove(rand.Reader, f.p, zktest.Base, f.rp, f.st, f.w, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(f.p, zktest.Base, f.rp, f.st, pr); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("got %v", err)
	}
	t.Run("just above the bound", func(t *testing.T) {
		f := newFixture(t, group.Secp256k1, zktest.Bump(zktestPow2(256)))
		if _, err := Prove(rand.Reader, f.p, zktest.Base, f.rp, f.st, f.w); err == nil {
			t.Fatal("Prove accepted 2^ℓ+1")
		}
	})
}

func TestReplayIsRejected(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil)
	pr := f.prove(t)
	for name, ctx := range zktest.Replays {
		t.Run("replayed with "+name, func(t *testing.T) {
			if err := Verify(f.p, ctx, f.rp, f.st, pr); !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestProofUnderOtherRingPedersenIsRejected(t *testing.T) {
	ps := zktest.Parties(t)
	f := newFixture(t, group.Secp256k1, nil)
	for name, rp := range map[string]*pedersen.Parameters{"the prover's own": ps[0].RP, "a third party's": ps[2].RP} {
		t.Run(name, func(t *testing.T) {
			pr, err := Prove(rand.Reader, f.p, zktest.Base, rp, f.st, f.w)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(f.p, zktest.Base, f.rp, f.st, pr); !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestWitnessIsRedacted(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil)
	for _, v := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		if s := fmt.Sprintf(v, f.w); s != "<redacted>" {
			t.Fatalf("%s printed %q", v, s)
		}
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil)
	b := f.prove(t).Marshal(f.p, f.rp, f.st)
	nhLen := (f.rp.N.BitLen() + 7) / 8
	set := func(off int, v []byte) []byte { c := bytes.Clone(b); copy(c[off:], v); return c }
	bad := map[string][]byte{
		"empty":                 nil,
		"truncated":             b[:len(b)-1],
		"trailing byte":         append(bytes.Clone(b), 0),
		"wrong version":         set(0, []byte{9}),
		"wrong kind":            set(1, []byte{0x7f}),
		"S is zero":             set(2, make([]byte, nhLen)),
		"S is N̂":               set(2, f.rp.N.Bytes()),
		"A is zero":             set(2+nhLen, make([]byte, 512)),
		"A is a multiple of N0": set(2+nhLen, f.st.Key.N().FillBytes(make([]byte, 512))),
		"z1 sign byte is 2":     set(2+2*nhLen+512, []byte{2}),
		"z1 is too large":       set(2+2*nhLen+512, append([]byte{0}, bytes.Repeat([]byte{0xff}, 97)...)),
	}
	zktest.Seed(t, "FuzzParse", "valid", b)
	for name, in := range bad {
		zktest.Seed(t, "FuzzParse", strings.ReplaceAll(name, " ", "-"), in)
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(f.p, f.rp, f.st, in); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	fx := newFixture(f, group.Secp256k1, big.NewInt(7))
	f.Fuzz(func(t *testing.T, b []byte) {
		pr, err := Parse(fx.p, fx.rp, fx.st, b)
		if err != nil {
			return
		}
		if !bytes.Equal(pr.Marshal(fx.p, fx.rp, fx.st), b) {
			t.Fatal("parse → marshal is not the identity")
		}
	})
}

// The benchmarks report "fullexp/op": the cost of the modular
// exponentiations in full-size units (2048-bit exponent modulo a 2048-bit
// modulus), as counted by crypto/paillier/arith.
func BenchmarkProve(b *testing.B) {
	f := newFixture(b, group.Secp256k1, nil)
	zktest.FullExp(b, func() {
		f.prove(b)
	})
}

func BenchmarkVerify(b *testing.B) {
	f := newFixture(b, group.Secp256k1, nil)
	pr := f.prove(b)
	zktest.FullExp(b, func() {
		if err := Verify(f.p, zktest.Base, f.rp, f.st, pr); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkVerifyWithKeys(b *testing.B) {
	f := newFixture(b, group.Secp256k1, nil)
	pr := f.prove(b)
	keys := zk.WithVerifierKeys(zktest.Parties(b)[1].Keys)
	zktest.FullExp(b, func() {
		if err := Verify(f.p, zktest.Base, f.rp, f.st, pr, keys); err != nil {
			b.Fatal(err)
		}
	})
}

func TestMissingProofIsRejected(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil)
	if err := Verify(f.p, zktest.Base, f.rp, f.st, nil); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("nil proof: got %v", err)
	}
	pr := *f.prove(t)
	pr.Z2 = nil
	if err := Verify(f.p, zktest.Base, f.rp, f.st, &pr); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("missing field: got %v", err)
	}
}

// TestCompatV1 checks that the frozen v1 sample still decodes and verifies.
func TestCompatV1(t *testing.T) {
	ps := zktest.Parties(t)
	p := zk.NewParams(group.Secp256k1)
	parts := zktest.Compat(t, "enc-v1.bin", func() [][]byte {
		f := newFixture(t, group.Secp256k1, nil)
		return [][]byte{f.st.K.Bytes(), f.prove(t).Marshal(f.p, f.rp, f.st), f.rp.Marshal()}
	})
	rp, err := pedersen.ParseParameters(parts[len(parts)-1])
	if err != nil {
		t.Fatal(err)
	}
	K, err := ps[0].PK.ParseCiphertext(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	st := &Statement{Key: ps[0].PK, K: K}
	pr, err := Parse(p, rp, st, parts[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(p, zktest.Base, rp, st, pr); err != nil {
		t.Fatal(err)
	}
}
