package presign_test

import (
	"testing"

	"github.com/custos-mpc/custos/protocol/cggmp/presign"
	"github.com/custos-mpc/custos/protocol/cggmp/share/sharetest"
	"github.com/custos-mpc/custos/protocol/round"
)

// BenchmarkPresign3of5 presigns with 3 signers of a 3-of-5 key at 2048 bits,
// all three parties in one goroutine: ns/op is the CPU of all three.
func BenchmarkPresign3of5(b *testing.B) {
	keys := sharetest.Deal(b, 3, 5)
	signers := round.Parties{1, 2, 3}
	b.ResetTimer()
	for range b.N {
		for id, o := range run(b, keys, signers, presign.Options{}, nil) {
			if o.Err != nil {
				b.Fatalf("party %d: %v", id, o.Err)
			}
		}
	}
}
