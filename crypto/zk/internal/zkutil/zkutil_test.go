package zkutil

import (
	"crypto/rand"
	"math/big"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/transcript"
)

func randSigned(t *testing.T, bits int) *big.Int {
	x, err := SampleSigned(rand.Reader, Pow2(bits))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestAffineMatchesBigInt(t *testing.T) {
	for range 200 {
		a, x := randSigned(t, 800), randSigned(t, 300)
		e := randSigned(t, 256)
		want := new(big.Int).Mul(e, x)
		want.Add(want, a)
		if got := Affine(a, 801, e, x, 301); got.Cmp(want) != 0 {
			t.Fatalf("Affine(%v, %v, %v) = %v, want %v", a, e, x, got, want)
		}
	}
	if got := Affine(big.NewInt(-5), 8, big.NewInt(0), big.NewInt(7), 8); got.Cmp(big.NewInt(-5)) != 0 {
		t.Fatalf("zero challenge: got %v", got)
	}
}

func TestScalarConversions(t *testing.T) {
	for _, g := range []group.Group{group.Secp256k1, group.Edwards25519} {
		t.Run(g.Name(), func(t *testing.T) {
			for range 50 {
				x := randSigned(t, 700)
				a, b := ScalarFromSecretInt(g, x, 701), ScalarFromInt(g, x)
				if !a.Equal(b) {
					t.Fatal("constant-time and public conversions differ")
				}
				want := new(big.Int).Mod(x, g.Order())
				if ScalarToInt(a).Cmp(want) != 0 {
					t.Fatal("ScalarToInt(x mod q) ≠ x mod q")
				}
			}
		})
	}
}

func TestSampleSignedStaysInRange(t *testing.T) {
	b := Pow2(5)
	seen := map[int64]bool{}
	for range 2000 {
		x, err := SampleSigned(rand.Reader, b)
		if err != nil {
			t.Fatal(err)
		}
		if !InRange(x, b) {
			t.Fatalf("%v out of ±32", x)
		}
		seen[x.Int64()] = true
	}
	if !seen[32] || !seen[-32] || len(seen) != 65 {
		t.Fatalf("not uniform over [−32, 32]: %d values", len(seen))
	}
}

func TestReaderRejectsMalformed(t *testing.T) {
	n := big.NewInt(35) // 5·7
	bound := big.NewInt(300)
	w := NewWriter(KindEnc, 0)
	w.Residue(big.NewInt(3), n)
	w.Signed(big.NewInt(-300), bound)
	good := w.Bytes()
	r := NewReader(good, KindEnc)
	if x := r.Unit(n, "u"); x == nil || x.Int64() != 3 {
		t.Fatal("unit")
	}
	if x := r.Signed(bound, "s"); x == nil || x.Int64() != -300 {
		t.Fatal("signed")
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	bad := map[string][]byte{
		"non-unit residue":  {Version, KindEnc, 5, 1, 1, 44},
		"residue ≥ n":       {Version, KindEnc, 36, 0, 0, 1},
		"value above bound": {Version, KindEnc, 3, 0, 1, 45},
		"negative zero":     {Version, KindEnc, 3, 1, 0, 0},
		"sign byte 2":       {Version, KindEnc, 3, 2, 0, 1},
		"truncated":         {Version, KindEnc, 3, 0, 1},
	}
	for name, b := range bad {
		t.Run(name, func(t *testing.T) {
			r := NewReader(b, KindEnc)
			r.Unit(n, "u")
			r.Signed(bound, "s")
			if r.Finish() == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestChallengeBitsAreDeterministic(t *testing.T) {
	mk := func() *transcript.Transcript {
		t := transcript.New("test")
		t.AppendBytes("x", []byte{1})
		return t
	}
	a, b := ChallengeBits(mk(), "e", 128), ChallengeBits(mk(), "e", 128)
	ones := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("not deterministic")
		}
		if a[i] {
			ones++
		}
	}
	if ones < 32 || ones > 96 {
		t.Fatalf("%d ones in 128 bits", ones)
	}
}
