package ecdsatest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	btcecdsa "github.com/btcsuite/btcd/btcec/v2/ecdsa"

	"github.com/custos-mpc/custos/protocol/cggmp/ecdsatest"
)

// sign signs digest with btcec's SignCompact and returns r||s and
// Ethereum's v. SignCompact's header byte is 27 + v, plus 4 for a
// compressed key.
func sign(t *testing.T, priv *btcec.PrivateKey, digest [32]byte) ([64]byte, byte) {
	t.Helper()
	compact := btcecdsa.SignCompact(priv, digest[:], true)
	if len(compact) != 65 || compact[0] < 31 || compact[0] > 34 {
		t.Fatalf("SignCompact header %d", compact[0])
	}
	var sig [64]byte
	copy(sig[:], compact[1:])
	return sig, compact[0] - 27 - 4
}

func key(t *testing.T, seed string) *btcec.PrivateKey {
	t.Helper()
	d := sha256.Sum256([]byte(seed))
	priv, _ := btcec.PrivKeyFromBytes(d[:])
	return priv
}

// highS returns r||(n-s), the malleated twin of sig, and the recovery id
// that goes with it (negating s flips R's parity).
func highS(sig [64]byte, v byte) ([64]byte, byte) {
	var s btcec.ModNScalar
	s.SetByteSlice(sig[32:])
	s.Negate()
	b := s.Bytes()
	copy(sig[32:], b[:])
	return sig, v ^ 1
}

func TestVerifyAcceptsBtcecSignatures(t *testing.T) {
	seen := [2]bool{}
	for i := range 32 {
		priv := key(t, fmt.Sprint("key ", i))
		digest := sha256.Sum256([]byte(fmt.Sprint("message ", i)))
		sig, v := sign(t, priv, digest)
		seen[v] = true
		if err := ecdsatest.Verify(priv.PubKey().SerializeCompressed(), digest, sig, v); err != nil {
			t.Fatalf("signature %d (v=%d): %v", i, v, err)
		}
	}
	if !seen[0] || !seen[1] {
		t.Errorf("recovery ids seen %v: both parities should occur in 32 signatures", seen)
	}
}

func TestVerifyRejects(t *testing.T) {
	priv := key(t, "signer")
	pub := priv.PubKey().SerializeCompressed()
	other := key(t, "someone else").PubKey().SerializeCompressed()
	digest := sha256.Sum256([]byte("pay 1 BTC"))
	sig, v := sign(t, priv, digest)
	if err := ecdsatest.Verify(pub, digest, sig, v); err != nil {
		t.Fatal(err)
	}
	hs, hv := highS(sig, v)
	var zeroR, zeroS, bigR [64]byte
	zeroR, zeroS, bigR = sig, sig, sig
	clear(zeroR[:32])
	clear(zeroS[32:])
	for i := range 32 {
		bigR[i] = 0xff
	}
	otherDigest := digest
	otherDigest[0] ^= 1
	flipped := sig
	flipped[5] ^= 0x10
	uncompressed := priv.PubKey().SerializeUncompressed()
	badPrefix := append([]byte{0x04}, pub[1:]...)
	offCurve := append([]byte{0x02}, make([]byte, 32)...) // x = 0: 7 is not a square mod p

	tests := []struct {
		name   string
		pub    []byte
		digest [32]byte
		sig    [64]byte
		v      byte
		want   string
	}{
		{"a high-S signature is rejected", pub, digest, hs, hv, "above n/2"},
		{"the wrong key is rejected", other, digest, sig, v, "btcec rejects"},
		{"the wrong digest is rejected", pub, otherDigest, sig, v, "btcec rejects"},
		{"a flipped bit in r is rejected", pub, digest, flipped, v, "btcec rejects"},
		{"the wrong recovery id is rejected", pub, digest, sig, v ^ 1, "Ecrecover gives address"},
		{"recovery id 2 is rejected", pub, digest, sig, 2, "recovery id 2"},
		{"recovery id 4 is rejected", pub, digest, sig, v + 4, "recovery id"},
		{"r = 0 is rejected", pub, digest, zeroR, v, "r is zero"},
		{"s = 0 is rejected", pub, digest, zeroS, v, "s is zero"},
		{"r ≥ n is rejected", pub, digest, bigR, v, "r is zero or not below"},
		{"an uncompressed key is rejected", uncompressed, digest, sig, v, "33-byte compressed"},
		{"a 0x04 prefix on 33 bytes is rejected", badPrefix, digest, sig, v, "33-byte compressed"},
		{"a point off the curve is rejected", offCurve, digest, sig, v, "btcec rejects the public key"},
		{"an empty key is rejected", nil, digest, sig, v, "33-byte compressed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ecdsatest.Verify(tt.pub, tt.digest, tt.sig, tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Verify error %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("the high-S twin is valid ECDSA for btcec", func(t *testing.T) {
		// So the rejection above is the low-S rule, not a broken twin.
		var r, s btcec.ModNScalar
		r.SetByteSlice(hs[:32])
		s.SetByteSlice(hs[32:])
		if !btcecdsa.NewSignature(&r, &s).Verify(digest[:], priv.PubKey()) {
			t.Fatal("high-S twin does not verify")
		}
	})
}

// Known answer: the private key 1 has the address
// 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf.
func TestAddressKnownAnswer(t *testing.T) {
	one := make([]byte, 32)
	one[31] = 1
	priv, _ := btcec.PrivKeyFromBytes(one)
	got, err := ecdsatest.Address(priv.PubKey().SerializeCompressed())
	if err != nil {
		t.Fatal(err)
	}
	if want := "7e5f4552091a69125d5dfcb7b8c2659029395bdf"; hex.EncodeToString(got[:]) != want {
		t.Errorf("Address = %x, want %s", got, want)
	}
	if _, err := ecdsatest.Address(priv.PubKey().SerializeUncompressed()); err == nil {
		t.Error("Address accepted an uncompressed key")
	}
}

func ExampleVerify() {
	d := sha256.Sum256([]byte("example key"))
	priv, _ := btcec.PrivKeyFromBytes(d[:])
	digest := sha256.Sum256([]byte("transfer"))
	compact := btcecdsa.SignCompact(priv, digest[:], true)
	var sig [64]byte
	copy(sig[:], compact[1:])
	v := compact[0] - 27 - 4
	fmt.Println(ecdsatest.Verify(priv.PubKey().SerializeCompressed(), digest, sig, v))
	// Output: <nil>
}
