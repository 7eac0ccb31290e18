package coordinator_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/custos-mpc/custos/internal/wire"
)

// TestRestartedNodeLosesOnlyNoncesTakenAhead: nodes consume preprocessed
// nonces in runs (one fsync per run); a node that restarts has lost the
// rest of its run, spent on disk. The coordinator forgets the commitments
// a node published before it reconnected, so signing goes on in one
// attempt, and no nonce signs twice.
func TestRestartedNodeLosesOnlyNoncesTakenAhead(t *testing.T) {
	events := &nodeEvents{m: map[string][]string{}}
	tc := newTestClusterWith(t, 3, clusterOptions{noncePool: 64, events: events})
	ctx := context.Background()
	info, err := tc.admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: "k", Scheme: "frost-ed25519", Threshold: 3, AllowConcentration: true})
	if err != nil {
		t.Fatal(err)
	}
	nodes := []string{"node-1", "node-2", "node-3"}
	tc.waitPools(t, info.KeyID, nodes)
	seenR := map[string]bool{}
	sign := func(i int) {
		t.Helper()
		msg := []byte(fmt.Sprintf("run %d", i))
		resp := tc.signEd25519(t, info.KeyID, msg)
		if resp.Attempts != 1 {
			t.Fatalf("signature %d took %d attempts (blamed %v)", i, resp.Attempts, resp.Blamed)
		}
		r := string(resp.Signature[:32])
		if seenR[r] {
			t.Fatal("a nonce signed twice")
		}
		seenR[r] = true
	}
	for i := range 3 {
		sign(i)
	}
	tc.turn(t, "node-2", nil)
	for i := 3; i < 8; i++ { // the first refills node-2's pool (two rounds meanwhile)
		sign(i)
	}
	for _, n := range nodes {
		for _, ev := range events.of(n) {
			if ev == "refused:nonce" {
				t.Fatalf("%s refused a nonce", n)
			}
		}
	}
}
