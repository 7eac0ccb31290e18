package keystore

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkConsumeNonce measures one durable consume (a committed,
// fsynced transaction) on the SQLite store: the per-signature floor for a
// node, since nothing derived from a nonce may be sent before it returns.
func BenchmarkConsumeNonce(b *testing.B) {
	ctx := context.Background()
	st := benchStore(b)
	secret := make([]byte, 64)
	for i := range b.N {
		if err := st.PutNonce(ctx, "k", fmt.Sprint(i), secret); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := range b.N {
		sec, err := st.ConsumeNonce(ctx, "k", fmt.Sprint(i))
		if err != nil {
			b.Fatal(err)
		}
		sec.Destroy()
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// benchStore opens a SQLite keystore in a temporary directory, closed
// when the benchmark ends.
func benchStore(b *testing.B) *sqliteStore {
	b.Helper()
	st, err := openSQLite(filepath.Join(b.TempDir(), "node.db"), passSealer(b, "pw"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkConsumeNonceBatch measures group-committed consumption: 8 nonces
// per transaction, as a node's group commit hands them over under load. The
// reported time is per batch; nonces/op says how many each batch holds.
func BenchmarkConsumeNonceBatch(b *testing.B) {
	const batch = 8
	ctx := context.Background()
	st := benchStore(b)
	secret := make([]byte, 64)
	var puts []NonceSecret
	for i := range b.N * batch {
		puts = append(puts, NonceSecret{KeyID: "k", ID: fmt.Sprintf("%032x", i), Secret: secret})
		if len(puts) == 512 {
			if err := st.PutNonces(ctx, puts); err != nil {
				b.Fatal(err)
			}
			puts = puts[:0]
		}
	}
	if len(puts) > 0 {
		if err := st.PutNonces(ctx, puts); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	uses := make([]NonceUse, batch)
	for i := range b.N {
		for j := range uses {
			uses[j] = NonceUse{KeyID: "k", ID: fmt.Sprintf("%032x", i*batch+j)}
		}
		secs, errs := st.ConsumeNonces(ctx, uses)
		for j := range secs {
			if errs[j] != nil {
				b.Fatal(errs[j])
			}
			secs[j].Destroy()
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(batch, "nonces/op")
}

// BenchmarkPutNonces128 measures storing one preprocessing batch: 128
// sealed nonces in one transaction, as a node answers a refill.
func BenchmarkPutNonces128(b *testing.B) {
	ctx := context.Background()
	st := benchStore(b)
	secret := make([]byte, 64)
	batch := make([]NonceSecret, 128)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := range b.N {
		for j := range batch {
			batch[j] = NonceSecret{KeyID: "k", ID: fmt.Sprintf("%032x", i*len(batch)+j), Secret: secret}
		}
		if err := st.PutNonces(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}
