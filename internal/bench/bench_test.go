package bench

import (
	"crypto/rand"
	"testing"

	"github.com/custos-mpc/custos/protocol/frost"
	"github.com/custos-mpc/custos/protocol/round"
)

func benchSign(b *testing.B, s *frost.Suite) {
	shares, _, err := runDKG(s, 3, round.Parties{1, 2, 3, 4, 5})
	if err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 32)
	rand.Read(msg)
	b.ResetTimer()
	for b.Loop() {
		if _, _, _, err := signOnce(s, shares, []round.PartyID{1, 2, 3}, msg); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDKG(b *testing.B, s *frost.Suite) {
	for b.Loop() {
		if _, _, err := runDKG(s, 3, round.Parties{1, 2, 3, 4, 5}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFrostSign3of5Ed25519(b *testing.B)   { benchSign(b, frost.Ed25519) }
func BenchmarkFrostSign3of5Secp256k1(b *testing.B) { benchSign(b, frost.Secp256k1) }
func BenchmarkFrostDKG5Ed25519(b *testing.B)       { benchDKG(b, frost.Ed25519) }
func BenchmarkFrostDKG5Secp256k1(b *testing.B)     { benchDKG(b, frost.Secp256k1) }
