package coordinator_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/node"
	"github.com/custos-mpc/custos/internal/wire"
)

// addPrimes gives node-i the test prime pair offset+i-1, so a refresh
// (2048-bit Paillier) does not search for primes.
func (tc *testCluster) addPrimes(t *testing.T, offset int) {
	t.Helper()
	for name, st := range tc.stores {
		var i int
		fmt.Sscanf(name, "node-%d", &i)
		pool := paillier.NewPool(1024, nil, 0)
		p, q := testprimes.Pair((offset + i - 1) % (len(testprimes.SafePrimes1024()) / 2))
		if err := pool.Put(p, q); err != nil {
			t.Fatal(err)
		}
		if _, err := node.AddPrimes(context.Background(), st, pool); err != nil {
			t.Fatal(err)
		}
	}
}

// editControl returns the frame with its control edited, if it carries a
// control of the given kind, and the frame unchanged otherwise.
func editControl(t *testing.T, fr []byte, kind string, edit func(c *wire.Control)) [][]byte {
	c, ok := controlOf(fr)
	if !ok || c.Kind != kind {
		return [][]byte{fr}
	}
	edit(c)
	out, err := wire.EncodeControl(c)
	if err != nil {
		t.Error(err)
	}
	return [][]byte{out}
}

// activeEpoch is the epoch of a node's active share of key.
func activeEpoch(t *testing.T, st keystore.Store, key string) uint64 {
	t.Helper()
	info, sec, err := st.ActiveShare(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	sec.Destroy()
	return info.Epoch
}

// shareStatus is the status of one epoch of a node's share, or "absent".
func shareStatus(t *testing.T, st keystore.Store, key string, epoch uint64) keystore.ShareStatus {
	t.Helper()
	info, sec, err := st.Share(context.Background(), key, epoch)
	switch {
	case errors.Is(err, keystore.ErrNotFound):
		return "absent"
	case errors.Is(err, keystore.ErrDestroyed):
		return keystore.StatusDestroyed
	case err != nil:
		t.Fatal(err)
	}
	sec.Destroy()
	return info.Status
}

// refreshableKey creates the 3-of-5 ECDSA key "k" and gives every node
// the primes of one refresh.
func (tc *testCluster) refreshableKey(t *testing.T) *wire.KeyInfo {
	t.Helper()
	info, err := tc.admin.CreateKey(context.Background(), &wire.CreateKeyRequest{KeyID: "k", Scheme: "ecdsa-secp256k1", Threshold: 3})
	if err != nil {
		t.Fatal(err)
	}
	tc.addPrimes(t, 5)
	return info
}

// signWithNode3 stops node-4 and node-5, so every quorum of "k" includes
// node-3, and signs msg: node-3 must sign, under the key pub.
func (tc *testCluster) signWithNode3(t *testing.T, pub []byte, msg string) {
	t.Helper()
	for _, n := range []string{"node-4", "node-5"} {
		tc.cancel[n]()
		tc.waitOffline(t, n)
	}
	r := tc.signECDSA(t, "k", msg)
	if !slices.Contains(r.Signers, "node-3") || !bytes.Equal(r.PublicKey, pub) {
		t.Fatalf("signers %v under %x", r.Signers, r.PublicKey)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (tc *testCluster) signECDSA(t *testing.T, key, msg string) *wire.SignResponse {
	t.Helper()
	d := digest(msg)
	resp, err := tc.admin.Sign(context.Background(), &wire.SignRequest{KeyID: key, Message: d, Bundle: tc.pathBundle(t, key, nil, d)})
	if err != nil {
		t.Fatal(err)
	}
	checkECDSA(t, resp, d)
	return resp
}

func TestECDSAKeyRefreshThroughTheCoordinator(t *testing.T) {
	if testing.Short() {
		t.Skip("generates Paillier keys")
	}
	tc := newTestClusterWith(t, 5, clusterOptions{presignPool: 2, roundTimeout: ecdsaRoundTimeout()})
	ctx := context.Background()
	info, err := tc.admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: "eth-r", Scheme: "ecdsa-secp256k1", Threshold: 3})
	if err != nil {
		t.Fatal(err)
	}
	before := tc.signECDSA(t, "eth-r", "before the refresh")
	tc.waitPresignatures(t, "eth-r", 2)
	oldPresigs := tc.coord.PresignPoolIDs("eth-r")
	oldShares := map[string][]byte{}
	for name, st := range tc.stores {
		_, sec, err := st.ActiveShare(ctx, "eth-r")
		if err != nil {
			t.Fatal(err)
		}
		oldShares[name] = bytes.Clone(sec.Bytes())
		sec.Destroy()
	}

	tc.addPrimes(t, 5)
	start := time.Now()
	resp, err := tc.admin.RefreshKey(ctx, &wire.RefreshKeyRequest{KeyID: "eth-r"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("refresh of a 3-of-5 key (2048-bit Paillier, primes from the pool): %s", time.Since(start))
	if resp.OldEpoch != 0 || resp.NewEpoch != 1 || !bytes.Equal(resp.PublicKey, info.PublicKey) || len(resp.Committed) != 5 || len(resp.Pending) != 0 {
		t.Fatalf("refresh response %+v", resp)
	}

	t.Run("every node switched to the new epoch and destroyed the old one", func(t *testing.T) {
		for name, st := range tc.stores {
			if e := activeEpoch(t, st, "eth-r"); e != 1 {
				t.Fatalf("%s: active epoch %d", name, e)
			}
			if s := shareStatus(t, st, "eth-r", 0); s != keystore.StatusDestroyed {
				t.Fatalf("%s: epoch 0 is %s", name, s)
			}
			_, sec, _ := st.ActiveShare(ctx, "eth-r")
			if bytes.Equal(sec.Bytes(), oldShares[name]) {
				t.Fatalf("%s: the share did not change", name)
			}
			sec.Destroy()
		}
	})
	t.Run("the old epoch's presignatures are consumed on every holder", func(t *testing.T) {
		for _, id := range oldPresigs {
			for name, st := range tc.stores {
				if _, err := st.ConsumePresignature(ctx, "eth-r", id); err != nil && !errors.Is(err, keystore.ErrNonceUsed) && !errors.Is(err, keystore.ErrNotFound) {
					t.Fatal(err)
				} else if err == nil {
					t.Fatalf("%s still held presignature %s of the old epoch", name, id[:8])
				}
			}
		}
	})
	t.Run("keys list shows the new epoch", func(t *testing.T) {
		keys, err := tc.admin.ListKeys(ctx)
		if err != nil || len(keys.Keys) != 1 || keys.Keys[0].Epoch != 1 || len(keys.Keys[0].PendingNodes) != 0 {
			t.Fatalf("list keys %+v %v", keys, err)
		}
	})
	t.Run("the same public key signs after the refresh, online and in full", func(t *testing.T) {
		full := tc.signECDSA(t, "eth-r", "after the refresh")
		if !bytes.Equal(full.PublicKey, before.PublicKey) {
			t.Fatalf("signed under %x, before under %x", full.PublicKey, before.PublicKey)
		}
		tc.waitPresignatures(t, "eth-r", 1)
		online := tc.signECDSA(t, "eth-r", "online after the refresh")
		if !online.Presigned || !bytes.Equal(online.PublicKey, before.PublicKey) {
			t.Fatalf("online signature %+v", online)
		}
	})
}

func TestECDSARefreshCommitsOnANodeThatWasDownAtCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("generates Paillier keys")
	}
	// The coordinator's commit to node-3 is lost and node-3 stops: it
	// stored the new epoch as pending and never heard the commit.
	var dropCommit atomic.Bool
	var tc *testCluster
	tamper := func(to string, fr []byte) [][]byte {
		if !dropCommit.Load() || to != "node-3" {
			return [][]byte{fr}
		}
		if c, ok := controlOf(fr); ok && c.Kind == wire.ControlCommitEpoch {
			go tc.cancel["node-3"]()
			return nil
		}
		return [][]byte{fr}
	}
	tc = newTestClusterWith(t, 5, clusterOptions{tamper: tamper, roundTimeout: ecdsaRoundTimeout()})
	ctx := context.Background()
	info := tc.refreshableKey(t)
	dropCommit.Store(true)
	resp, err := tc.admin.RefreshKey(ctx, &wire.RefreshKeyRequest{KeyID: "k"})
	dropCommit.Store(false)
	if err != nil {
		t.Fatal(err)
	}
	if resp.NewEpoch != 1 || len(resp.Committed) != 4 || !slices.Equal(resp.Pending, []string{"node-3"}) {
		t.Fatalf("refresh response %+v", resp)
	}
	tc.waitOffline(t, "node-3")
	if e, s := activeEpoch(t, tc.stores["node-3"], "k"), shareStatus(t, tc.stores["node-3"], "k", 1); e != 0 || s != keystore.StatusPending {
		t.Fatalf("node-3: active epoch %d, epoch 1 %s", e, s)
	}
	keys, err := tc.admin.ListKeys(ctx)
	if err != nil || keys.Keys[0].Epoch != 1 || !slices.Equal(keys.Keys[0].PendingNodes, []string{"node-3"}) {
		t.Fatalf("list keys %+v %v", keys, err)
	}
	// The other four sign under the new epoch meanwhile.
	if r := tc.signECDSA(t, "k", "while node-3 is down"); slices.Contains(r.Signers, "node-3") {
		t.Fatalf("signers %v", r.Signers)
	}

	// node-3 restarts with its pending epoch and is told to commit.
	tc.mkNode("node-3", nil)
	tc.waitOnline(t, 5)
	waitFor(t, "node-3 to commit epoch 1", func() bool { return activeEpoch(t, tc.stores["node-3"], "k") == 1 })
	if s := shareStatus(t, tc.stores["node-3"], "k", 0); s != keystore.StatusDestroyed {
		t.Fatalf("node-3: epoch 0 is %s", s)
	}
	waitFor(t, "the coordinator to record node-3's confirmation", func() bool {
		keys, err := tc.admin.ListKeys(ctx)
		return err == nil && len(keys.Keys[0].PendingNodes) == 0
	})
	tc.signWithNode3(t, info.PublicKey, "node-3 signs under the new epoch")
}

func TestECDSARefreshWaitsForTheVoteOfAHolderThatWentDown(t *testing.T) {
	if testing.Short() {
		t.Skip("generates Paillier keys")
	}
	// node-3 stores the new epoch and votes stored, then dies before its
	// report reaches the coordinator. No holder can vote abort (all stored),
	// and node-3's vote is missing: the refresh is undecided, the old
	// epoch signs meanwhile, and node-3's vote commits it when it is back.
	var dropStored atomic.Bool
	var tc *testCluster
	tamperIn := func(from string, fr []byte) []byte {
		f, err := wire.ParseFrame(fr)
		if !dropStored.Load() || from != "node-3" || err != nil || f.Type != wire.FrameStatus {
			return fr
		}
		var st wire.Status
		if wire.DecodeJSON(f.Body, &st) == nil && st.Kind == wire.StatusRefreshStored {
			go tc.cancel["node-3"]()
			return nil
		}
		return fr
	}
	tc = newTestClusterWith(t, 5, clusterOptions{tamperIn: tamperIn, roundTimeout: ecdsaRoundTimeout()})
	ctx := context.Background()
	info := tc.refreshableKey(t)
	dropStored.Store(true)
	_, err := tc.admin.RefreshKey(ctx, &wire.RefreshKeyRequest{KeyID: "k"})
	dropStored.Store(false)
	if err == nil || !strings.Contains(err.Error(), "undecided") || !strings.Contains(err.Error(), "node-3") {
		t.Fatalf("refresh: %v, want undecided waiting for node-3", err)
	}
	tc.waitOffline(t, "node-3")
	for name, st := range tc.stores {
		if e, s := activeEpoch(t, st, "k"), shareStatus(t, st, "k", 1); e != 0 || s != keystore.StatusPending {
			t.Fatalf("%s: active epoch %d, epoch 1 %s", name, e, s)
		}
	}
	if r := tc.signECDSA(t, "k", "the old epoch signs while undecided"); !bytes.Equal(r.PublicKey, info.PublicKey) {
		t.Fatalf("signed under %x", r.PublicKey)
	}
	// A new refresh is refused while this one is undecided.
	if _, err := tc.admin.RefreshKey(ctx, &wire.RefreshKeyRequest{KeyID: "k"}); err == nil || !strings.Contains(err.Error(), "undecided") {
		t.Fatalf("second refresh while undecided: %v", err)
	}
	// node-3 restarts: its recorded vote is "stored", so every holder
	// stored the attempt and everyone commits.
	tc.mkNode("node-3", nil)
	tc.waitOnline(t, 5)
	for name, st := range tc.stores {
		waitFor(t, name+" to commit epoch 1", func() bool { return activeEpoch(t, st, "k") == 1 })
	}
	waitFor(t, "the coordinator to record every confirmation", func() bool {
		keys, err := tc.admin.ListKeys(ctx)
		return err == nil && keys.Keys[0].Epoch == 1 && len(keys.Keys[0].PendingNodes) == 0
	})
	tc.signWithNode3(t, info.PublicKey, "node-3 signs under the new epoch")
}

func TestECDSARefreshAbortedByAHoldersVote(t *testing.T) {
	if testing.Short() {
		t.Skip("generates Paillier keys")
	}
	// node-3 never takes part (its refresh request is spoiled on the way):
	// asked for its vote, it votes abort, and that vote discards the
	// attempt everywhere.
	var spoil atomic.Bool
	tamper := func(to string, fr []byte) [][]byte {
		if !spoil.Load() || to != "node-3" {
			return [][]byte{fr}
		}
		return editControl(t, fr, wire.ControlRefresh, func(c *wire.Control) { c.Epoch += 7 })
	}
	tc := newTestClusterWith(t, 5, clusterOptions{tamper: tamper, roundTimeout: ecdsaRoundTimeout()})
	ctx := context.Background()
	info := tc.refreshableKey(t)
	spoil.Store(true)
	_, err := tc.admin.RefreshKey(ctx, &wire.RefreshKeyRequest{KeyID: "k"})
	spoil.Store(false)
	if err == nil || !strings.Contains(err.Error(), "aborted") {
		t.Fatalf("refresh: %v, want aborted", err)
	}
	waitFor(t, "every holder to confirm the abort", func() bool {
		keys, err := tc.admin.ListKeys(ctx)
		return err == nil && keys.Keys[0].Epoch == 0 && len(keys.Keys[0].PendingNodes) == 0
	})
	for name, st := range tc.stores {
		if e, s := activeEpoch(t, st, "k"), shareStatus(t, st, "k", 1); e != 0 || s != "absent" {
			t.Fatalf("%s: active epoch %d, epoch 1 %s", name, e, s)
		}
	}
	tc.signECDSA(t, "k", "the old epoch signs")
	// A second attempt at the same epoch number succeeds (the moduli of
	// the discarded attempt are in no key, so the test primes serve again).
	tc.addPrimes(t, 5)
	resp, err := tc.admin.RefreshKey(ctx, &wire.RefreshKeyRequest{KeyID: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.NewEpoch != 1 || len(resp.Committed) != 5 {
		t.Fatalf("second refresh %+v", resp)
	}
	if r := tc.signECDSA(t, "k", "the new epoch signs"); !bytes.Equal(r.PublicKey, info.PublicKey) {
		t.Fatalf("signed under %x", r.PublicKey)
	}
}

func TestNodesSwitchEpochsOnlyOnTheHoldersVotes(t *testing.T) {
	if testing.Short() {
		t.Skip("generates Paillier keys")
	}
	// A coordinator that lies about the outcome: it sends node-3 a commit
	// missing node-5's vote, and node-2 an abort whose "abort" vote is
	// node-2's own stored vote relabelled. Both refuse and keep both
	// epochs; told the truth later, they commit.
	var lie atomic.Bool
	tamper := func(to string, fr []byte) [][]byte {
		if !lie.Load() || (to != "node-2" && to != "node-3") {
			return [][]byte{fr}
		}
		return editControl(t, fr, wire.ControlCommitEpoch, func(c *wire.Control) {
			if to == "node-3" {
				c.Votes = slices.DeleteFunc(c.Votes, func(v wire.EpochVote) bool { return v.Node == "node-5" })
				return
			}
			c.Kind = wire.ControlAbortEpoch
			for _, v := range c.Votes {
				if v.Node == "node-2" {
					v.Vote = wire.VoteAbort
					c.Votes = []wire.EpochVote{v}
					break
				}
			}
		})
	}
	tc := newTestClusterWith(t, 5, clusterOptions{tamper: tamper, roundTimeout: ecdsaRoundTimeout()})
	ctx := context.Background()
	tc.refreshableKey(t)
	lie.Store(true)
	resp, err := tc.admin.RefreshKey(ctx, &wire.RefreshKeyRequest{KeyID: "k"})
	lie.Store(false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resp.Pending, []string{"node-2", "node-3"}) {
		t.Fatalf("refresh response %+v", resp)
	}
	for _, name := range []string{"node-2", "node-3"} {
		st := tc.stores[name]
		if e, s := activeEpoch(t, st, "k"), shareStatus(t, st, "k", 1); e != 0 || s != keystore.StatusPending {
			t.Fatalf("%s: active epoch %d, epoch 1 %s: it acted on a lie", name, e, s)
		}
	}
	// Reconnected, they get the real commit.
	for _, name := range []string{"node-2", "node-3"} {
		tc.cancel[name]()
		tc.waitOffline(t, name)
		tc.mkNode(name, nil)
	}
	tc.waitOnline(t, 5)
	for _, name := range []string{"node-2", "node-3"} {
		st := tc.stores[name]
		waitFor(t, name+" to commit epoch 1", func() bool { return activeEpoch(t, st, "k") == 1 })
	}
}
