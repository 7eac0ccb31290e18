package pedersen

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
)

var (
	once sync.Once
	pp   *Parameters
	sec  *Secret
)

func fixture(t testing.TB) (*Parameters, *Secret) {
	t.Helper()
	once.Do(func() {
		p, q := testprimes.Pair(1)
		sk, err := paillier.NewSecretKey(p, q)
		if err != nil {
			panic(err)
		}
		pp, sec, err = FromKey(rand.Reader, sk)
		if err != nil {
			panic(err)
		}
	})
	return pp, sec
}

func TestTrapdoor(t *testing.T) {
	pp, sec := fixture(t)
	if new(big.Int).Exp(pp.T, sec.Lambda, pp.N).Cmp(pp.S) != 0 {
		t.Fatal("s ≠ t^λ")
	}
	if big.Jacobi(pp.T, pp.N) != 1 {
		t.Fatal("t is not a square")
	}
}

func TestCommitConstantTimeMatchesVariableTime(t *testing.T) {
	pp, _ := fixture(t)
	for _, xy := range [][2]int64{{0, 0}, {1, -1}, {-12345, 678}, {-1, -1}} {
		x, y := big.NewInt(xy[0]), big.NewInt(xy[1])
		// Large exponents as in the range proofs: ±2^(ℓ+ε)·N̂.
		x.Add(x, new(big.Int).Lsh(pp.N, 700))
		y.Sub(y, new(big.Int).Lsh(pp.N, 300))
		a := pp.Commit(x, y)
		b := pp.CommitCT(x, y, 700+2048+1, 300+2048+1)
		if a.Cmp(b) != 0 {
			t.Fatalf("%v: Commit ≠ CommitCT", xy)
		}
	}
}

func TestBadParametersAreRejected(t *testing.T) {
	pp, sec := fixture(t)
	n, s, tt := pp.N, pp.S, pp.T
	nm1 := new(big.Int).Sub(n, big.NewInt(1))
	p, q := testprimes.Pair(0)
	small := new(big.Int).Mul(big.NewInt(3), p)
	small.Mul(small, q) // 3·p·q: a small factor
	cases := []struct {
		name    string
		n, s, t *big.Int
	}{
		{"s = 1", n, big.NewInt(1), tt},
		{"t = 1", n, s, big.NewInt(1)},
		{"s = −1", n, nm1, tt},
		{"s = t", n, tt, tt},
		{"s = 0", n, big.NewInt(0), tt},
		{"s = N", n, n, tt},
		{"s > N", n, new(big.Int).Add(n, s), tt},
		{"gcd(s, N) > 1", n, new(big.Int).Set(sec.P), tt},
		{"gcd(t, N) > 1", n, s, new(big.Int).Mul(sec.Q, big.NewInt(2))},
		{"a small factor in N", small, s, tt},
		{"an even N", new(big.Int).Lsh(n, 1), s, tt},
		{"a 1024-bit N", p, big.NewInt(4), big.NewInt(9)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := NewParameters(c.n, c.s, c.t); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestEncodingRoundTrip(t *testing.T) {
	pp, _ := fixture(t)
	b := pp.Marshal()
	got, err := ParseParameters(b)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(pp) || !bytes.Equal(got.Marshal(), b) {
		t.Fatal("round trip differs")
	}
	l := (pp.N.BitLen() + 7) / 8
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
		"s is one":      put(3+l, big.NewInt(1)),
		"s equals t":    put(3+l, pp.T),
		"t is N":        put(3+2*l, pp.N),
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseParameters(in); err == nil {
				t.Fatal("parsed")
			}
		})
		writeSeed(t, name, in)
	}
	writeSeed(t, "valid", b)
}

func TestSecretIsRedacted(t *testing.T) {
	_, sec := fixture(t)
	s := fmt.Sprintf("%v %+v %#v %s %d", sec, sec, sec, sec, sec)
	if strings.Contains(s, sec.Lambda.String()) || strings.Contains(s, sec.P.String()) {
		t.Fatal("secret printed")
	}
}

func writeSeed(t *testing.T, name string, b []byte) {
	if os.Getenv("CUSTOS_WRITE_SEEDS") != "1" {
		return
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParseParameters")
	os.MkdirAll(dir, 0o755)
	data := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(b)))
	if err := os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, " ", "-")), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseParameters(f *testing.F) {
	pp, _ := fixture(f)
	f.Add(pp.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseParameters(b)
		if err != nil {
			return
		}
		if !bytes.Equal(got.Marshal(), b) {
			t.Fatal("parse→marshal differs")
		}
	})
}
