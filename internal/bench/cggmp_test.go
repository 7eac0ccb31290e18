package bench

import (
	"context"
	"encoding/hex"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
)

// The warm-pool operations take the test primes, so only aux_cold
// generates primes (six of 1024 bits).
func TestCggmpBenchReportsEveryOp(t *testing.T) {
	pool := paillier.NewPool(1024, nil, 0)
	if err := pool.Put(testprimes.SafePrimes1024()[:12]...); err != nil {
		t.Fatal(err)
	}
	var calls int
	res, err := Cggmp(context.Background(), CggmpConfig{
		Threshold: 2, Parties: 3, Runs: 1, Bits: 2048, Pool: pool,
		Progress: func(string, int, int) { calls++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	if pool.Len() != 0 {
		t.Fatalf("%d primes left in the pool, want every one taken", pool.Len())
	}
	want := []string{"keygen", "aux_cold", "aux", "presign_cold", "presign", "sign", "sign_full", "refresh"}
	if len(res) != len(want) || calls != len(want) {
		t.Fatalf("%d results and %d progress calls, want %d", len(res), calls, len(want))
	}
	for i, r := range res {
		if r.Op != want[i] || r.Protocol != "cggmp" || r.Scheme != "ecdsa-secp256k1" || r.PaillierBits != 2048 ||
			r.Runs != 1 || r.BytesPerParty == 0 || r.CPUMs <= 0 {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	s := res[5]
	pub, _ := hex.DecodeString(s.PublicKey)
	msg, _ := hex.DecodeString(s.Message)
	sig, _ := hex.DecodeString(s.Signature)
	if len(pub) != 33 || len(msg) != 32 || len(sig) != 64 || s.RecoveryID == nil || *s.RecoveryID > 1 || s.Signers != 2 {
		t.Fatalf("incomplete sign result %+v", s)
	}
}

func TestCggmpBenchRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]CggmpConfig{
		"threshold above parties": {Threshold: 4, Parties: 3, Runs: 1},
		"zero threshold":          {Threshold: 0, Parties: 3, Runs: 1},
		"no runs":                 {Threshold: 2, Parties: 3},
		"odd modulus size":        {Threshold: 2, Parties: 3, Runs: 1, Bits: 2047},
		"modulus below minimum":   {Threshold: 2, Parties: 3, Runs: 1, Bits: 1024},
		"pool of another size":    {Threshold: 2, Parties: 3, Runs: 1, Bits: 2048, Pool: paillier.NewPool(1536, nil, 0)},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Cggmp(context.Background(), cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
