package keystore

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// BenchmarkConsumeNonceLoad mimics a node's group commit under load:
// batches of 1, 2, 4 and 8 consumptions (a node averages about 2) of
// random 128-bit ids, from a store that holds 100 000 consumed and 10 000
// unused nonces besides the ones the benchmark consumes. The reported time
// is per batch; cpu-ns/nonce divides the CPU by the batch size.
func BenchmarkConsumeNonceLoad(b *testing.B) {
	const (
		consumedRows = 100_000
		unusedRows   = 10_000
	)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	newID := func() string { return fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()) }
	secret := make([]byte, 64)

	// The template store is built once and copied for every run.
	template := filepath.Join(b.TempDir(), "template.db")
	st, err := openSQLite(template, passSealer(b, "pw"))
	if err != nil {
		b.Fatal(err)
	}
	uses := make([]NonceUse, consumedRows)
	for i := range uses {
		uses[i] = NonceUse{KeyID: "k", ID: newID()}
	}
	for _, err := range st.RecordNonceUses(ctx, uses) {
		if err != nil {
			b.Fatal(err)
		}
	}
	putNonces(b, st, unusedRows, newID, secret)
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}

	for _, batch := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "node.db")
			copyFile(b, template, path)
			st, err := openSQLite(path, passSealer(b, "pw"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			ids := putNonces(b, st, b.N*batch, newID, secret)
			uses := make([]NonceUse, batch)
			b.ResetTimer()
			cpu0 := cpuTime()
			r0, w0 := ioCounts()
			for i := range b.N {
				for j := range uses {
					uses[j] = NonceUse{KeyID: "k", ID: ids[i*batch+j]}
				}
				secs, errs := st.ConsumeNonces(ctx, uses)
				for j := range secs {
					if errs[j] != nil {
						b.Fatal(errs[j])
					}
					secs[j].Destroy()
				}
			}
			cpu := float64(cpuTime() - cpu0)
			r1, w1 := ioCounts()
			b.ReportMetric(float64(r1-r0)/float64(b.N), "reads/op")
			b.ReportMetric(float64(w1-w0)/float64(b.N), "writes/op")
			b.ReportMetric(cpu/float64(b.N), "cpu-ns/op")
			b.ReportMetric(cpu/float64(b.N*batch), "cpu-ns/nonce")
		})
	}
}

// ioCounts returns the process's read and write system calls so far
// (Linux; zero elsewhere): the page reads and WAL writes a batch costs.
func ioCounts() (reads, writes int64) {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, value, _ := strings.Cut(line, ": ")
		n, _ := strconv.ParseInt(value, 10, 64)
		switch name {
		case "syscr":
			reads = n
		case "syscw":
			writes = n
		}
	}
	return reads, writes
}

// putNonces stores n new nonces in batches of 512 and returns their ids.
func putNonces(b *testing.B, st *sqliteStore, n int, newID func() string, secret []byte) []string {
	b.Helper()
	ids := make([]string, 0, n)
	var puts []NonceSecret
	for range n {
		id := newID()
		ids = append(ids, id)
		puts = append(puts, NonceSecret{KeyID: "k", ID: id, Secret: secret})
		if len(puts) == 512 {
			if err := st.PutNonces(context.Background(), puts); err != nil {
				b.Fatal(err)
			}
			puts = puts[:0]
		}
	}
	if len(puts) > 0 {
		if err := st.PutNonces(context.Background(), puts); err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

func copyFile(b *testing.B, from, to string) {
	b.Helper()
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}
