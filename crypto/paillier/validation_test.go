package paillier

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
)

func randomPrime(t testing.TB, bits int, mod4 int64) *big.Int {
	for {
		p, err := rand.Prime(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		if mod4 == 0 || new(big.Int).Mod(p, big.NewInt(4)).Int64() == mod4 {
			return p
		}
	}
}

func TestNewPublicKeyRejectsBadModuli(t *testing.T) {
	p, q := testprimes.Pair(0)
	good := new(big.Int).Mul(p, q)
	r683 := randomPrime(t, 683, 3)
	cube := new(big.Int).Exp(r683, big.NewInt(3), nil)
	cases := []struct {
		name string
		n    *big.Int
	}{
		{"zero", big.NewInt(0)},
		{"negative", new(big.Int).Neg(good)},
		{"even", new(big.Int).Lsh(good, 1)},
		{"too small (1024 bits)", new(big.Int).Mul(testprimes.SafePrimes1024()[0], big.NewInt(3))},
		{"too small (product of 512-bit primes)", new(big.Int).Mul(randomPrime(t, 512, 3), randomPrime(t, 512, 3))},
		{"too large", new(big.Int).Lsh(good, MaxBits)},
		{"a factor 3", new(big.Int).Mul(big.NewInt(3), randomPrime(t, 2047, 3))},
		{"a factor 65521", new(big.Int).Mul(big.NewInt(65521), randomPrime(t, 2040, 3))},
		{"a perfect square", new(big.Int).Mul(p, p)},
		{"a perfect cube", cube},
		{"a prime", randomPrime(t, 2048, 3)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := NewPublicKey(c.n); err == nil {
				t.Fatalf("accepted a %d-bit modulus", c.n.BitLen())
			}
		})
	}
	if _, err := NewPublicKey(good); err != nil {
		t.Fatal("rejected a good modulus:", err)
	}
}

func TestNewSecretKeyRejectsBadFactors(t *testing.T) {
	ps := testprimes.SafePrimes1024()
	nonSafe := randomPrime(t, 1024, 3)
	oneMod4 := randomPrime(t, 1024, 1)
	small := randomPrime(t, 512, 3)
	for _, c := range []struct {
		name string
		p, q *big.Int
	}{
		{"p = q", ps[0], ps[0]},
		{"p not a safe prime", nonSafe, ps[1]},
		{"p ≡ 1 mod 4", oneMod4, ps[1]},
		{"p composite", new(big.Int).Mul(small, big.NewInt(3)), ps[1]},
		{"different sizes", small, ps[1]},
		{"too small", small, randomPrime(t, 512, 3)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := NewSecretKey(c.p, c.q); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestCiphertextsOutsideTheGroupAreRejected(t *testing.T) {
	sk := testKey(t, 0)
	pk := sk.PublicKey()
	n, n2 := pk.N(), pk.NSquared()
	for _, c := range []struct {
		name string
		c    *big.Int
	}{
		{"zero", big.NewInt(0)},
		{"negative", big.NewInt(-5)},
		{"N", n},
		{"a multiple of p", new(big.Int).Mul(sk.P(), big.NewInt(7))},
		{"a multiple of q", sk.Q()},
		{"N²", n2},
		{"above N²", new(big.Int).Add(n2, big.NewInt(1))},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := pk.NewCiphertext(c.c); err == nil {
				t.Fatal("NewCiphertext accepted it")
			}
			if c.c.Sign() >= 0 && c.c.BitLen() <= pk.CiphertextLen()*8 {
				b := c.c.FillBytes(make([]byte, pk.CiphertextLen()))
				if _, err := pk.ParseCiphertext(b); err == nil {
					t.Fatal("ParseCiphertext accepted it")
				}
			}
		})
	}
	ct, _, _ := pk.Encrypt(rand.Reader, big.NewInt(5))
	for name, b := range map[string][]byte{
		"short": ct.Bytes()[1:],
		"long":  append([]byte{0}, ct.Bytes()...),
	} {
		t.Run(name+" encoding", func(t *testing.T) {
			if _, err := pk.ParseCiphertext(b); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	// Nonces and messages out of range.
	if _, err := pk.EncryptWithNonce(big.NewInt(1), n); err == nil {
		t.Fatal("nonce N accepted")
	}
	if _, err := pk.EncryptWithNonce(big.NewInt(1), sk.P()); err == nil {
		t.Fatal("nonce sharing a factor accepted")
	}
	if _, err := pk.EncryptWithNonce(n, big.NewInt(2)); err == nil {
		t.Fatal("message N accepted")
	}
}

func TestKeyEncodings(t *testing.T) {
	sk := testKey(t, 0)
	pk := sk.PublicKey()
	pb := pk.Marshal()
	pk2, err := ParsePublicKey(pb)
	if err != nil || !pk2.Equal(pk) || !bytes.Equal(pk2.Marshal(), pb) {
		t.Fatal("public key round trip", err)
	}
	sb := sk.Marshal()
	var sk2 SecretKey
	if err := sk2.Unmarshal(sb); err != nil || !bytes.Equal(sk2.Marshal(), sb) || !sk2.PublicKey().Equal(pk) {
		t.Fatal("secret key round trip", err)
	}
	c, _, _ := pk.Encrypt(rand.Reader, big.NewInt(-42))
	if m, _ := sk2.Decrypt(c); m.Int64() != -42 {
		t.Fatal("decrypt after unmarshal")
	}
	for name, b := range map[string][]byte{
		"empty":         {},
		"wrong version": append([]byte{9}, pb[1:]...),
		"truncated":     pb[:len(pb)-1],
		"trailing byte": append(append([]byte(nil), pb...), 0),
		"leading zero":  append([]byte{1, byte((len(pb) - 2) >> 8), byte(len(pb) - 2), 0}, pb[3:]...),
	} {
		t.Run("public key "+name, func(t *testing.T) {
			if _, err := ParsePublicKey(b); err == nil {
				t.Fatal("parsed")
			}
		})
		writeSeed(t, "FuzzParsePublicKey", name, b)
	}
	writeSeed(t, "FuzzParsePublicKey", "valid", pb)
	writeSeed(t, "FuzzParseCiphertext", "valid", c.Bytes())
	writeSeed(t, "FuzzParseCiphertext", "zero", make([]byte, pk.CiphertextLen()))
	writeSeed(t, "FuzzParseCiphertext", "N", pk.N().FillBytes(make([]byte, pk.CiphertextLen())))
	writeSeed(t, "FuzzParseSecretKey", "truncated", sb[:len(sb)-1])
	writeSeed(t, "FuzzParseSecretKey", "swapped-version", append([]byte{2}, sb[1:]...))
}

func TestPoolRoundTrip(t *testing.T) {
	pool := NewPool(1024, rand.Reader, 1)
	if err := pool.Put(testprimes.SafePrimes1024()[:4]...); err != nil {
		t.Fatal(err)
	}
	if err := pool.Put(randomPrime(t, 1024, 3)); err == nil {
		t.Fatal("pool accepted a prime that is not safe")
	}
	b := pool.Marshal()
	p2 := NewPool(1024, rand.Reader, 1)
	if err := p2.Unmarshal(b); err != nil || p2.Len() != 4 || !bytes.Equal(p2.Marshal(), b) {
		t.Fatal("pool round trip", err)
	}
	if err := NewPool(512, nil, 1).Unmarshal(b); err == nil {
		t.Fatal("pool of another size accepted")
	}
	sk, err := GenerateKey(context.Background(), rand.Reader, 2048, p2)
	if err != nil {
		t.Fatal(err)
	}
	if sk.PublicKey().BitLen() != 2048 || p2.Len() != 2 {
		t.Fatal("key from pool", sk.PublicKey().BitLen(), p2.Len())
	}
	if strings.Contains(fmt.Sprint(p2), testprimes.SafePrimes1024()[0].String()) {
		t.Fatal("pool printed its primes")
	}
	writeSeed(t, "FuzzPoolUnmarshal", "valid", b)
	writeSeed(t, "FuzzPoolUnmarshal", "truncated", b[:len(b)-1])
}

func TestPoolTakeFallsBackToGeneration(t *testing.T) {
	pool := NewPool(256, rand.Reader, 1)
	var calls int
	pool.SetProgress(func(have, want int) { calls++ })
	if err := pool.Fill(context.Background(), 2); err != nil || pool.Len() != 2 || calls != 2 {
		t.Fatal("fill", err, pool.Len(), calls)
	}
	for i := 0; i < 3; i++ { // the third Take generates
		p, err := pool.Take(context.Background())
		if err != nil || p.BitLen() != 256 || !IsSafePrime(p) {
			t.Fatal("take", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewPool(2048, nil, 1).Take(ctx); err == nil {
		t.Fatal("generation ignored a cancelled context")
	}
}

func TestGenerateSafePrimeSizes(t *testing.T) {
	for _, bits := range []int{64, 65, 100, 256} {
		p, err := GenerateSafePrime(context.Background(), rand.Reader, bits, 2)
		if err != nil || p.BitLen() != bits || !IsSafePrime(p) || p.Bit(bits-2) != 1 || p.Bit(1) != 1 {
			t.Fatalf("%d bits: %v %v", bits, p, err)
		}
	}
}

func writeSeed(t *testing.T, fuzz, name string, b []byte) {
	if os.Getenv("CUSTOS_WRITE_SEEDS") != "1" {
		return
	}
	dir := filepath.Join("testdata", "fuzz", fuzz)
	os.MkdirAll(dir, 0o755)
	data := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(b)))
	if err := os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, " ", "-")), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func FuzzParsePublicKey(f *testing.F) {
	f.Add(testKey(f, 0).PublicKey().Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		pk, err := ParsePublicKey(b)
		if err != nil {
			return
		}
		if !bytes.Equal(pk.Marshal(), b) {
			t.Fatal("parse→marshal differs")
		}
	})
}

func FuzzParseCiphertext(f *testing.F) {
	pk := testKey(f, 0).PublicKey()
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := pk.ParseCiphertext(b)
		if err != nil {
			return
		}
		if !bytes.Equal(c.Bytes(), b) {
			t.Fatal("parse→bytes differs")
		}
	})
}

func FuzzParseSecretKey(f *testing.F) {
	f.Add(testKey(f, 0).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		sk, err := ParseSecretKey(b)
		if err != nil {
			return
		}
		if !bytes.Equal(sk.Marshal(), b) {
			t.Fatal("parse→marshal differs")
		}
	})
}

func FuzzPoolUnmarshal(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		p := NewPool(1024, nil, 1)
		if err := p.Unmarshal(b); err != nil {
			return
		}
		if !bytes.Equal(p.Marshal(), b) {
			t.Fatal("unmarshal→marshal differs")
		}
	})
}

// TestGenerateKeyFullSize is the slow full-size test: two fresh 1024-bit
// safe primes on all cores, then a round trip.
func TestGenerateKeyFullSize(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: generates two 1024-bit safe primes")
	}
	sk, err := GenerateKey(context.Background(), rand.Reader, DefaultBits, nil)
	if err != nil {
		t.Fatal(err)
	}
	pk := sk.PublicKey()
	if pk.BitLen() != DefaultBits || !IsSafePrime(sk.P()) || !IsSafePrime(sk.Q()) {
		t.Fatal("bad key")
	}
	if _, err := NewSecretKey(sk.P(), sk.Q()); err != nil {
		t.Fatal(err)
	}
	c, _, _ := pk.Encrypt(rand.Reader, big.NewInt(-7))
	if m, _ := sk.Decrypt(c); m.Int64() != -7 {
		t.Fatal("decrypt")
	}
	if _, err := GenerateKey(context.Background(), rand.Reader, 1024, nil); err == nil {
		t.Fatal("generated a key below MinBits")
	}
}
