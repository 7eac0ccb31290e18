package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-mpc/custos/internal/localcluster"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/cggmp/ecdsatest"
)

// TestProcessClusterECDSAKill SIGKILLs a holder of an ECDSA key at two
// exact moments, found from the node's own log rather than from a timer:
// once a presigning session has started on it, and once an online signing
// session (from a pooled presignature) has started on it. After each kill
// and restart the test waits for the presignature pools to settle and
// checks that the coordinator's count for the key equals the unused
// presignatures the nodes hold, every unused one held by a whole signer
// set; that the killed presigning session left nothing spendable; that the
// presignature the killed node consumed stays consumed and is never
// offered again; and that the key signs again. At the end it inspects
// every keystore: no presignature id consumed on more holders than a
// signer set, every signature verified, no two sharing an R.
func TestProcessClusterECDSAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six processes and generates Paillier keys")
	}
	const (
		keyID     = "eth-kill"
		threshold = 3
		pool      = 2 // presignatures per signer set
		victim    = "node-2"
	)
	defaultSet := []string{"node-1", "node-2", "node-3"} // the coordinator presigns for the first threshold holders
	lc, err := localcluster.Start(buildBinary(t), t.TempDir(), localcluster.Options{Nodes: 5, PresignPool: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Stop()
	admin, closeAdmin, err := lc.Admin()
	if err != nil {
		t.Fatal(err)
	}
	defer closeAdmin()
	c := cli{t: t, lc: lc}
	k := &killHarness{t: t, lc: lc, admin: admin, keyID: keyID, threshold: threshold, pool: pool}

	t.Run("a node killed during presigning leaves nothing spendable", func(t *testing.T) {
		k.t = t
		// The key's first pool refill starts as soon as the key exists:
		// watch node-2's log from before the key is created.
		log := k.follow(victim)
		created := &op{done: make(chan struct{})}
		go func() {
			defer close(created.done)
			k.publicKey, created.err = c.createKey(keyID, "ecdsa-secp256k1", 2*time.Minute, "--paillier-bits", "2048", "--timeout", "2m")
		}()
		line := log.await("presign session started", 2*time.Minute, created)
		lc.Kill(victim)
		session := line.Session
		if <-created.done; created.err != nil {
			t.Fatalf("keys create: %v", created.err)
		}
		// node-2 died before it stored this session's presignature.
		if got := k.presignatureRows(victim, session+"%", ""); len(got) != 0 {
			t.Fatalf("the kill came after the presigning session ended on %s: %v", victim, got)
		}
		if err := lc.StartNode(2); err != nil {
			t.Fatal(err)
		}
		// The pool of the key's first signer set refills with node-2 back,
		// and node-2 signs from it.
		k.awaitSettled(defaultSet)
		for i := 1; i <= 5; i++ {
			if got := k.presignatureRows(localcluster.NodeName(i), session+"%", "consumed_at IS NULL"); len(got) != 0 {
				t.Fatalf("node-%d holds an unused presignature from the session node-2 died in", i)
			}
		}
		k.sign(c, "after the presigning kill 1")
		k.sign(c, "after the presigning kill 2")
		k.signedBy(victim, 2)
		k.awaitSettled(defaultSet)
	})
	k.t = t
	if t.Failed() {
		return
	}

	t.Run("a node killed during online signing never signs with that presignature again", func(t *testing.T) {
		k.t = t
		// The only pooled signer set is node-2's, so signing takes a
		// presignature node-2 holds. Freeze the other nodes so the
		// session cannot finish before the kill: node-2 consumes the
		// presignature, logs the session, and dies in it.
		if sets := k.awaitSettled(defaultSet); len(sets) != 1 {
			t.Fatalf("presignatures pooled for %d signer sets, want only %v", len(sets), defaultSet)
		}
		log := k.follow(victim)
		others := []string{"node-1", "node-3", "node-4", "node-5"}
		for _, n := range others {
			lc.Pause(n)
		}
		signed := &op{done: make(chan struct{})}
		go func() { defer close(signed.done); signed.err = k.trySign(c, "while node-2 dies") }()
		line := log.await("ecdsa sign session started", time.Minute, signed)
		lc.Kill(victim)
		for _, n := range others {
			lc.Resume(n)
		}
		if line.Mode != "sign" || len(line.Presignature) != 64 {
			t.Fatalf("node-2 ran %q (presignature %q), not online signing from a pooled presignature", line.Mode, line.Presignature)
		}
		if <-signed.done; signed.err != nil {
			t.Fatalf("signing while node-2 died: %v", signed.err)
		}
		last := k.sigs[len(k.sigs)-1]
		t.Logf("signed by %v in %d attempt(s), presigned %v; node-2 had consumed presignature %s", last.Signers, last.Attempts, last.Presigned, line.Presignature[:16])
		if got := k.presignatureRows(victim, line.Presignature, "consumed_at IS NOT NULL"); len(got) != 1 {
			t.Fatalf("%s died in a session without having consumed presignature %s", victim, line.Presignature[:16])
		}
		// With node-2 down the coordinator signs with another quorum.
		k.sign(c, "while node-2 is down")
		if s := k.sigs[len(k.sigs)-1]; slices.Contains(s.Signers, victim) {
			t.Fatalf("signed by %v with %s down", s.Signers, victim)
		}
		if err := lc.StartNode(2); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := lc.WaitOnline(ctx, admin); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			k.sign(c, fmt.Sprintf("after the signing kill %d", i))
		}
		k.signedBy(victim, 3)
		k.awaitSettled(defaultSet)
		for i := 1; i <= 5; i++ {
			name := localcluster.NodeName(i)
			if got := k.presignatureRows(name, line.Presignature, "consumed_at IS NULL"); len(got) != 0 {
				t.Fatalf("%s holds the presignature node-2 died with as unused", name)
			}
			// Every node that signed with it did so in one session only.
			if n := k.signSessions(name, line.Presignature); n > 1 {
				t.Fatalf("%s started %d signing sessions with presignature %s", name, n, line.Presignature[:16])
			}
		}
	})
	k.t = t
	if t.Failed() {
		return
	}
	lc.Stop()

	seenR := map[string]bool{}
	presigned := 0
	for _, s := range k.sigs {
		if seenR[s.Signature[:64]] {
			t.Fatal("two signatures share R: a presignature signed twice")
		}
		seenR[s.Signature[:64]] = true
		if s.Presigned {
			presigned++
		}
	}
	consumedOn := map[string]int{}
	for i := 1; i <= 5; i++ {
		for _, id := range k.presignatureRows(localcluster.NodeName(i), "%", "consumed_at IS NOT NULL") {
			consumedOn[id]++
		}
	}
	for id, n := range consumedOn {
		if n > threshold {
			t.Fatalf("presignature %s consumed on %d nodes of a %d-signer set", id[:16], n, threshold)
		}
	}
	t.Logf("%d signatures (%d from presignatures), %d presignature ids consumed across the keystores", len(k.sigs), presigned, len(consumedOn))
}

// killHarness holds what the kill test's steps share.
type killHarness struct {
	t         *testing.T
	lc        *localcluster.Cluster
	admin     wire.AdminClient
	keyID     string
	threshold int
	pool      int
	publicKey []byte
	sigs      []ecdsaSignOut
}

// trySign signs a digest of tag through the CLI and verifies the result.
func (k *killHarness) trySign(c cli, tag string) error {
	d := sha256.Sum256([]byte(tag))
	out, err := c.run(append([]string{"sign", "--key", k.keyID, "--message", hex.EncodeToString(d[:]),
		"--authorization-key", k.lc.AuthKeyFile, "--timeout", "2m"}, c.admin()...)...)
	if err != nil {
		return err
	}
	var s ecdsaSignOut
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		return err
	}
	pk, _ := hex.DecodeString(s.PublicKey)
	sb, _ := hex.DecodeString(s.Signature)
	if !bytes.Equal(pk, k.publicKey) || len(sb) != 64 {
		return fmt.Errorf("sign %s: signed under %x (the key is %x), signature %x", tag, pk, k.publicKey, sb)
	}
	if err := ecdsatest.Verify(pk, d, [64]byte(sb), byte(s.RecoveryID)); err != nil {
		return fmt.Errorf("sign %s: %w", tag, err)
	}
	k.sigs = append(k.sigs, s)
	return nil
}

// signedBy fails unless node is a signer of one of the last n signatures.
func (k *killHarness) signedBy(node string, n int) {
	k.t.Helper()
	for _, s := range k.sigs[len(k.sigs)-n:] {
		if slices.Contains(s.Signers, node) {
			return
		}
	}
	k.t.Fatalf("%s signed none of the last %d signatures", node, n)
}

func (k *killHarness) sign(c cli, tag string) {
	k.t.Helper()
	if err := k.trySign(c, tag); err != nil {
		k.t.Fatal(err)
	}
}

// presignatureRows lists the ids of the key's presignatures in a node's
// keystore whose id matches the LIKE pattern and the extra condition.
func (k *killHarness) presignatureRows(node, like, cond string) []string {
	k.t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(k.lc.Dir, node, "data", "keystore.db"))
	if err != nil {
		k.t.Fatal(err)
	}
	defer db.Close()
	q := `SELECT id FROM one_time WHERE kind = 'presignature' AND key_id = ? AND id LIKE ?`
	if cond != "" {
		q += " AND " + cond
	}
	rows, err := db.QueryContext(context.Background(), q+" ORDER BY id", k.keyID, like)
	if err != nil {
		k.t.Fatalf("%s keystore: %v", node, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			k.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		k.t.Fatalf("%s keystore: %v", node, err)
	}
	return ids
}

// poolState is one reading of the coordinator's pool count and of the
// unused presignatures in every keystore, by id: the nodes holding it.
type poolState struct {
	coordinator int
	holders     map[string][]string
}

func (k *killHarness) readPools() poolState {
	k.t.Helper()
	resp, err := k.admin.ListKeys(context.Background())
	if err != nil {
		k.t.Fatal(err)
	}
	st := poolState{coordinator: -1, holders: map[string][]string{}}
	for _, info := range resp.Keys {
		if info.KeyID == k.keyID {
			st.coordinator = info.Presignatures
		}
	}
	for i := 1; i <= 5; i++ {
		name := localcluster.NodeName(i)
		for _, id := range k.presignatureRows(name, "%", "consumed_at IS NULL") {
			st.holders[id] = append(st.holders[id], name)
		}
	}
	return st
}

// sets counts the unused presignatures by the signer set holding them.
func (st poolState) sets() map[string]int {
	sets := map[string]int{}
	for _, h := range st.holders {
		sets[strings.Join(h, ",")]++
	}
	return sets
}

// settled reports whether the pools are full and agree with the
// keystores: every unused presignature is held by one whole signer set,
// the coordinator counts exactly those, and every signer set that has any
// (and the set want) has the pool's high watermark of them.
func (k *killHarness) settled(st poolState, want []string) bool {
	for _, h := range st.holders {
		if len(h) != k.threshold {
			return false
		}
	}
	sets := st.sets()
	for _, n := range sets {
		if n != k.pool {
			return false
		}
	}
	return sets[strings.Join(want, ",")] == k.pool && st.coordinator == len(st.holders)
}

// awaitSettled waits until two readings a second apart are settled and
// equal, fails with the last reading if that never happens, and returns
// the unused presignatures by signer set.
func (k *killHarness) awaitSettled(want []string) map[string]int {
	k.t.Helper()
	var prev, st poolState
	for deadline := time.Now().Add(75 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		st = k.readPools()
		if k.settled(st, want) && k.settled(prev, want) && prev.coordinator == st.coordinator &&
			slices.Equal(sortedKeys(prev.holders), sortedKeys(st.holders)) {
			k.t.Logf("pools settled: the coordinator holds %d presignatures; the nodes hold, by signer set, %v", st.coordinator, st.sets())
			return st.sets()
		}
		prev = st
	}
	k.t.Fatalf("pools never settled: the coordinator counts %d presignatures; unused in the keystores (id: holders): %v", st.coordinator, st.holders)
	return nil
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// signSessions counts the signing sessions a node's log shows it started
// with a presignature.
func (k *killHarness) signSessions(node, presignature string) int {
	k.t.Helper()
	b, err := os.ReadFile(k.lc.LogFile(node))
	if err != nil {
		k.t.Fatal(err)
	}
	n := 0
	for l := range bytes.Lines(b) {
		var r logRecord
		if json.Unmarshal(l, &r) == nil && r.Msg == "ecdsa sign session started" && r.Presignature == presignature {
			n++
		}
	}
	return n
}

// logRecord is the part of a node's JSON log line the test reads.
type logRecord struct {
	Msg          string `json:"msg"`
	Session      string `json:"session"`
	Key          string `json:"key"`
	Mode         string `json:"mode"`
	Presignature string `json:"presignature_id"`
}

// logFollower reads a process's log from the offset it was created at.
type logFollower struct {
	k    *killHarness
	path string
	off  int64
	rest []byte
}

func (k *killHarness) follow(name string) *logFollower {
	f := &logFollower{k: k, path: k.lc.LogFile(name)}
	if fi, err := os.Stat(f.path); err == nil {
		f.off = fi.Size()
	}
	return f
}

// op is an operation running in another goroutine: err is set before
// done closes.
type op struct {
	done chan struct{}
	err  error
}

// await polls the log every few milliseconds for a line of the key with
// message msg and returns it; it fails on timeout, or if the operation
// that should lead to the line fails first.
func (f *logFollower) await(msg string, timeout time.Duration, o *op) logRecord {
	t := f.k.t
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if r, ok := f.scan(msg); ok {
			return r
		}
		select {
		case <-o.done:
			if o.err != nil {
				t.Fatalf("waiting for %q in %s: %v", msg, f.path, o.err)
			}
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q line in %s after %v", msg, f.path, timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (f *logFollower) scan(msg string) (logRecord, bool) {
	file, err := os.Open(f.path)
	if err != nil {
		return logRecord{}, false
	}
	defer file.Close()
	if _, err := file.Seek(f.off, io.SeekStart); err != nil {
		return logRecord{}, false
	}
	b, _ := io.ReadAll(bufio.NewReader(file))
	f.off += int64(len(b))
	f.rest = append(f.rest, b...)
	for {
		i := bytes.IndexByte(f.rest, '\n')
		if i < 0 {
			return logRecord{}, false
		}
		line := f.rest[:i]
		f.rest = f.rest[i+1:]
		var r logRecord
		if json.Unmarshal(line, &r) == nil && r.Msg == msg && r.Key == f.k.keyID {
			return r, true
		}
	}
}
