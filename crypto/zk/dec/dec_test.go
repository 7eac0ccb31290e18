package dec

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

const yBitsTest = 1280 + 1 + 2 // ℓ'+1+⌈log2 3⌉: δ_i of a 3-party presigning

// newFixture: party 0 proves about its own key, with base h ≠ G.
func newFixture(t testing.TB, g group.Group, x, y *big.Int) *fixture {
	ps := zktest.Parties(t)
	p := zktest.SmallParams(g)
	if x == nil {
		x = randSigned(t, p.L)
	}
	if y == nil {
		y = randSigned(t, yBitsTest)
	}
	pk := ps[0].PK
	K, _, err := pk.Encrypt(rand.Reader, randSigned(t, p.L))
	if err != nil {
		t.Fatal(err)
	}
	// D = enc(y; ρ)·K^(−x), so that enc(y; ρ) = K^x·D.
	ey, rho, err := pk.Encrypt(rand.Reader, y)
	if err != nil {
		t.Fatal(err)
	}
	D := pk.Add(ey, pk.MulScalar(K, new(big.Int).Neg(x)))
	h := g.NewElement().ScalarBaseMult(g.NewScalar().SetUint64(11))
	st := &Statement{
		Key: pk, K: K, D: D,
		X: g.NewElement().ScalarMult(zktest.Scalar(g, x), h),
		S: g.NewElement().ScalarMult(zktest.Scalar(g, y), h),
		G: h, YBits: yBitsTest,
	}
	if y.BitLen() == 1302 { // the out-of-range case below
		st.YBits = 600 // a y beyond ±2^(YBits+ε) that still fits the plaintext space
	}
	return &fixture{p: p, st: st, w: NewWitness(x, y, rho, ps[0].SK)}
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
		f := newFixture(t, group.Secp256k1, new(big.Int).Neg(pow2(256)), pow2(yBitsTest))
		if err := Verify(f.p, zktest.Base, f.st, f.prove(t)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTamperedFieldIsRejected(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil, nil)
	n, n2 := f.st.Key.N(), f.st.Key.NSquared()
	two := big.NewInt(2)
	cases := map[string]func(pr *Proof){
		"A":               func(pr *Proof) { pr.Rounds[3].A = zktest.MulMod(pr.Rounds[3].A, two, n2) },
		"B":               func(pr *Proof) { pr.Rounds[3].B = zktest.BumpPoint(pr.Rounds[3].B) },
		"C":               func(pr *Proof) { pr.Rounds[3].C = zktest.BumpPoint(pr.Rounds[3].C) },
		"z":               func(pr *Proof) { pr.Rounds[3].Z = zktest.Bump(pr.Rounds[3].Z) },
		"w":               func(pr *Proof) { pr.Rounds[3].W = zktest.Bump(pr.Rounds[3].W) },
		"ν":               func(pr *Proof) { pr.Rounds[3].V = zktest.MulMod(pr.Rounds[3].V, two, n) },
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
		"K":     func(st *Statement) { st.K, _ = st.Key.NewCiphertext(zktest.MulMod(st.K.Int(), two, n2)) },
		"D":     func(st *Statement) { st.D, _ = st.Key.NewCiphertext(zktest.MulMod(st.D.Int(), two, n2)) },
		"X":     func(st *Statement) { st.X = zktest.BumpPoint(st.X) },
		"S":     func(st *Statement) { st.S = zktest.BumpPoint(st.S) },
		"g":     func(st *Statement) { st.G = zktest.BumpPoint(st.G) },
		"YBits": func(st *Statement) { st.YBits++ },
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
		"x far beyond ±2^(ℓ+ε)":     {new(big.Int).Lsh(big.NewInt(3), 256+512+2), nil},
		"y far beyond ±2^(YBits+ε)": {nil, new(big.Int).Lsh(big.NewInt(3), 1300)}, // with YBits = 600
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
		f := newFixture(t, group.Secp256k1, nil, zktest.Bump(pow2(yBitsTest)))
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
	first := 16 * (512 + 33 + 33)
	z1 := 2 + first
	bad := map[string][]byte{
		"empty":                 nil,
		"truncated":             b[:len(b)-1],
		"trailing byte":         append(bytes.Clone(b), 0),
		"wrong version":         set(0, []byte{9}),
		"wrong kind":            set(1, []byte{0x7f}),
		"A is a multiple of N0": set(2, f.st.Key.N().FillBytes(make([]byte, 512))),
		"B is the identity":     set(2+512, make([]byte, 33)),
		"C is off the curve":    set(2+512+33, append([]byte{3}, bytes.Repeat([]byte{0xff}, 32)...)),
		"z sign byte is 2":      set(z1, []byte{2}),
		"z is too large":        set(z1, append([]byte{0}, bytes.Repeat([]byte{0xff}, 97)...)),
		"ν is zero":             set(len(b)-256, make([]byte, 256)),
		"one round short":       b[:len(b)-(98+1+289+256)],
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
	parts := zktest.Compat(t, "dec-v1.bin", func() [][]byte {
		f := newFixture(t, g, nil, nil)
		return [][]byte{f.st.K.Bytes(), f.st.D.Bytes(), f.st.X.Bytes(), f.st.S.Bytes(), f.st.G.Bytes(), f.prove(t).Marshal(f.p, f.st)}
	})
	K, err1 := ps[0].PK.ParseCiphertext(parts[0])
	D, err2 := ps[0].PK.ParseCiphertext(parts[1])
	X, err3 := g.ParseElement(parts[2])
	S, err4 := g.ParseElement(parts[3])
	h, err5 := g.ParseElement(parts[4])
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		t.Fatal(err)
	}
	st := &Statement{Key: ps[0].PK, K: K, D: D, X: X, S: S, G: h, YBits: yBitsTest}
	pr, err := Parse(p, st, parts[5])
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(p, zktest.Base, st, pr); err != nil {
		t.Fatal(err)
	}
}

func TestRangeThatDoesNotFitIsRefused(t *testing.T) {
	f := newFixture(t, group.Secp256k1, nil, nil)
	pr := f.prove(t)
	st := *f.st
	st.YBits = 2048 - 512 - 1 // 2^(YBits+ε) ≥ N0/2
	if _, err := Prove(rand.Reader, f.p, zktest.Base, &st, f.w); err == nil {
		t.Fatal("Prove accepted a range that does not fit N0")
	}
	if err := Verify(f.p, zktest.Base, &st, pr); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("got %v", err)
	}
	t.Run("zero means ℓ'", func(t *testing.T) {
		f := newFixture(t, group.Secp256k1, nil, big.NewInt(-99))
		f.st.YBits = 0
		if err := Verify(f.p, zktest.Base, f.st, f.prove(t)); err != nil {
			t.Fatal(err)
		}
	})
}
