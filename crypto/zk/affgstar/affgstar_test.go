package affgstar

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/internal/zktest"
)

type fixture struct {
	p  zk.Params
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
	p := zktest.SmallParams(g)
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
	return &fixture{p: p, st: st, w: NewWitness(x, y, rho, rhoY, ps[0].SK)}
}

func (f *fixture) prove(t testing.TB) *Proof {
	t.Helper()
	pr, err := Prove(rand.Reader, f.p, zktest.Base, f.st, f.w)
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
			if err := Verify(f.p, zktest.Base, f.st, pr); err != nil {
				t.Fatal(err)
			}
			b := pr.Marshal(f.p, f.st)
			pr2, err := Parse(f.p, f.st, b)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(pr2.Marshal(f.p, f.st), b) {
				t.Fatal("round trip changed the encoding")
			}
			if err := Verify(f.p, zktest.Base, f.st, pr2); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("full size: 128 repetitions", func(t *testing.T) {
		if testing.Short() {
			t.Skip("slow")
		}
		f := newFixture(t, group.Secp256k1, nil, nil)
		f.p = zk.NewParams(group.Secp256k1)
		if err := Verify(f.p, zktest.Base, f.st, f.prove(t)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("witness at the bounds", func(t *testing.T) {
		f := newFixture(t, group.Secp256k1, new(big.Int).Neg(pow2(256)), pow2(1280))
		if err := Verify(f.p, zktest.Base, f.st, f.prove(t)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTamperedFieldIsRejected(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil, nil)
	n0, n1 := f.st.Key0.N(), f.st.Key1.N()
	n02, n12 := f.st.Key0.NSquared(), f.st.Key1.NSquared()
	two := big.NewInt(2)
	cases := map[string]func(pr *Proof){
		"A":               func(pr *Proof) { pr.Rounds[3].A = zktest.MulMod(pr.Rounds[3].A, two, n02) },
		"R":               func(pr *Proof) { pr.Rounds[3].R = zktest.BumpPoint(pr.Rounds[3].R) },
		"B":               func(pr *Proof) { pr.Rounds[3].B = zktest.MulMod(pr.Rounds[3].B, two, n12) },
		"z":               func(pr *Proof) { pr.Rounds[3].Z = zktest.Bump(pr.Rounds[3].Z) },
		"z'":              func(pr *Proof) { pr.Rounds[3].Zp = zktest.Bump(pr.Rounds[3].Zp) },
		"w":               func(pr *Proof) { pr.Rounds[3].W = zktest.MulMod(pr.Rounds[3].W, two, n0) },
		"λ":               func(pr *Proof) { pr.Rounds[3].Lm = zktest.MulMod(pr.Rounds[3].Lm, two, n1) },
		"a missing round": func(pr *Proof) { pr.Rounds = pr.Rounds[1:] },
		"an extra round":  func(pr *Proof) { pr.Rounds = append(pr.Rounds, pr.Rounds[0]) },
	}
	base := f.prove(t)
	for name, tamper := range cases {
		t.Run("tampered "+name, func(t *testing.T) {
			pr := Proof{Rounds: append([]Round(nil), base.Rounds...)}
			tamper(&pr)
			if err := Verify(f.p, zktest.Base, f.st, &pr); !errors.Is(err, ErrInvalidProof) {
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
			if err := Verify(f.p, zktest.Base, &st, base); !errors.Is(err, ErrInvalidProof) {
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
			if _, err := Prove(rand.Reader, f.p, zktest.Base, f.st, f.w); err == nil {
				t.Fatal("Prove accepted a witness out of range")
			}
			pr, err := prove(rand.Reader, f.p, zktest.Base, f.st, f.w, false)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(f.p, zktest.Base, f.st, pr); !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("got %v", err)
			}
		})
	}
	t.Run("y just above the bound", func(t *testing.T) {
		f := newFixture(t, group.Secp256k1, nil, zktest.Bump(pow2(1280)))
		if _, err := Prove(rand.Reader, f.p, zktest.Base, f.st, f.w); err == nil {
			t.Fatal("Prove accepted 2^ℓ'+1")
		}
	})
}

func TestReplayIsRejected(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil, nil)
	pr := f.prove(t)
	for name, ctx := range zktest.Replays {
		t.Run("replayed with "+name, func(t *testing.T) {
			if err := Verify(f.p, ctx, f.st, pr); !errors.Is(err, ErrInvalidProof) {
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
	b := f.prove(t).Marshal(f.p, f.st)
	set := func(off int, v []byte) []byte { c := bytes.Clone(b); copy(c[off:], v); return c }
	first := 16 * (512 + 33 + 512)
	z1 := 2 + first
	bad := map[string][]byte{
		"empty":                 nil,
		"truncated":             b[:len(b)-1],
		"trailing byte":         append(bytes.Clone(b), 0),
		"wrong version":         set(0, []byte{9}),
		"wrong kind":            set(1, []byte{0x7f}),
		"A is a multiple of N0": set(2, f.st.Key0.N().FillBytes(make([]byte, 512))),
		"R is the identity":     set(2+512, make([]byte, 33)),
		"B is zero":             set(2+512+33, make([]byte, 512)),
		"z sign byte is 2":      set(z1, []byte{2}),
		"z is too large":        set(z1, append([]byte{0}, bytes.Repeat([]byte{0xff}, 97)...)),
		"z' is negative zero":   set(z1+98, append([]byte{1}, make([]byte, 225)...)),
		"λ is zero":             set(len(b)-256, make([]byte, 256)),
		"one round short":       b[:len(b)-(98+226+256+256)],
	}
	zktest.Seed(t, "FuzzParse", "valid", b)
	for name, in := range bad {
		zktest.Seed(t, "FuzzParse", strings.ReplaceAll(name, " ", "-"), in)
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(f.p, f.st, in); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	fx := newFixture(f, group.Secp256k1, big.NewInt(7), big.NewInt(-9))
	f.Fuzz(func(t *testing.T, b []byte) {
		pr, err := Parse(fx.p, fx.st, b)
		if err != nil {
			return
		}
		if !bytes.Equal(pr.Marshal(fx.p, fx.st), b) {
			t.Fatal("parse → marshal is not the identity")
		}
	})
}

// The benchmarks report "fullexp/op": the cost of the modular
// exponentiations in full-size units (2048-bit exponent modulo a 2048-bit
// modulus), as counted by crypto/paillier/arith.
func BenchmarkProve(b *testing.B) {
	f := newFixture(b, group.Secp256k1, nil, nil)
	f.p.Reps = 128
	zktest.FullExp(b, func() {
		f.prove(b)
	})
}

func BenchmarkVerify(b *testing.B) {
	f := newFixture(b, group.Secp256k1, nil, nil)
	f.p.Reps = 128
	pr := f.prove(b)
	zktest.FullExp(b, func() {
		if err := Verify(f.p, zktest.Base, f.st, pr); err != nil {
			b.Fatal(err)
		}
	})
}

func TestMissingProofIsRejected(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil, nil)
	if err := Verify(f.p, zktest.Base, f.st, nil); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("nil proof: got %v", err)
	}
	pr := *f.prove(t)
	pr.Rounds = nil
	if err := Verify(f.p, zktest.Base, f.st, &pr); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("missing field: got %v", err)
	}
}

// TestCompatV1 checks that the frozen v1 sample (16 repetitions) still
// decodes and verifies.
func TestCompatV1(t *testing.T) {
	ps := zktest.Parties(t)
	g := group.Secp256k1
	p := zktest.SmallParams(g)
	parts := zktest.Compat(t, "affgstar-v1.bin", func() [][]byte {
		f := newFixture(t, g, nil, nil)
		return [][]byte{f.st.C.Bytes(), f.st.D.Bytes(), f.st.Y.Bytes(), f.st.X.Bytes(), f.prove(t).Marshal(f.p, f.st)}
	})
	C, err1 := ps[1].PK.ParseCiphertext(parts[0])
	D, err2 := ps[1].PK.ParseCiphertext(parts[1])
	Y, err3 := ps[0].PK.ParseCiphertext(parts[2])
	X, err4 := g.ParseElement(parts[3])
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	st := &Statement{Key0: ps[1].PK, Key1: ps[0].PK, C: C, D: D, Y: Y, X: X}
	pr, err := Parse(p, st, parts[4])
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(p, zktest.Base, st, pr); err != nil {
		t.Fatal(err)
	}
}
