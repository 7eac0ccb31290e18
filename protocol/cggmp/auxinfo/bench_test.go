package auxinfo

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

// BenchmarkAuxInfo3Parties runs a whole 3-party session with 2048-bit
// moduli and a warm prime pool (the primes are put back, untimed, before
// each run): key derivation, every proof and every verification of all
// three parties, one after the other.
func BenchmarkAuxInfo3Parties(b *testing.B) { benchAux(b, 3) }

// BenchmarkAuxInfo5Parties is the case: five parties, 2048 bits.
func BenchmarkAuxInfo5Parties(b *testing.B) { benchAux(b, 5) }

func benchAux(b *testing.B, n int) {
	all := ids(n)
	bytes := 0
	for b.Loop() {
		b.StopTimer()
		pools := map[round.PartyID]*paillier.Pool{}
		for _, id := range all {
			pools[id] = paillier.NewPool(1024, nil, 1)
			p, q := testprimes.Pair(int(id) - 1)
			if err := pools[id].Put(p, q); err != nil {
				b.Fatal(err)
			}
		}
		sid := session(b)
		b.StartTimer()
		ps := map[round.PartyID]*sim.Party{}
		for _, id := range all {
			cfg := round.Config{Session: sid, Protocol: Protocol, Self: id, Parties: all}
			first, msgs, err := Start(context.Background(), cfg, Options{Bits: 2048, Pool: pools[id]}, rand.Reader)
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
			o.Result.(*Result).Destroy()
		}
		bytes = net.BytesSent[1]
	}
	b.ReportMetric(float64(bytes), "bytes/party")
	b.ReportMetric(4, "rounds")
}
