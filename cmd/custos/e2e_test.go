package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/custos-mpc/custos/internal/localcluster"
)

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "custos")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cli runs the custos binary against a local cluster's admin API.
type cli struct {
	t  *testing.T
	lc *localcluster.Cluster
}

func (c cli) admin() []string {
	return []string{"--coordinator", c.lc.AdminAddr, "--ca", c.lc.CAFile, "--cert", c.lc.AdminCert, "--cert-key", c.lc.AdminKey}
}

func (c cli) run(args ...string) (string, error) {
	cmd := exec.Command(c.lc.Bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("custos %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// createKey runs `custos keys create` for a 3-of-5 key on node-1..node-5
// until it succeeds (it fails while a named node is not yet connected) or
// within has passed, and returns the key's public key.
func (c cli) createKey(id, scheme string, within time.Duration, flags ...string) ([]byte, error) {
	args := append([]string{"keys", "create", "--id", id, "--scheme", scheme, "--threshold", "3",
		"--nodes", "node-1,node-2,node-3,node-4,node-5"}, flags...)
	args = append(args, c.admin()...)
	deadline := time.Now().Add(within)
	for {
		out, err := c.run(args...)
		if err == nil {
			var info struct {
				PublicKey []byte `json:"public_key"`
			}
			if err := json.Unmarshal([]byte(out), &info); err != nil {
				return nil, err
			}
			return info.PublicKey, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("keys create never succeeded: %w", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

type signOut struct {
	PublicKey string   `json:"public_key"`
	Signature string   `json:"signature"`
	Signers   []string `json:"signers"`
}

func (c cli) sign(key string, msg []byte) (signOut, error) {
	out, err := c.run(append([]string{"sign", "--key", key, "--message", hex.EncodeToString(msg),
		"--authorization-key", c.lc.AuthKeyFile, "--timeout", "60s"}, c.admin()...)...)
	if err != nil {
		return signOut{}, err
	}
	var s signOut
	return s, json.Unmarshal([]byte(out), &s)
}

// TestProcessClusterSurvivesKilledNodes runs the daemons as separate
// processes set up with the operator commands: key generation and signing
// through the CLI, a node SIGKILLed in the middle of signing ceremonies (the
// coordinator times it out and completes with another quorum), the node
// restarted and serving again, and every keystore inspected afterwards for
// nonce reuse.
func TestProcessClusterSurvivesKilledNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six processes")
	}
	lc, err := localcluster.Start(buildBinary(t), t.TempDir(), localcluster.Options{Nodes: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Stop()
	c := cli{t: t, lc: lc}
	pub, err := c.createKey("wallet-1", "frost-ed25519", time.Minute, "--timeout", "20s")
	if err != nil {
		t.Fatal(err)
	}

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
	lc.Kill("node-2")
	<-done

	// Restart it: it reconnects and serves again.
	if err := lc.StartNode(2); err != nil {
		t.Fatal(err)
	}
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
		logb, _ := os.ReadFile(filepath.Join(lc.Dir, "node-2.log"))
		t.Fatalf("the restarted node never signed again; its log:\n%s", logb)
	}
	if t.Failed() {
		return
	}

	// No nonce was ever used twice: every signature has a distinct R, and
	// every keystore shows each nonce use recorded once (the schema's key),
	// with recorded uses accounting for every share released.
	seenR := map[string]bool{}
	for _, s := range sigs {
		r := s.Signature[:64]
		if seenR[r] {
			t.Fatal("two signatures share a nonce commitment R")
		}
		seenR[r] = true
	}
	lc.Stop()
	used := 0
	for i := 1; i <= 5; i++ {
		db, err := sql.Open("sqlite", filepath.Join(lc.Dir, localcluster.NodeName(i), "data", "keystore.db"))
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
		used += total
	}
	if used < 3*len(sigs) {
		t.Fatalf("%d nonce uses recorded for %d signatures of 3 shares each", used, len(sigs))
	}
	t.Logf("%d signatures, %d nonce uses recorded across the keystores", len(sigs), used)

	// Safe primes for Paillier keys are pre-generated into a node's sealed
	// pool (small ones here, to keep the test fast).
	out, err := c.run("node", "primes", "--config", filepath.Join(lc.Dir, "node-1", "node.yaml"), "--count", "2", "--bits", "256")
	if err != nil || !strings.Contains(out, "pool holds 2 safe primes") {
		t.Fatalf("node primes: %q %v", out, err)
	}
}
