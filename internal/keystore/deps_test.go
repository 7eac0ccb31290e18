package keystore_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The storage and message-security packages hold no network or daemon
// code: they import no network package themselves, and nothing they
// depend on pulls in an RPC stack, HTTP or TLS, or custos's own daemons.
func TestNoNetworkOrDaemonDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const module = "github.com/custos-mpc/custos/"
	pkgs := []string{module + "internal/sealer", module + "internal/envelope", module + "internal/keystore"}
	direct := exec.Command("go", append([]string{"list", "-f", "{{.ImportPath}}: {{join .Imports \" \"}}"}, pkgs...)...)
	out, err := direct.Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ": ")
		for _, imp := range strings.Fields(imports) {
			if imp == "net" || strings.HasPrefix(imp, "net/") || imp == "crypto/tls" || imp == "os/exec" {
				t.Errorf("%s imports %s", pkg, imp)
			}
		}
	}
	deps, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []string{"net/http", "crypto/tls", "google.golang.org/grpc", "connectrpc.com/", "github.com/prometheus/",
		module + "internal/node", module + "internal/coordinator", module + "internal/api", module + "cmd/"}
	for _, dep := range strings.Fields(string(deps)) {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") || (strings.HasSuffix(f, "/") && strings.HasPrefix(dep, f)) {
				t.Errorf("depends on %s", dep)
			}
		}
	}
}
