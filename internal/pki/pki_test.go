package pki

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testPKI is a CA with a coordinator, two nodes and an admin.
type testPKI struct {
	caDir, outDir string
	caFile        string
	files         map[string][2]string // "role/name" -> cert, key
}

func newTestPKI(t *testing.T, coordinatorHosts ...string) *testPKI {
	t.Helper()
	dir := t.TempDir()
	p := &testPKI{caDir: filepath.Join(dir, "ca"), outDir: filepath.Join(dir, "certs"), files: map[string][2]string{}}
	if err := InitCA(p.caDir, "test-ca"); err != nil {
		t.Fatal(err)
	}
	p.caFile = filepath.Join(p.caDir, CACertFile)
	p.issue(t, RoleCoordinator, "coordinator", coordinatorHosts)
	p.issue(t, RoleNode, "node-1", nil)
	p.issue(t, RoleAdmin, "alice", nil)
	return p
}

func (p *testPKI) issue(t *testing.T, role Role, name string, hosts []string) {
	t.Helper()
	c, k, err := Issue(p.caDir, p.outDir, role, name, hosts)
	if err != nil {
		t.Fatal(err)
	}
	p.files[string(role)+"/"+name] = [2]string{c, k}
}

func (p *testPKI) server(t *testing.T) *tls.Config {
	t.Helper()
	f := p.files["coordinator/coordinator"]
	cfg, err := ServerConfig(p.caFile, f[0], f[1])
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func (p *testPKI) client(t *testing.T, caFile, who, serverName string) *tls.Config {
	t.Helper()
	f := p.files[who]
	cfg, err := ClientConfig(caFile, f[0], f[1], serverName)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func (p *testPKI) pool(t *testing.T) *x509.CertPool {
	t.Helper()
	certs, err := readCertificates(p.caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(certs[0])
	return pool
}

type handshakeResult struct {
	serverErr, clientErr error
	serverState          tls.ConnectionState
	clientState          tls.ConnectionState
}

// handshake runs one TLS handshake over loopback and a one-byte exchange,
// so a refusal by either side surfaces on both.
func handshake(t *testing.T, server, client *tls.Config) handshakeResult {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var res handshakeResult
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			res.serverErr = err
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		tc := tls.Server(c, server)
		if res.serverErr = tc.HandshakeContext(ctx); res.serverErr != nil {
			return
		}
		res.serverState = tc.ConnectionState()
		_, res.serverErr = tc.Write([]byte{1})
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tc := tls.Client(c, client)
	if res.clientErr = tc.HandshakeContext(ctx); res.clientErr == nil {
		res.clientState = tc.ConnectionState()
		_, res.clientErr = tc.Read(make([]byte, 1))
	}
	c.Close()
	<-done
	return res
}

func TestHandshake(t *testing.T) {
	p := newTestPKI(t, "coord.example")
	other := newTestPKI(t, "coord.example")
	// A client whose certificate comes from another CA but which trusts
	// p's CA (ClientConfig itself refuses such a mix, so build it by hand).
	foreignClient := other.client(t, other.caFile, "node/node-1", "coord.example")
	foreignClient.RootCAs = p.pool(t)

	tests := []struct {
		name       string
		server     *tls.Config
		client     *tls.Config
		wantRole   Role
		wantName   string
		wantServer string // substring of the server's error; "" for success
		wantClient string // substring of the client's error; "" for success
	}{
		{name: "a node connects and is named", server: p.server(t), client: p.client(t, p.caFile, "node/node-1", "coord.example"),
			wantRole: RoleNode, wantName: "node-1"},
		{name: "an admin connects and is named", server: p.server(t), client: p.client(t, p.caFile, "admin/alice", "localhost"),
			wantRole: RoleAdmin, wantName: "alice"},
		{name: "a node dials 127.0.0.1", server: p.server(t), client: p.client(t, p.caFile, "node/node-1", "127.0.0.1"),
			wantRole: RoleNode, wantName: "node-1"},
		{name: "a node dials ::1", server: p.server(t), client: p.client(t, p.caFile, "node/node-1", "::1"),
			wantRole: RoleNode, wantName: "node-1"},
		{name: "a client certificate from another CA is refused", server: p.server(t),
			client:     foreignClient,
			wantServer: "unknown authority", wantClient: "remote error"},
		{name: "a server with a wrong name is refused", server: p.server(t),
			client:     p.client(t, p.caFile, "node/node-1", "evil.example"),
			wantClient: "evil.example", wantServer: "remote error"},
		{name: "a server from another CA is refused", server: other.server(t),
			client:     p.client(t, p.caFile, "node/node-1", "coord.example"),
			wantClient: "unknown authority", wantServer: "remote error"},
		{name: "an admin-only listener refuses a node", server: RestrictRoles(p.server(t), RoleAdmin),
			client:     p.client(t, p.caFile, "node/node-1", "coord.example"),
			wantServer: "role not allowed", wantClient: "remote error"},
		{name: "an admin-only listener accepts an admin", server: RestrictRoles(p.server(t), RoleAdmin),
			client:   p.client(t, p.caFile, "admin/alice", "coord.example"),
			wantRole: RoleAdmin, wantName: "alice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := handshake(t, tc.server, tc.client)
			checkErr(t, "server", res.serverErr, tc.wantServer)
			checkErr(t, "client", res.clientErr, tc.wantClient)
			if tc.wantServer != "" || tc.wantClient != "" {
				return
			}
			if v := res.serverState.Version; v != tls.VersionTLS13 {
				t.Errorf("version = %x, want TLS 1.3", v)
			}
			role, name, err := PeerIdentity(res.serverState)
			if err != nil || role != tc.wantRole || name != tc.wantName {
				t.Errorf("server sees PeerIdentity = %q, %q, %v; want %q, %q", role, name, err, tc.wantRole, tc.wantName)
			}
			role, name, err = PeerIdentity(res.clientState)
			if err != nil || role != RoleCoordinator || name != "coordinator" {
				t.Errorf("client sees PeerIdentity = %q, %q, %v; want coordinator", role, name, err)
			}
		})
	}
}

func checkErr(t *testing.T, side string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: unexpected error: %v", side, err)
	case want != "" && err == nil:
		t.Errorf("%s: no error, want one containing %q", side, want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("%s: error %q does not contain %q", side, err, want)
	}
}

func TestClientRefusesTLS12Server(t *testing.T) {
	p := newTestPKI(t)
	srv := p.server(t)
	srv.MinVersion, srv.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	res := handshake(t, srv, p.client(t, p.caFile, "node/node-1", "localhost"))
	if res.clientErr == nil || res.serverErr == nil {
		t.Fatalf("TLS 1.2 handshake succeeded: server %v, client %v", res.serverErr, res.clientErr)
	}
}

func TestFilePermissions(t *testing.T) {
	p := newTestPKI(t)
	want := map[string]os.FileMode{
		filepath.Join(p.caDir, CACertFile):    0o644,
		filepath.Join(p.caDir, CAKeyFile):     0o600,
		p.files["node/node-1"][0]:             0o644,
		p.files["node/node-1"][1]:             0o600,
		p.files["coordinator/coordinator"][1]: 0o600,
		p.files["admin/alice"][1]:             0o600,
	}
	for path, mode := range want {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %o, want %o", filepath.Base(path), got, mode)
		}
	}
	for _, d := range []string{p.caDir, p.outDir} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o700 {
			t.Errorf("%s: mode %o, want 700", d, got)
		}
	}
	if got, want := filepath.Base(p.files["node/node-1"][0]), "node-node-1.crt"; got != want {
		t.Errorf("certificate file name %q, want %q", got, want)
	}
}

func TestNoOverwrite(t *testing.T) {
	p := newTestPKI(t)
	before, err := os.ReadFile(filepath.Join(p.caDir, CAKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := InitCA(p.caDir, "again"); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Errorf("InitCA over an existing CA: %v, want a refusal", err)
	}
	after, _ := os.ReadFile(filepath.Join(p.caDir, CAKeyFile))
	if string(before) != string(after) {
		t.Error("InitCA changed the existing CA key")
	}
	if _, _, err := Issue(p.caDir, p.outDir, RoleNode, "node-1", nil); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Errorf("Issue over an existing certificate: %v, want a refusal", err)
	}
	// A stray key file alone also blocks InitCA.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, CAKeyFile), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := InitCA(dir, "ca"); err == nil {
		t.Error("InitCA over a stray ca.key succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, CACertFile)); err == nil {
		t.Error("InitCA wrote ca.crt next to a stray ca.key")
	}
}

func TestIssueRejects(t *testing.T) {
	p := newTestPKI(t)
	tests := []struct {
		name  string
		caDir string
		role  Role
		id    string
		hosts []string
		want  string
	}{
		{"an unknown role", p.caDir, "root", "x", nil, `unknown role "root"`},
		{"an empty name", p.caDir, RoleNode, "", nil, "empty name"},
		{"a name with a slash", p.caDir, RoleNode, "a/b", nil, "want letters"},
		{"a name starting with a dot", p.caDir, RoleNode, ".hidden", nil, "want letters"},
		{"a name too long", p.caDir, RoleNode, strings.Repeat("a", 65), nil, "longer than 64"},
		{"hosts on a client certificate", p.caDir, RoleNode, "n2", []string{"x.example"}, "takes no hosts"},
		{"a bad host", p.caDir, RoleCoordinator, "c2", []string{"bad host!"}, "neither an IP address nor a DNS name"},
		{"a missing CA", t.TempDir(), RoleNode, "n3", nil, "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Issue(tc.caDir, t.TempDir(), tc.role, tc.id, tc.hosts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Issue: %v, want an error containing %q", err, tc.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "pki: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestCoordinatorSANs(t *testing.T) {
	p := newTestPKI(t, "coord.example", "10.0.0.7", "COORD.example.")
	certs, err := readCertificates(p.files["coordinator/coordinator"][0])
	if err != nil {
		t.Fatal(err)
	}
	c := certs[0]
	if got := strings.Join(c.DNSNames, ","); got != "localhost,coord.example" {
		t.Errorf("DNS SANs = %s", got)
	}
	var ips []string
	for _, ip := range c.IPAddresses {
		ips = append(ips, ip.String())
	}
	if got := strings.Join(ips, ","); got != "127.0.0.1,::1,10.0.0.7" {
		t.Errorf("IP SANs = %s", got)
	}
	if len(c.URIs) != 1 || c.URIs[0].String() != "custos://coordinator/coordinator" {
		t.Errorf("URI SANs = %v", c.URIs)
	}
}

func TestConfigsRejectMisuse(t *testing.T) {
	p := newTestPKI(t)
	other := newTestPKI(t)
	node, coord := p.files["node/node-1"], p.files["coordinator/coordinator"]
	tests := []struct {
		name string
		load func() error
		want string
	}{
		{"a server with a node certificate", func() error { _, err := ServerConfig(p.caFile, node[0], node[1]); return err }, "cannot be used here"},
		{"a client with the coordinator certificate", func() error { _, err := ClientConfig(p.caFile, coord[0], coord[1], "localhost"); return err }, "cannot be used here"},
		{"a certificate from another CA", func() error {
			_, err := ClientConfig(p.caFile, other.files["node/node-1"][0], other.files["node/node-1"][1], "localhost")
			return err
		}, "not valid under CA file"},
		{"a key that does not match", func() error {
			_, err := ClientConfig(p.caFile, node[0], p.files["admin/alice"][1], "localhost")
			return err
		}, "does not match"},
		{"a client without a server name", func() error { _, err := ClientConfig(p.caFile, node[0], node[1], ""); return err }, "empty server name"},
		{"a leaf as the CA file", func() error { _, err := ClientConfig(node[0], node[0], node[1], "localhost"); return err }, "is not a CA"},
		{"a key as the CA file", func() error { _, err := ServerConfig(coord[1], coord[0], coord[1]); return err }, "unexpected PEM block"},
		{"a missing key file", func() error { _, err := ServerConfig(p.caFile, coord[0], coord[1]+".missing"); return err }, "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.load()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "PRIVATE KEY-----") {
				t.Errorf("error leaks key material: %v", err)
			}
		})
	}
}

func TestPeerIdentityRejects(t *testing.T) {
	mk := func(eku x509.ExtKeyUsage, uris ...string) tls.ConnectionState {
		c := &x509.Certificate{ExtKeyUsage: []x509.ExtKeyUsage{eku}}
		for _, s := range uris {
			u, err := url.Parse(s)
			if err != nil {
				t.Fatal(err)
			}
			c.URIs = append(c.URIs, u)
		}
		return tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{c}}}
	}
	client := x509.ExtKeyUsageClientAuth
	tests := []struct {
		name  string
		state tls.ConnectionState
		want  string
	}{
		{"an unverified peer", tls.ConnectionState{PeerCertificates: []*x509.Certificate{{}}}, "no verified peer certificate"},
		{"no identity URI", mk(client, "https://example.com/"), "no custos identity"},
		{"two identity URIs", mk(client, "custos://node/a", "custos://node/b"), "want one"},
		{"an unknown role", mk(client, "custos://root/a"), "malformed identity URI"},
		{"a query string", mk(client, "custos://node/a?x=1"), "malformed identity URI"},
		{"a nested path", mk(client, "custos://node/a/b"), "want letters"},
		{"an empty name", mk(client, "custos://node/"), "empty name"},
		{"user info", mk(client, "custos://u@node/a"), "malformed identity URI"},
		{"a node without client auth", mk(x509.ExtKeyUsageServerAuth, "custos://node/a"), "lacks the client authentication"},
		{"a coordinator without server auth", mk(client, "custos://coordinator/c"), "lacks the server authentication"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := PeerIdentity(tc.state)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("PeerIdentity: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	role, name, err := PeerIdentity(mk(client, "https://example.com/", "custos://admin/bob"))
	if err != nil || role != RoleAdmin || name != "bob" {
		t.Errorf("PeerIdentity beside a foreign URI = %q, %q, %v", role, name, err)
	}
}

func TestCertificateIdentity(t *testing.T) {
	p := newTestPKI(t)
	for key, want := range map[string][2]string{
		"node/node-1":             {"node", "node-1"},
		"admin/alice":             {"admin", "alice"},
		"coordinator/coordinator": {"coordinator", "coordinator"},
	} {
		role, name, err := CertificateIdentity(p.files[key][0])
		if err != nil || string(role) != want[0] || name != want[1] {
			t.Errorf("CertificateIdentity(%s) = %q, %q, %v", key, role, name, err)
		}
	}
	if _, _, err := CertificateIdentity(p.caFile); err == nil || !strings.Contains(err.Error(), "no custos identity") {
		t.Errorf("CertificateIdentity(CA) = %v, want no identity", err)
	}
	if _, _, err := CertificateIdentity(p.files["node/node-1"][1]); err == nil {
		t.Error("CertificateIdentity(key file) succeeded")
	}
}
