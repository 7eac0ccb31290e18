package group

import (
	"bytes"
	"crypto/ecdh"
	"math/big"
	"testing"
)

var p256Prime = func() *big.Int {
	p, _ := new(big.Int).SetString("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 16)
	return p
}()

// p256HasRoot reports whether x^3−3x+b is a square mod p.
func p256HasRoot(x *big.Int) bool {
	b, _ := new(big.Int).SetString("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b", 16)
	r := new(big.Int).Exp(x, big.NewInt(3), p256Prime)
	r.Sub(r, new(big.Int).Mul(big.NewInt(3), x)).Add(r, b).Mod(r, p256Prime)
	e := new(big.Int).Rsh(new(big.Int).Sub(p256Prime, big.NewInt(1)), 1)
	return r.Sign() == 0 || new(big.Int).Exp(r, e, p256Prime).Cmp(big.NewInt(1)) == 0
}

func TestP256RejectsBadElementEncodings(t *testing.T) {
	gen := P256.Generator().Bytes()
	compressed := func(prefix byte, x *big.Int) []byte {
		b := make([]byte, 33)
		b[0] = prefix
		x.FillBytes(b[1:])
		return b
	}
	nonRes := big.NewInt(1)
	for p256HasRoot(nonRes) {
		nonRes.Add(nonRes, big.NewInt(1))
	}
	xHigh := new(big.Int).Add(p256Prime, big.NewInt(0))
	for !p256HasRoot(new(big.Int).Sub(xHigh, p256Prime)) {
		xHigh.Add(xHigh, big.NewInt(1))
	}
	cases := map[string][]byte{
		"prefix 0x00":              append([]byte{0x00}, gen[1:]...),
		"prefix 0x04":              append([]byte{0x04}, gen[1:]...),
		"prefix 0x05":              append([]byte{0x05}, gen[1:]...),
		"identity (single 0x00)":   {0x00},
		"33 zero bytes":            make([]byte, 33),
		"x = p":                    compressed(0x02, p256Prime),
		"x ≥ p aliasing a valid x": compressed(0x03, xHigh),
		"x with no square root":    compressed(0x02, nonRes),
	}
	for name, b := range cases {
		if _, err := P256.ParseElement(b); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// TestP256AgreesWithCryptoECDH checks ScalarBaseMult against the standard
// library's P-256.
func TestP256AgreesWithCryptoECDH(t *testing.T) {
	for range 20 {
		s := mustRandScalar(t, P256)
		k, err := ecdh.P256().NewPrivateKey(s.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		pub := k.PublicKey().Bytes() // 04 || x || y
		e := P256.NewElement().ScalarBaseMult(s).Bytes()
		if !bytes.Equal(e[1:], pub[1:33]) || e[0] != 2+pub[64]&1 {
			t.Fatal("ScalarBaseMult differs from crypto/ecdh")
		}
	}
}
