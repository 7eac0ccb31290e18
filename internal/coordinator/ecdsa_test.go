package coordinator_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-mpc/custos/internal/bundle"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/cggmp/ecdsatest"
)

func (tc *testCluster) pathBundle(t *testing.T, keyID string, path []uint32, msgs ...[]byte) []byte {
	t.Helper()
	b := &bundle.Bundle{RequestID: "req", KeyID: keyID, NotAfter: time.Now().Add(time.Minute), Messages: msgs, Path: path}
	if err := b.Sign(tc.authKey); err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// checkECDSA verifies a signing response with btcec and go-ethereum.
func checkECDSA(t *testing.T, resp *wire.SignResponse, digest []byte) {
	t.Helper()
	if resp.RecoveryID == nil || len(resp.Signature) != 64 || len(resp.PublicKey) != 33 {
		t.Fatalf("malformed ECDSA response %+v", resp)
	}
	var d [32]byte
	var sig [64]byte
	copy(d[:], digest)
	copy(sig[:], resp.Signature)
	if err := ecdsatest.Verify(resp.PublicKey, d, sig, byte(*resp.RecoveryID)); err != nil {
		t.Fatal(err)
	}
}

func digest(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

// waitPresignatures waits until the coordinator's pools hold n
// presignatures of key.
func (tc *testCluster) waitPresignatures(t *testing.T, key string, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for tc.coord.PresignaturesReady(key) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d presignatures after 2 minutes", tc.coord.PresignaturesReady(key))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// poolEvents records the coordinator's pool-size reports by pool.
type poolEvents struct {
	mu    sync.Mutex
	sizes map[string][]int
}

func (e *poolEvents) CeremonyStarted(string)                    {}
func (e *poolEvents) CeremonyCompleted(string, time.Duration)   {}
func (e *poolEvents) RoundCompleted(string, int, time.Duration) {}
func (e *poolEvents) CeremonyAborted(string, string)            {}
func (e *poolEvents) Blamed(string)                             {}
func (e *poolEvents) NodesOnline(int)                           {}
func (e *poolEvents) PoolSize(key, pool string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sizes[key+" "+pool] = append(e.sizes[key+" "+pool], n)
}

// dropped reports whether some pool's size was reported lower than its
// previous report.
func (e *poolEvents) dropped() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ns := range e.sizes {
		for i := 1; i < len(ns); i++ {
			if ns[i] < ns[i-1] {
				return true
			}
		}
	}
	return false
}

func TestECDSAKeyThroughTheCoordinator(t *testing.T) {
	if testing.Short() {
		t.Skip("generates Paillier keys")
	}
	// The coordinator plays a replay attack when replay is set: every
	// sign-ecdsa control that names a presignature is also sent again under
	// a fresh session id.
	var replay atomic.Bool
	var replayedMu sync.Mutex
	replayed := map[string]bool{} // nodes sent a replayed presignature id
	events := &nodeEvents{m: map[string][]string{}}
	tamper := func(to string, fr []byte) [][]byte {
		if !replay.Load() {
			return [][]byte{fr}
		}
		c, ok := controlOf(fr)
		if !ok || c.Kind != wire.ControlSignECDSA || c.PresignID == "" {
			return [][]byte{fr}
		}
		replayedMu.Lock()
		replayed[to] = true
		replayedMu.Unlock()
		c.Session = make([]byte, 32)
		rand.Read(c.Session)
		again, _ := wire.EncodeControl(c)
		return [][]byte{fr, again}
	}
	pools := &poolEvents{sizes: map[string][]int{}}
	tc := newTestClusterWith(t, 5, clusterOptions{presignPool: 3, tamper: tamper, events: events, coord: pools, roundTimeout: ecdsaRoundTimeout()})
	ctx := context.Background()
	start := time.Now()
	info, err := tc.admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: "eth-1", Scheme: "ecdsa-secp256k1", Threshold: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("3-of-5 ECDSA key generation with aux info (2048-bit Paillier, cold primes): %s", time.Since(start))
	if len(info.PublicKey) != 33 || info.Address == "" {
		t.Fatalf("key info %+v", info)
	}
	addr, _ := ecdsatest.Address(info.PublicKey)
	if info.Address != "0x"+hex.EncodeToString(addr[:]) {
		t.Fatalf("address %s, go-ethereum says %x", info.Address, addr)
	}
	for _, st := range tc.stores {
		shares, err := st.ListShares(ctx, "eth-1")
		if err != nil || len(shares) != 1 || shares[0].Scheme != "ecdsa-secp256k1" {
			t.Fatalf("stored shares %v %v", shares, err)
		}
	}

	t.Run("full signing of the root key", func(t *testing.T) {
		d := digest("full")
		resp, err := tc.admin.Sign(ctx, &wire.SignRequest{KeyID: "eth-1", Message: d, Bundle: tc.pathBundle(t, "eth-1", nil, d)})
		if err != nil {
			t.Fatal(err)
		}
		checkECDSA(t, resp, d)
		if string(resp.PublicKey) != string(info.PublicKey) || resp.Path != "m" {
			t.Fatalf("signed under %x %s", resp.PublicKey, resp.Path)
		}
	})
	t.Run("online signing from pooled presignatures", func(t *testing.T) {
		tc.waitPresignatures(t, "eth-1", 3)
		for i := range 3 {
			d := digest("online " + string(rune('a'+i)))
			resp, err := tc.admin.Sign(ctx, &wire.SignRequest{KeyID: "eth-1", Message: d, Bundle: tc.pathBundle(t, "eth-1", nil, d)})
			if err != nil {
				t.Fatal(err)
			}
			checkECDSA(t, resp, d)
			if !resp.Presigned {
				t.Fatalf("signature %d did not use a presignature (%d attempts, blamed %v)", i, resp.Attempts, resp.Blamed)
			}
		}
		// The pool-size metric follows consumption, not only refills.
		if !pools.dropped() {
			t.Fatalf("no pool-size report went down after three presignatures were used: %v", pools.sizes)
		}
	})
	t.Run("a presignature id named twice is refused by every holder", func(t *testing.T) {
		tc.waitPresignatures(t, "eth-1", 1)
		replay.Store(true)
		d := digest("replayed")
		resp, err := tc.admin.Sign(ctx, &wire.SignRequest{KeyID: "eth-1", Message: d, Bundle: tc.pathBundle(t, "eth-1", nil, d)})
		replay.Store(false)
		if err != nil {
			t.Fatal(err)
		}
		// Whichever of the two requests a node handles first consumes the
		// presignature; the other is refused. If the replay won somewhere,
		// the original attempt failed and the coordinator signed with
		// another presignature or full signing.
		checkECDSA(t, resp, d)
		replayedMu.Lock()
		victims := slices.Collect(maps.Keys(replayed))
		replayedMu.Unlock()
		if len(victims) != 3 {
			t.Fatalf("replayed to %v", victims)
		}
		deadline := time.Now().Add(5 * time.Second)
		for _, n := range victims {
			for !slices.Contains(events.of(n), "refused:presignature") {
				if time.Now().After(deadline) {
					t.Fatalf("%s did not refuse the replayed presignature: %v", n, events.of(n))
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	})
	t.Run("a child key signs only under its path", func(t *testing.T) {
		d := digest("child")
		resp, err := tc.admin.Sign(ctx, &wire.SignRequest{KeyID: "eth-1", Message: d, Bundle: tc.pathBundle(t, "eth-1", []uint32{0, 1}, d)})
		if err != nil {
			t.Fatal(err)
		}
		checkECDSA(t, resp, d)
		if string(resp.PublicKey) == string(info.PublicKey) || resp.Path != "m/0/1" {
			t.Fatalf("child signature under %x %s", resp.PublicKey, resp.Path)
		}
	})
	t.Run("the nodes hold exactly the pooled presignatures", func(t *testing.T) {
		tc.waitPresignatures(t, "eth-1", 3)
		time.Sleep(200 * time.Millisecond)
		want := tc.coord.PresignaturesReady("eth-1")
		total := 0
		for name, st := range tc.stores {
			n, err := st.UnusedPresignatures(ctx, "eth-1")
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s holds %d unused presignatures", name, n)
			total += n
		}
		if total != 3*want {
			t.Fatalf("nodes hold %d presignature parts for %d pooled presignatures of 3 signers", total, want)
		}
	})
}
