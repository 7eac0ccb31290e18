package zktest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Seed writes b as a seed-corpus entry testdata/fuzz/<fuzz>/<name> when the
// environment variable CUSTOS_WRITE_SEEDS is 1; otherwise it does nothing.
func Seed(tb testing.TB, fuzz, name string, b []byte) {
	tb.Helper()
	if os.Getenv("CUSTOS_WRITE_SEEDS") != "1" {
		return
	}
	dir := filepath.Join("testdata", "fuzz", fuzz)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	data := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(b)))
	if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
		tb.Fatal(err)
	}
}
