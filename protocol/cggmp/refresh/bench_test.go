package refresh

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/cggmp/share/sharetest"
	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

// BenchmarkRefresh3of5 runs a whole 3-of-5 refresh with 2048-bit moduli
// whose primes are at hand (StartWithKey with the test primes: no prime
// generation): every party's setup, proofs and verifications, one party
// after the other. It reports the process CPU time per session (the
// proofs use several goroutines, so it can exceed the wall time on an
// idle machine, and on a shared one it is the figure to compare).
func BenchmarkRefresh3of5(b *testing.B) {
	keys := sharetest.Deal(b, 3, 5)
	bytes := 0
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		sks := map[round.PartyID]*paillier.SecretKey{}
		for id := range keys {
			sks[id] = newKey(b, id)
		}
		sid := session(b)
		b.StartTimer()
		start := processCPU()
		ps := map[round.PartyID]*sim.Party{}
		for id, key := range keys {
			cfg := round.Config{Session: sid, Protocol: Protocol, Self: id, Parties: key.Parties}
			first, msgs, err := StartWithKey(cfg, key, testOpts, sks[id], rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			m, initial, err := round.NewMachine(cfg, first, msgs)
			if err != nil {
				b.Fatal(err)
			}
			ps[id] = &sim.Party{Machine: m, Initial: initial}
		}
		net := &sim.Network{}
		for id, o := range net.Run(ps) {
			if o.Err != nil {
				b.Fatalf("party %d: %v", id, o.Err)
			}
			o.Result.(*share.Key).Destroy()
		}
		cpu += processCPU() - start
		bytes = net.BytesSent[1]
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(bytes), "bytes/party")
	b.ReportMetric(4, "rounds")
}
