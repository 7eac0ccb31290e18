package paillier

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
)

func testKey(t testing.TB, i int) *SecretKey {
	t.Helper()
	p, q := testprimes.Pair(i)
	sk, err := NewSecretKey(p, q)
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	sk := testKey(t, 0)
	pk := sk.PublicKey()
	half := new(big.Int).Rsh(pk.N(), 1)
	for _, m := range []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(-1), big.NewInt(123456789), half, new(big.Int).Neg(half)} {
		c, rho, err := pk.Encrypt(rand.Reader, m)
		if err != nil {
			t.Fatal(err)
		}
		got, gotRho, err := sk.DecryptWithNonce(c)
		if err != nil {
			t.Fatal(err)
		}
		if got.Cmp(m) != 0 || gotRho.Cmp(rho) != 0 {
			t.Fatalf("m=%v: got %v", m, got)
		}
		c2, err := sk.EncryptWithNonce(m, rho)
		if err != nil || !c2.Equal(c) {
			t.Fatal("CRT encryption differs")
		}
		c3, err := pk.ParseCiphertext(c.Bytes())
		if err != nil || !c3.Equal(c) || !bytes.Equal(c3.Bytes(), c.Bytes()) {
			t.Fatal("ciphertext round trip")
		}
	}
}

func TestHomomorphism(t *testing.T) {
	sk := testKey(t, 0)
	pk := sk.PublicKey()
	a, b, k := big.NewInt(1000), big.NewInt(-77), big.NewInt(-31)
	ca, _, _ := pk.Encrypt(rand.Reader, a)
	cb, _, _ := pk.Encrypt(rand.Reader, b)
	sum, _ := sk.Decrypt(pk.Add(ca, cb))
	if sum.Int64() != 923 {
		t.Fatal("add", sum)
	}
	prod, _ := sk.Decrypt(pk.MulScalar(ca, k))
	if prod.Int64() != -31000 {
		t.Fatal("mul", prod)
	}
	prod2, _ := sk.Decrypt(pk.MulScalarCT(ca, k, 64))
	if prod2.Int64() != -31000 {
		t.Fatal("mul ct", prod2)
	}
}

func TestRedaction(t *testing.T) {
	sk := testKey(t, 0)
	for _, s := range []string{fmt.Sprint(sk), fmt.Sprintf("%v %+v %#v %s %x %d", sk, sk, sk, sk, sk, sk)} {
		if bytes.Contains([]byte(s), []byte(sk.P().String())) || !bytes.Contains([]byte(s), []byte("<redacted>")) {
			t.Fatal("secret key printed:", s)
		}
	}
}

func TestDestroy(t *testing.T) {
	p, q := testprimes.Pair(2)
	sk, err := NewSecretKey(p, q)
	if err != nil {
		t.Fatal(err)
	}
	c, _, _ := sk.PublicKey().Encrypt(rand.Reader, big.NewInt(1))
	sk.Destroy()
	if sk.P().Sign() != 0 || sk.Q().Sign() != 0 || sk.Phi().Sign() != 0 {
		t.Fatal("factors not wiped")
	}
	if _, err := sk.Decrypt(c); err == nil {
		t.Fatal("decrypted with a destroyed key")
	}
}

func TestNoncePool(t *testing.T) {
	sk := testKey(t, 1)
	pk := sk.PublicKey()
	np := pk.NewNoncePool(rand.Reader)
	if err := np.Fill(context.Background(), 3); err != nil || np.Len() != 3 {
		t.Fatal(err, np.Len())
	}
	seen := map[string]bool{}
	for i := 0; i < 5; i++ { // the last two compute fresh nonces
		c, rho, err := np.Encrypt(big.NewInt(int64(i - 2)))
		if err != nil {
			t.Fatal(err)
		}
		m, gotRho, _ := sk.DecryptWithNonce(c)
		if m.Int64() != int64(i-2) || gotRho.Cmp(rho) != 0 || seen[rho.String()] {
			t.Fatal("nonce pool encryption", i)
		}
		seen[rho.String()] = true
	}
	if np.Len() != 0 {
		t.Fatal("nonces left")
	}
}
