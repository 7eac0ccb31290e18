package zktest

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// Compat stores or loads a frozen sample testdata/compat/<name>: a list of
// byte strings (the statement's encodings, then the proof's). With
// CUSTOS_WRITE_COMPAT=1, write() is called and its result stored; the
// sample is then read back. Samples are regenerated only when a format
// version changes.
func Compat(tb testing.TB, name string, write func() [][]byte) [][]byte {
	tb.Helper()
	path := filepath.Join("testdata", "compat", name)
	if os.Getenv("CUSTOS_WRITE_COMPAT") == "1" {
		var out []byte
		for _, p := range write() {
			out = binary.BigEndian.AppendUint32(out, uint32(len(p)))
			out = append(out, p...)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, out, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var parts [][]byte
	for len(b) > 0 {
		if len(b) < 4 || int(binary.BigEndian.Uint32(b)) > len(b)-4 {
			tb.Fatal("zktest: malformed compat sample")
		}
		n := int(binary.BigEndian.Uint32(b))
		parts = append(parts, b[4:4+n])
		b = b[4+n:]
	}
	return parts
}
