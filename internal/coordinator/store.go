package coordinator

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver

	"github.com/custos-mpc/custos/internal/wire"
)

// Key is a threshold key the coordinator knows about. It holds public data
// only.
type Key struct {
	ID        string
	Scheme    string
	Threshold int
	Parties   []wire.Party
	// PublicKey is the engine's public key package (group key and
	// verification shares).
	PublicKey []byte
	Created   time.Time
	Override  bool // placement rule overridden
	// Epoch is the committed share epoch: 0 at key generation, +1 per
	// refresh (ECDSA keys).
	Epoch uint64
}

// Refresh is the durable record of one key refresh (two-phase epoch
// switch). It is written with State RefreshStarted before any node is
// asked to refresh, moved to RefreshCommitted (with the key's new epoch, in
// one transaction) only once every holder reported the new epoch stored,
// or to RefreshAborted; Pending lists the holders that have not yet
// confirmed the commit or abort. A record with State RefreshStarted found
// at start-up is a refresh the coordinator died in: it never committed,
// so it is aborted.
type Refresh struct {
	KeyID   string
	Epoch   uint64 // the new epoch
	State   string
	Pending []string
	// Attempt is the refresh session id; Votes are the holders' signed
	// votes on it: so far (started), one "stored" vote per holder
	// (committed) or the "abort" vote that decided it (aborted). Nodes
	// act on the votes, not on the state.
	Attempt []byte
	Votes   []wire.EpochVote
}

// clone returns a deep copy.
func (r *Refresh) clone() *Refresh {
	c := *r
	c.Pending = slices.Clone(r.Pending)
	c.Attempt = slices.Clone(r.Attempt)
	c.Votes = slices.Clone(r.Votes)
	return &c
}

// Refresh states.
const (
	RefreshStarted   = "started"
	RefreshCommitted = "committed"
	RefreshAborted   = "aborted"
)

// Settled reports whether every holder confirmed the outcome.
func (r *Refresh) Settled() bool { return r.State != RefreshStarted && len(r.Pending) == 0 }

// Blame is one recorded culprit of an aborted ceremony.
type Blame struct {
	Time     time.Time
	Session  []byte
	KeyID    string
	Node     string
	Round    int
	Reason   string
	Evidence []byte
}

// Store keeps the coordinator's public state.
type Store interface {
	PutKey(ctx context.Context, k *Key) error
	Key(ctx context.Context, id string) (*Key, error)
	Keys(ctx context.Context) ([]*Key, error)
	AddBlame(ctx context.Context, b *Blame) error
	Blames(ctx context.Context, keyID string) ([]*Blame, error)
	// PutRefresh writes a key's refresh record (one per key and epoch).
	PutRefresh(ctx context.Context, r *Refresh) error
	// CommitRefresh records, in one transaction, the key's new epoch and
	// its refresh record as committed with pending holders.
	CommitRefresh(ctx context.Context, keyID string, epoch uint64, pending []string) error
	// Refreshes lists the refresh records that are not settled.
	Refreshes(ctx context.Context) ([]*Refresh, error)
	Close() error
}

// ErrUnknownKey is returned for a key id the coordinator does not know.
var ErrUnknownKey = errors.New("coordinator: unknown key")

type sqliteStore struct{ db *sql.DB }

var _ Store = (*sqliteStore)(nil)

// OpenStore opens (creating if needed) the coordinator database at path.
func OpenStore(path string) (Store, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("coordinator: open store: %w", err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS keys (id TEXT PRIMARY KEY, scheme TEXT NOT NULL, threshold INTEGER NOT NULL,
			parties TEXT NOT NULL, public_key BLOB NOT NULL, created INTEGER NOT NULL, override INTEGER NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS blame (time INTEGER NOT NULL, session BLOB NOT NULL, key_id TEXT NOT NULL,
			node TEXT NOT NULL, round INTEGER NOT NULL, reason TEXT NOT NULL, evidence BLOB)`,
		`CREATE TABLE IF NOT EXISTS refreshes (key_id TEXT NOT NULL, epoch INTEGER NOT NULL, state TEXT NOT NULL,
			pending TEXT NOT NULL, PRIMARY KEY (key_id, epoch))`,
	} {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			return nil, fmt.Errorf("coordinator: init store: %w", err)
		}
	}
	// Databases written before key refresh existed lack the epoch column.
	var hasEpoch int
	if err := db.QueryRow(`SELECT count(*) FROM pragma_table_info('keys') WHERE name = 'epoch'`).Scan(&hasEpoch); err != nil {
		db.Close()
		return nil, fmt.Errorf("coordinator: init store: %w", err)
	}
	if hasEpoch == 0 {
		if _, err := db.Exec(`ALTER TABLE keys ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0`); err != nil {
			db.Close()
			return nil, fmt.Errorf("coordinator: init store: %w", err)
		}
	}
	// Nor do those written before refresh votes the attempt and votes.
	var hasVotes int
	if err := db.QueryRow(`SELECT count(*) FROM pragma_table_info('refreshes') WHERE name = 'votes'`).Scan(&hasVotes); err != nil {
		db.Close()
		return nil, fmt.Errorf("coordinator: init store: %w", err)
	}
	if hasVotes == 0 {
		for _, q := range []string{
			`ALTER TABLE refreshes ADD COLUMN attempt BLOB`,
			`ALTER TABLE refreshes ADD COLUMN votes TEXT NOT NULL DEFAULT '[]'`,
		} {
			if _, err := db.Exec(q); err != nil {
				db.Close()
				return nil, fmt.Errorf("coordinator: init store: %w", err)
			}
		}
	}
	return &sqliteStore{db: db}, nil
}

func (s *sqliteStore) PutKey(ctx context.Context, k *Key) error {
	parties, err := json.Marshal(k.Parties)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO keys (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Scheme, k.Threshold, string(parties), k.PublicKey, k.Created.UnixNano(), k.Override, int64(k.Epoch))
	if err != nil {
		return fmt.Errorf("coordinator: store key: %w", err)
	}
	return nil
}

const keyColumns = `id, scheme, threshold, parties, public_key, created, override, epoch`

func scanKey(row interface{ Scan(...any) error }) (*Key, error) {
	var k Key
	var parties string
	var created, epoch int64
	if err := row.Scan(&k.ID, &k.Scheme, &k.Threshold, &parties, &k.PublicKey, &created, &k.Override, &epoch); err != nil {
		return nil, err
	}
	k.Epoch = uint64(epoch)
	if err := json.Unmarshal([]byte(parties), &k.Parties); err != nil {
		return nil, err
	}
	k.Created = time.Unix(0, created).UTC()
	return &k, nil
}

func (s *sqliteStore) Key(ctx context.Context, id string) (*Key, error) {
	k, err := scanKey(s.db.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUnknownKey
	}
	return k, err
}

func (s *sqliteStore) Keys(ctx context.Context) ([]*Key, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+keyColumns+` FROM keys ORDER BY created, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func (s *sqliteStore) AddBlame(ctx context.Context, b *Blame) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO blame VALUES (?, ?, ?, ?, ?, ?, ?)`,
		b.Time.UnixNano(), b.Session, b.KeyID, b.Node, b.Round, b.Reason, b.Evidence)
	return err
}

func (s *sqliteStore) Blames(ctx context.Context, keyID string) ([]*Blame, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT * FROM blame WHERE key_id = ? OR ? = '' ORDER BY time`, keyID, keyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Blame
	for rows.Next() {
		var b Blame
		var t int64
		if err := rows.Scan(&t, &b.Session, &b.KeyID, &b.Node, &b.Round, &b.Reason, &b.Evidence); err != nil {
			return nil, err
		}
		b.Time = time.Unix(0, t).UTC()
		out = append(out, &b)
	}
	return out, rows.Err()
}

func (s *sqliteStore) PutRefresh(ctx context.Context, r *Refresh) error {
	pending, err := json.Marshal(append([]string{}, r.Pending...))
	if err != nil {
		return err
	}
	votes, err := json.Marshal(append([]wire.EpochVote{}, r.Votes...))
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO refreshes (key_id, epoch, state, pending, attempt, votes) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (key_id, epoch) DO UPDATE SET state = excluded.state, pending = excluded.pending,
			attempt = excluded.attempt, votes = excluded.votes`,
		r.KeyID, int64(r.Epoch), r.State, string(pending), r.Attempt, string(votes))
	if err != nil {
		return fmt.Errorf("coordinator: store refresh: %w", err)
	}
	return nil
}

func (s *sqliteStore) CommitRefresh(ctx context.Context, keyID string, epoch uint64, pending []string) error {
	p, err := json.Marshal(append([]string{}, pending...))
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("coordinator: commit refresh: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE keys SET epoch = ? WHERE id = ? AND epoch = ?`, int64(epoch), keyID, int64(epoch)-1)
	if err != nil {
		return fmt.Errorf("coordinator: commit refresh: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("coordinator: commit refresh: key %q is not at epoch %d", keyID, epoch-1)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE refreshes SET state = ?, pending = ? WHERE key_id = ? AND epoch = ? AND state = ?`,
		RefreshCommitted, string(p), keyID, int64(epoch), RefreshStarted); err != nil {
		return fmt.Errorf("coordinator: commit refresh: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("coordinator: commit refresh: %w", err)
	}
	return nil
}

func (s *sqliteStore) Refreshes(ctx context.Context) ([]*Refresh, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key_id, epoch, state, pending, attempt, votes FROM refreshes
		WHERE state = ? OR pending != '[]' ORDER BY key_id, epoch`, RefreshStarted)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Refresh
	for rows.Next() {
		var r Refresh
		var epoch int64
		var pending, votes string
		if err := rows.Scan(&r.KeyID, &epoch, &r.State, &pending, &r.Attempt, &votes); err != nil {
			return nil, err
		}
		r.Epoch = uint64(epoch)
		if err := json.Unmarshal([]byte(pending), &r.Pending); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(votes), &r.Votes); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

func (s *sqliteStore) Close() error { return s.db.Close() }

// memStore is an in-memory Store for tests.
type memStore struct {
	mu        sync.Mutex
	keys      map[string]*Key
	order     []string
	blame     []*Blame
	refreshes map[string]*Refresh // key id and epoch
}

// NewMemoryStore returns an in-memory Store.
func NewMemoryStore() Store {
	return &memStore{keys: map[string]*Key{}, refreshes: map[string]*Refresh{}}
}

func refreshKey(keyID string, epoch uint64) string { return fmt.Sprintf("%s\x00%d", keyID, epoch) }

func (m *memStore) PutRefresh(_ context.Context, r *Refresh) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refreshes[refreshKey(r.KeyID, r.Epoch)] = r.clone()
	return nil
}

func (m *memStore) CommitRefresh(_ context.Context, keyID string, epoch uint64, pending []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[keyID]
	if !ok || k.Epoch+1 != epoch {
		return fmt.Errorf("coordinator: commit refresh: key %q is not at epoch %d", keyID, epoch-1)
	}
	nk := *k
	nk.Epoch = epoch
	m.keys[keyID] = &nk
	rk := refreshKey(keyID, epoch)
	if r, ok := m.refreshes[rk]; ok && r.State == RefreshStarted {
		r.State, r.Pending = RefreshCommitted, append([]string{}, pending...)
	}
	return nil
}

func (m *memStore) Refreshes(context.Context) ([]*Refresh, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Refresh
	for _, r := range m.refreshes {
		if !r.Settled() {
			out = append(out, r.clone())
		}
	}
	slices.SortFunc(out, func(a, b *Refresh) int {
		return strings.Compare(refreshKey(a.KeyID, a.Epoch), refreshKey(b.KeyID, b.Epoch))
	})
	return out, nil
}

func (m *memStore) PutKey(_ context.Context, k *Key) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.keys[k.ID]; ok {
		return errors.New("coordinator: key exists")
	}
	m.keys[k.ID] = k
	m.order = append(m.order, k.ID)
	return nil
}

func (m *memStore) Key(_ context.Context, id string) (*Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[id]; ok {
		return k, nil
	}
	return nil, ErrUnknownKey
}

func (m *memStore) Keys(context.Context) ([]*Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Key, 0, len(m.order))
	for _, id := range m.order {
		out = append(out, m.keys[id])
	}
	return out, nil
}

func (m *memStore) AddBlame(_ context.Context, b *Blame) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blame = append(m.blame, b)
	return nil
}

func (m *memStore) Blames(_ context.Context, keyID string) ([]*Blame, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Blame
	for _, b := range m.blame {
		if keyID == "" || b.KeyID == keyID {
			out = append(out, b)
		}
	}
	return out, nil
}

func (m *memStore) Close() error { return nil }
