package keystore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkConsumeNonce measures one durable consume (a committed,
// fsynced transaction) on the SQLite store: the per-signature floor for a
// node, since nothing derived from a nonce may be sent before it returns.
func BenchmarkConsumeNonce(b *testing.B) {
	ctx := context.Background()
	st, err := openSQLite(filepath.Join(b.TempDir(), "node.db"), passSealer(b, "pw"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	secret := make([]byte, 64)
	for i := range b.N {
		if err := st.PutNonce(ctx, "k", fmt.Sprint(i), secret); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		sec, err := st.ConsumeNonce(ctx, "k", fmt.Sprint(i))
		if err != nil {
			b.Fatal(err)
		}
		sec.Destroy()
	}
}
