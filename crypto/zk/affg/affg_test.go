package affg

import (
	"bytes"
	"context"
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

func pow2(n int) *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(n)) }

func randSigned(t testing.TB, bits int) *big.Int {
	x, err := rand.Int(rand.Reader, pow2(bits+1))
	if err != nil {
		t.Fatal(err)
	}
	return x.Sub(x, pow2(bits))
}

// newFixture: party 0 proves to party 1; C and D are under party 1's key,
// Y under party 0's.
func newFixture(t testing.TB, g group.Group, x, y *big.Int) *fixture {
	ps := zktest.Parties(t)
	p := zk.NewParams(g)
	if x == nil {
		x = randSigned(t, p.L)
	}
	if y == nil {
		y = randSigned(t, p.LPrime)
	}
	pk0, pk1 := ps[1].PK, ps[0].PK
	C, _, err := pk0.Encrypt(rand.Reader, randSigned(t, p.L))
	if err != nil {
		t.Fatal(err)
	}
	ey, rho, err := pk0.Encrypt(rand.Reader, y)
	if err != nil {
		t.Fatal(err)
	}
	D := pk0.Add(pk0.MulScalar(C, x), ey)
	Y, rhoY, err := pk1.Encrypt(rand.Reader, y)
	if err != nil {
		t.Fatal(err)
	}
	X := g.NewElement().ScalarBaseMult(zktest.Scalar(g, x))
	st := &Statement{Key0: pk0, Key1: pk1, C: C, D: D, Y: Y, X: X}
	return &fixture{p: p, rp: ps[1].RP, st: st, w: NewWitness(x, y, rho, rhoY, ps[0].SK)}
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
			f := newFixture(t, g, nil, nil)
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
	t.Run("witness at the bounds", func(t *testing.T) {
		f := newFixture(t, group.Secp256k1, new(big.Int).Neg(pow2(256)), pow2(1280))
		if err := Verify(f.p, zktest.Base, f.rp, f.st, f.prove(t)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestVerifierKeysGiveTheSameAnswer(t *testing.T) {
	ps := zktest.Parties(t)
	f := newFixture(t, group.Secp256k1, nil, nil)
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
	f := newFixture(t, group.Secp256k1, nil, nil)
	nh := f.rp.N
	n0, n1 := f.st.Key0.N(), f.st.Key1.N()
	n02, n12 := f.st.Key0.NSquared(), f.st.Key1.NSquared()
	two := big.NewInt(2)
	cases := map[string]func(pr *Proof){
		"A":   func(pr *Proof) { pr.A = zktest.MulMod(pr.A, two, n02) },
		"B_x": func(pr *Proof) { pr.Bx = zktest.BumpPoint(pr.Bx) },
		"B_y": func(pr *Proof) { pr.By = zktest.MulMod(pr.By, two, n12) },
		"E":   func(pr *Proof) { pr.E = zktest.MulMod(pr.E, f.rp.S, nh) },
		"S":   func(pr *Proof) { pr.S = zktest.MulMod(pr.S, f.rp.S, nh) },
		"F":   func(pr *Proof) { pr.F = zktest.MulMod(pr.F, f.rp.T, nh) },
		"T":   func(pr *Proof) { pr.T = zktest.MulMod(pr.T, f.rp.T, nh) },
		"z1":  func(pr *Proof) { pr.Z1 = zktest.Bump(pr.Z1) },
		"z2":  func(pr *Proof) { pr.Z2 = zktest.Bump(pr.Z2) },
		"z3":  func(pr *Proof) { pr.Z3 = zktest.Bump(pr.Z3) },
		"z4":  func(pr *Proof) { pr.Z4 = zktest.Bump(pr.Z4) },
		"w":   func(pr *Proof) { pr.W = zktest.MulMod(pr.W, two, n0) },
		"w_y": func(pr *Proof) { pr.Wy = zktest.MulMod(pr.Wy, two, n1) },
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
	stCases := map[string]func(st *Statement){
		"C": func(st *Statement) { st.C, _ = st.Key0.NewCiphertext(zktest.MulMod(st.C.Int(), two, n02)) },
		"D": func(st *Statement) { st.D, _ = st.Key0.NewCiphertext(zktest.MulMod(st.D.Int(), two, n02)) },
		"Y": func(st *Statement) { st.Y, _ = st.Key1.NewCiphertext(zktest.MulMod(st.Y.Int(), two, n12)) },
		"X": func(st *Statement) { st.X = zktest.BumpPoint(st.X) },
	}
	for name, tamper := range stCases {
		t.Run("tampered statement "+name, func(t *testing.T) {
			st := *f.st
			tamper(&st)
			if err := Verify(f.p, zktest.Base, f.rp, &st, base); !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestWitnessOutOfRangeIsRejected(t *testing.T) {
	cases := map[string][2]*big.Int{
		"x far beyond ±2^(ℓ+ε)":  {new(big.Int).Lsh(big.NewInt(3), 256+512+2), nil},
		"y far beyond ±2^(ℓ'+ε)": {nil, new(big.Int).Lsh(big.NewInt(3), 1280+512+2)},
	}
	for name, xy := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, group.Secp256k1, xy[0], xy[1])
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
		})
	}
	t.Run("y just above the bound", func(t *testing.T) {
		f := newFixture(t, group.Secp256k1, nil, zktest.Bump(pow2(1280)))
		if _, err := Prove(rand.Reader, f.p, zktest.Base, f.rp, f.st, f.w); err == nil {
			t.Fatal("Prove accepted 2^ℓ'+1")
		}
	})
}

func TestReplayIsRejected(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil, nil)
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
	f := newFixture(t, group.Secp256k1, nil, nil)
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
	f := newFixture(t, group.Secp256k1, nil, nil)
	for _, v := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		if s := fmt.Sprintf(v, f.w); s != "<redacted>" {
			t.Fatalf("%s printed %q", v, s)
		}
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil, nil)
	b := f.prove(t).Marshal(f.p, f.rp, f.st)
	nh := (f.rp.N.BitLen() + 7) / 8
	set := func(off int, v []byte) []byte { c := bytes.Clone(b); copy(c[off:], v); return c }
	z1 := 2 + 512 + 33 + 512 + 4*nh
	bad := map[string][]byte{
		"empty":                 nil,
		"truncated":             b[:len(b)-1],
		"trailing byte":         append(bytes.Clone(b), 0),
		"wrong version":         set(0, []byte{9}),
		"wrong kind":            set(1, []byte{0x7f}),
		"A is a multiple of N0": set(2, f.st.Key0.N().FillBytes(make([]byte, 512))),
		"B_x is the identity":   set(2+512, make([]byte, 33)),
		"B_y is zero":           set(2+512+33, make([]byte, 512)),
		"E is N̂":               set(2+512+33+512, f.rp.N.Bytes()),
		"z1 sign byte is 2":     set(z1, []byte{2}),
		"z1 is too large":       set(z1, append([]byte{0}, bytes.Repeat([]byte{0xff}, 97)...)),
		"z2 is negative zero":   set(z1+98, append([]byte{1}, make([]byte, 225)...)),
		"w_y is zero":           set(len(b)-256, make([]byte, 256)),
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
	fx := newFixture(f, group.Secp256k1, big.NewInt(7), big.NewInt(-9))
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
	f := newFixture(b, group.Secp256k1, nil, nil)
	zktest.FullExp(b, func() {
		f.prove(b)
	})
}

func BenchmarkVerify(b *testing.B) {
	f := newFixture(b, group.Secp256k1, nil, nil)
	pr := f.prove(b)
	zktest.FullExp(b, func() {
		if err := Verify(f.p, zktest.Base, f.rp, f.st, pr); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkVerifyWithKeys(b *testing.B) {
	f := newFixture(b, group.Secp256k1, nil, nil)
	pr := f.prove(b)
	keys := zk.WithVerifierKeys(zktest.Parties(b)[1].Keys)
	zktest.FullExp(b, func() {
		if err := Verify(f.p, zktest.Base, f.rp, f.st, pr, keys); err != nil {
			b.Fatal(err)
		}
	})
}

func TestMissingProofIsRejected(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil, nil)
	if err := Verify(f.p, zktest.Base, f.rp, f.st, nil); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("nil proof: got %v", err)
	}
	pr := *f.prove(t)
	pr.Wy = nil
	if err := Verify(f.p, zktest.Base, f.rp, f.st, &pr); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("missing field: got %v", err)
	}
}

// TestCompatV1 checks that the frozen v1 sample still decodes and verifies.
func TestCompatV1(t *testing.T) {
	ps := zktest.Parties(t)
	g := group.Secp256k1
	p := zk.NewParams(g)
	parts := zktest.Compat(t, "affg-v1.bin", func() [][]byte {
		f := newFixture(t, g, nil, nil)
		return [][]byte{f.st.C.Bytes(), f.st.D.Bytes(), f.st.Y.Bytes(), f.st.X.Bytes(), f.prove(t).Marshal(f.p, f.rp, f.st), f.rp.Marshal()}
	})
	rp, err := pedersen.ParseParameters(parts[len(parts)-1])
	if err != nil {
		t.Fatal(err)
	}
	C, err1 := ps[1].PK.ParseCiphertext(parts[0])
	D, err2 := ps[1].PK.ParseCiphertext(parts[1])
	Y, err3 := ps[0].PK.ParseCiphertext(parts[2])
	X, err4 := g.ParseElement(parts[3])
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	st := &Statement{Key0: ps[1].PK, Key1: ps[0].PK, C: C, D: D, Y: Y, X: X}
	pr, err := Parse(p, rp, st, parts[4])
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(p, zktest.Base, rp, st, pr); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentUseIsSafe(t *testing.T) {
	ps := zktest.Parties(t)
	f := newFixture(t, group.Secp256k1, nil, nil)
	keys := zk.WithVerifierKeys(ps[1].Keys)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			pr, err := Prove(rand.Reader, f.p, zktest.Base, f.rp, f.st, f.w)
			if err == nil {
				err = Verify(f.p, zktest.Base, f.rp, f.st, pr, keys)
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// A prover taking its mask nonce from a pool of precomputed nonces for N0
// makes a proof that verifies; a pool for another key is ignored.
func TestPrecomputedMaskNonce(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil, nil)
	np := f.st.Key0.NewNoncePool(rand.Reader)
	if err := np.Fill(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	f.w.WithMaskNonces(np)
	if err := Verify(f.p, zktest.Base, f.rp, f.st, f.prove(t)); err != nil {
		t.Fatal(err)
	}
	if np.Len() != 0 {
		t.Fatal("the pooled nonce was not used")
	}
	other := f.st.Key1.NewNoncePool(rand.Reader)
	f.w.WithMaskNonces(other)
	if err := Verify(f.p, zktest.Base, f.rp, f.st, f.prove(t)); err != nil {
		t.Fatal(err)
	}
}
