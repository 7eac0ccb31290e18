package frost

import (
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/cloudflare/circl/sign/ed448"
	"github.com/gtank/ristretto255"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/protocol/round"
)

// verifyIndependently checks sig with an implementation that shares no
// code with this package.
func verifyIndependently(t *testing.T, s *Suite, pub *PublicKey, msg, sig, merkleRoot []byte) {
	t.Helper()
	switch s {
	case Ed25519:
		if !ed25519.Verify(ed25519.PublicKey(pub.Key.Bytes()), msg, sig) {
			t.Fatal("crypto/ed25519 rejects the signature")
		}
	case Ed448:
		if !ed448.Verify(ed448.PublicKey(pub.Key.Bytes()), msg, sig, "") {
			t.Fatal("circl ed448 rejects the signature")
		}
	case BIP340:
		out, err := TaprootOutputKey(pub.Key, merkleRoot)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := schnorr.ParsePubKey(out)
		if err != nil {
			t.Fatal(err)
		}
		sg, err := schnorr.ParseSignature(sig)
		if err != nil {
			t.Fatal(err)
		}
		if !sg.Verify(msg, pk) {
			t.Fatal("btcec schnorr rejects the signature")
		}
	case Ristretto255:
		// z·B == R + c·PK with gtank/ristretto255 arithmetic.
		var R, P ristretto255.Element
		if R.Decode(sig[:32]) != nil || P.Decode(pub.Key.Bytes()) != nil {
			t.Fatal("ristretto255 decode failed")
		}
		z := ristretto255.NewScalar()
		if z.Decode(sig[32:]) != nil {
			t.Fatal("bad z")
		}
		c := s.h2(sig[:32], pub.Key.Bytes(), msg).Bytes()
		cs := ristretto255.NewScalar()
		if cs.Decode(c) != nil {
			t.Fatal("bad c")
		}
		lhs := ristretto255.NewElement().ScalarBaseMult(z)
		rhs := ristretto255.NewElement().ScalarMult(cs, &P)
		rhs.Add(rhs, &R)
		if lhs.Equal(rhs) != 1 {
			t.Fatal("ristretto255 check fails")
		}
	case P256, Secp256k1:
		// z·G == R + c·PK with crypto/elliptic (P-256) or a textbook
		// affine implementation over math/big (secp256k1).
		c := s.h2(sig[:33], pub.Key.Bytes(), msg).Bytes()
		if s == P256 {
			curve := elliptic.P256()
			Rx, Ry := elliptic.UnmarshalCompressed(curve, sig[:33])
			Px, Py := elliptic.UnmarshalCompressed(curve, pub.Key.Bytes())
			if Rx == nil || Px == nil {
				t.Fatal("crypto/elliptic cannot decode the points")
			}
			// crypto/elliptic's low-level API is deprecated for new
			// protocols; here it is exactly the independent arithmetic
			// a verification check wants.
			lx, ly := curve.ScalarBaseMult(sig[33:]) //lint:ignore SA1019 independent check
			cx, cy := curve.ScalarMult(Px, Py, c)    //lint:ignore SA1019 independent check
			rx, ry := curve.Add(cx, cy, Rx, Ry)      //lint:ignore SA1019 independent check
			if lx.Cmp(rx) != 0 || ly.Cmp(ry) != 0 {
				t.Fatal("crypto/elliptic check fails")
			}
			return
		}
		R, P := k1Decompress(t, sig[:33]), k1Decompress(t, pub.Key.Bytes())
		lhs := k1Mul(k1G(), new(big.Int).SetBytes(sig[33:]))
		rhs := k1Add(R, k1Mul(P, new(big.Int).SetBytes(c)))
		if lhs[0].Cmp(rhs[0]) != 0 || lhs[1].Cmp(rhs[1]) != 0 {
			t.Fatal("textbook secp256k1 check fails")
		}
	default:
		t.Fatalf("no independent verifier for %s", s.Name)
	}
}

func TestDKGThenSignEverySuite(t *testing.T) {
	for _, s := range Suites {
		for _, tn := range [][2]int{{2, 3}, {3, 5}} {
			th, n := tn[0], tn[1]
			t.Run(fmt.Sprintf("%s %d-of-%d", s.Name, th, n), func(t *testing.T) {
				shares := runDKG(t, s, th, n)
				var key group.Element
				for _, ks := range shares {
					if key == nil {
						key = ks.Public.Key
					}
					if !ks.Public.Key.Equal(key) {
						t.Fatal("parties disagree on the group key")
					}
				}
				msg := []byte("custos transfer 42")
				var root []byte
				if s == BIP340 {
					msg = sha256.New().Sum(msg)[:32]
				}
				// Every threshold-sized subset of a 3-party key, and two
				// different subsets (one larger than t) of a 5-party key.
				subsets := [][]round.PartyID{{1, 2}, {1, 3}, {2, 3}}
				if n == 5 {
					subsets = [][]round.PartyID{{1, 3, 5}, {2, 3, 4, 5}}
					if s == BIP340 {
						root = make([]byte, 32)
						root[0] = 7
					}
				}
				for _, sub := range subsets {
					sig, _ := signWith(t, shares, sub, msg, root)
					verifyIndependently(t, s, shares[1].Public, msg, sig, root)
				}
			})
		}
	}
}

func TestBIP341TweakVectors(t *testing.T) {
	v := loadBIP341(t)
	for i, c := range v {
		internal, err := group.ParseXOnly(unhex(t, c.internal))
		if err != nil {
			t.Fatal(err)
		}
		var root []byte
		if c.merkleRoot != "" {
			root = unhex(t, c.merkleRoot)
		}
		out, err := TaprootOutputKey(internal, root)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(out) != c.tweaked {
			t.Errorf("case %d: output key %x, want %s", i, out, c.tweaked)
		}
	}
}

// A textbook affine secp256k1 over math/big, for independent checks only.
var k1P, _ = new(big.Int).SetString("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F", 16)

type k1Point [2]*big.Int // nil coordinates = infinity

func k1G() k1Point {
	x, _ := new(big.Int).SetString("79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798", 16)
	y, _ := new(big.Int).SetString("483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8", 16)
	return k1Point{x, y}
}

func k1Decompress(t *testing.T, b []byte) k1Point {
	x := new(big.Int).SetBytes(b[1:])
	y2 := new(big.Int).Exp(x, big.NewInt(3), k1P)
	y2.Add(y2, big.NewInt(7)).Mod(y2, k1P)
	y := new(big.Int).ModSqrt(y2, k1P)
	if y == nil {
		t.Fatal("not on secp256k1")
	}
	if y.Bit(0) != uint(b[0]&1) {
		y.Sub(k1P, y)
	}
	return k1Point{x, y}
}

func k1Add(a, b k1Point) k1Point {
	if a[0] == nil {
		return b
	}
	if b[0] == nil {
		return a
	}
	var l *big.Int
	if a[0].Cmp(b[0]) == 0 {
		if new(big.Int).Add(a[1], b[1]).Mod(new(big.Int).Add(a[1], b[1]), k1P).Sign() == 0 {
			return k1Point{}
		}
		num := new(big.Int).Mul(a[0], a[0])
		num.Mul(num, big.NewInt(3))
		den := new(big.Int).Lsh(a[1], 1)
		l = num.Mul(num, den.ModInverse(den, k1P))
	} else {
		num := new(big.Int).Sub(b[1], a[1])
		den := new(big.Int).Sub(b[0], a[0])
		den.Mod(den, k1P)
		l = num.Mul(num, den.ModInverse(den, k1P))
	}
	l.Mod(l, k1P)
	x := new(big.Int).Mul(l, l)
	x.Sub(x, a[0]).Sub(x, b[0]).Mod(x, k1P)
	y := new(big.Int).Sub(a[0], x)
	y.Mul(y, l).Sub(y, a[1]).Mod(y, k1P)
	return k1Point{x, y}
}

func k1Mul(p k1Point, k *big.Int) k1Point {
	acc := k1Point{}
	for i := k.BitLen() - 1; i >= 0; i-- {
		acc = k1Add(acc, acc)
		if k.Bit(i) == 1 {
			acc = k1Add(acc, p)
		}
	}
	return acc
}
