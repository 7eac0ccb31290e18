package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/custos-mpc/custos/internal/localcluster"
	"github.com/custos-mpc/custos/protocol/cggmp/ecdsatest"
)

type ecdsaSignOut struct {
	PublicKey  string   `json:"public_key"`
	Signature  string   `json:"signature"`
	RecoveryID int      `json:"recovery_id"`
	Signers    []string `json:"signers"`
	Presigned  bool     `json:"presigned"`
	Attempts   int      `json:"attempts"`
}

// TestProcessClusterECDSA creates a threshold-ECDSA key through real
// processes and the CLI, signs from pooled presignatures and by full
// signing, SIGKILLs a node 300 ms into a burst of signings (wherever that
// lands; TestProcessClusterECDSAKill places kills inside a presigning and
// an online signing session), and then inspects every keystore: no
// presignature id consumed twice, no two signatures sharing an R, and
// every signature verified by btcec and go-ethereum.
func TestProcessClusterECDSA(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six processes and generates Paillier keys")
	}
	lc, err := localcluster.Start(buildBinary(t), t.TempDir(), localcluster.Options{Nodes: 5, PresignPool: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Stop()
	c := cli{t: t, lc: lc}
	pub, err := c.createKey("eth-1", "ecdsa-secp256k1", 5*time.Minute, "--paillier-bits", "2048", "--timeout", "4m")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var sigs []ecdsaSignOut
	sign := func(tag string) {
		d := sha256.Sum256([]byte(tag))
		out, err := c.run(append([]string{"sign", "--key", "eth-1", "--message", hex.EncodeToString(d[:]),
			"--authorization-key", c.lc.AuthKeyFile, "--timeout", "3m"}, c.admin()...)...)
		if err != nil {
			t.Errorf("sign %s: %v", tag, err)
			return
		}
		var s ecdsaSignOut
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Error(err)
			return
		}
		pk, _ := hex.DecodeString(s.PublicKey)
		sb, _ := hex.DecodeString(s.Signature)
		var sig [64]byte
		copy(sig[:], sb)
		if hex.EncodeToString(pk) != hex.EncodeToString(pub) {
			t.Errorf("signed under another key")
		}
		if err := ecdsatest.Verify(pk, d, sig, byte(s.RecoveryID)); err != nil {
			t.Errorf("sign %s: %v", tag, err)
		}
		mu.Lock()
		sigs = append(sigs, s)
		mu.Unlock()
	}
	signMany := func(n int, tag string) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); sign(fmt.Sprintf("%s %d", tag, i)) }()
		}
		wg.Wait()
	}
	signMany(2, "warm-up")
	// Kill node-2 while the pool refills (presigning) and signatures run.
	done := make(chan struct{})
	go func() { signMany(4, "during-kill"); close(done) }()
	time.Sleep(300 * time.Millisecond)
	lc.Kill("node-2")
	<-done
	if err := lc.StartNode(2); err != nil {
		t.Fatal(err)
	}
	signMany(2, "after-restart")
	if t.Failed() {
		return
	}
	presigned := 0
	seenR := map[string]bool{}
	for _, s := range sigs {
		if seenR[s.Signature[:64]] {
			t.Fatal("two signatures share R: a presignature signed twice")
		}
		seenR[s.Signature[:64]] = true
		if s.Presigned {
			presigned++
		}
	}
	lc.Stop()
	consumedOn := map[string]int{}
	for i := 1; i <= 5; i++ {
		db, err := sql.Open("sqlite", filepath.Join(lc.Dir, localcluster.NodeName(i), "data", "keystore.db"))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.QueryContext(context.Background(), `SELECT id FROM one_time WHERE kind = 'presignature' AND consumed_at IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			rows.Scan(&id)
			consumedOn[id]++
		}
		rows.Close()
		var dup int
		db.QueryRowContext(context.Background(), `SELECT count(*) FROM (SELECT id FROM one_time GROUP BY kind, key_id, id HAVING count(*) > 1)`).Scan(&dup)
		db.Close()
		if dup != 0 {
			t.Fatalf("node-%d: a presignature id recorded twice", i)
		}
	}
	for id, n := range consumedOn {
		if n > 3 {
			t.Fatalf("presignature %s consumed on %d nodes of a 3-signer set", id[:16], n)
		}
	}
	t.Logf("%d signatures (%d from presignatures), %d presignature ids consumed across the keystores", len(sigs), presigned, len(consumedOn))
}

// TestProcessClusterECDSARefresh refreshes an ECDSA key through real
// processes and the CLI while a holder is SIGKILLed in the middle of the
// refresh session: the refresh aborts (or, if the kill came too late,
// completes); either way, once the node is back every keystore has the
// coordinator's epoch active and no pending epoch, a second refresh
// commits, and the key signs under the same public key.
func TestProcessClusterECDSARefresh(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six processes and generates Paillier keys")
	}
	lc, err := localcluster.Start(buildBinary(t), t.TempDir(), localcluster.Options{Nodes: 5, PresignPool: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Stop()
	c := cli{t: t, lc: lc}
	pub, err := c.createKey("eth-r", "ecdsa-secp256k1", 5*time.Minute, "--paillier-bits", "2048", "--timeout", "4m")
	if err != nil {
		t.Fatal(err)
	}
	sign := func(tag string) {
		t.Helper()
		d := sha256.Sum256([]byte(tag))
		var out string
		var err error
		for range 20 { // refused while a refresh settles
			out, err = c.run(append([]string{"sign", "--key", "eth-r", "--message", hex.EncodeToString(d[:]),
				"--authorization-key", c.lc.AuthKeyFile, "--timeout", "3m"}, c.admin()...)...)
			if err == nil {
				break
			}
			time.Sleep(time.Second)
		}
		if err != nil {
			t.Fatalf("sign %s: %v", tag, err)
		}
		var s ecdsaSignOut
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		pk, _ := hex.DecodeString(s.PublicKey)
		sb, _ := hex.DecodeString(s.Signature)
		var sig [64]byte
		copy(sig[:], sb)
		if !bytes.Equal(pk, pub) {
			t.Fatalf("sign %s: signed under %x, the key is %x", tag, pk, pub)
		}
		if err := ecdsatest.Verify(pk, d, sig, byte(s.RecoveryID)); err != nil {
			t.Fatalf("sign %s: %v", tag, err)
		}
	}
	type refreshOut struct {
		OldEpoch  uint64   `json:"old_epoch"`
		NewEpoch  uint64   `json:"new_epoch"`
		PublicKey string   `json:"public_key"`
		Pending   []string `json:"pending"`
	}
	refresh := func() (refreshOut, error) {
		var r refreshOut
		out, err := c.run(append([]string{"keys", "refresh", "--key", "eth-r", "--timeout", "5m"}, c.admin()...)...)
		if err != nil {
			return r, err
		}
		return r, json.Unmarshal([]byte(out), &r)
	}
	sign("before the refresh")

	// SIGKILL node-2 once it has started its refresh session.
	type result struct {
		r   refreshOut
		err error
	}
	res := make(chan result, 1)
	go func() { r, err := refresh(); res <- result{r, err} }()
	logFile := filepath.Join(lc.Dir, "node-2.log")
	waitLog := time.Now().Add(4 * time.Minute)
	for {
		b, _ := os.ReadFile(logFile)
		if bytes.Contains(b, []byte("key refresh started")) {
			break
		}
		if time.Now().After(waitLog) {
			t.Fatal("node-2 never started the refresh")
		}
		time.Sleep(20 * time.Millisecond)
	}
	lc.Kill("node-2")
	first := <-res
	want := uint64(0)
	if first.err == nil {
		t.Logf("the refresh completed before the kill took effect: %+v", first.r)
		want = first.r.NewEpoch
	} else {
		t.Logf("the refresh aborted as the node died: %v", first.err)
	}
	if err := lc.StartNode(2); err != nil {
		t.Fatal(err)
	}
	sign("after the interrupted refresh")
	var second refreshOut
	for range 10 { // until node-2 is back and settled
		if second, err = refresh(); err == nil {
			break
		}
		time.Sleep(2 * time.Second)
	}
	if err != nil {
		t.Fatalf("second refresh: %v", err)
	}
	if second.OldEpoch != want || second.NewEpoch != want+1 || second.PublicKey != hex.EncodeToString(pub) || len(second.Pending) != 0 {
		t.Fatalf("second refresh %+v (epoch before it should be %d)", second, want)
	}
	sign("after the second refresh")
	lc.Stop()
	for i := 1; i <= 5; i++ {
		db, err := sql.Open("sqlite", filepath.Join(lc.Dir, localcluster.NodeName(i), "data", "keystore.db"))
		if err != nil {
			t.Fatal(err)
		}
		var active uint64
		var pending int
		err = db.QueryRowContext(context.Background(), `SELECT epoch FROM shares WHERE key_id = 'eth-r' AND status = 'active'`).Scan(&active)
		if err == nil {
			err = db.QueryRowContext(context.Background(), `SELECT count(*) FROM shares WHERE key_id = 'eth-r' AND status IN ('pending', 'superseded')`).Scan(&pending)
		}
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if active != second.NewEpoch || pending != 0 {
			t.Fatalf("node-%d: active epoch %d, %d pending or superseded epochs; the key is at epoch %d", i, active, pending, second.NewEpoch)
		}
	}
}
