package presign_test

import (
	"context"
	"crypto/rand"
	"syscall"
	"time"

	"github.com/custos-mpc/custos/crypto/paillier"
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
	var cpu time.Duration
	for range b.N {
		c0 := cpuTime()
		for id, o := range run(b, keys, signers, presign.Options{}, nil) {
			if o.Err != nil {
				b.Fatalf("party %d: %v", id, o.Err)
			}
		}
		cpu += cpuTime() - c0
	}
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime is the process's user+system CPU time (the parties all run in
// this process, so this is the CPU summed over them).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPresign3of5Pooled is BenchmarkPresign3of5 with every signer's
// nonces for its peers' keys precomputed (not timed): the CPU left in the
// rounds themselves.
func BenchmarkPresign3of5Pooled(b *testing.B) {
	keys := sharetest.Deal(b, 3, 5)
	signers := round.Parties{1, 2, 3}
	var cpu time.Duration
	for range b.N {
		b.StopTimer()
		opts := map[round.PartyID]presign.Options{}
		for _, i := range signers {
			o := presign.Options{Nonces: map[round.PartyID]*paillier.NoncePool{}}
			for _, j := range signers.Others(i) {
				np := keys[i].Aux[j].Paillier.NewNoncePool(rand.Reader)
				if err := np.Fill(context.Background(), 4); err != nil {
					b.Fatal(err)
				}
				o.Nonces[j] = np
			}
			opts[i] = o
		}
		b.StartTimer()
		c0 := cpuTime()
		for id, o := range runEach(b, keys, signers, opts) {
			if o.Err != nil {
				b.Fatalf("party %d: %v", id, o.Err)
			}
		}
		cpu += cpuTime() - c0
	}
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}
