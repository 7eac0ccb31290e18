package coordinator_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/custos-mpc/custos/internal/wire"
)

// waitPools waits until every holder of key has a preprocessed commitment.
func (tc *testCluster) waitPools(t *testing.T, key string, nodes []string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ready := true
		for _, n := range nodes {
			ready = ready && tc.coord.PoolSize(key, n) > 0
		}
		if ready {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("nonce pools never filled")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOneRoundSigningFromPreprocessedNonces(t *testing.T) {
	events := &nodeEvents{m: map[string][]string{}}
	tc := newTestClusterWith(t, 5, clusterOptions{noncePool: 8, events: events})
	ctx := context.Background()
	info, err := tc.admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: "k", Scheme: "frost-ed25519", Threshold: 3})
	if err != nil {
		t.Fatal(err)
	}
	nodes := []string{"node-1", "node-2", "node-3", "node-4", "node-5"}
	tc.waitPools(t, info.KeyID, nodes)
	before := 0
	for _, n := range nodes {
		before += tc.coord.PoolSize(info.KeyID, n)
	}
	seenR := map[string]bool{}
	for i := 0; i < 5; i++ {
		msg := []byte(fmt.Sprintf("one-round %d", i))
		resp := tc.signEd25519(t, info.KeyID, msg)
		r := string(resp.Signature[:32])
		if seenR[r] {
			t.Fatal("a preprocessed nonce signed twice")
		}
		seenR[r] = true
	}
	after := 0
	for _, n := range nodes {
		after += tc.coord.PoolSize(info.KeyID, n)
	}
	if after >= before {
		t.Fatalf("pools went from %d to %d: signatures did not use preprocessed nonces", before, after)
	}
}

// TestNodesRefuseAPreprocessedNonceTwice: a coordinator that names the same
// stored nonce in two requests gets one share, then a refusal.
func TestNodesRefuseAPreprocessedNonceTwice(t *testing.T) {
	events := &nodeEvents{m: map[string][]string{}}
	var mu sync.Mutex
	var firstNonce map[string]string // node → nonce id of its first one-round request
	tc := newTestClusterWith(t, 3, clusterOptions{noncePool: 4, events: events, tamper: func(to string, fr []byte) [][]byte {
		c, ok := controlOf(fr)
		if !ok || c.Kind != wire.ControlSignOneRound {
			return [][]byte{fr}
		}
		mu.Lock()
		defer mu.Unlock()
		if firstNonce == nil {
			firstNonce = map[string]string{}
		}
		if id, seen := firstNonce[to]; seen {
			c.NonceID = id // replay the first nonce
			out, _ := wire.EncodeControl(c)
			return [][]byte{out}
		}
		firstNonce[to] = c.NonceID
		return [][]byte{fr}
	}})
	ctx := context.Background()
	info, err := tc.admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: "k", Scheme: "frost-ed25519", Threshold: 2, AllowConcentration: true})
	if err != nil {
		t.Fatal(err)
	}
	tc.waitPools(t, info.KeyID, []string{"node-1", "node-2", "node-3"})
	msg := []byte("first")
	if _, err := tc.admin.Sign(ctx, &wire.SignRequest{KeyID: info.KeyID, Message: msg, Bundle: tc.bundle(t, info.KeyID, msg)}); err != nil {
		t.Fatal(err)
	}
	msg = []byte("second")
	tc.admin.Sign(ctx, &wire.SignRequest{KeyID: info.KeyID, Message: msg, Bundle: tc.bundle(t, info.KeyID, msg)}) //nolint:errcheck // may succeed through a two-round retry
	refused := 0
	for _, n := range []string{"node-1", "node-2", "node-3"} {
		if slices.Contains(events.of(n), "refused:nonce") {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("no node refused a replayed preprocessed nonce")
	}
}

func controlOf(fr []byte) (*wire.Control, bool) {
	f, err := wire.ParseFrame(fr)
	if err != nil || f.Type != wire.FrameControl {
		return nil, false
	}
	c, err := wire.ParseControl(f.Body)
	if err != nil {
		return nil, false
	}
	return c, true
}
