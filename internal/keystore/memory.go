package keystore

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/custos-mpc/custos/internal/sealer"
)

// memoryStore is an in-memory Store for tests. It seals like the SQLite
// store and keeps the same tombstones, so it passes the same conformance
// suite; it is not durable.
type memoryStore struct {
	sealer sealer.Sealer
	now    func() time.Time

	mu       sync.Mutex
	closed   bool
	identity *memIdentity
	shares   map[shareKey]*memShare
	oneTime  map[oneTimeKey]*memOneTime
	seq      uint64 // last one_time storage order
	blobs    map[blobKey][]byte
}

type memIdentity struct{ public, sealed []byte }

type shareKey struct {
	keyID string
	epoch uint64
}

type memShare struct {
	info   ShareInfo
	sealed []byte
}

type oneTimeKey struct{ kind, keyID, id string }

type memOneTime struct {
	sealed   []byte
	consumed bool
	seq      uint64 // storage order
}

type blobKey struct{ namespace, name string }

var _ Store = (*memoryStore)(nil)

// NewMemory returns an in-memory Store that seals with s.
func NewMemory(s sealer.Sealer) (Store, error) {
	if s == nil {
		return nil, errors.New("keystore: new memory store: nil sealer")
	}
	return &memoryStore{
		sealer:  s,
		now:     time.Now,
		shares:  make(map[shareKey]*memShare),
		oneTime: make(map[oneTimeKey]*memOneTime),
		blobs:   make(map[blobKey][]byte),
	}, nil
}

func (m *memoryStore) lock() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	return nil
}

func (m *memoryStore) stamp() time.Time { return time.UnixMilli(m.now().UnixMilli()).UTC() }

func (m *memoryStore) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

func (m *memoryStore) open(sealed, ad []byte) (*Secret, error) {
	pt, err := m.sealer.Open(sealed, ad)
	if err != nil {
		return nil, err
	}
	return newSecret(pt), nil
}

func (m *memoryStore) PutIdentity(ctx context.Context, public, secret []byte) error {
	if len(public) == 0 || len(public) > MaxPublicKeyLen {
		return fmt.Errorf("keystore: put identity: %w: public length %d", ErrInvalid, len(public))
	}
	if err := validSecret(secret); err != nil {
		return fmt.Errorf("keystore: put identity: %w", err)
	}
	sealed, err := m.sealer.Seal(secret, identityAD(public))
	if err != nil {
		return fmt.Errorf("keystore: put identity: %w", err)
	}
	if err := m.lock(); err != nil {
		return fmt.Errorf("keystore: put identity: %w", err)
	}
	defer m.mu.Unlock()
	if m.identity != nil {
		return fmt.Errorf("keystore: put identity: %w", ErrExists)
	}
	m.identity = &memIdentity{public: bytes.Clone(public), sealed: sealed}
	return nil
}

func (m *memoryStore) Identity(ctx context.Context) ([]byte, *Secret, error) {
	if err := m.lock(); err != nil {
		return nil, nil, fmt.Errorf("keystore: identity: %w", err)
	}
	id := m.identity
	m.mu.Unlock()
	if id == nil {
		return nil, nil, fmt.Errorf("keystore: identity: %w", ErrNotFound)
	}
	sec, err := m.open(id.sealed, identityAD(id.public))
	if err != nil {
		return nil, nil, fmt.Errorf("keystore: identity: %w", err)
	}
	return bytes.Clone(id.public), sec, nil
}

func (m *memoryStore) PutShare(ctx context.Context, info ShareInfo, secret []byte) error {
	if err := validShare(&info); err != nil {
		return fmt.Errorf("keystore: put share: %w", err)
	}
	if err := validSecret(secret); err != nil {
		return fmt.Errorf("keystore: put share: %w", err)
	}
	sealed, err := m.sealer.Seal(secret, shareAD(&info))
	if err != nil {
		return fmt.Errorf("keystore: put share: %w", err)
	}
	what := fmt.Sprintf("keystore: put share %q epoch %d", info.KeyID, info.Epoch)
	if err := m.lock(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer m.mu.Unlock()
	k := shareKey{info.KeyID, info.Epoch}
	if old, ok := m.shares[k]; ok {
		if old.info.Status == StatusDestroyed {
			return fmt.Errorf("%s: %w", what, ErrDestroyed)
		}
		return fmt.Errorf("%s: %w", what, ErrExists)
	}
	now := m.stamp()
	info.PublicKey = bytes.Clone(info.PublicKey)
	info.Status, info.Created, info.Updated = StatusPending, now, now
	m.shares[k] = &memShare{info: info, sealed: sealed}
	return nil
}

func (m *memoryStore) Share(ctx context.Context, keyID string, epoch uint64) (ShareInfo, *Secret, error) {
	what := fmt.Sprintf("keystore: share %q epoch %d", keyID, epoch)
	if epoch > maxEpoch {
		return ShareInfo{}, nil, fmt.Errorf("%s: %w: epoch too large", what, ErrInvalid)
	}
	if err := m.lock(); err != nil {
		return ShareInfo{}, nil, fmt.Errorf("%s: %w", what, err)
	}
	sh, ok := m.shares[shareKey{keyID, epoch}]
	var cp memShare
	if ok {
		cp = *sh
		cp.sealed = bytes.Clone(sh.sealed) // DestroyShare wipes the stored copy
	}
	m.mu.Unlock()
	if !ok {
		return ShareInfo{}, nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return m.openShare(what, cp)
}

func (m *memoryStore) ActiveShare(ctx context.Context, keyID string) (ShareInfo, *Secret, error) {
	what := fmt.Sprintf("keystore: active share %q", keyID)
	if err := m.lock(); err != nil {
		return ShareInfo{}, nil, fmt.Errorf("%s: %w", what, err)
	}
	var cp memShare
	found := false
	for k, sh := range m.shares {
		if k.keyID == keyID && sh.info.Status == StatusActive {
			cp, found = *sh, true
			cp.sealed = bytes.Clone(sh.sealed) // DestroyShare wipes the stored copy
			break
		}
	}
	m.mu.Unlock()
	if !found {
		return ShareInfo{}, nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return m.openShare(what, cp)
}

func (m *memoryStore) openShare(what string, sh memShare) (ShareInfo, *Secret, error) {
	if sh.info.Status == StatusDestroyed {
		return ShareInfo{}, nil, fmt.Errorf("%s: %w", what, ErrDestroyed)
	}
	sec, err := m.open(sh.sealed, shareAD(&sh.info))
	if err != nil {
		return ShareInfo{}, nil, fmt.Errorf("%s: %w", what, err)
	}
	info := sh.info
	info.PublicKey = bytes.Clone(info.PublicKey)
	return info, sec, nil
}

func (m *memoryStore) ActivateShare(ctx context.Context, keyID string, epoch uint64) error {
	what := fmt.Sprintf("keystore: activate share %q epoch %d", keyID, epoch)
	if epoch > maxEpoch {
		return fmt.Errorf("%s: %w: epoch too large", what, ErrInvalid)
	}
	if err := m.lock(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer m.mu.Unlock()
	sh, ok := m.shares[shareKey{keyID, epoch}]
	if !ok {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	switch sh.info.Status {
	case StatusActive:
		return nil
	case StatusDestroyed:
		return fmt.Errorf("%s: %w", what, ErrDestroyed)
	case StatusSuperseded:
		return fmt.Errorf("%s: %w: epoch was superseded", what, ErrInvalid)
	}
	now := m.stamp()
	for k, other := range m.shares {
		if k.keyID == keyID && other.info.Status == StatusActive {
			other.info.Status, other.info.Updated = StatusSuperseded, now
		}
	}
	sh.info.Status, sh.info.Updated = StatusActive, now
	return nil
}

func (m *memoryStore) DestroyShare(ctx context.Context, keyID string, epoch uint64) error {
	what := fmt.Sprintf("keystore: destroy share %q epoch %d", keyID, epoch)
	if epoch > maxEpoch {
		return fmt.Errorf("%s: %w: epoch too large", what, ErrInvalid)
	}
	if err := m.lock(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer m.mu.Unlock()
	sh, ok := m.shares[shareKey{keyID, epoch}]
	if !ok {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	switch sh.info.Status {
	case StatusDestroyed:
		return nil
	case StatusActive:
		return fmt.Errorf("%s: %w", what, ErrActive)
	}
	wipe(sh.sealed)
	sh.sealed = nil
	sh.info.Status, sh.info.Updated = StatusDestroyed, m.stamp()
	return nil
}

func (m *memoryStore) DiscardPendingShare(ctx context.Context, keyID string, epoch uint64) error {
	what := fmt.Sprintf("keystore: discard pending share %q epoch %d", keyID, epoch)
	if epoch > maxEpoch {
		return fmt.Errorf("%s: %w: epoch too large", what, ErrInvalid)
	}
	if err := m.lock(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer m.mu.Unlock()
	sh, ok := m.shares[shareKey{keyID, epoch}]
	if !ok {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if sh.info.Status != StatusPending {
		return fmt.Errorf("%s: %w: epoch is %s, not pending", what, ErrInvalid, sh.info.Status)
	}
	wipe(sh.sealed)
	delete(m.shares, shareKey{keyID, epoch})
	return nil
}

func (m *memoryStore) ListShares(ctx context.Context, keyID string) ([]ShareInfo, error) {
	if err := m.lock(); err != nil {
		return nil, fmt.Errorf("keystore: list shares: %w", err)
	}
	defer m.mu.Unlock()
	var out []ShareInfo
	for k, sh := range m.shares {
		if keyID == "" || k.keyID == keyID {
			info := sh.info
			info.PublicKey = bytes.Clone(info.PublicKey)
			out = append(out, info)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].KeyID != out[j].KeyID {
			return out[i].KeyID < out[j].KeyID
		}
		return out[i].Epoch < out[j].Epoch
	})
	return out, nil
}

func (m *memoryStore) PutNonce(ctx context.Context, keyID, nonceID string, secret []byte) error {
	return m.putOneTime(kindNonce, keyID, nonceID, secret)
}

func (m *memoryStore) ConsumeNonce(ctx context.Context, keyID, nonceID string) (*Secret, error) {
	return m.consume(kindNonce, keyID, nonceID)
}

func (m *memoryStore) PutPresignature(ctx context.Context, keyID, presigID string, secret []byte) error {
	return m.putOneTime(kindPresign, keyID, presigID, secret)
}

func (m *memoryStore) ConsumePresignature(ctx context.Context, keyID, presigID string) (*Secret, error) {
	return m.consume(kindPresign, keyID, presigID)
}

func (m *memoryStore) putOneTime(kind, keyID, id string, secret []byte) error {
	if err := validOneTime(keyID, id, secret); err != nil {
		return fmt.Errorf("keystore: put %s: %w", kind, err)
	}
	sealed, err := m.sealer.Seal(secret, oneTimeAD(kind, keyID, id))
	if err != nil {
		return fmt.Errorf("keystore: put %s: %w", kind, err)
	}
	what := fmt.Sprintf("keystore: put %s %q/%q", kind, keyID, id)
	if err := m.lock(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer m.mu.Unlock()
	k := oneTimeKey{kind, keyID, id}
	if old, ok := m.oneTime[k]; ok {
		if old.consumed {
			return fmt.Errorf("%s: %w", what, ErrNonceUsed)
		}
		return fmt.Errorf("%s: %w", what, ErrExists)
	}
	m.seq++
	m.oneTime[k] = &memOneTime{sealed: sealed, seq: m.seq}
	return nil
}

func (m *memoryStore) consume(kind, keyID, id string) (*Secret, error) {
	if err := validOneTime(keyID, id, nil); err != nil {
		return nil, fmt.Errorf("keystore: consume %s: %w", kind, err)
	}
	what := fmt.Sprintf("keystore: consume %s %q/%q", kind, keyID, id)
	if err := m.lock(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer m.mu.Unlock()
	row, ok := m.oneTime[oneTimeKey{kind, keyID, id}]
	if !ok {
		return nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if row.consumed {
		return nil, fmt.Errorf("%s: %w", what, ErrNonceUsed)
	}
	sec, err := m.open(row.sealed, oneTimeAD(kind, keyID, id))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	wipe(row.sealed)
	row.sealed, row.consumed = nil, true
	return sec, nil
}

func (m *memoryStore) PutNonces(ctx context.Context, nonces []NonceSecret) error {
	sealed := make([][]byte, len(nonces))
	for i, n := range nonces {
		if err := validOneTime(n.KeyID, n.ID, n.Secret); err != nil {
			return fmt.Errorf("keystore: put nonces: %w", err)
		}
		var err error
		if sealed[i], err = m.sealer.Seal(n.Secret, oneTimeAD(kindNonce, n.KeyID, n.ID)); err != nil {
			return fmt.Errorf("keystore: put nonces: %w", err)
		}
	}
	if err := m.lock(); err != nil {
		return fmt.Errorf("keystore: put nonces: %w", err)
	}
	defer m.mu.Unlock()
	seen := map[oneTimeKey]bool{}
	for _, n := range nonces {
		k := oneTimeKey{kindNonce, n.KeyID, n.ID}
		if _, ok := m.oneTime[k]; ok || seen[k] {
			return fmt.Errorf("keystore: put nonces: nonce %q/%q: %w", n.KeyID, n.ID, ErrExists)
		}
		seen[k] = true
	}
	for i, n := range nonces {
		m.seq++
		m.oneTime[oneTimeKey{kindNonce, n.KeyID, n.ID}] = &memOneTime{sealed: sealed[i], seq: m.seq}
	}
	return nil
}

func (m *memoryStore) ConsumeNonces(ctx context.Context, uses []NonceUse) ([]*Secret, []error) {
	secs := make([]*Secret, len(uses))
	errs := make([]error, len(uses))
	for i, u := range uses {
		secs[i], errs[i] = m.consume(kindNonce, u.KeyID, u.ID)
	}
	return secs, errs
}

func (m *memoryStore) ConsumeNoncesAhead(ctx context.Context, uses []NonceUse, ahead int) ([]*Secret, [][]TakenNonce, []error) {
	secs, errs := m.ConsumeNonces(ctx, uses)
	aheads := make([][]TakenNonce, len(uses))
	if ahead <= 0 || m.lock() != nil {
		return secs, aheads, errs
	}
	defer m.mu.Unlock()
	ahead = min(ahead, MaxAhead)
	for i, u := range uses {
		if errs[i] != nil {
			continue
		}
		from := m.oneTime[oneTimeKey{kindNonce, u.KeyID, u.ID}].seq
		type cand struct {
			id  string
			row *memOneTime
		}
		var next []cand
		for k, row := range m.oneTime {
			if k.kind == kindNonce && k.keyID == u.KeyID && !row.consumed && row.seq > from {
				next = append(next, cand{k.id, row})
			}
		}
		slices.SortFunc(next, func(a, b cand) int { return cmp.Compare(a.row.seq, b.row.seq) })
		for _, c := range next[:min(ahead, len(next))] {
			sec, err := m.open(c.row.sealed, oneTimeAD(kindNonce, u.KeyID, c.id))
			if err != nil {
				continue // left untouched, as ConsumeNonces leaves it
			}
			wipe(c.row.sealed)
			c.row.sealed, c.row.consumed = nil, true
			aheads[i] = append(aheads[i], TakenNonce{ID: c.id, Secret: sec})
		}
	}
	return secs, aheads, errs
}

func (m *memoryStore) ConsumePresignatures(ctx context.Context, uses []NonceUse) ([]*Secret, []error) {
	secs := make([]*Secret, len(uses))
	errs := make([]error, len(uses))
	for i, u := range uses {
		secs[i], errs[i] = m.consume(kindPresign, u.KeyID, u.ID)
	}
	return secs, errs
}

func (m *memoryStore) RecordNonceUses(ctx context.Context, uses []NonceUse) []error {
	errs := make([]error, len(uses))
	if err := m.lock(); err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("keystore: record nonce use: %w", err)
		}
		return errs
	}
	defer m.mu.Unlock()
	for i, u := range uses {
		if err := validOneTime(u.KeyID, u.ID, nil); err != nil {
			errs[i] = fmt.Errorf("keystore: record nonce use: %w", err)
			continue
		}
		k := oneTimeKey{kindNonce, u.KeyID, u.ID}
		if _, ok := m.oneTime[k]; ok {
			errs[i] = fmt.Errorf("keystore: record nonce use %q/%q: %w", u.KeyID, u.ID, ErrNonceUsed)
			continue
		}
		m.oneTime[k] = &memOneTime{consumed: true}
	}
	return errs
}

func (m *memoryStore) UnusedPresignatures(ctx context.Context, keyID string) (int, error) {
	if err := m.lock(); err != nil {
		return 0, fmt.Errorf("keystore: unused presignatures: %w", err)
	}
	defer m.mu.Unlock()
	n := 0
	for k, row := range m.oneTime {
		if k.kind == kindPresign && k.keyID == keyID && !row.consumed {
			n++
		}
	}
	return n, nil
}

func (m *memoryStore) DiscardPresignatures(ctx context.Context, keyID string) (int, error) {
	if err := validID("key id", keyID); err != nil {
		return 0, fmt.Errorf("keystore: discard presignatures: %w", err)
	}
	if err := m.lock(); err != nil {
		return 0, fmt.Errorf("keystore: discard presignatures: %w", err)
	}
	defer m.mu.Unlock()
	n := 0
	for k, row := range m.oneTime {
		if k.kind == kindPresign && k.keyID == keyID && !row.consumed {
			wipe(row.sealed)
			row.sealed, row.consumed = nil, true
			n++
		}
	}
	return n, nil
}

func (m *memoryStore) PutBlob(ctx context.Context, namespace, name string, secret []byte) error {
	if err := validBlob(namespace, name); err != nil {
		return fmt.Errorf("keystore: put blob: %w", err)
	}
	if err := validSecret(secret); err != nil {
		return fmt.Errorf("keystore: put blob: %w", err)
	}
	sealed, err := m.sealer.Seal(secret, blobAD(namespace, name))
	if err != nil {
		return fmt.Errorf("keystore: put blob: %w", err)
	}
	what := fmt.Sprintf("keystore: put blob %q/%q", namespace, name)
	if err := m.lock(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer m.mu.Unlock()
	k := blobKey{namespace, name}
	if _, ok := m.blobs[k]; ok {
		return fmt.Errorf("%s: %w", what, ErrExists)
	}
	m.blobs[k] = sealed
	return nil
}

func (m *memoryStore) Blob(ctx context.Context, namespace, name string) (*Secret, error) {
	what := fmt.Sprintf("keystore: blob %q/%q", namespace, name)
	if err := m.lock(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	sealed, ok := m.blobs[blobKey{namespace, name}]
	sealed = bytes.Clone(sealed) // DeleteBlob wipes the stored copy
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	sec, err := m.open(sealed, blobAD(namespace, name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return sec, nil
}

func (m *memoryStore) DeleteBlob(ctx context.Context, namespace, name string) error {
	what := fmt.Sprintf("keystore: delete blob %q/%q", namespace, name)
	if err := m.lock(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer m.mu.Unlock()
	k := blobKey{namespace, name}
	sealed, ok := m.blobs[k]
	if !ok {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	wipe(sealed)
	delete(m.blobs, k)
	return nil
}

func (m *memoryStore) ListBlobs(ctx context.Context, namespace string) ([]string, error) {
	if err := m.lock(); err != nil {
		return nil, fmt.Errorf("keystore: list blobs: %w", err)
	}
	defer m.mu.Unlock()
	var out []string
	for k := range m.blobs {
		if k.namespace == namespace {
			out = append(out, k.name)
		}
	}
	sort.Strings(out)
	return out, nil
}
