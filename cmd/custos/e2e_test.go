package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// cluster is a coordinator and node processes started from the custos
// binary, each with its own configuration, certificate and keystore.
type cluster struct {
	t        *testing.T
	bin, dir string
	procs    map[string]*exec.Cmd
	admin    []string // admin flags
	authFile string
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "custos")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func (c *cluster) run(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("custos %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func (c *cluster) start(name string, args ...string) {
	c.t.Helper()
	logf, err := os.Create(filepath.Join(c.dir, name+".log"))
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.procs[name] = cmd
	c.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
		logf.Close()
	})
}

func (c *cluster) kill(name string) {
	cmd := c.procs[name]
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
}

func newProcessCluster(t *testing.T, n int) *cluster {
	bin := buildBinary(t)
	dir := t.TempDir()
	c := &cluster{t: t, bin: bin, dir: dir, procs: map[string]*exec.Cmd{}}
	cdir := filepath.Join(dir, "coordinator")
	os.MkdirAll(cdir, 0o700)
	c.run("coordinator", "init", "--dir", cdir)
	nodesAddr, adminAddr := freeAddr(t), freeAddr(t)
	cfgPath := filepath.Join(cdir, "coordinator.yaml")
	yml, _ := os.ReadFile(cfgPath)
	yml = bytes.Replace(yml, []byte(`listen: ":7400"`), []byte("listen: "+nodesAddr), 1)
	yml = bytes.Replace(yml, []byte("admin_listen: 127.0.0.1:7401"), []byte("admin_listen: "+adminAddr), 1)
	yml = bytes.Replace(yml, []byte("metrics_address: 127.0.0.1:9100"), []byte("metrics_address: 127.0.0.1:0"), 1)
	yml = bytes.Replace(yml, []byte("round_timeout: 5s"), []byte("round_timeout: 2s"), 1)
	os.WriteFile(cfgPath, yml, 0o644)

	_, auth, _ := ed25519.GenerateKey(rand.Reader)
	c.authFile = filepath.Join(dir, "authorization.key")
	os.WriteFile(c.authFile, []byte(hex.EncodeToString(auth.Seed())), 0o600)
	authPub := hex.EncodeToString(auth.Public().(ed25519.PublicKey))
	passFile := filepath.Join(dir, "passphrase")
	os.WriteFile(passFile, []byte("e2e test passphrase"), 0o600)

	rosterPath := filepath.Join(dir, "roster.json")
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("node-%d", i)
		ndir := filepath.Join(dir, name)
		c.run("coordinator", "issue", "--dir", cdir, "--name", name, "--out", filepath.Join(ndir, "tls"))
		c.run("node", "init", "--dir", ndir, "--id", name, "--operator", fmt.Sprintf("op-%d", i%3),
			"--trust-domain", fmt.Sprintf("dc-%d", i), "--coordinator", nodesAddr, "--authorization-key", authPub,
			"--roster", rosterPath, "--passphrase-file", passFile, "--metrics", "127.0.0.1:0")
	}
	roster, _ := os.ReadFile(rosterPath)
	os.WriteFile(filepath.Join(cdir, "roster.json"), roster, 0o644)
	for i := 1; i <= n; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("node-%d", i), "roster.json"), roster, 0o644)
	}
	// Safe primes for Paillier keys are pre-generated into the node's
	// sealed pool (small ones here, to keep the test fast).
	if out := c.run("node", "primes", "--config", filepath.Join(dir, "node-1", "node.yaml"), "--count", "2", "--bits", "256"); !strings.Contains(out, "pool holds 2 safe primes") {
		t.Fatalf("node primes: %q", out)
	}
	c.start("coordinator", "coordinator", "--config", cfgPath)
	for i := 1; i <= n; i++ {
		c.startNode(i)
	}
	c.admin = []string{"--coordinator", adminAddr, "--ca", filepath.Join(cdir, "tls", "ca.crt"),
		"--cert", filepath.Join(cdir, "tls", "admin-admin.crt"), "--cert-key", filepath.Join(cdir, "tls", "admin-admin.key")}
	return c
}

func (c *cluster) startNode(i int) {
	name := fmt.Sprintf("node-%d", i)
	c.start(name, "node", "--config", filepath.Join(c.dir, name, "node.yaml"))
}

type signOut struct {
	PublicKey string   `json:"public_key"`
	Message   string   `json:"message"`
	Signature string   `json:"signature"`
	Signers   []string `json:"signers"`
	Attempts  int      `json:"attempts"`
}

func (c *cluster) sign(key string, msg []byte) (signOut, error) {
	args := append([]string{"sign", "--key", key, "--message", hex.EncodeToString(msg), "--authorization-key", c.authFile, "--timeout", "60s"}, c.admin...)
	cmd := exec.Command(c.bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return signOut{}, fmt.Errorf("%v: %s", err, stderr.String())
	}
	var s signOut
	return s, json.Unmarshal(out, &s)
}

// TestProcessClusterSurvivesKilledNodes runs the daemons as separate
// processes: key generation and signing, a node SIGKILLed in the middle of
// signing ceremonies (the coordinator times it out and completes with
// another quorum), the node restarted and serving again, and every
// keystore inspected afterwards for nonce reuse.
func TestProcessClusterSurvivesKilledNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six processes")
	}
	c := newProcessCluster(t, 5)
	var info struct {
		KeyID     string `json:"key_id"`
		PublicKey []byte `json:"public_key"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		args := append([]string{"keys", "create", "--id", "wallet-1", "--scheme", "frost-ed25519", "--threshold", "3", "--timeout", "20s",
			"--nodes", "node-1,node-2,node-3,node-4,node-5"}, c.admin...)
		out, err := exec.Command(c.bin, args...).Output()
		if err == nil {
			if err := json.Unmarshal(out, &info); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("keys create never succeeded: %v", err)
		}
		time.Sleep(200 * time.Millisecond) // nodes still connecting: create fails while one is offline
	}
	pub := info.PublicKey

	var mu sync.Mutex
	var sigs []signOut
	check := func(s signOut, msg []byte) {
		sig, _ := hex.DecodeString(s.Signature)
		if !ed25519.Verify(pub, msg, sig) {
			t.Errorf("crypto/ed25519 rejects a cluster signature")
		}
		mu.Lock()
		sigs = append(sigs, s)
		mu.Unlock()
	}
	signMany := func(n int, tag string) {
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				msg := []byte(fmt.Sprintf("%s transfer %d", tag, i))
				s, err := c.sign("wallet-1", msg)
				if err != nil {
					t.Errorf("sign %s %d: %v", tag, i, err)
					return
				}
				check(s, msg)
			}(i)
		}
		wg.Wait()
	}
	signMany(4, "warm-up")

	// Kill node-2 while ceremonies are in flight.
	done := make(chan struct{})
	go func() { signMany(8, "during-kill"); close(done) }()
	time.Sleep(150 * time.Millisecond)
	c.kill("node-2")
	<-done

	// Restart it: it reconnects and serves again.
	c.startNode(2)
	served := false
	restartDeadline := time.Now().Add(90 * time.Second)
	for i := 0; !served && time.Now().Before(restartDeadline); i++ {
		msg := []byte(fmt.Sprintf("after-restart %d", i))
		s, err := c.sign("wallet-1", msg)
		if err != nil {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		check(s, msg)
		for _, n := range s.Signers {
			served = served || n == "node-2"
		}
	}
	if !served {
		logb, _ := os.ReadFile(filepath.Join(c.dir, "node-2.log"))
		t.Fatalf("the restarted node never signed again; its log:\n%s", logb)
	}
	if t.Failed() {
		return
	}

	// No nonce was ever used twice: every signature has a distinct R, and
	// every keystore shows each nonce consumed at most once (the schema's
	// key) with consumed nonces accounting for every share released.
	seenR := map[string]bool{}
	for _, s := range sigs {
		r := s.Signature[:64]
		if seenR[r] {
			t.Fatal("two signatures share a nonce commitment R")
		}
		seenR[r] = true
	}
	for name, p := range c.procs {
		if name != "coordinator" && p.ProcessState == nil {
			p.Process.Signal(syscall.SIGTERM)
			p.Wait()
		}
	}
	consumed := 0
	for i := 1; i <= 5; i++ {
		db, err := sql.Open("sqlite", filepath.Join(c.dir, fmt.Sprintf("node-%d", i), "data", "keystore.db"))
		if err != nil {
			t.Fatal(err)
		}
		var total, dup int
		if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM one_time WHERE kind = 'nonce' AND consumed_at IS NOT NULL`).Scan(&total); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM (SELECT id FROM one_time GROUP BY kind, key_id, id HAVING count(*) > 1)`).Scan(&dup); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if dup != 0 {
			t.Fatalf("node-%d: a nonce id recorded twice", i)
		}
		consumed += total
	}
	if consumed < 3*len(sigs) {
		t.Fatalf("%d nonces consumed for %d signatures of 3 shares each", consumed, len(sigs))
	}
	t.Logf("%d signatures, %d nonces consumed across the keystores", len(sigs), consumed)
}
