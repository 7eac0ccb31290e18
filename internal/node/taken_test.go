package node

import (
	"errors"
	"fmt"
	"testing"

	"github.com/custos-mpc/custos/internal/keystore"
)

// TestNoncesTakenAhead: the first request consumes a run of nonces, the
// next requests are served from memory, each once; a restarted node (empty
// memory) finds the run spent and refuses it; a replay is refused.
func TestNoncesTakenAhead(t *testing.T) {
	st := nonceStore(t, 40)
	use := func(i int) keystore.NonceUse { return keystore.NonceUse{KeyID: "k", ID: fmt.Sprintf("n%02d", i)} }
	taken := &takenNonces{}
	got := consumeAhead(st, taken, []keystore.NonceUse{use(0)})
	if got[0].err != nil || got[0].secret.Bytes()[0] != 0 {
		t.Fatalf("first nonce: %v", got[0].err)
	}
	for i := 1; i <= nonceAhead; i++ {
		if !taken.has(use(i)) {
			t.Fatalf("nonce %d not taken ahead", i)
		}
	}
	if taken.has(use(nonceAhead + 1)) {
		t.Fatal("more than nonceAhead nonces taken")
	}
	// Served from memory (no store access needed), once; a replay and a
	// nonce of the same batch taken ahead by the other use both resolve.
	got = consumeAhead(st, taken, []keystore.NonceUse{use(3), use(3), use(nonceAhead + 1), use(nonceAhead + 2)})
	if got[0].err != nil || got[0].secret.Bytes()[0] != 3 {
		t.Fatalf("nonce taken ahead: %v", got[0].err)
	}
	if !errors.Is(got[1].err, keystore.ErrNonceUsed) {
		t.Fatalf("replayed nonce: %v", got[1].err)
	}
	if got[2].err != nil || got[3].err != nil || got[3].secret.Bytes()[0] != byte(nonceAhead+2) {
		t.Fatalf("a nonce taken ahead by another use of the batch: %v %v", got[2].err, got[3].err)
	}
	// A restart forgets the nonces taken ahead; on disk they are spent.
	restarted := &takenNonces{}
	got = consumeAhead(st, restarted, []keystore.NonceUse{use(5)})
	if !errors.Is(got[0].err, keystore.ErrNonceUsed) {
		t.Fatalf("a nonce taken ahead before a restart: %v", got[0].err)
	}
}

func TestTakenNoncesAreBounded(t *testing.T) {
	n := maxTaken + 10
	st := nonceStore(t, n)
	var uses []keystore.NonceUse
	for i := range n {
		uses = append(uses, keystore.NonceUse{KeyID: "k", ID: fmt.Sprintf("n%02d", i)})
	}
	secs, errs := st.ConsumeNonces(t.Context(), uses)
	taken := &takenNonces{}
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		taken.put("k", []keystore.TakenNonce{{ID: uses[i].ID, Secret: secs[i]}})
		if i < 3 {
			taken.take(uses[i])
		}
	}
	if len(taken.byUse) > maxTaken || len(taken.order) > 2*maxTaken+64 {
		t.Fatalf("%d nonces held, %d names", len(taken.byUse), len(taken.order))
	}
	if !taken.has(uses[n-2]) || taken.has(uses[3]) || len(taken.byUse) != maxTaken {
		t.Fatal("eviction is not oldest first")
	}
	if secs[3].Bytes() != nil {
		t.Fatal("an evicted nonce was not destroyed")
	}
}

// nonceStore is a memory keystore holding n nonces of key "k", named n00,
// n01... in storage order, nonce i's secret being the byte i.
func nonceStore(t *testing.T, n int) keystore.Store {
	t.Helper()
	st := memoryStore(t)
	var ns []keystore.NonceSecret
	for i := range n {
		ns = append(ns, keystore.NonceSecret{KeyID: "k", ID: fmt.Sprintf("n%02d", i), Secret: []byte{byte(i)}})
	}
	if err := st.PutNonces(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	return st
}
