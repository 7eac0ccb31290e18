package group

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

var secpP256 = func() *big.Int {
	p, _ := new(big.Int).SetString("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f", 16)
	return p
}()

// secpHasRoot reports whether x^3+7 is a square mod p (Euler's criterion).
func secpHasRoot(x *big.Int) bool {
	r := new(big.Int).Exp(x, big.NewInt(3), secpP256)
	r.Add(r, big.NewInt(7)).Mod(r, secpP256)
	e := new(big.Int).Rsh(new(big.Int).Sub(secpP256, big.NewInt(1)), 1)
	return new(big.Int).Exp(r, e, secpP256).Cmp(big.NewInt(1)) == 0
}

func secpNonResidueX() *big.Int {
	for x := int64(0); ; x++ {
		if !secpHasRoot(big.NewInt(x)) {
			return big.NewInt(x)
		}
	}
}

func TestSecp256k1RejectsBadElementEncodings(t *testing.T) {
	gen := Secp256k1.Generator().Bytes()
	compressed := func(prefix byte, x *big.Int) []byte {
		b := make([]byte, 33)
		b[0] = prefix
		x.FillBytes(b[1:])
		return b
	}
	// An x ≥ p whose reduction x−p would be a valid x coordinate.
	xHigh := new(big.Int).Add(secpP256, big.NewInt(1))
	for !secpHasRoot(new(big.Int).Sub(xHigh, secpP256)) {
		xHigh.Add(xHigh, big.NewInt(1))
	}
	uncompressed := Secp256k1PublicKey(Secp256k1.Generator()).SerializeUncompressed()
	cases := []struct {
		name string
		b    []byte
	}{
		{"prefix 0x00", append([]byte{0x00}, gen[1:]...)},
		{"prefix 0x01", append([]byte{0x01}, gen[1:]...)},
		{"prefix 0x04", append([]byte{0x04}, gen[1:]...)},
		{"prefix 0x05", append([]byte{0x05}, gen[1:]...)},
		{"prefix 0x06", append([]byte{0x06}, gen[1:]...)},
		{"prefix 0x07", append([]byte{0x07}, gen[1:]...)},
		{"prefix 0xff", append([]byte{0xff}, gen[1:]...)},
		{"all zero (identity)", make([]byte, 33)},
		{"x = p", compressed(0x02, secpP256)},
		{"x ≥ p aliasing a valid x", compressed(0x02, xHigh)},
		{"x = 2^256−1", compressed(0x03, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)))},
		{"x with no square root", compressed(0x02, secpNonResidueX())},
		{"x = 0 (no root)", compressed(0x03, big.NewInt(0))},
		{"uncompressed generator", uncompressed},
		{"single byte", []byte{0x02}},
	}
	if secpHasRoot(big.NewInt(0)) {
		t.Fatal("test assumption: 7 is not a square mod p")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Secp256k1.ParseElement(c.b); err == nil {
				t.Fatal("accepted")
			}
			if len(c.b) == 33 {
				if _, err := ParseXOnly(c.b[1:]); err == nil && c.b[0] == 0x02 {
					t.Fatal("ParseXOnly accepted")
				}
			}
		})
	}
	// Both parities of a valid x are accepted and are negatives.
	even, err := Secp256k1.ParseElement(append([]byte{0x02}, gen[1:]...))
	if err != nil {
		t.Fatal(err)
	}
	odd, err := Secp256k1.ParseElement(append([]byte{0x03}, gen[1:]...))
	if err != nil {
		t.Fatal(err)
	}
	if !Secp256k1.NewElement().Add(even, odd).IsIdentity() {
		t.Fatal("02||x and 03||x are not negatives")
	}
}

// TestSecp256k1AgreesWithDecred checks encodings against decred's public key
// serialization and the helper conversions.
func TestSecp256k1AgreesWithDecred(t *testing.T) {
	for range 50 {
		e := randElement(t, Secp256k1)
		pk := Secp256k1PublicKey(e)
		if !bytes.Equal(pk.SerializeCompressed(), e.Bytes()) {
			t.Fatal("encoding differs from decred")
		}
		back, err := Secp256k1ElementFromPublicKey(pk)
		if err != nil || !back.Equal(e) {
			t.Fatal("PublicKey round trip")
		}
		if IsYEven(e) != (e.Bytes()[0] == 0x02) {
			t.Fatal("IsYEven")
		}
		x := XOnlyBytes(e)
		lifted, err := ParseXOnly(x)
		if err != nil || !IsYEven(lifted) || !bytes.Equal(XOnlyBytes(lifted), x) {
			t.Fatal("lift_x")
		}
		if IsYEven(e) != lifted.Equal(e) {
			t.Fatal("lift_x picked the wrong y")
		}
		s := mustRandScalar(t, Secp256k1)
		m := ModNScalar(s)
		if !Secp256k1ScalarFromModN(m).Equal(s) {
			t.Fatal("ModNScalar round trip")
		}
		var j secp256k1.JacobianPoint
		secp256k1.ScalarBaseMultNonConst(m, &j)
		j.ToAffine()
		if !bytes.Equal(secp256k1.NewPublicKey(&j.X, &j.Y).SerializeCompressed(), Secp256k1.NewElement().ScalarBaseMult(s).Bytes()) {
			t.Fatal("ScalarBaseMult differs from decred")
		}
	}
	if IsYEven(Secp256k1.NewElement()) || Secp256k1PublicKey(Secp256k1.NewElement()) != nil {
		t.Fatal("identity helpers")
	}
	if _, err := Secp256k1ElementFromPublicKey(nil); err == nil {
		t.Fatal("nil public key")
	}
}

// TestSecp256k1BIP340Vector checks lift_x on the public key of BIP340 test
// vector 0 (secret key 3).
func TestSecp256k1BIP340Vector(t *testing.T) {
	pk, _ := hex.DecodeString("F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9")
	e, err := ParseXOnly(pk)
	if err != nil {
		t.Fatal(err)
	}
	three := Secp256k1.NewScalar().SetUint64(3)
	want := Secp256k1.NewElement().ScalarBaseMult(three)
	if !IsYEven(want) {
		want.Negate(want)
	}
	if !e.Equal(want) {
		t.Fatal("lift_x(pk) ≠ ±3G")
	}
	// BIP340 vector 5: public key not on the curve.
	bad, _ := hex.DecodeString("EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34")
	if _, err := ParseXOnly(bad); err == nil {
		t.Fatal("accepted x not on the curve")
	}
}
