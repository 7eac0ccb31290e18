package keystore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/custos-mpc/custos/internal/sealer"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// sqliteStore is the production Store: one SQLite file per node.
type sqliteStore struct {
	path   string
	db     *sql.DB
	sealer sealer.Sealer
	closed atomic.Bool
	now    func() time.Time

	// Statements of the signing hot path (nonce and presignature
	// consumption), prepared once: parsing SQL was a tenth of a node's
	// CPU under load. database/sql reuses them inside transactions on the
	// store's single connection.
	stmts map[string]*sql.Stmt
}

// Hot-path statements (see sqliteStore.stmt).
const (
	sqlSelectOneTime = `SELECT rowid, sealed, consumed_at FROM one_time WHERE kind = ? AND key_id = ? AND id = ?`
	// By the rowid the SELECT returned in the same transaction: one B-tree
	// seek instead of a primary-key index seek and then the row's.
	sqlConsumeOneTime = `UPDATE one_time SET sealed = NULL, consumed_at = ? WHERE rowid = ? AND consumed_at IS NULL`
	// The unused nonces of a key stored after a row: a range of the
	// table's rowid B-tree (NOT INDEXED: by the primary key SQLite would
	// read every nonce the key ever had, and sort them), bounded so that a
	// key whose later nonces are all spent does not scan the rest of the
	// table.
	sqlNextOneTime = `SELECT rowid, id, sealed FROM one_time NOT INDEXED
				WHERE rowid > ? AND rowid <= ? AND kind = ? AND key_id = ? AND consumed_at IS NULL
				ORDER BY rowid LIMIT ?`
	sqlPutOneTime = `INSERT INTO one_time (kind, key_id, id, sealed, created_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	sqlRecordNonceUse = `INSERT INTO one_time (kind, key_id, id, sealed, created_at, consumed_at)
				VALUES (?, ?, ?, NULL, ?, ?) ON CONFLICT DO NOTHING`
)

// prepare prepares the hot-path statements once the schema exists. It
// must run outside any transaction: the store has one connection.
func (st *sqliteStore) prepare(ctx context.Context) error {
	st.stmts = map[string]*sql.Stmt{}
	for _, q := range []string{sqlSelectOneTime, sqlConsumeOneTime, sqlNextOneTime, sqlRecordNonceUse, sqlPutOneTime} {
		s, err := st.db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("keystore: open: prepare: %w", err)
		}
		st.stmts[q] = s
	}
	return nil
}

// stmt returns a statement prepared at open, bound to tx.
func (st *sqliteStore) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	return tx.StmtContext(ctx, st.stmts[query])
}

var _ Store = (*sqliteStore)(nil)

// dsnParams: WAL with synchronous=FULL makes every commit durable before it
// returns; BEGIN IMMEDIATE takes the write lock up front so check-then-mark
// in Consume cannot interleave; secure_delete overwrites erased secrets.
// The page cache stays at SQLite's default (2 MiB): a 16 MiB one saved a
// few page reads per consumption but made a node's resident memory grow
// with its store for minutes, and nodes now consume nonces in runs (one
// transaction per 16), which leaves little for a bigger cache to save.
const dsnParams = "?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate" +
	"&_pragma=secure_delete(1)&_pragma=trusted_schema(0)"

// Open opens the keystore at path, creating it (mode 0600) if it does not
// exist. For an existing store it first checks that s opens the canary
// written at creation, and returns ErrWrongKey if not, before migrating or
// writing anything.
func Open(path string, s sealer.Sealer) (Store, error) {
	return openSQLite(path, s)
}

func openSQLite(path string, s sealer.Sealer) (*sqliteStore, error) {
	if s == nil {
		return nil, errors.New("keystore: open: nil sealer")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("keystore: open: %w", err)
	}
	if strings.ContainsAny(abs, "?#") {
		return nil, fmt.Errorf("keystore: open: %w: path %q contains ? or #", ErrInvalid, path)
	}
	// Create the file ourselves so its mode is 0600; SQLite gives the WAL
	// and shared-memory files the same mode.
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("keystore: open: %w", err)
	} else {
		_ = f.Close()
	}
	db, err := sql.Open("sqlite", abs+dsnParams)
	if err != nil {
		return nil, fmt.Errorf("keystore: open: %w", err)
	}
	// One connection: the store serializes its own transactions, and the
	// connection's pragmas apply to everything.
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	st := &sqliteStore{path: abs, db: db, sealer: s, now: time.Now}
	if err := st.init(context.Background()); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := st.prepare(context.Background()); err != nil {
		_ = db.Close()
		return nil, err
	}
	return st, nil
}

func (st *sqliteStore) init(ctx context.Context) error {
	var mode string
	if err := st.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("keystore: open: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("keystore: open: journal mode is %q, want wal", mode)
	}
	var hasVersion, tables int
	if err := st.db.QueryRowContext(ctx,
		`SELECT count(*) FILTER (WHERE name = 'schema_version'), count(*) FROM sqlite_master WHERE type = 'table'`,
	).Scan(&hasVersion, &tables); err != nil {
		return fmt.Errorf("keystore: open: %w", err)
	}
	switch {
	case hasVersion == 0 && tables == 0:
		return st.create(ctx)
	case hasVersion == 0:
		return fmt.Errorf("keystore: open: %w: the file holds a database that is not a keystore", ErrSchema)
	}
	var version int
	if err := st.db.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version); err != nil {
		return fmt.Errorf("keystore: open: schema version: %w", err)
	}
	if version < 1 || version > SchemaVersion {
		return fmt.Errorf("keystore: open: %w: version %d, this build knows 1..%d", ErrSchema, version, SchemaVersion)
	}
	if err := st.checkCanary(ctx); err != nil {
		return err
	}
	return st.migrate(ctx, version)
}

// create initializes an empty file: schema and canary in one transaction.
func (st *sqliteStore) create(ctx context.Context) error {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("keystore: create: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if _, err := tx.ExecContext(ctx, `CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;
		INSERT INTO schema_version VALUES (0)`); err != nil {
		return fmt.Errorf("keystore: create: %w", err)
	}
	if err := applyMigrations(ctx, tx, 0); err != nil {
		return err
	}
	storeID := make([]byte, 16)
	canary := make([]byte, 32)
	if _, err := rand.Read(storeID); err != nil {
		return fmt.Errorf("keystore: create: %w", err)
	}
	if _, err := rand.Read(canary); err != nil {
		return fmt.Errorf("keystore: create: %w", err)
	}
	sealed, err := st.sealer.Seal(canary, canaryAD(storeID))
	if err != nil {
		return fmt.Errorf("keystore: create: sealing canary: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES ('store_id', ?), ('canary', ?), ('sealer_kind', ?)`,
		storeID, sealed, []byte(st.sealer.Kind())); err != nil {
		return fmt.Errorf("keystore: create: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("keystore: create: %w", err)
	}
	return nil
}

func (st *sqliteStore) checkCanary(ctx context.Context) error {
	var storeID, sealed []byte
	err := st.db.QueryRowContext(ctx,
		`SELECT (SELECT value FROM meta WHERE name = 'store_id'), (SELECT value FROM meta WHERE name = 'canary')`,
	).Scan(&storeID, &sealed)
	if err != nil {
		return fmt.Errorf("keystore: open: reading canary: %w", err)
	}
	if storeID == nil || sealed == nil {
		return fmt.Errorf("keystore: open: %w: no canary", ErrSchema)
	}
	pt, err := st.sealer.Open(sealed, canaryAD(storeID))
	if err != nil {
		return fmt.Errorf("keystore: open: verifying the key with the canary: %w", err)
	}
	wipe(pt)
	return nil
}

func (st *sqliteStore) migrate(ctx context.Context, from int) error {
	if from == SchemaVersion {
		return nil
	}
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("keystore: migrate: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if err := applyMigrations(ctx, tx, from); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("keystore: migrate: %w", err)
	}
	return nil
}

func applyMigrations(ctx context.Context, tx *sql.Tx, from int) error {
	for v := from; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("keystore: migrate %d→%d: %w", v, v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, len(migrations)); err != nil {
		return fmt.Errorf("keystore: migrate: %w", err)
	}
	return nil
}

func (st *sqliteStore) dbPath() string { return st.path }

func (st *sqliteStore) Close() error {
	if st.closed.Swap(true) {
		return nil
	}
	for _, s := range st.stmts {
		_ = s.Close()
	}
	if err := st.db.Close(); err != nil {
		return fmt.Errorf("keystore: close: %w", err)
	}
	return nil
}

func (st *sqliteStore) check() error {
	if st.closed.Load() {
		return ErrClosed
	}
	return nil
}

func (st *sqliteStore) stamp() int64 { return st.now().UnixMilli() }

// tx runs fn in an immediate transaction and commits if it returns nil.
func (st *sqliteStore) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := st.check(); err != nil {
		return err
	}
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (st *sqliteStore) open(sealed, ad []byte) (*Secret, error) {
	pt, err := st.sealer.Open(sealed, ad)
	if err != nil {
		return nil, err
	}
	return newSecret(pt), nil
}

// --- identity ---

func (st *sqliteStore) PutIdentity(ctx context.Context, public, secret []byte) error {
	if len(public) == 0 || len(public) > MaxPublicKeyLen {
		return fmt.Errorf("keystore: put identity: %w: public length %d", ErrInvalid, len(public))
	}
	if err := validSecret(secret); err != nil {
		return fmt.Errorf("keystore: put identity: %w", err)
	}
	sealed, err := st.sealer.Seal(secret, identityAD(public))
	if err != nil {
		return fmt.Errorf("keystore: put identity: %w", err)
	}
	err = st.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO identity (id, public, sealed, created_at) VALUES (1, ?, ?, ?)
			ON CONFLICT DO NOTHING`, public, sealed, st.stamp())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrExists
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("keystore: put identity: %w", err)
	}
	return nil
}

func (st *sqliteStore) Identity(ctx context.Context) ([]byte, *Secret, error) {
	if err := st.check(); err != nil {
		return nil, nil, fmt.Errorf("keystore: identity: %w", err)
	}
	var public, sealed []byte
	err := st.db.QueryRowContext(ctx, `SELECT public, sealed FROM identity WHERE id = 1`).Scan(&public, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("keystore: identity: %w", ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("keystore: identity: %w", err)
	}
	sec, err := st.open(sealed, identityAD(public))
	if err != nil {
		return nil, nil, fmt.Errorf("keystore: identity: %w", err)
	}
	return public, sec, nil
}

// --- shares ---

const shareColumns = `key_id, epoch, scheme, public_key, status, created_at, updated_at, sealed`

func scanShare(row interface{ Scan(...any) error }) (ShareInfo, []byte, error) {
	var info ShareInfo
	var epoch, created, updated int64
	var status string
	var sealed []byte
	if err := row.Scan(&info.KeyID, &epoch, &info.Scheme, &info.PublicKey, &status, &created, &updated, &sealed); err != nil {
		return info, nil, err
	}
	info.Epoch = uint64(epoch)
	info.Status = ShareStatus(status)
	info.Created = time.UnixMilli(created).UTC()
	info.Updated = time.UnixMilli(updated).UTC()
	return info, sealed, nil
}

func (st *sqliteStore) PutShare(ctx context.Context, info ShareInfo, secret []byte) error {
	if err := validShare(&info); err != nil {
		return fmt.Errorf("keystore: put share: %w", err)
	}
	if err := validSecret(secret); err != nil {
		return fmt.Errorf("keystore: put share: %w", err)
	}
	sealed, err := st.sealer.Seal(secret, shareAD(&info))
	if err != nil {
		return fmt.Errorf("keystore: put share: %w", err)
	}
	now := st.stamp()
	err = st.tx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM shares WHERE key_id = ? AND epoch = ?`, info.KeyID, int64(info.Epoch)).Scan(&status)
		switch {
		case err == nil && status == string(StatusDestroyed):
			return ErrDestroyed
		case err == nil:
			return ErrExists
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO shares (key_id, epoch, scheme, public_key, sealed, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`, info.KeyID, int64(info.Epoch), info.Scheme, info.PublicKey, sealed, now, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("keystore: put share %q epoch %d: %w", info.KeyID, info.Epoch, err)
	}
	return nil
}

func (st *sqliteStore) Share(ctx context.Context, keyID string, epoch uint64) (ShareInfo, *Secret, error) {
	if epoch > maxEpoch {
		return ShareInfo{}, nil, fmt.Errorf("keystore: share: %w: epoch too large", ErrInvalid)
	}
	return st.getShare(ctx, fmt.Sprintf("keystore: share %q epoch %d", keyID, epoch),
		`SELECT `+shareColumns+` FROM shares WHERE key_id = ? AND epoch = ?`, keyID, int64(epoch))
}

func (st *sqliteStore) ActiveShare(ctx context.Context, keyID string) (ShareInfo, *Secret, error) {
	return st.getShare(ctx, fmt.Sprintf("keystore: active share %q", keyID),
		`SELECT `+shareColumns+` FROM shares WHERE key_id = ? AND status = 'active'`, keyID)
}

func (st *sqliteStore) getShare(ctx context.Context, what, query string, args ...any) (ShareInfo, *Secret, error) {
	if err := st.check(); err != nil {
		return ShareInfo{}, nil, fmt.Errorf("%s: %w", what, err)
	}
	info, sealed, err := scanShare(st.db.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return ShareInfo{}, nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return ShareInfo{}, nil, fmt.Errorf("%s: %w", what, err)
	}
	if info.Status == StatusDestroyed {
		return ShareInfo{}, nil, fmt.Errorf("%s: %w", what, ErrDestroyed)
	}
	sec, err := st.open(sealed, shareAD(&info))
	if err != nil {
		return ShareInfo{}, nil, fmt.Errorf("%s: %w", what, err)
	}
	return info, sec, nil
}

func (st *sqliteStore) ActivateShare(ctx context.Context, keyID string, epoch uint64) error {
	if epoch > maxEpoch {
		return fmt.Errorf("keystore: activate share: %w: epoch too large", ErrInvalid)
	}
	now := st.stamp()
	err := st.tx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM shares WHERE key_id = ? AND epoch = ?`, keyID, int64(epoch)).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		switch ShareStatus(status) {
		case StatusActive:
			return nil
		case StatusDestroyed:
			return ErrDestroyed
		case StatusSuperseded:
			return fmt.Errorf("%w: epoch was superseded", ErrInvalid)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shares SET status = 'superseded', updated_at = ? WHERE key_id = ? AND status = 'active'`,
			now, keyID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE shares SET status = 'active', updated_at = ? WHERE key_id = ? AND epoch = ?`,
			now, keyID, int64(epoch))
		return err
	})
	if err != nil {
		return fmt.Errorf("keystore: activate share %q epoch %d: %w", keyID, epoch, err)
	}
	return nil
}

func (st *sqliteStore) DestroyShare(ctx context.Context, keyID string, epoch uint64) error {
	if epoch > maxEpoch {
		return fmt.Errorf("keystore: destroy share: %w: epoch too large", ErrInvalid)
	}
	err := st.tx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM shares WHERE key_id = ? AND epoch = ?`, keyID, int64(epoch)).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		switch ShareStatus(status) {
		case StatusDestroyed:
			return nil
		case StatusActive:
			return ErrActive
		}
		_, err = tx.ExecContext(ctx, `UPDATE shares SET status = 'destroyed', sealed = NULL, updated_at = ? WHERE key_id = ? AND epoch = ?`,
			st.stamp(), keyID, int64(epoch))
		return err
	})
	if err != nil {
		return fmt.Errorf("keystore: destroy share %q epoch %d: %w", keyID, epoch, err)
	}
	return nil
}

func (st *sqliteStore) DiscardPendingShare(ctx context.Context, keyID string, epoch uint64) error {
	if epoch > maxEpoch {
		return fmt.Errorf("keystore: discard pending share: %w: epoch too large", ErrInvalid)
	}
	err := st.tx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM shares WHERE key_id = ? AND epoch = ?`, keyID, int64(epoch)).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if ShareStatus(status) != StatusPending {
			return fmt.Errorf("%w: epoch is %s, not pending", ErrInvalid, status)
		}
		// Overwrite the sealed bytes before the delete, so the freed page
		// does not keep them.
		if _, err := tx.ExecContext(ctx, `UPDATE shares SET sealed = zeroblob(length(sealed)) WHERE key_id = ? AND epoch = ?`, keyID, int64(epoch)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM shares WHERE key_id = ? AND epoch = ?`, keyID, int64(epoch))
		return err
	})
	if err != nil {
		return fmt.Errorf("keystore: discard pending share %q epoch %d: %w", keyID, epoch, err)
	}
	return nil
}

func (st *sqliteStore) ListShares(ctx context.Context, keyID string) ([]ShareInfo, error) {
	if err := st.check(); err != nil {
		return nil, fmt.Errorf("keystore: list shares: %w", err)
	}
	rows, err := st.db.QueryContext(ctx, `SELECT `+shareColumns+` FROM shares WHERE ? = '' OR key_id = ? ORDER BY key_id, epoch`, keyID, keyID)
	if err != nil {
		return nil, fmt.Errorf("keystore: list shares: %w", err)
	}
	defer rows.Close()
	var out []ShareInfo
	for rows.Next() {
		info, _, err := scanShare(rows)
		if err != nil {
			return nil, fmt.Errorf("keystore: list shares: %w", err)
		}
		out = append(out, info)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("keystore: list shares: %w", err)
	}
	return out, nil
}

// --- nonces and presignatures ---

func (st *sqliteStore) PutNonce(ctx context.Context, keyID, nonceID string, secret []byte) error {
	return st.putOneTime(ctx, kindNonce, keyID, nonceID, secret)
}

func (st *sqliteStore) ConsumeNonce(ctx context.Context, keyID, nonceID string) (*Secret, error) {
	return st.consume(ctx, kindNonce, keyID, nonceID)
}

func (st *sqliteStore) PutPresignature(ctx context.Context, keyID, presigID string, secret []byte) error {
	return st.putOneTime(ctx, kindPresign, keyID, presigID, secret)
}

func (st *sqliteStore) ConsumePresignature(ctx context.Context, keyID, presigID string) (*Secret, error) {
	return st.consume(ctx, kindPresign, keyID, presigID)
}

func (st *sqliteStore) putOneTime(ctx context.Context, kind, keyID, id string, secret []byte) error {
	if err := validOneTime(keyID, id, secret); err != nil {
		return fmt.Errorf("keystore: put %s: %w", kind, err)
	}
	sealed, err := st.sealer.Seal(secret, oneTimeAD(kind, keyID, id))
	if err != nil {
		return fmt.Errorf("keystore: put %s: %w", kind, err)
	}
	err = st.tx(ctx, func(tx *sql.Tx) error {
		var consumed sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT consumed_at FROM one_time WHERE kind = ? AND key_id = ? AND id = ?`,
			kind, keyID, id).Scan(&consumed)
		switch {
		case err == nil && consumed.Valid:
			return ErrNonceUsed
		case err == nil:
			return ErrExists
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO one_time (kind, key_id, id, sealed, created_at) VALUES (?, ?, ?, ?, ?)`,
			kind, keyID, id, sealed, st.stamp())
		return err
	})
	if err != nil {
		return fmt.Errorf("keystore: put %s %q/%q: %w", kind, keyID, id, err)
	}
	return nil
}

// consume is the at-most-once primitive for one id (see consumeMany).
func (st *sqliteStore) consume(ctx context.Context, kind, keyID, id string) (*Secret, error) {
	secs, _, errs := st.consumeMany(ctx, kind, []NonceUse{{KeyID: keyID, ID: id}}, 0)
	return secs[0], errs[0]
}

func (st *sqliteStore) PutNonces(ctx context.Context, nonces []NonceSecret) error {
	sealed := make([][]byte, len(nonces))
	for i, n := range nonces {
		if err := validOneTime(n.KeyID, n.ID, n.Secret); err != nil {
			return fmt.Errorf("keystore: put nonces: %w", err)
		}
		var err error
		if sealed[i], err = st.sealer.Seal(n.Secret, oneTimeAD(kindNonce, n.KeyID, n.ID)); err != nil {
			return fmt.Errorf("keystore: put nonces: %w", err)
		}
	}
	err := st.tx(ctx, func(tx *sql.Tx) error {
		ins := st.stmt(ctx, tx, sqlPutOneTime)
		now := st.stamp()
		for i, n := range nonces {
			res, err := ins.ExecContext(ctx, kindNonce, n.KeyID, n.ID, sealed[i], now)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return fmt.Errorf("nonce %q/%q: %w", n.KeyID, n.ID, ErrExists)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("keystore: put nonces: %w", err)
	}
	return nil
}

func (st *sqliteStore) ConsumeNonces(ctx context.Context, uses []NonceUse) ([]*Secret, []error) {
	secs, _, errs := st.consumeMany(ctx, kindNonce, uses, 0)
	return secs, errs
}

func (st *sqliteStore) ConsumeNoncesAhead(ctx context.Context, uses []NonceUse, ahead int) ([]*Secret, [][]TakenNonce, []error) {
	return st.consumeMany(ctx, kindNonce, uses, min(max(ahead, 0), MaxAhead))
}

func (st *sqliteStore) ConsumePresignatures(ctx context.Context, uses []NonceUse) ([]*Secret, []error) {
	secs, _, errs := st.consumeMany(ctx, kindPresign, uses, 0)
	return secs, errs
}

// aheadWindow bounds the rowids sqlNextOneTime looks through after a
// consumed row: several preprocessing batches of other keys.
const aheadWindow = 16 * 1024

// consumeMany is the at-most-once primitive. Inside one immediate
// transaction it reads each row, refuses a missing or consumed one, opens
// the secret (so a blob that does not open leaves its row untouched),
// erases it and records the consumption, then does the same for up to
// ahead unused rows of the same kind and key stored after it (aheads[i]).
// Secrets are returned only after
// Commit has returned, which with WAL and synchronous=FULL means every
// consumption is on disk; if the commit fails, none is handed out.
func (st *sqliteStore) consumeMany(ctx context.Context, kind string, uses []NonceUse, ahead int) ([]*Secret, [][]TakenNonce, []error) {
	secs := make([]*Secret, len(uses))
	aheads := make([][]TakenNonce, len(uses))
	errs := make([]error, len(uses))
	for i, u := range uses {
		if err := validOneTime(u.KeyID, u.ID, nil); err != nil {
			errs[i] = fmt.Errorf("keystore: consume %s: %w", kind, err)
		}
	}
	err := st.tx(ctx, func(tx *sql.Tx) error {
		sel, upd := st.stmt(ctx, tx, sqlSelectOneTime), st.stmt(ctx, tx, sqlConsumeOneTime)
		now := st.stamp()
		for i, u := range uses {
			if errs[i] != nil {
				continue
			}
			var rowid int64
			var sealed []byte
			var consumed sql.NullInt64
			err := sel.QueryRowContext(ctx, kind, u.KeyID, u.ID).Scan(&rowid, &sealed, &consumed)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				errs[i] = consumeError(kind, u, ErrNotFound)
				continue
			case err != nil:
				return err
			case consumed.Valid:
				errs[i] = consumeError(kind, u, ErrNonceUsed)
				continue
			}
			sec, err := st.open(sealed, oneTimeAD(kind, u.KeyID, u.ID))
			if err != nil {
				errs[i] = consumeError(kind, u, err)
				continue
			}
			res, err := upd.ExecContext(ctx, now, rowid)
			if err != nil {
				sec.Destroy()
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				sec.Destroy()
				errs[i] = consumeError(kind, u, ErrNonceUsed)
				continue
			}
			secs[i] = sec
			if ahead > 0 {
				if aheads[i], err = st.consumeAhead(ctx, tx, kind, u.KeyID, rowid, ahead, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		for i := range uses {
			for _, t := range aheads[i] { // not durable either
				t.Secret.Destroy()
			}
			aheads[i] = nil
			if secs[i] != nil { // not durable: never hand it out
				secs[i].Destroy()
				secs[i] = nil
			}
			if errs[i] == nil {
				errs[i] = fmt.Errorf("keystore: consume %s: %w", kind, err)
			}
		}
	}
	return secs, aheads, errs
}

// consumeAhead consumes, inside tx, up to ahead unused rows of kind and
// keyID stored after the row after. A row whose blob does not open is
// left untouched, as consumeMany leaves it.
func (st *sqliteStore) consumeAhead(ctx context.Context, tx *sql.Tx, kind, keyID string, after int64, ahead int, now int64) ([]TakenNonce, error) {
	type row struct {
		rowid  int64
		id     string
		sealed []byte
	}
	rows, err := st.stmt(ctx, tx, sqlNextOneTime).QueryContext(ctx, after, after+aheadWindow, kind, keyID, ahead)
	if err != nil {
		return nil, err
	}
	var next []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.rowid, &r.id, &r.sealed); err != nil {
			rows.Close()
			return nil, err
		}
		next = append(next, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	upd := st.stmt(ctx, tx, sqlConsumeOneTime)
	var out []TakenNonce
	for _, r := range next {
		sec, err := st.open(r.sealed, oneTimeAD(kind, keyID, r.id))
		if err != nil {
			continue
		}
		res, err := upd.ExecContext(ctx, now, r.rowid)
		if err != nil {
			sec.Destroy()
			for _, t := range out {
				t.Secret.Destroy()
			}
			return nil, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			sec.Destroy()
			continue
		}
		out = append(out, TakenNonce{ID: r.id, Secret: sec})
	}
	return out, nil
}

// consumeError is one use's error; built only on the failure path.
func consumeError(kind string, u NonceUse, err error) error {
	return fmt.Errorf("keystore: consume %s %q/%q: %w", kind, u.KeyID, u.ID, err)
}

func (st *sqliteStore) RecordNonceUses(ctx context.Context, uses []NonceUse) []error {
	errs := make([]error, len(uses))
	for i, u := range uses {
		if err := validOneTime(u.KeyID, u.ID, nil); err != nil {
			errs[i] = fmt.Errorf("keystore: record nonce use: %w", err)
		}
	}
	err := st.tx(ctx, func(tx *sql.Tx) error {
		ins := st.stmt(ctx, tx, sqlRecordNonceUse)
		now := st.stamp()
		for i, u := range uses {
			if errs[i] != nil {
				continue
			}
			res, err := ins.ExecContext(ctx, kindNonce, u.KeyID, u.ID, now, now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				errs[i] = fmt.Errorf("keystore: record nonce use %q/%q: %w", u.KeyID, u.ID, ErrNonceUsed)
			}
		}
		return nil
	})
	if err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("keystore: record nonce use: %w", err)
			}
		}
	}
	return errs
}

func (st *sqliteStore) UnusedPresignatures(ctx context.Context, keyID string) (int, error) {
	if err := st.check(); err != nil {
		return 0, fmt.Errorf("keystore: unused presignatures: %w", err)
	}
	var n int
	// The literal kind lets SQLite use the partial index
	// one_time_unused_presignatures.
	err := st.db.QueryRowContext(ctx, `SELECT count(*) FROM one_time
		WHERE kind = 'presignature' AND key_id = ? AND consumed_at IS NULL`, keyID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("keystore: unused presignatures: %w", err)
	}
	return n, nil
}

func (st *sqliteStore) DiscardPresignatures(ctx context.Context, keyID string) (int, error) {
	if err := validID("key id", keyID); err != nil {
		return 0, fmt.Errorf("keystore: discard presignatures: %w", err)
	}
	var n int64
	err := st.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE one_time SET sealed = NULL, consumed_at = ?
			WHERE kind = 'presignature' AND key_id = ? AND consumed_at IS NULL`, st.stamp(), keyID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("keystore: discard presignatures of %q: %w", keyID, err)
	}
	return int(n), nil
}

func validOneTime(keyID, id string, secret []byte) error {
	if err := validID("key id", keyID); err != nil {
		return err
	}
	if err := validID("id", id); err != nil {
		return err
	}
	return validSecret(secret)
}

// --- blobs ---

func validBlob(namespace, name string) error {
	if err := validID("namespace", namespace); err != nil {
		return err
	}
	return validID("name", name)
}

func (st *sqliteStore) PutBlob(ctx context.Context, namespace, name string, secret []byte) error {
	if err := validBlob(namespace, name); err != nil {
		return fmt.Errorf("keystore: put blob: %w", err)
	}
	if err := validSecret(secret); err != nil {
		return fmt.Errorf("keystore: put blob: %w", err)
	}
	sealed, err := st.sealer.Seal(secret, blobAD(namespace, name))
	if err != nil {
		return fmt.Errorf("keystore: put blob: %w", err)
	}
	err = st.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO blobs (namespace, name, sealed, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, namespace, name, sealed, st.stamp())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrExists
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("keystore: put blob %q/%q: %w", namespace, name, err)
	}
	return nil
}

func (st *sqliteStore) Blob(ctx context.Context, namespace, name string) (*Secret, error) {
	if err := st.check(); err != nil {
		return nil, fmt.Errorf("keystore: blob: %w", err)
	}
	var sealed []byte
	err := st.db.QueryRowContext(ctx, `SELECT sealed FROM blobs WHERE namespace = ? AND name = ?`, namespace, name).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("keystore: blob %q/%q: %w", namespace, name, err)
	}
	sec, err := st.open(sealed, blobAD(namespace, name))
	if err != nil {
		return nil, fmt.Errorf("keystore: blob %q/%q: %w", namespace, name, err)
	}
	return sec, nil
}

func (st *sqliteStore) DeleteBlob(ctx context.Context, namespace, name string) error {
	err := st.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE namespace = ? AND name = ?`, namespace, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("keystore: delete blob %q/%q: %w", namespace, name, err)
	}
	return nil
}

func (st *sqliteStore) ListBlobs(ctx context.Context, namespace string) ([]string, error) {
	if err := st.check(); err != nil {
		return nil, fmt.Errorf("keystore: list blobs: %w", err)
	}
	rows, err := st.db.QueryContext(ctx, `SELECT name FROM blobs WHERE namespace = ? ORDER BY name`, namespace)
	if err != nil {
		return nil, fmt.Errorf("keystore: list blobs: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("keystore: list blobs: %w", err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("keystore: list blobs: %w", err)
	}
	return out, nil
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
