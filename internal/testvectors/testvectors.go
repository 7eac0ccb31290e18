// Package testvectors finds the shared known-answer test files (RFC 9591
// Appendix E, BIP340, BIP341) that live outside the repository in
// ../shared/testdata, or in $CUSTOS_TESTDATA.
//
// Tests skip with a clear message when the files are absent, except under
// CI (CI=true), where their absence fails the test: known answers are
// mandatory there.
package testvectors

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the test-data directory, or skips (fails under CI) t.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("CUSTOS_TESTDATA"); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		missing(t, "CUSTOS_TESTDATA="+d+" is not a directory")
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(filepath.Dir(dir), "shared", "testdata")
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				return d
			}
			missing(t, "no "+d)
		}
		if filepath.Dir(dir) == dir {
			missing(t, "repository root not found from "+wd)
		}
	}
}

// File returns the path of a file under the test-data directory.
func File(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Dir(t), rel)
	if _, err := os.Stat(p); err != nil {
		missing(t, p+" is missing")
	}
	return p
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("shared test vectors are mandatory under CI: %s (set CUSTOS_TESTDATA or put them in ../shared/testdata)", why)
	}
	t.Skipf("shared test vectors not found (%s); set CUSTOS_TESTDATA to run these known-answer tests", why)
}
