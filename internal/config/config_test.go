package config

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custos-mpc/custos/internal/pki"
)

// fixture is a configuration directory with a CA, certificates for
// node-1, node-2 and the coordinator under tls/, and a roster.
type fixture struct{ dir string }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	tlsDir := filepath.Join(dir, "tls")
	if err := pki.InitCA(tlsDir, "test-ca"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		role pki.Role
		name string
	}{{pki.RoleNode, "node-1"}, {pki.RoleNode, "node-2"}, {pki.RoleCoordinator, "coordinator"}} {
		if _, _, err := pki.Issue(tlsDir, tlsDir, c.role, c.name, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteRoster(filepath.Join(dir, "roster.json"), testRoster()); err != nil {
		t.Fatal(err)
	}
	return &fixture{dir: dir}
}

func testRoster() *Roster {
	return &Roster{Nodes: []RosterEntry{
		{ID: "node-1", Operator: "acme-ops", TrustDomain: "dc-fra-1", Identity: strings.Repeat("01", 32)},
		{ID: "node-2", Operator: "beta-ops", TrustDomain: "dc-ams-1", Identity: strings.Repeat("02", 32)},
		{ID: "node-3", Operator: "gamma ops GmbH", TrustDomain: "aws eu-west-1", Identity: strings.Repeat("03", 32)},
	}}
}

func (f *fixture) path(name string) string { return filepath.Join(f.dir, name) }

func (f *fixture) write(t *testing.T, name, content string, mode os.FileMode) string {
	t.Helper()
	p := f.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func newAuthKey(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(pub)
}

func TestExampleNodeLoadsBack(t *testing.T) {
	f := newFixture(t)
	key := newAuthKey(t)
	path := f.write(t, "node.yaml", string(ExampleNode(NodeExample{AuthorizationKeys: []string{key}})), 0o644)
	n, err := LoadNode(path)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		field     string
		got, want any
	}{
		{"node.id", n.Node.ID, "node-1"},
		{"node.operator", n.Node.Operator, "acme-ops"},
		{"node.trust_domain", n.Node.TrustDomain, "dc-fra-1"},
		{"data_dir", n.DataDir, f.path("data")},
		{"keystore.sealer", n.Keystore.Sealer, SealerPassphrase},
		{"prompt", n.Keystore.PromptPassphrase(), true},
		{"coordinator.address", n.Coordinator.Address, "127.0.0.1:7400"},
		{"coordinator.server_name", n.Coordinator.ServerName, "127.0.0.1"},
		{"coordinator.ca_file", n.Coordinator.CAFile, f.path("tls/ca.crt")},
		{"coordinator.cert_file", n.Coordinator.CertFile, f.path("tls/node-node-1.crt")},
		{"coordinator.key_file", n.Coordinator.KeyFile, f.path("tls/node-node-1.key")},
		{"policy.authorization_keys", len(n.Policy.AuthorizationKeys), 1},
		{"authorization key", n.Policy.AuthorizationKeys[0].String(), key},
		{"roster_file", n.RosterFile, f.path("roster.json")},
		{"roster", len(n.Roster.Nodes), 3},
		{"metrics_address", n.MetricsAddress, "127.0.0.1:9101"},
		{"log_level", n.LogLevel, "info"},
		{"path", n.Path, path},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
}

func TestExampleNodeQuotesValues(t *testing.T) {
	f := newFixture(t)
	// Values YAML would misread unquoted: a number, a boolean, spaces.
	if err := WriteRoster(f.path("roster.json"), &Roster{Nodes: []RosterEntry{
		{ID: "1e3", Operator: "yes", TrustDomain: "aws eu-west-1: zone a", Identity: "aa"},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pki.Issue(f.path("tls"), f.path("tls"), pki.RoleNode, "1e3", nil); err != nil {
		t.Fatal(err)
	}
	path := f.write(t, "node.yaml", string(ExampleNode(NodeExample{
		ID: "1e3", Operator: "yes", TrustDomain: "aws eu-west-1: zone a", DataDir: "var/lib/custos #1",
	})), 0o644)
	n, err := LoadNode(path)
	if err != nil {
		t.Fatal(err)
	}
	if n.Node.ID != "1e3" || n.Node.Operator != "yes" || n.Node.TrustDomain != "aws eu-west-1: zone a" || n.DataDir != f.path("var/lib/custos #1") {
		t.Errorf("values changed on the way back: %+v, data_dir %q", n.Node, n.DataDir)
	}
}

func TestExampleCoordinatorLoadsBack(t *testing.T) {
	f := newFixture(t)
	path := f.write(t, "coordinator.yaml", string(ExampleCoordinator(CoordinatorExample{})), 0o644)
	c, err := LoadCoordinator(path)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		field     string
		got, want any
	}{
		{"listen", c.Listen, ":7400"},
		{"admin_listen", c.AdminListen, "127.0.0.1:7401"},
		{"tls.ca_file", c.TLS.CAFile, f.path("tls/ca.crt")},
		{"tls.cert_file", c.TLS.CertFile, f.path("tls/coordinator-coordinator.crt")},
		{"tls.key_file", c.TLS.KeyFile, f.path("tls/coordinator-coordinator.key")},
		{"roster_file", c.RosterFile, f.path("roster.json")},
		{"roster", len(c.Roster.Nodes), 3},
		{"data_dir", c.DataDir, f.path("data")},
		{"metrics_address", c.MetricsAddress, "127.0.0.1:9100"},
		{"log_level", c.LogLevel, "info"},
		{"ceremony.round_timeout", c.Ceremony.RoundTimeout.Std(), 5 * time.Second},
		{"ceremony.max_attempts", c.Ceremony.MaxAttempts, 3},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.field, ch.got, ch.want)
		}
	}
}

// yamlKeys lists every yaml key of t's fields, recursively.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !sf.IsExported() {
			continue
		}
		ft := sf.Type
		if ft.Kind() == reflect.Struct && !strings.HasPrefix(ft.Name(), "Duration") {
			keys = append(keys, yamlKeys(ft)...)
			if opts == "inline" {
				continue
			}
		}
		keys = append(keys, name)
	}
	return keys
}

func TestExamplesDocumentEveryField(t *testing.T) {
	for _, tc := range []struct {
		name    string
		typ     reflect.Type
		example string
	}{
		{"node", reflect.TypeFor[Node](), string(ExampleNode(NodeExample{}))},
		{"coordinator", reflect.TypeFor[Coordinator](), string(ExampleCoordinator(CoordinatorExample{}))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := strings.Split(tc.example, "\n")
			for _, key := range yamlKeys(tc.typ) {
				found := false
				for i, l := range lines {
					if strings.HasPrefix(strings.TrimSpace(l), key+":") {
						found = true
						// The key, or the key it shares a comment with, follows a comment.
						j := i - 1
						for j >= 0 && !strings.HasPrefix(strings.TrimSpace(lines[j]), "#") &&
							strings.TrimSpace(lines[j]) != "" && !strings.HasSuffix(lines[j], ":") {
							j--
						}
						if j < 0 || (!strings.HasPrefix(strings.TrimSpace(lines[j]), "#") && !strings.HasSuffix(lines[j], ":")) {
							t.Errorf("field %s has no comment above it", key)
						}
						break
					}
				}
				if !found {
					t.Errorf("example lacks field %s", key)
				}
			}
		})
	}
}

// rep returns an edit replacing old by new exactly once.
func rep(pairs ...string) func(t *testing.T, s string) string {
	return func(t *testing.T, s string) string {
		t.Helper()
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(s, pairs[i]) {
				t.Fatalf("test bug: example lacks %q", pairs[i])
			}
			s = strings.Replace(s, pairs[i], pairs[i+1], 1)
		}
		return s
	}
}

func TestNodeValidation(t *testing.T) {
	smallOrder := "01" + strings.Repeat("00", 31) // the identity point
	nonCanonical := "ed" + strings.Repeat("ff", 30) + "7f"
	key := newAuthKey(t)
	tests := []struct {
		name  string
		setup func(t *testing.T, f *fixture)
		edit  func(t *testing.T, s string) string
		want  []string
	}{
		{name: "a missing id", edit: rep("id: node-1", `id: ""`), want: []string{"node.id: empty name"}},
		{name: "an id with a space", edit: rep("id: node-1", `id: "node 1"`), want: []string{"node.id: name \"node 1\""}},
		{name: "a missing operator", edit: rep("operator: acme-ops", "operator: "), want: []string{"node.operator: required"}},
		{name: "a missing trust domain", edit: rep("trust_domain: dc-fra-1", `trust_domain: ""`), want: []string{"node.trust_domain: required"}},
		{name: "an address without a port", edit: rep("address: 127.0.0.1:7400", "address: 127.0.0.1"), want: []string{`coordinator.address: "127.0.0.1": want host:port`}},
		{name: "an address with port 0", edit: rep("address: 127.0.0.1:7400", "address: 127.0.0.1:0"), want: []string{"port 0 cannot be dialled"}},
		{name: "an address with a huge port", edit: rep("address: 127.0.0.1:7400", "address: 127.0.0.1:99999"), want: []string{"not a number from 0 to 65535"}},
		{name: "an address without a host", edit: rep("address: 127.0.0.1:7400", `address: ":7400"`), want: []string{"missing host", "coordinator.server_name: required"}},
		{name: "a bad metrics address", edit: rep("metrics_address: 127.0.0.1:9101", "metrics_address: localhost"), want: []string{"metrics_address: \"localhost\": want host:port"}},
		{name: "a missing CA file, resolved against the config directory", edit: rep("ca_file: tls/ca.crt", "ca_file: tls/missing.crt"),
			want: []string{"coordinator.ca_file: " + "DIR/tls/missing.crt: no such file"}},
		{name: "an empty cert file", edit: rep("cert_file: tls/node-node-1.crt", `cert_file: ""`), want: []string{"coordinator.cert_file: required"}},
		{name: "a directory as key file", edit: rep("key_file: tls/node-node-1.key", "key_file: tls"), want: []string{"coordinator.key_file: DIR/tls: not a regular file"}},
		{name: "a world-readable key file", setup: func(t *testing.T, f *fixture) { chmod(t, f.path("tls/node-node-1.key"), 0o644) },
			want: []string{"coordinator.key_file: DIR/tls/node-node-1.key: mode 0644 is too open"}},
		{name: "another node's certificate", edit: rep("cert_file: tls/node-node-1.crt", "cert_file: tls/node-node-2.crt"),
			want: []string{`coordinator.cert_file: certificate is for node "node-2"; want node "node-1"`}},
		{name: "the coordinator's certificate", edit: rep("cert_file: tls/node-node-1.crt", "cert_file: tls/coordinator-coordinator.crt"),
			want: []string{`certificate is for coordinator "coordinator"`}},
		{name: "a CA certificate as the node certificate", edit: rep("cert_file: tls/node-node-1.crt", "cert_file: tls/ca.crt"),
			want: []string{"coordinator.cert_file: certificate identity: DIR/tls/ca.crt: certificate carries no custos identity URI"}},
		{name: "a key that is not hex", edit: rep("authorization_keys: []", "authorization_keys: [zz]"), want: []string{`authorization key "zz": want 64 hexadecimal digits`}},
		{name: "a key of the wrong length", edit: rep("authorization_keys: []", "authorization_keys: [abcd]"), want: []string{`authorization key "abcd": want 64`}},
		{name: "a small-order key", edit: rep("authorization_keys: []", "authorization_keys: ["+smallOrder+"]"), want: []string{"a small-order point"}},
		{name: "a non-canonical key", edit: rep("authorization_keys: []", "authorization_keys: ["+nonCanonical+"]"), want: []string{"not a canonical Ed25519 point"}},
		{name: "a key given as a map", edit: rep("authorization_keys: []", "authorization_keys: [{a: b}]"), want: []string{"authorization key: want a hexadecimal string"}},
		{name: "a repeated key", edit: rep("authorization_keys: []", "authorization_keys: ["+key+", "+strings.ToUpper(key)+"]"),
			want: []string{"policy.authorization_keys[1]: repeats authorization_keys[0]"}},
		{name: "an unknown sealer", edit: rep("sealer: passphrase", "sealer: rot13"), want: []string{`keystore.sealer: "rot13": want passphrase or age`}},
		{name: "both passphrase sources", edit: rep(`passphrase_file: ""`, "passphrase_file: pass", `passphrase_env: ""`, "passphrase_env: CUSTOS_PASS"),
			setup: func(t *testing.T, f *fixture) { f.write(t, "pass", "secret\n", 0o600) },
			want:  []string{"keystore: set at most one of passphrase_file and passphrase_env"}},
		{name: "a missing passphrase file", edit: rep(`passphrase_file: ""`, "passphrase_file: pass"), want: []string{"keystore.passphrase_file: DIR/pass: no such file"}},
		{name: "a group-readable passphrase file", edit: rep(`passphrase_file: ""`, "passphrase_file: pass"),
			setup: func(t *testing.T, f *fixture) { f.write(t, "pass", "secret\n", 0o640) },
			want:  []string{"keystore.passphrase_file: DIR/pass: mode 0640 is too open"}},
		{name: "a bad environment variable name", edit: rep(`passphrase_env: ""`, `passphrase_env: "CUSTOS-PASS"`), want: []string{`keystore.passphrase_env: "CUSTOS-PASS" is not an environment variable name`}},
		{name: "an age identity for the passphrase sealer", edit: rep(`age_identity_file: ""`, "age_identity_file: age.key"),
			want: []string{"keystore.age_identity_file: only for sealer age"}},
		{name: "the age sealer without an identity", edit: rep("sealer: passphrase", "sealer: age"), want: []string{"keystore.age_identity_file: required"}},
		{name: "the age sealer with a passphrase", edit: rep("sealer: passphrase", "sealer: age", `passphrase_env: ""`, "passphrase_env: P", `age_identity_file: ""`, "age_identity_file: age.key"),
			setup: func(t *testing.T, f *fixture) { f.write(t, "age.key", "AGE-SECRET-KEY-1\n", 0o600) },
			want:  []string{"keystore: passphrase_file and passphrase_env are only for sealer passphrase"}},
		{name: "a world-readable age identity", edit: rep("sealer: passphrase", "sealer: age", `age_identity_file: ""`, "age_identity_file: age.key"),
			setup: func(t *testing.T, f *fixture) { f.write(t, "age.key", "AGE-SECRET-KEY-1\n", 0o604) },
			want:  []string{"keystore.age_identity_file: DIR/age.key: mode 0604 is too open"}},
		{name: "an unknown log level", edit: rep("log_level: info", "log_level: verbose"), want: []string{`log_level: "verbose": want one of debug, info, warn, error`}},
		{name: "a file as data directory", edit: rep("data_dir: data", "data_dir: roster.json"), want: []string{"data_dir: DIR/roster.json: not a directory"}},
		{name: "a missing data directory", edit: rep("data_dir: data", `data_dir: ""`), want: []string{"data_dir: required"}},
		{name: "a missing roster", edit: rep("roster_file: roster.json", "roster_file: nope.json"), want: []string{"roster_file: DIR/nope.json: no such file"}},
		{name: "a node missing from the roster", setup: func(t *testing.T, f *fixture) {
			r := testRoster()
			r.Nodes = r.Nodes[1:]
			if err := WriteRoster(f.path("roster.json"), r); err != nil {
				t.Fatal(err)
			}
		}, want: []string{`roster_file: node "node-1" is not in the roster`}},
		{name: "an operator the roster disagrees with", edit: rep("operator: acme-ops", "operator: other-ops"),
			want: []string{`roster_file: node "node-1" has operator "acme-ops" in the roster, "other-ops" here`}},
		{name: "a trust domain the roster disagrees with", edit: rep("trust_domain: dc-fra-1", "trust_domain: dc-ber-1"),
			want: []string{`has trust domain "dc-fra-1" in the roster, "dc-ber-1" here`}},
		{name: "an invalid roster", setup: func(t *testing.T, f *fixture) { f.write(t, "roster.json", `{"version":1,"nodes":[]}`, 0o644) },
			want: []string{"roster_file: roster DIR/roster.json: nodes: empty roster"}},
		{name: "an unknown top-level field", edit: rep("log_level: info", "log_level: info\ncolour: blue"), want: []string{"field colour not found in type config.Node"}},
		{name: "an unknown nested field", edit: rep("sealer: passphrase", "sealer: passphrase\n  kdf: argon2id"), want: []string{"field kdf not found in type config.Keystore"}},
		{name: "a misspelt field", edit: rep("trust_domain:", "trustdomain:"), want: []string{"field trustdomain not found"}},
		{name: "a repeated field", edit: rep("log_level: info", "log_level: info\nlog_level: debug"), want: []string{`mapping key "log_level" already defined`}},
		{name: "a list where a string belongs", edit: rep("id: node-1", "id: [a, b]"), want: []string{"cannot unmarshal !!seq into string"}},
		{name: "an empty file", edit: func(*testing.T, string) string { return "" }, want: []string{"empty file"}},
		{name: "a comment-only file", edit: func(*testing.T, string) string { return "# nothing\n" }, want: []string{"empty file"}},
		{name: "two documents", edit: func(t *testing.T, s string) string { return s + "---\nlog_level: debug\n" }, want: []string{"a second YAML document"}},
		{name: "many problems at once", edit: rep("id: node-1", `id: ""`, "log_level: info", "log_level: loud", "sealer: passphrase", "sealer: x"),
			want: []string{"node.id: empty name", "log_level: \"loud\"", "keystore.sealer"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			text := string(ExampleNode(NodeExample{}))
			if tc.edit != nil {
				text = tc.edit(t, text)
			}
			path := f.write(t, "node.yaml", text, 0o644)
			_, err := LoadNode(path)
			if err == nil {
				t.Fatalf("LoadNode succeeded, want errors %q", tc.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "config: node "+path) && !strings.HasPrefix(msg, "config: node: ") {
				t.Errorf("error %q does not start with the package and file", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("multi-line error %q", msg)
			}
			for _, w := range tc.want {
				w = strings.ReplaceAll(w, "DIR", f.dir)
				if !strings.Contains(msg, w) {
					t.Errorf("error %q\n lacks %q", msg, w)
				}
			}
		})
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestNodeMissingFile(t *testing.T) {
	_, err := LoadNode(filepath.Join(t.TempDir(), "none.yaml"))
	if err == nil || !strings.Contains(err.Error(), "none.yaml: no such file") || !strings.HasPrefix(err.Error(), "config: node: ") {
		t.Errorf("LoadNode(missing) = %v", err)
	}
}

func TestNodePassphraseSources(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(t *testing.T, s string) string
		wantPrompt bool
	}{
		{"no source prompts", nil, true},
		{"a file does not prompt", rep(`passphrase_file: ""`, "passphrase_file: secrets/pass"), false},
		{"an environment variable does not prompt", rep(`passphrase_env: ""`, "passphrase_env: CUSTOS_PASSPHRASE"), false},
		{"the age sealer does not prompt", rep("sealer: passphrase", "sealer: age", `age_identity_file: ""`, "age_identity_file: /ABS/age.key"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.write(t, "secrets/pass", "pw\n", 0o600)
			f.write(t, "age.key", "AGE-SECRET-KEY-1\n", 0o600)
			text := string(ExampleNode(NodeExample{}))
			if tc.edit != nil {
				text = strings.ReplaceAll(tc.edit(t, text), "/ABS", f.dir)
			}
			n, err := LoadNode(f.write(t, "node.yaml", text, 0o644))
			if err != nil {
				t.Fatal(err)
			}
			if got := n.Keystore.PromptPassphrase(); got != tc.wantPrompt {
				t.Errorf("PromptPassphrase = %v, want %v", got, tc.wantPrompt)
			}
			if n.Keystore.PassphraseFile != "" && n.Keystore.PassphraseFile != f.path("secrets/pass") {
				t.Errorf("passphrase_file = %q, not resolved against the config directory", n.Keystore.PassphraseFile)
			}
		})
	}
}

func TestCoordinatorDefaults(t *testing.T) {
	f := newFixture(t)
	path := f.write(t, "c.yaml", `tls:
  ca_file: tls/ca.crt
  cert_file: tls/coordinator-coordinator.crt
  key_file: tls/coordinator-coordinator.key
roster_file: roster.json
data_dir: /var/lib/custos/coordinator
`, 0o644)
	c, err := LoadCoordinator(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != DefaultListen || c.AdminListen != DefaultAdminListen || c.LogLevel != "info" ||
		c.Ceremony.RoundTimeout.Std() != DefaultRoundTimeout || c.Ceremony.MaxAttempts != DefaultMaxAttempts ||
		c.MetricsAddress != "" || c.DataDir != "/var/lib/custos/coordinator" {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestCoordinatorValidation(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, f *fixture)
		edit  func(t *testing.T, s string) string
		want  []string
	}{
		{name: "a bare-number timeout", edit: rep("round_timeout: 5s", "round_timeout: 5"), want: []string{`duration "5": want a string with a unit, such as 5s`}},
		{name: "a malformed timeout", edit: rep("round_timeout: 5s", "round_timeout: soon"), want: []string{`duration "soon"`}},
		{name: "a negative timeout", edit: rep("round_timeout: 5s", "round_timeout: -1s"), want: []string{"ceremony.round_timeout: -1s: want more than 0 and at most 10m0s"}},
		{name: "a huge timeout", edit: rep("round_timeout: 5s", "round_timeout: 1h"), want: []string{"ceremony.round_timeout: 1h0m0s"}},
		{name: "negative attempts", edit: rep("max_attempts: 3", "max_attempts: -1"), want: []string{"ceremony.max_attempts: -1: want 1 to 100"}},
		{name: "too many attempts", edit: rep("max_attempts: 3", "max_attempts: 1000"), want: []string{"ceremony.max_attempts: 1000"}},
		{name: "attempts as text", edit: rep("max_attempts: 3", "max_attempts: three"), want: []string{"cannot unmarshal !!str `three` into int"}},
		{name: "a bad listen address", edit: rep(`listen: ":7400"`, "listen: 7400"), want: []string{`listen: "7400": want host:port`}},
		{name: "the admin API on the node port", edit: rep("admin_listen: 127.0.0.1:7401", `admin_listen: ":7400"`), want: []string{"admin_listen: same address as listen"}},
		{name: "a bad admin address", edit: rep("admin_listen: 127.0.0.1:7401", "admin_listen: 127.0.0.1:http"), want: []string{`admin_listen: "127.0.0.1:http": port "http"`}},
		{name: "a node certificate", edit: rep("cert_file: tls/coordinator-coordinator.crt", "cert_file: tls/node-node-1.crt"),
			want: []string{`tls.cert_file: certificate is for node "node-1"; want a coordinator certificate`}},
		{name: "a missing CA", edit: rep("ca_file: tls/ca.crt", "ca_file: ca.crt"), want: []string{"tls.ca_file: DIR/ca.crt: no such file"}},
		{name: "a readable key", setup: func(t *testing.T, f *fixture) { chmod(t, f.path("tls/coordinator-coordinator.key"), 0o640) },
			want: []string{"tls.key_file: DIR/tls/coordinator-coordinator.key: mode 0640 is too open"}},
		{name: "a missing roster", edit: rep("roster_file: roster.json", "roster_file: r.json"), want: []string{"roster_file: DIR/r.json: no such file"}},
		{name: "a bad metrics address", edit: rep("metrics_address: 127.0.0.1:9100", "metrics_address: 127.0.0.1:-1"), want: []string{"metrics_address"}},
		{name: "an unknown log level", edit: rep("log_level: info", "log_level: trace"), want: []string{`log_level: "trace"`}},
		{name: "an unknown ceremony field", edit: rep("max_attempts: 3", "max_attempts: 3\n  backoff: 1s"), want: []string{"field backoff not found in type config.Ceremony"}},
		{name: "a node field in a coordinator file", edit: rep("log_level: info", "log_level: info\nkeystore: {}"), want: []string{"field keystore not found in type config.Coordinator"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			text := string(ExampleCoordinator(CoordinatorExample{}))
			if tc.edit != nil {
				text = tc.edit(t, text)
			}
			path := f.write(t, "coordinator.yaml", text, 0o644)
			_, err := LoadCoordinator(path)
			if err == nil {
				t.Fatalf("LoadCoordinator succeeded, want errors %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), "config: coordinator "+path+": ") {
				t.Errorf("error %q does not start with the package and file", err)
			}
			for _, w := range tc.want {
				w = strings.ReplaceAll(w, "DIR", f.dir)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\n lacks %q", err, w)
				}
			}
		})
	}
}

func TestAuthorizationKey(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{hex.EncodeToString(pub), strings.ToUpper(hex.EncodeToString(pub))} {
		k, err := ParseAuthorizationKey(s)
		if err != nil {
			t.Fatal(err)
		}
		if k.String() != hex.EncodeToString(pub) || !k.PublicKey().Equal(pub) {
			t.Errorf("ParseAuthorizationKey(%s) = %s", s, k)
		}
		msg := []byte("bundle")
		if !k.Verify(msg, ed25519.Sign(priv, msg)) || k.Verify([]byte("other"), ed25519.Sign(priv, msg)) {
			t.Error("Verify disagrees with crypto/ed25519")
		}
		k.PublicKey()[0] ^= 1
		if k.String() != hex.EncodeToString(pub) {
			t.Error("PublicKey returned the key's own storage")
		}
	}
	if (AuthorizationKey{}).Verify([]byte("m"), make([]byte, 64)) {
		t.Error("the zero key verified a signature")
	}
}
