package keystore

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"filippo.io/age"
	"github.com/custos-mpc/custos/internal/sealer"
)

func TestRekey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "node.db")
	oldS := passSealer(t, "old passphrase")
	st := openTest(t, path, oldS)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.PutIdentity(ctx, []byte("pub"), []byte("identity secret")))
	must(st.PutShare(ctx, ShareInfo{KeyID: "k", Scheme: "frost-ed25519", Epoch: 0, PublicKey: []byte("pk")}, []byte("share 0")))
	must(st.PutShare(ctx, ShareInfo{KeyID: "k", Scheme: "frost-ed25519", Epoch: 1, PublicKey: []byte("pk")}, []byte("share 1")))
	must(st.ActivateShare(ctx, "k", 0))
	must(st.ActivateShare(ctx, "k", 1))
	must(st.DestroyShare(ctx, "k", 0))
	must(st.PutNonce(ctx, "k", "used", []byte("n")))
	must(st.PutNonce(ctx, "k", "fresh", []byte("fresh nonce")))
	if _, err := st.ConsumeNonce(ctx, "k", "used"); err != nil {
		t.Fatal(err)
	}
	must(st.PutBlob(ctx, "primes", "p1", []byte("prime")))
	st.Close()

	id, _ := age.GenerateX25519Identity()
	newS, _ := sealer.NewAgeSealer(id)

	t.Run("a missing store is not created", func(t *testing.T) {
		if err := Rekey(ctx, path+".missing", oldS, newS); err == nil {
			t.Fatal("rekeyed a missing file")
		}
	})
	t.Run("a wrong source key is refused", func(t *testing.T) {
		if err := Rekey(ctx, path, passSealer(t, "nope"), newS); !errors.Is(err, ErrWrongKey) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a seal-only target is refused and nothing changes", func(t *testing.T) {
		sealOnly, _ := sealer.NewAgeRecipientSealer(id.Recipient())
		if err := Rekey(ctx, path, oldS, sealOnly); err == nil {
			t.Fatal("accepted a target that cannot open")
		}
		st := openTest(t, path, oldS)
		st.Close()
	})
	must(Rekey(ctx, path, oldS, newS))
	if _, err := Open(path, oldS); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("old key after rekey: %v", err)
	}
	st = openTest(t, path, newS)
	defer st.Close()
	if _, sec, err := st.Identity(ctx); err != nil || string(sec.Bytes()) != "identity secret" {
		t.Fatalf("identity: %v", err)
	}
	if _, sec, err := st.ActiveShare(ctx, "k"); err != nil || string(sec.Bytes()) != "share 1" {
		t.Fatalf("active share: %v", err)
	}
	if _, _, err := st.Share(ctx, "k", 0); !errors.Is(err, ErrDestroyed) {
		t.Fatalf("destroyed share: %v", err)
	}
	if _, err := st.ConsumeNonce(ctx, "k", "used"); !errors.Is(err, ErrNonceUsed) {
		t.Fatalf("consumed nonce: %v", err)
	}
	if sec, err := st.ConsumeNonce(ctx, "k", "fresh"); err != nil || string(sec.Bytes()) != "fresh nonce" {
		t.Fatalf("fresh nonce: %v", err)
	}
	if sec, err := st.Blob(ctx, "primes", "p1"); err != nil || string(sec.Bytes()) != "prime" {
		t.Fatalf("blob: %v", err)
	}
}
