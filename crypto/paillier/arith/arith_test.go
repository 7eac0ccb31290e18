package arith

import (
	"crypto/rand"
	"math/big"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
)

func TestConstantTimeMatchesMathBig(t *testing.T) {
	p, q := testprimes.Pair(0)
	n := new(big.Int).Mul(p, q)
	n2 := new(big.Int).Mul(n, n)
	crt, err := NewCRT(p, q)
	if err != nil {
		t.Fatal(err)
	}
	mn := MustModulus(n)
	for i := 0; i < 8; i++ {
		x, _ := SampleUnit(rand.Reader, n2)
		xn := new(big.Int).Mod(x, n)
		e, _ := SampleSignedBits(rand.Reader, 3000)
		if i == 0 {
			e.SetInt64(0)
		}
		if i == 1 {
			e.SetInt64(-1)
		}
		if got, want := crt.ExpN2(x, e, 3001), ExpVar(x, e, n2); got.Cmp(want) != 0 {
			t.Fatalf("ExpN2(%d)", i)
		}
		if got, want := crt.ExpN(xn, e, 3001), ExpVar(xn, e, n); got.Cmp(want) != 0 {
			t.Fatalf("ExpN(%d)", i)
		}
		if got, want := mn.ExpSignedCT(xn, e, 3001), ExpVar(xn, e, n); got.Cmp(want) != 0 {
			t.Fatalf("ExpSignedCT(%d)", i)
		}
		ea := new(big.Int).Abs(e)
		if got, want := ExpCTBits(x, ea, n2, 3001), ExpVar(x, ea, n2); got.Cmp(want) != 0 {
			t.Fatalf("ExpCT(%d)", i)
		}
		rp, rq := crt.ExpP(xn, e, 3001), crt.ExpQ(xn, e, 3001)
		if crt.Combine(rp, rq).Cmp(ExpVar(xn, e, n)) != 0 {
			t.Fatalf("Combine(%d)", i)
		}
		a, _ := rand.Int(rand.Reader, n)
		if AddModCT(a, xn, n).Cmp(new(big.Int).Mod(new(big.Int).Add(a, xn), n)) != 0 {
			t.Fatal("AddModCT")
		}
		if mn.MulCT(a, xn).Cmp(new(big.Int).Mod(new(big.Int).Mul(a, xn), n)) != 0 {
			t.Fatal("MulCT")
		}
	}
}

func TestCount(t *testing.T) {
	p, _ := testprimes.Pair(0)
	n := new(big.Int).Mul(p, p)
	ResetCount()
	ExpVar(big.NewInt(3), new(big.Int).Lsh(big.NewInt(1), 2047), n) // full size
	calls, full := Count()
	if calls != 1 || full < 0.99 || full > 1.01 {
		t.Fatal(calls, full)
	}
}

func TestSampling(t *testing.T) {
	n := big.NewInt(15)
	for i := 0; i < 100; i++ {
		u, err := SampleUnit(rand.Reader, n)
		if err != nil || !IsUnit(u, n) {
			t.Fatal("unit", u)
		}
		s, err := SampleSigned(rand.Reader, big.NewInt(3))
		if err != nil || !InSigned(s, big.NewInt(3)) {
			t.Fatal("signed", s)
		}
	}
}

func TestFixedBase(t *testing.T) {
	p, q := testprimes.Pair(1)
	pq := new(big.Int).Mul(p, q)
	// 1024 and 2048 bits (assembly), 4096 (generic Montgomery code).
	for _, n := range []*big.Int{p, pq, new(big.Int).Mul(pq, pq)} {
		testFixedBase(t, n)
	}
}

func testFixedBase(t *testing.T, n *big.Int) {
	mn := MustModulus(n)
	base, _ := SampleUnit(rand.Reader, n)
	fb := mn.NewFixedBase(base)
	for _, bits := range []int{1, 3, 4, 5, 64, 257, 2048, 2816, 4870} {
		for i := 0; i < 3; i++ {
			e, _ := SampleSignedBits(rand.Reader, bits)
			if i == 0 {
				e.SetInt64(0)
			}
			want := ExpVar(base, e, n)
			if got := fb.ExpVar(e); got.Cmp(want) != 0 {
				t.Fatalf("ExpVar %d bits", bits)
			}
			if got := fb.ExpCT(e, bits+1); got.Cmp(want) != 0 {
				t.Fatalf("ExpCT %d bits", bits)
			}
		}
	}
}

func BenchmarkFixedBase2048(b *testing.B) {
	p, q := testprimes.Pair(1)
	n := new(big.Int).Mul(p, q)
	mn := MustModulus(n)
	base, _ := SampleUnit(rand.Reader, n)
	fb := mn.NewFixedBase(base)
	e, _ := SampleSignedBits(rand.Reader, 2048)
	fb.ExpCT(e, 2049)
	b.Run("var", func(b *testing.B) {
		for b.Loop() {
			fb.ExpVar(e)
		}
	})
	b.Run("ct", func(b *testing.B) {
		for b.Loop() {
			fb.ExpCT(e, 2049)
		}
	})
	b.Run("mathbig", func(b *testing.B) {
		for b.Loop() {
			ExpVar(base, e, n)
		}
	})
	b.Run("bigmod-ct", func(b *testing.B) {
		for b.Loop() {
			mn.ExpSignedCT(base, e, 2049)
		}
	})
}

func TestCRTFixedBase(t *testing.T) {
	p, q := testprimes.Pair(1)
	n := new(big.Int).Mul(p, q)
	crt, _ := NewCRT(p, q)
	base, _ := SampleUnit(rand.Reader, n)
	fb := crt.NewFixedBase(base)
	for _, bits := range []int{1, 100, 2048, 2100} {
		e, _ := SampleSignedBits(rand.Reader, bits)
		if fb.ExpCT(e, bits+1).Cmp(ExpVar(base, e, n)) != 0 {
			t.Fatal(bits)
		}
	}
}

func TestFixedBaseConcurrentGrowth(t *testing.T) {
	p, q := testprimes.Pair(2)
	n := new(big.Int).Mul(p, q)
	base, _ := SampleUnit(rand.Reader, n)
	fb := MustModulus(n).NewFixedBase(base)
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			e, _ := SampleSignedBits(rand.Reader, 300*(g+1))
			want := ExpVar(base, e, n)
			if fb.ExpVar(e).Cmp(want) != 0 || fb.ExpCT(e, 300*(g+1)+1).Cmp(want) != 0 {
				done <- errMismatch
				return
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

var errMismatch = errorString("fixed-base result differs from math/big")

type errorString string

func (e errorString) Error() string { return string(e) }

func TestMultiExpSmall(t *testing.T) {
	n, _ := rand.Prime(rand.Reader, 512)
	m := MustModulus(n)
	var bases []*big.Int
	var exps []uint32
	want := big.NewInt(1)
	for i := 0; i < 20; i++ {
		b, _ := rand.Int(rand.Reader, n)
		e := uint32(i*7919) & (1<<17 - 1)
		bases, exps = append(bases, b), append(exps, e)
		want.Mul(want, new(big.Int).Exp(b, big.NewInt(int64(e)), n)).Mod(want, n)
	}
	if got := m.MultiExpSmall(bases, exps, 17); got.Cmp(want) != 0 {
		t.Fatalf("got %v, want %v", got, want)
	}
}
