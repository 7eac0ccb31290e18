package keystore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/custos-mpc/custos/internal/sealer"
)

func passSealer(t testing.TB, pass string) sealer.Sealer {
	t.Helper()
	p, err := sealer.NewPassphrase([]byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Destroy()
	s, err := sealer.NewPassphraseSealer(p, sealer.TestArgon2)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openTest(t *testing.T, path string, s sealer.Sealer) *sqliteStore {
	t.Helper()
	st, err := openSQLite(path, s)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestOpenVerifiesTheKeyFirst(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "node.db")
	st := openTest(t, path, passSealer(t, "right"))
	if err := st.PutNonce(ctx, "k", "n", []byte("secret")); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := age.GenerateX25519Identity()
	ageSealer, _ := sealer.NewAgeSealer(id)
	for _, tc := range []struct {
		name string
		s    sealer.Sealer
	}{
		{"a wrong passphrase", passSealer(t, "wrong")},
		{"an age identity on a passphrase store", ageSealer},
	} {
		t.Run(tc.name+" is ErrWrongKey and changes nothing", func(t *testing.T) {
			_, err := Open(path, tc.s)
			if !errors.Is(err, ErrWrongKey) {
				t.Fatalf("got %v, want ErrWrongKey", err)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Fatal("the file changed")
			}
		})
	}
	t.Run("the right passphrase opens and the data is there", func(t *testing.T) {
		st := openTest(t, path, passSealer(t, "right"))
		defer st.Close()
		sec, err := st.ConsumeNonce(ctx, "k", "n")
		if err != nil || string(sec.Bytes()) != "secret" {
			t.Fatalf("consume after reopen: %v", err)
		}
	})
}

func TestAgeSealedStore(t *testing.T) {
	ctx := context.Background()
	id, _ := age.GenerateX25519Identity()
	s, _ := sealer.NewAgeSealer(id)
	path := filepath.Join(t.TempDir(), "node.db")
	st := openTest(t, path, s)
	if err := st.PutShare(ctx, ShareInfo{KeyID: "k", Scheme: "ecdsa-secp256k1", Epoch: 1, PublicKey: []byte{2, 3}}, []byte("share")); err != nil {
		t.Fatal(err)
	}
	st.Close()
	other, _ := age.GenerateX25519Identity()
	os2, _ := sealer.NewAgeSealer(other)
	if _, err := Open(path, os2); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("other identity: %v", err)
	}
	st = openTest(t, path, s)
	defer st.Close()
	if _, sec, err := st.Share(ctx, "k", 1); err != nil || string(sec.Bytes()) != "share" {
		t.Fatalf("share: %v", err)
	}
}

// Every blob is bound to its row: moving a sealed value into another row,
// or changing the row's public metadata, makes it fail to open.
func TestSwappedBlobsDoNotOpen(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, filepath.Join(t.TempDir(), "node.db"), passSealer(t, "pw"))
	defer st.Close()
	mustDo := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a := ShareInfo{KeyID: "a", Scheme: "frost-ed25519", Epoch: 1, PublicKey: []byte("pk-a")}
	b := ShareInfo{KeyID: "b", Scheme: "frost-ed25519", Epoch: 1, PublicKey: []byte("pk-b")}
	mustDo(st.PutShare(ctx, a, []byte("share a")))
	mustDo(st.PutShare(ctx, b, []byte("share b")))
	mustDo(st.PutShare(ctx, ShareInfo{KeyID: "a", Scheme: "frost-ed25519", Epoch: 2, PublicKey: []byte("pk-a")}, []byte("share a2")))
	mustDo(st.PutNonce(ctx, "a", "n1", []byte("nonce 1")))
	mustDo(st.PutNonce(ctx, "a", "n2", []byte("nonce 2")))
	mustDo(st.PutPresignature(ctx, "a", "n3", []byte("presig")))
	mustDo(st.PutBlob(ctx, "ns", "x", []byte("blob x")))
	mustDo(st.PutBlob(ctx, "ns", "y", []byte("blob y")))
	mustDo(st.PutIdentity(ctx, []byte("id-pub"), []byte("id-secret")))

	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := st.db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		setup string
		check func() error
	}{
		{"a share moved to another key", `UPDATE shares SET sealed = (SELECT sealed FROM shares WHERE key_id = 'b') WHERE key_id = 'a' AND epoch = 1`,
			func() error { _, _, err := st.Share(ctx, "a", 1); return err }},
		{"a share moved to another epoch", `UPDATE shares SET sealed = (SELECT sealed FROM shares WHERE key_id = 'a' AND epoch = 1) WHERE key_id = 'a' AND epoch = 2`,
			func() error { _, _, err := st.Share(ctx, "a", 2); return err }},
		{"a share's public key changed", `UPDATE shares SET public_key = X'00' WHERE key_id = 'b'`,
			func() error { _, _, err := st.Share(ctx, "b", 1); return err }},
		{"a share's scheme changed", `UPDATE shares SET scheme = 'ecdsa-secp256k1' WHERE key_id = 'a' AND epoch = 2`,
			func() error { _, _, err := st.Share(ctx, "a", 2); return err }},
		{"a nonce moved to another id", `UPDATE one_time SET sealed = (SELECT sealed FROM one_time WHERE id = 'n1') WHERE id = 'n2'`,
			func() error { _, err := st.ConsumeNonce(ctx, "a", "n2"); return err }},
		{"a nonce relabelled as a presignature", `UPDATE one_time SET sealed = (SELECT sealed FROM one_time WHERE id = 'n1') WHERE id = 'n3'`,
			func() error { _, err := st.ConsumePresignature(ctx, "a", "n3"); return err }},
		{"a blob moved to another name", `UPDATE blobs SET sealed = (SELECT sealed FROM blobs WHERE name = 'x') WHERE name = 'y'`,
			func() error { _, err := st.Blob(ctx, "ns", "y"); return err }},
		{"the identity's public half changed", `UPDATE identity SET public = X'01'`,
			func() error { _, _, err := st.Identity(ctx); return err }},
	} {
		t.Run(tc.name+" does not open", func(t *testing.T) {
			exec(tc.setup)
			if err := tc.check(); !errors.Is(err, sealer.ErrAuth) {
				t.Fatalf("got %v, want sealer.ErrAuth", err)
			}
		})
	}
	t.Run("a nonce that does not open is not consumed", func(t *testing.T) {
		var consumed any
		if err := st.db.QueryRowContext(ctx, `SELECT consumed_at FROM one_time WHERE id = 'n2'`).Scan(&consumed); err != nil || consumed != nil {
			t.Fatalf("consumed_at = %v, %v", consumed, err)
		}
	})
	t.Run("the untouched rows still open", func(t *testing.T) {
		if _, err := st.ConsumeNonce(ctx, "a", "n1"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Blob(ctx, "ns", "x"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDurabilitySettings(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "node.db"), passSealer(t, "pw"))
	defer st.Close()
	for pragma, want := range map[string]string{
		"journal_mode":  "wal",
		"synchronous":   "2", // FULL
		"secure_delete": "1",
	} {
		var got string
		if err := st.db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	fi, err := os.Stat(filepath.Join(filepath.Dir(st.dbPath()), "node.db"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	t.Run("a newer schema", func(t *testing.T) {
		path := filepath.Join(dir, "newer.db")
		st := openTest(t, path, passSealer(t, "pw"))
		if _, err := st.db.Exec(`UPDATE schema_version SET version = 99`); err != nil {
			t.Fatal(err)
		}
		st.Close()
		if _, err := Open(path, passSealer(t, "pw")); !errors.Is(err, ErrSchema) {
			t.Fatalf("got %v, want ErrSchema", err)
		}
	})
	t.Run("a database that is not a keystore", func(t *testing.T) {
		path := filepath.Join(dir, "other.db")
		st := openTest(t, path, passSealer(t, "pw"))
		if _, err := st.db.Exec(`DROP TABLE schema_version`); err != nil {
			t.Fatal(err)
		}
		st.Close()
		if _, err := Open(path, passSealer(t, "pw")); !errors.Is(err, ErrSchema) {
			t.Fatalf("got %v, want ErrSchema", err)
		}
	})
	t.Run("a file that is not SQLite", func(t *testing.T) {
		path := filepath.Join(dir, "garbage.db")
		if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 100), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(path, passSealer(t, "pw")); err == nil {
			t.Fatal("opened")
		}
	})
	t.Run("a path with a query string", func(t *testing.T) {
		if _, err := Open(filepath.Join(dir, "x.db?mode=ro"), passSealer(t, "pw")); !errors.Is(err, ErrInvalid) {
			t.Fatalf("got %v", err)
		}
	})
}

// A version-1 store (one index of every unused nonce and presignature)
// opens as version 2 with its rows intact, and the presignature queries
// use the new partial index.
func TestMigrationToPresignatureOnlyIndex(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	st := openTest(t, path, passSealer(t, "pw"))
	for _, id := range []string{"p1", "p2"} {
		if err := st.PutPresignature(ctx, "k", id, []byte("s")); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.PutNonce(ctx, "k", "n1", []byte("s")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.Exec(`DROP INDEX one_time_unused_presignatures;
		CREATE INDEX one_time_unused ON one_time (kind, key_id) WHERE consumed_at IS NULL;
		UPDATE schema_version SET version = 1`); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st = openTest(t, path, passSealer(t, "pw"))
	defer st.Close()
	var version int
	if err := st.db.QueryRow(`SELECT version FROM schema_version`).Scan(&version); err != nil || version != SchemaVersion {
		t.Fatalf("version %d (%v), want %d", version, err, SchemaVersion)
	}
	var indexes []string
	rows, err := st.db.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'one_time' AND sql IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, name)
	}
	if rows.Close(); len(indexes) != 1 || indexes[0] != "one_time_unused_presignatures" {
		t.Fatalf("indexes on one_time: %q", indexes)
	}
	var plan string
	if err := st.db.QueryRow(`EXPLAIN QUERY PLAN SELECT count(*) FROM one_time
		WHERE kind = 'presignature' AND key_id = ? AND consumed_at IS NULL`, "k").Scan(new(int), new(int), new(int), &plan); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "one_time_unused_presignatures") {
		t.Errorf("unused presignatures are counted by %q", plan)
	}
	if n, err := st.UnusedPresignatures(ctx, "k"); err != nil || n != 2 {
		t.Fatalf("unused presignatures: %d, %v", n, err)
	}
	if sec, err := st.ConsumeNonce(ctx, "k", "n1"); err != nil || string(sec.Bytes()) != "s" {
		t.Fatalf("consume after migration: %v", err)
	}
	if n, err := st.DiscardPresignatures(ctx, "k"); err != nil || n != 2 {
		t.Fatalf("discard presignatures: %d, %v", n, err)
	}
}
