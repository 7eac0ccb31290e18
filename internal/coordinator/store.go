package coordinator

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
}

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
	} {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			return nil, fmt.Errorf("coordinator: init store: %w", err)
		}
	}
	return &sqliteStore{db: db}, nil
}

func (s *sqliteStore) PutKey(ctx context.Context, k *Key) error {
	parties, err := json.Marshal(k.Parties)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO keys VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Scheme, k.Threshold, string(parties), k.PublicKey, k.Created.UnixNano(), k.Override)
	if err != nil {
		return fmt.Errorf("coordinator: store key: %w", err)
	}
	return nil
}

func scanKey(row interface{ Scan(...any) error }) (*Key, error) {
	var k Key
	var parties string
	var created int64
	if err := row.Scan(&k.ID, &k.Scheme, &k.Threshold, &parties, &k.PublicKey, &created, &k.Override); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(parties), &k.Parties); err != nil {
		return nil, err
	}
	k.Created = time.Unix(0, created).UTC()
	return &k, nil
}

func (s *sqliteStore) Key(ctx context.Context, id string) (*Key, error) {
	k, err := scanKey(s.db.QueryRowContext(ctx, `SELECT * FROM keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUnknownKey
	}
	return k, err
}

func (s *sqliteStore) Keys(ctx context.Context) ([]*Key, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT * FROM keys ORDER BY created, id`)
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

func (s *sqliteStore) Close() error { return s.db.Close() }

// memStore is an in-memory Store for tests.
type memStore struct {
	mu    sync.Mutex
	keys  map[string]*Key
	order []string
	blame []*Blame
}

// NewMemoryStore returns an in-memory Store.
func NewMemoryStore() Store { return &memStore{keys: map[string]*Key{}} }

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
