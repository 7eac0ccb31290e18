// Package storetest is the conformance suite every keystore.Store
// implementation must pass.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/custos-mpc/custos/internal/keystore"
)

// Run runs the conformance suite. newStore returns a fresh, empty store; Run
// closes it.
func Run(t *testing.T, newStore func(t *testing.T) keystore.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s keystore.Store)
	}{
		{"the identity is stored once and read back", testIdentity},
		{"shares go through pending, active, superseded and destroyed", testShareLifecycle},
		{"invalid share arguments are refused", testShareValidation},
		{"a discarded pending epoch can be stored again; other epochs cannot be discarded", testDiscardPendingShare},
		{"a nonce is consumed at most once", func(t *testing.T, s keystore.Store) { testOneTime(t, s, nonceOps(s)) }},
		{"a presignature is consumed at most once", func(t *testing.T, s keystore.Store) { testOneTime(t, s, presigOps(s)) }},
		{"nonces and presignatures have separate id spaces", testOneTimeNamespaces},
		{"concurrent consumers of one nonce: exactly one wins", func(t *testing.T, s keystore.Store) { testConcurrentConsume(t, nonceOps(s)) }},
		{"concurrent consumers of one presignature: exactly one wins", func(t *testing.T, s keystore.Store) { testConcurrentConsume(t, presigOps(s)) }},
		{"nonce uses are recorded once, in batches", testRecordNonceUses},
		{"nonces are stored and consumed in batches, each once", testNonceBatches},
		{"nonces taken ahead are the next stored ones of the key, consumed with the first", testNoncesAhead},
		{"unused presignatures are counted", testUnusedPresignatures},
		{"discarding a key's presignatures consumes exactly its unused ones", testDiscardPresignatures},
		{"presignatures are consumed in batches, each once", testPresignatureBatches},
		{"blobs are stored, listed and deleted", testBlobs},
		{"secrets print redacted", testRedaction},
		{"a closed store refuses work", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			defer s.Close()
			tc.fn(t, s)
		})
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantSecret(t *testing.T, what string, sec *keystore.Secret, want []byte) {
	t.Helper()
	if sec == nil || !bytes.Equal(sec.Bytes(), want) {
		t.Fatalf("%s: wrong secret", what)
	}
}

func testIdentity(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	_, _, err := s.Identity(ctx)
	wantErr(t, "identity of an empty store", err, keystore.ErrNotFound)
	must(t, "put identity", s.PutIdentity(ctx, []byte("public"), []byte("secret")))
	pub, sec, err := s.Identity(ctx)
	must(t, "identity", err)
	if string(pub) != "public" {
		t.Fatalf("public = %q", pub)
	}
	wantSecret(t, "identity", sec, []byte("secret"))
	wantErr(t, "second identity", s.PutIdentity(ctx, []byte("public2"), []byte("secret2")), keystore.ErrExists)
	wantErr(t, "empty public", s.PutIdentity(ctx, nil, []byte("x")), keystore.ErrInvalid)
}

func share(keyID string, epoch uint64) keystore.ShareInfo {
	return keystore.ShareInfo{KeyID: keyID, Scheme: "frost-ed25519", Epoch: epoch, PublicKey: []byte("group public key " + keyID)}
}

func testShareLifecycle(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	_, _, err := s.Share(ctx, "k1", 0)
	wantErr(t, "missing share", err, keystore.ErrNotFound)
	_, _, err = s.ActiveShare(ctx, "k1")
	wantErr(t, "no active share", err, keystore.ErrNotFound)

	must(t, "put epoch 0", s.PutShare(ctx, share("k1", 0), []byte("share-0")))
	wantErr(t, "put epoch 0 again", s.PutShare(ctx, share("k1", 0), []byte("other")), keystore.ErrExists)
	info, sec, err := s.Share(ctx, "k1", 0)
	must(t, "get epoch 0", err)
	wantSecret(t, "epoch 0", sec, []byte("share-0"))
	if info.Status != keystore.StatusPending || info.Scheme != "frost-ed25519" || info.Created.IsZero() ||
		!bytes.Equal(info.PublicKey, share("k1", 0).PublicKey) {
		t.Fatalf("epoch 0 info = %+v", info)
	}
	_, _, err = s.ActiveShare(ctx, "k1")
	wantErr(t, "pending is not active", err, keystore.ErrNotFound)

	must(t, "activate epoch 0", s.ActivateShare(ctx, "k1", 0))
	must(t, "activate epoch 0 again", s.ActivateShare(ctx, "k1", 0))
	info, sec, err = s.ActiveShare(ctx, "k1")
	must(t, "active share", err)
	if info.Epoch != 0 || info.Status != keystore.StatusActive {
		t.Fatalf("active = %+v", info)
	}
	wantSecret(t, "active", sec, []byte("share-0"))
	wantErr(t, "destroy the active epoch", s.DestroyShare(ctx, "k1", 0), keystore.ErrActive)

	// A refresh writes epoch 1 beside epoch 0 and switches atomically.
	must(t, "put epoch 1", s.PutShare(ctx, share("k1", 1), []byte("share-1")))
	info, _, _ = s.ActiveShare(ctx, "k1")
	if info.Epoch != 0 {
		t.Fatal("a pending epoch replaced the active one")
	}
	must(t, "activate epoch 1", s.ActivateShare(ctx, "k1", 1))
	info, sec, err = s.ActiveShare(ctx, "k1")
	must(t, "active share", err)
	if info.Epoch != 1 {
		t.Fatalf("active epoch = %d, want 1", info.Epoch)
	}
	wantSecret(t, "active", sec, []byte("share-1"))
	info, _, err = s.Share(ctx, "k1", 0)
	must(t, "epoch 0", err)
	if info.Status != keystore.StatusSuperseded {
		t.Fatalf("epoch 0 status = %s", info.Status)
	}
	wantErr(t, "reactivate superseded", s.ActivateShare(ctx, "k1", 0), keystore.ErrInvalid)

	must(t, "destroy epoch 0", s.DestroyShare(ctx, "k1", 0))
	must(t, "destroy epoch 0 again", s.DestroyShare(ctx, "k1", 0))
	_, _, err = s.Share(ctx, "k1", 0)
	wantErr(t, "read destroyed", err, keystore.ErrDestroyed)
	wantErr(t, "re-import destroyed epoch", s.PutShare(ctx, share("k1", 0), []byte("share-0")), keystore.ErrDestroyed)
	wantErr(t, "activate destroyed", s.ActivateShare(ctx, "k1", 0), keystore.ErrDestroyed)
	wantErr(t, "activate missing", s.ActivateShare(ctx, "k1", 7), keystore.ErrNotFound)
	wantErr(t, "destroy missing", s.DestroyShare(ctx, "k1", 7), keystore.ErrNotFound)

	must(t, "put other key", s.PutShare(ctx, share("k0", 5), []byte("x")))
	all, err := s.ListShares(ctx, "")
	must(t, "list", err)
	var got []string
	for _, i := range all {
		got = append(got, fmt.Sprintf("%s/%d/%s", i.KeyID, i.Epoch, i.Status))
	}
	if want := "k0/5/pending k1/0/destroyed k1/1/active"; strings.Join(got, " ") != want {
		t.Fatalf("list = %q, want %q", strings.Join(got, " "), want)
	}
	one, err := s.ListShares(ctx, "k0")
	must(t, "list k0", err)
	if len(one) != 1 || one[0].KeyID != "k0" {
		t.Fatalf("list k0 = %+v", one)
	}
}

func testDiscardPendingShare(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	must(t, "put 0", s.PutShare(ctx, share("k", 0), []byte("s0")))
	must(t, "activate 0", s.ActivateShare(ctx, "k", 0))
	must(t, "put 1", s.PutShare(ctx, share("k", 1), []byte("s1")))
	wantErr(t, "discard the active epoch", s.DiscardPendingShare(ctx, "k", 0), keystore.ErrInvalid)
	must(t, "discard pending 1", s.DiscardPendingShare(ctx, "k", 1))
	_, _, err := s.Share(ctx, "k", 1)
	wantErr(t, "read discarded", err, keystore.ErrNotFound)
	wantErr(t, "discard again", s.DiscardPendingShare(ctx, "k", 1), keystore.ErrNotFound)
	must(t, "put 1 again", s.PutShare(ctx, share("k", 1), []byte("s1'")))
	_, sec, err := s.Share(ctx, "k", 1)
	must(t, "read 1", err)
	wantSecret(t, "epoch 1", sec, []byte("s1'"))
	must(t, "activate 1", s.ActivateShare(ctx, "k", 1))
	must(t, "destroy 0", s.DestroyShare(ctx, "k", 0))
	wantErr(t, "discard destroyed", s.DiscardPendingShare(ctx, "k", 0), keystore.ErrInvalid)
}

func testShareValidation(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		mut  func(*keystore.ShareInfo)
	}{
		{"empty key id", func(i *keystore.ShareInfo) { i.KeyID = "" }},
		{"long key id", func(i *keystore.ShareInfo) { i.KeyID = strings.Repeat("k", keystore.MaxIDLen+1) }},
		{"key id with a control byte", func(i *keystore.ShareInfo) { i.KeyID = "k\n1" }},
		{"empty scheme", func(i *keystore.ShareInfo) { i.Scheme = "" }},
		{"scheme with spaces", func(i *keystore.ShareInfo) { i.Scheme = "frost ed25519" }},
		{"empty public key", func(i *keystore.ShareInfo) { i.PublicKey = nil }},
		{"huge epoch", func(i *keystore.ShareInfo) { i.Epoch = 1 << 63 }},
	} {
		info := share("k", 0)
		tc.mut(&info)
		wantErr(t, tc.name, s.PutShare(ctx, info, []byte("x")), keystore.ErrInvalid)
	}
	_, _, err := s.Share(ctx, "k", 1<<63)
	wantErr(t, "read a huge epoch", err, keystore.ErrInvalid)
	wantErr(t, "activate a huge epoch", s.ActivateShare(ctx, "k", 1<<63), keystore.ErrInvalid)
	wantErr(t, "destroy a huge epoch", s.DestroyShare(ctx, "k", 1<<63), keystore.ErrInvalid)
}

type oneTimeOps struct {
	put     func(ctx context.Context, keyID, id string, secret []byte) error
	consume func(ctx context.Context, keyID, id string) (*keystore.Secret, error)
}

func nonceOps(s keystore.Store) oneTimeOps { return oneTimeOps{s.PutNonce, s.ConsumeNonce} }
func presigOps(s keystore.Store) oneTimeOps {
	return oneTimeOps{s.PutPresignature, s.ConsumePresignature}
}

func testOneTime(t *testing.T, s keystore.Store, ops oneTimeOps) {
	ctx := context.Background()
	_, err := ops.consume(ctx, "k1", "n1")
	wantErr(t, "consume unknown", err, keystore.ErrNotFound)
	must(t, "put", ops.put(ctx, "k1", "n1", []byte("nonce secret")))
	wantErr(t, "put pending id again", ops.put(ctx, "k1", "n1", []byte("other")), keystore.ErrExists)
	sec, err := ops.consume(ctx, "k1", "n1")
	must(t, "consume", err)
	wantSecret(t, "consume", sec, []byte("nonce secret"))
	_, err = ops.consume(ctx, "k1", "n1")
	wantErr(t, "consume twice", err, keystore.ErrNonceUsed)
	wantErr(t, "re-insert a consumed id (backup re-import)", ops.put(ctx, "k1", "n1", []byte("nonce secret")), keystore.ErrNonceUsed)
	_, err = ops.consume(ctx, "k1", "n1")
	wantErr(t, "consume after refused re-insert", err, keystore.ErrNonceUsed)

	must(t, "same id under another key", ops.put(ctx, "k2", "n1", []byte("k2 nonce")))
	sec, err = ops.consume(ctx, "k2", "n1")
	must(t, "consume under another key", err)
	wantSecret(t, "other key", sec, []byte("k2 nonce"))

	wantErr(t, "empty id", ops.put(ctx, "k1", "", []byte("x")), keystore.ErrInvalid)
	wantErr(t, "empty key id", ops.put(ctx, "", "n", []byte("x")), keystore.ErrInvalid)
	_, err = ops.consume(ctx, "k1", strings.Repeat("n", keystore.MaxIDLen+1))
	wantErr(t, "consume long id", err, keystore.ErrInvalid)
}

func testOneTimeNamespaces(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	must(t, "put nonce", s.PutNonce(ctx, "k", "id", []byte("nonce")))
	must(t, "put presignature with the same id", s.PutPresignature(ctx, "k", "id", []byte("presig")))
	sec, err := s.ConsumeNonce(ctx, "k", "id")
	must(t, "consume nonce", err)
	wantSecret(t, "nonce", sec, []byte("nonce"))
	sec, err = s.ConsumePresignature(ctx, "k", "id")
	must(t, "consume presignature", err)
	wantSecret(t, "presignature", sec, []byte("presig"))
}

func testConcurrentConsume(t *testing.T, ops oneTimeOps) {
	ctx := context.Background()
	const rounds, workers = 5, 16
	for r := range rounds {
		id := fmt.Sprintf("race-%d", r)
		must(t, "put", ops.put(ctx, "k", id, []byte("only once")))
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			wins     int
			used     int
			unwanted []error
		)
		start := make(chan struct{})
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				sec, err := ops.consume(ctx, "k", id)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && bytes.Equal(sec.Bytes(), []byte("only once")):
					wins++
				case errors.Is(err, keystore.ErrNonceUsed):
					used++
				default:
					unwanted = append(unwanted, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if wins != 1 || used != workers-1 || len(unwanted) != 0 {
			t.Fatalf("%s: %d winners, %d ErrNonceUsed, other errors %v; want 1, %d, none", id, wins, used, unwanted, workers-1)
		}
	}
}

func testUnusedPresignatures(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	for i := range 3 {
		must(t, "put", s.PutPresignature(ctx, "k", fmt.Sprint(i), []byte("p")))
	}
	must(t, "put nonce", s.PutNonce(ctx, "k", "n", []byte("n")))
	must(t, "put other key", s.PutPresignature(ctx, "other", "0", []byte("p")))
	if _, err := s.ConsumePresignature(ctx, "k", "1"); err != nil {
		t.Fatal(err)
	}
	n, err := s.UnusedPresignatures(ctx, "k")
	must(t, "count", err)
	if n != 2 {
		t.Fatalf("unused = %d, want 2", n)
	}
}

func testDiscardPresignatures(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	for i := range 3 {
		must(t, "put", s.PutPresignature(ctx, "k", fmt.Sprint(i), []byte("p")))
	}
	must(t, "put other key", s.PutPresignature(ctx, "other", "0", []byte("p")))
	if _, err := s.ConsumePresignature(ctx, "k", "1"); err != nil {
		t.Fatal(err)
	}
	n, err := s.DiscardPresignatures(ctx, "k")
	must(t, "discard", err)
	if n != 2 {
		t.Fatalf("discarded %d, want 2", n)
	}
	for _, id := range []string{"0", "1", "2"} {
		_, err := s.ConsumePresignature(ctx, "k", id)
		wantErr(t, "consume discarded "+id, err, keystore.ErrNonceUsed)
	}
	wantErr(t, "put a discarded id again", s.PutPresignature(ctx, "k", "0", []byte("p")), keystore.ErrNonceUsed)
	if left, _ := s.UnusedPresignatures(ctx, "other"); left != 1 {
		t.Fatalf("another key's presignatures were discarded: %d left", left)
	}
	if n, err := s.DiscardPresignatures(ctx, "k"); err != nil || n != 0 {
		t.Fatalf("second discard: %d %v", n, err)
	}
}

func testPresignatureBatches(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	must(t, "put a", s.PutPresignature(ctx, "k", "a", []byte("pa")))
	must(t, "put b", s.PutPresignature(ctx, "k", "b", []byte("pb")))
	must(t, "put a nonce with a presignature's id", s.PutNonce(ctx, "k", "c", []byte("n")))
	uses := []keystore.NonceUse{{KeyID: "k", ID: "a"}, {KeyID: "k", ID: "b"}, {KeyID: "k", ID: "c"}, {KeyID: "k", ID: "a"}}
	secs, errs := s.ConsumePresignatures(ctx, uses)
	if errs[0] != nil || errs[1] != nil || string(secs[0].Bytes()) != "pa" || string(secs[1].Bytes()) != "pb" {
		t.Fatalf("batch: %v", errs)
	}
	wantErr(t, "a nonce id is not a presignature", errs[2], keystore.ErrNotFound)
	wantErr(t, "the same id twice in one batch", errs[3], keystore.ErrNonceUsed)
	_, errs = s.ConsumePresignatures(ctx, uses[:1])
	wantErr(t, "a consumed presignature", errs[0], keystore.ErrNonceUsed)
	wantErr(t, "put a consumed id again", s.PutPresignature(ctx, "k", "a", []byte("again")), keystore.ErrNonceUsed)
}

func testBlobs(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	_, err := s.Blob(ctx, "safe-primes", "a")
	wantErr(t, "missing blob", err, keystore.ErrNotFound)
	for _, name := range []string{"b", "a", "c"} {
		must(t, "put "+name, s.PutBlob(ctx, "safe-primes", name, []byte("prime "+name)))
	}
	must(t, "put other namespace", s.PutBlob(ctx, "other", "a", []byte("x")))
	wantErr(t, "put existing", s.PutBlob(ctx, "safe-primes", "a", []byte("y")), keystore.ErrExists)
	sec, err := s.Blob(ctx, "safe-primes", "a")
	must(t, "get", err)
	wantSecret(t, "blob", sec, []byte("prime a"))
	names, err := s.ListBlobs(ctx, "safe-primes")
	must(t, "list", err)
	if strings.Join(names, ",") != "a,b,c" {
		t.Fatalf("list = %v", names)
	}
	must(t, "delete", s.DeleteBlob(ctx, "safe-primes", "b"))
	wantErr(t, "delete again", s.DeleteBlob(ctx, "safe-primes", "b"), keystore.ErrNotFound)
	names, _ = s.ListBlobs(ctx, "safe-primes")
	if strings.Join(names, ",") != "a,c" {
		t.Fatalf("list after delete = %v", names)
	}
	wantErr(t, "empty namespace", s.PutBlob(ctx, "", "a", nil), keystore.ErrInvalid)
}

func testRedaction(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	must(t, "put", s.PutNonce(ctx, "k", "n", []byte("TOPSECRET")))
	sec, err := s.ConsumeNonce(ctx, "k", "n")
	must(t, "consume", err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out := fmt.Sprintf(verb, sec)
		if strings.Contains(out, "TOPSECRET") || strings.Contains(out, fmt.Sprintf("%x", "TOPSECRET")) {
			t.Fatalf("%s leaks: %s", verb, out)
		}
	}
	buf := sec.Bytes()
	sec.Destroy()
	if !bytes.Equal(buf, make([]byte, len(buf))) || sec.Bytes() != nil {
		t.Fatal("Destroy did not wipe")
	}
}

func testClosed(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	must(t, "close", s.Close())
	must(t, "close twice", s.Close())
	wantErr(t, "put after close", s.PutNonce(ctx, "k", "n", []byte("x")), keystore.ErrClosed)
	_, err := s.ConsumeNonce(ctx, "k", "n")
	wantErr(t, "consume after close", err, keystore.ErrClosed)
	_, _, err = s.Identity(ctx)
	wantErr(t, "identity after close", err, keystore.ErrClosed)
}

func testRecordNonceUses(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	must(t, "put nonce", s.PutNonce(ctx, "k", "stored", []byte("secret")))
	errs := s.RecordNonceUses(ctx, []keystore.NonceUse{{KeyID: "k", ID: "a"}, {KeyID: "k", ID: "b"}, {KeyID: "k", ID: "a"}, {KeyID: "k", ID: "stored"}, {KeyID: "", ID: "x"}})
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("fresh uses refused: %v %v", errs[0], errs[1])
	}
	wantErr(t, "the same id twice in one batch", errs[2], keystore.ErrNonceUsed)
	wantErr(t, "an id that holds a stored nonce", errs[3], keystore.ErrNonceUsed)
	wantErr(t, "an empty key id", errs[4], keystore.ErrInvalid)
	errs = s.RecordNonceUses(ctx, []keystore.NonceUse{{KeyID: "k", ID: "b"}})
	wantErr(t, "an id used in an earlier batch", errs[0], keystore.ErrNonceUsed)
	wantErr(t, "putting a nonce whose id was used", s.PutNonce(ctx, "k", "a", []byte("s")), keystore.ErrNonceUsed)
	// Other keys have their own id space.
	if errs := s.RecordNonceUses(ctx, []keystore.NonceUse{{KeyID: "k2", ID: "a"}}); errs[0] != nil {
		t.Fatalf("another key's id refused: %v", errs[0])
	}
}

func testNonceBatches(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	must(t, "put batch", s.PutNonces(ctx, []keystore.NonceSecret{
		{KeyID: "k", ID: "1", Secret: []byte("one")}, {KeyID: "k", ID: "2", Secret: []byte("two")}}))
	wantErr(t, "a batch repeating a stored id", s.PutNonces(ctx, []keystore.NonceSecret{
		{KeyID: "k", ID: "3", Secret: []byte("x")}, {KeyID: "k", ID: "1", Secret: []byte("y")}}), keystore.ErrExists)
	// All or none: "3" was not stored by the refused batch.
	secs, errs := s.ConsumeNonces(ctx, []keystore.NonceUse{{KeyID: "k", ID: "2"}, {KeyID: "k", ID: "3"}, {KeyID: "k", ID: "1"}, {KeyID: "k", ID: "2"}})
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("stored nonces not consumed: %v %v", errs[0], errs[2])
	}
	wantSecret(t, "nonce 2", secs[0], []byte("two"))
	wantSecret(t, "nonce 1", secs[2], []byte("one"))
	wantErr(t, "a nonce of a refused batch", errs[1], keystore.ErrNotFound)
	wantErr(t, "the same nonce twice in one batch", errs[3], keystore.ErrNonceUsed)
	_, errs = s.ConsumeNonces(ctx, []keystore.NonceUse{{KeyID: "k", ID: "1"}})
	wantErr(t, "a nonce consumed by an earlier batch", errs[0], keystore.ErrNonceUsed)
	wantErr(t, "storing a consumed id again", s.PutNonces(ctx, []keystore.NonceSecret{{KeyID: "k", ID: "1", Secret: []byte("z")}}), keystore.ErrExists)
}

func testNoncesAhead(t *testing.T, s keystore.Store) {
	ctx := context.Background()
	put := func(key string, ids ...string) {
		var ns []keystore.NonceSecret
		for _, id := range ids {
			ns = append(ns, keystore.NonceSecret{KeyID: key, ID: id, Secret: []byte("secret " + key + id)})
		}
		must(t, "put "+key, s.PutNonces(ctx, ns))
	}
	// Storage order, not id order; another key's batch in between.
	put("k", "e", "d", "c")
	put("other", "x", "y")
	put("k", "b", "a")
	_, errs := s.ConsumeNonces(ctx, []keystore.NonceUse{{KeyID: "k", ID: "c"}})
	must(t, "consume c", errs[0])
	secs, aheads, errs := s.ConsumeNoncesAhead(ctx, []keystore.NonceUse{{KeyID: "k", ID: "d"}, {KeyID: "k", ID: "zz"}, {KeyID: "other", ID: "y"}}, 2)
	must(t, "consume d ahead", errs[0])
	wantSecret(t, "nonce d", secs[0], []byte("secret kd"))
	// After d: c is spent, so b and a (the limit is 2).
	if len(aheads[0]) != 2 || aheads[0][0].ID != "b" || aheads[0][1].ID != "a" {
		t.Fatalf("taken ahead of d: %v", aheads[0])
	}
	wantSecret(t, "nonce b ahead", aheads[0][0].Secret, []byte("secret kb"))
	wantErr(t, "an unknown nonce", errs[1], keystore.ErrNotFound)
	if len(aheads[1]) != 0 {
		t.Fatal("nonces taken ahead of a failed use")
	}
	must(t, "consume y ahead", errs[2])
	if len(aheads[2]) != 0 {
		t.Fatalf("taken ahead of the other key's last nonce: %v", aheads[2])
	}
	// Taken ahead means consumed: never handed out again.
	_, errs = s.ConsumeNonces(ctx, []keystore.NonceUse{{KeyID: "k", ID: "a"}, {KeyID: "k", ID: "b"}, {KeyID: "k", ID: "e"}})
	wantErr(t, "a nonce taken ahead", errs[0], keystore.ErrNonceUsed)
	wantErr(t, "a nonce taken ahead", errs[1], keystore.ErrNonceUsed)
	must(t, "e, stored before d, is still there", errs[2])
	_, errs = s.ConsumeNonces(ctx, []keystore.NonceUse{{KeyID: "other", ID: "x"}})
	must(t, "the other key's nonce before y", errs[0])
}
