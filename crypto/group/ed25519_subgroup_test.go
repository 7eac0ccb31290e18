package group

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"

	"github.com/custos-mpc/custos/internal/testvectors"
)

// TestEd25519SubgroupConstants checks the constants of edInPrimeOrderSubgroup
// against their definitions: (2c)² = −4·486664; S = (X_S, 2X_S) is on
// E': Y² = X(X² − 2A·X + A² − 4); λ·(X_S − e) = Y_S, λ is the slope of the
// tangent at S, and 2S = (e, 0) with e = A + 2.
func TestEd25519SubgroupConstants(t *testing.T) {
	fe := func(v uint32) *field.Element { return new(field.Element).Mult32(feOne, v) }
	var a, b, c field.Element
	a.Square(edSubTwoC)
	b.Negate(fe(4 * 486664))
	if a.Equal(&b) != 1 {
		t.Fatal("2c is not 2·sqrt(−486664)")
	}
	A, e := fe(486662), fe(486664)
	var xs, ys, a2, b4 field.Element
	xs.Set(edSubXS)
	ys.Add(&xs, &xs)
	a2.Negate(new(field.Element).Add(A, A))          // −2A
	b4.Subtract(new(field.Element).Square(A), fe(4)) // A² − 4
	a.Square(&ys)                                    // Y²
	b.Add(new(field.Element).Square(&xs), new(field.Element).Multiply(&a2, &xs))
	b.Add(&b, &b4)
	b.Multiply(&b, &xs) // X(X² + a2·X + b4)
	if a.Equal(&b) != 1 {
		t.Fatal("S is not on E'")
	}
	a.Multiply(edSubLambda, new(field.Element).Subtract(&xs, e))
	if a.Equal(&ys) != 1 {
		t.Fatal("λ(X_S − e) ≠ Y_S")
	}
	// tangent slope (3X² + 2a2·X + b4)/(2Y) = λ
	a.Mult32(new(field.Element).Square(&xs), 3)
	b.Multiply(&a2, &xs)
	a.Add(&a, &b)
	a.Add(&a, &b)
	a.Add(&a, &b4)
	c.Multiply(edSubLambda, new(field.Element).Add(&ys, &ys))
	if a.Equal(&c) != 1 {
		t.Fatal("λ is not the slope of the tangent at S")
	}
	// x(2S) = λ² − a2 − 2X_S = e
	a.Square(edSubLambda)
	a.Subtract(&a, &a2)
	a.Subtract(&a, &xs)
	a.Subtract(&a, &xs)
	if a.Equal(e) != 1 {
		t.Fatal("2S ≠ (e, 0)")
	}
}

func ed25519SubgroupAgree(t *testing.T, p *edwards25519.Point, what string) bool {
	t.Helper()
	fast, ref := edInPrimeOrderSubgroup(p), edInPrimeOrderSubgroupByL(p)
	if fast != ref {
		t.Errorf("%s %x: fast check says %v, [L]P = O says %v", what, p.Bytes(), fast, ref)
	}
	return ref
}

// TestEd25519SubgroupCheckMatchesMultiplicationByL compares
// edInPrimeOrderSubgroup with [L]P = O on the 8 torsion points, on random
// prime-order points P and on P + T for every torsion point T (all eight
// cosets of E[L] in E(F_p)), and on known encodings.
func TestEd25519SubgroupCheckMatchesMultiplicationByL(t *testing.T) {
	tor := make([]edwards25519.Point, 8)
	for i, b := range ed25519Torsion(t) {
		if _, err := tor[i].SetBytes(b); err != nil {
			t.Fatal(err)
		}
		if got := ed25519SubgroupAgree(t, &tor[i], "torsion point"); got != (i == 0) {
			t.Fatalf("torsion point %d: [L]P = O is %v", i, got)
		}
	}
	n := 10000
	if testing.Short() {
		n = 1000
	}
	var seed [64]byte
	for i := range n {
		rand.Read(seed[:])
		s, _ := edwards25519.NewScalar().SetUniformBytes(seed[:])
		var p edwards25519.Point
		p.ScalarBaseMult(s)
		for j := range tor {
			var q edwards25519.Point
			q.Add(&p, &tor[j])
			// Re-parse, as ParseElement sees it (Z = 1).
			if _, err := q.SetBytes(q.Bytes()); err != nil {
				t.Fatal(err)
			}
			if got := ed25519SubgroupAgree(t, &q, "P + T"); got != (j == 0) {
				t.Fatalf("point %d + T%d: [L]P = O is %v", i, j, got)
			}
			// Also in projective coordinates (Z ≠ 1), on fewer points.
			if i < n/10 {
				q.Add(&p, &tor[j])
				ed25519SubgroupAgree(t, &q, "P + T (projective)")
			}
		}
		if t.Failed() {
			return
		}
	}

	known := []string{
		// RFC 8032 Section 7.1: the base point, public keys and signature
		// R values of tests 1, 2, 3, 1024 and SHA(abc).
		"5866666666666666666666666666666666666666666666666666666666666666",
		"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
		"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155",
		"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
		"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da",
		"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
		"6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac",
		"278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
		"0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350",
		"ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
		"dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589",
	}
	raw, err := os.ReadFile(testvectors.File(t, "rfc9591/frost-ed25519-sha512.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v rfc9591Vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	known = append(known, v.Inputs.GroupPublicKey, v.Final.Sig[:64])
	for _, o := range v.RoundOne.Outputs {
		known = append(known, o.HidingCommitment, o.BindingCommitment)
	}
	for _, h := range known {
		b := mustHex(t, h)
		var p edwards25519.Point
		if _, err := p.SetBytes(b); err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		if !ed25519SubgroupAgree(t, &p, "known encoding") {
			t.Errorf("%s is not in the prime-order subgroup", h)
		}
		for j := range tor {
			var q edwards25519.Point
			q.Add(&p, &tor[j])
			ed25519SubgroupAgree(t, &q, "known + T")
		}
	}
}

// FuzzEdwards25519SubgroupCheck compares the two subgroup checks on
// arbitrary decodable encodings.
func FuzzEdwards25519SubgroupCheck(f *testing.F) {
	f.Add(mustHex(f, "5866666666666666666666666666666666666666666666666666666666666666"))
	f.Add(mustHex(f, "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"))
	f.Add(make([]byte, 32))
	f.Add(mustHex(f, "0100000000000000000000000000000000000000000000000000000000000080"))
	f.Add(mustHex(f, "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p edwards25519.Point
		if _, err := p.SetBytes(b); err != nil {
			return
		}
		ref := edInPrimeOrderSubgroupByL(&p)
		if edInPrimeOrderSubgroup(&p) != ref {
			t.Fatalf("%s: the subgroup checks disagree", hex.EncodeToString(b))
		}
		// ParseElement against its definition: canonical, not the
		// identity, [L]P = O.
		want := bytes.Equal(p.Bytes(), b) && p.Equal(edwards25519.NewIdentityPoint()) != 1 && ref
		if _, err := Edwards25519.ParseElement(b); (err == nil) != want {
			t.Fatalf("%s: ParseElement error %v, want accepted = %v", hex.EncodeToString(b), err, want)
		}
	})
}

// BenchmarkEd25519SubgroupCheck compares the two subgroup checks.
func BenchmarkEd25519SubgroupCheck(b *testing.B) {
	var p edwards25519.Point
	p.SetBytes(randElement(b, Edwards25519).Bytes()) //nolint:errcheck // valid
	b.Run("tate", func(b *testing.B) { loopCPU(b, func() { edInPrimeOrderSubgroup(&p) }) })
	b.Run("mulL", func(b *testing.B) { loopCPU(b, func() { edInPrimeOrderSubgroupByL(&p) }) })
}
