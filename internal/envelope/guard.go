package envelope

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

var (
	// ErrReplay reports an envelope whose (round, sender, recipient, kind)
	// was already accepted in its session.
	ErrReplay = errors.New("replayed message")
	// ErrUnknownSession reports an envelope for a session this node has not
	// opened, has closed, or that expired.
	ErrUnknownSession = errors.New("unknown or expired session")
	// ErrWrongRound reports an envelope outside the session's round window.
	ErrWrongRound = errors.New("out-of-round message")
	// ErrNotForMe reports a point-to-point envelope addressed to another party.
	ErrNotForMe = errors.New("addressed to another party")
	// ErrGuardFull reports that a bound on the guard's memory was reached.
	ErrGuardFull = errors.New("replay guard full")
	// ErrSessionReused reports an attempt to open a session id seen before.
	ErrSessionReused = errors.New("session id reused")
)

// GuardConfig bounds a Guard. Zero fields take the defaults shown.
type GuardConfig struct {
	MaxSessions   int              // open sessions at once (4096)
	MaxPerSession int              // accepted envelopes per session (4096)
	MaxTombstones int              // closed session ids remembered (1<<16)
	SessionTTL    time.Duration    // a session expires this long after it opens (10m)
	Lookahead     uint16           // rounds beyond the current one accepted early (1)
	Now           func() time.Time // clock (time.Now)
}

// Guard rejects duplicate, out-of-session and out-of-round envelopes for one
// node. Memory is bounded: at most MaxSessions open sessions of at most
// MaxPerSession entries each, and MaxTombstones ids of closed sessions.
// Sessions expire SessionTTL after they open; a closed or expired session
// leaves a tombstone, kept for SessionTTL, that stops its id from being
// opened again. When the open sessions or a session's entries reach their
// bound, the guard fails closed (ErrGuardFull); when the tombstones do, the
// oldest is forgotten (an envelope for a forgotten session is still refused
// as unknown). Expiry is amortized O(1) per call.
//
// Call Accept only with envelopes that Open verified, so forged envelopes
// cannot consume entries. A Guard is safe for concurrent use.
type Guard struct {
	cfg GuardConfig

	mu       sync.Mutex
	sessions map[[SessionSize]byte]*guardSession
	open     fifo                           // sessions by expiry (TTL is constant)
	closed   map[[SessionSize]byte]struct{} // tombstones
	tombs    fifo                           // tombstones by expiry
}

type guardSession struct {
	protocol string
	self     uint16
	round    uint16
	expires  time.Time // matches this session's entry in Guard.open
	seen     map[seenKey]struct{}
}

type seenKey struct {
	round, sender, recipient uint16
	kind                     uint8
}

// fifo is a queue of (session id, expiry) in expiry order.
type fifo struct {
	items []fifoItem
	head  int
}

type fifoItem struct {
	id      [SessionSize]byte
	expires time.Time
}

func (q *fifo) push(id [SessionSize]byte, expires time.Time) {
	q.items = append(q.items, fifoItem{id, expires})
}

func (q *fifo) len() int { return len(q.items) - q.head }

func (q *fifo) front() *fifoItem { return &q.items[q.head] }

func (q *fifo) pop() fifoItem {
	it := q.items[q.head]
	q.items[q.head] = fifoItem{}
	q.head++
	if q.head > 64 && q.head*2 >= len(q.items) { // compact
		q.items = append(q.items[:0], q.items[q.head:]...)
		q.head = 0
	}
	return it
}

// NewGuard returns a Guard with cfg's bounds.
func NewGuard(cfg GuardConfig) *Guard {
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 4096
	}
	if cfg.MaxPerSession <= 0 {
		cfg.MaxPerSession = 4096
	}
	if cfg.MaxTombstones <= 0 {
		cfg.MaxTombstones = 1 << 16
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 10 * time.Minute
	}
	if cfg.Lookahead == 0 {
		cfg.Lookahead = 1
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Guard{
		cfg:      cfg,
		sessions: make(map[[SessionSize]byte]*guardSession),
		closed:   make(map[[SessionSize]byte]struct{}),
	}
}

// expireLocked moves expired sessions to tombstones and drops expired
// tombstones. Entries of sessions closed early are skipped when they reach
// the front of the queue.
func (g *Guard) expireLocked(now time.Time) {
	for g.open.len() > 0 && !now.Before(g.open.front().expires) {
		it := g.open.pop()
		if s, ok := g.sessions[it.id]; ok && s.expires.Equal(it.expires) {
			delete(g.sessions, it.id)
			g.tombstoneLocked(it.id, now)
		}
	}
	for g.tombs.len() > 0 && !now.Before(g.tombs.front().expires) {
		it := g.tombs.pop()
		delete(g.closed, it.id)
	}
}

func (g *Guard) tombstoneLocked(id [SessionSize]byte, now time.Time) {
	if _, ok := g.closed[id]; ok {
		return
	}
	for g.tombs.len() >= g.cfg.MaxTombstones {
		delete(g.closed, g.tombs.pop().id)
	}
	g.closed[id] = struct{}{}
	g.tombs.push(id, now.Add(g.cfg.SessionTTL))
}

// OpenSession starts tracking session for protocol, in which this node is
// party self, at round 1. A session id can be opened once per Guard
// lifetime window (while it or its tombstone is remembered).
func (g *Guard) OpenSession(session [SessionSize]byte, protocol string, self uint16) error {
	if err := validProtocol(protocol); err != nil {
		return fmt.Errorf("envelope: open session: %w", err)
	}
	if self == 0 {
		return fmt.Errorf("envelope: open session: %w: self is zero", ErrMalformed)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.cfg.Now()
	g.expireLocked(now)
	if _, ok := g.sessions[session]; ok {
		return fmt.Errorf("envelope: open session: %w", ErrSessionReused)
	}
	if _, ok := g.closed[session]; ok {
		return fmt.Errorf("envelope: open session: %w", ErrSessionReused)
	}
	if len(g.sessions) >= g.cfg.MaxSessions {
		return fmt.Errorf("envelope: open session: %w: %d sessions", ErrGuardFull, len(g.sessions))
	}
	expires := now.Add(g.cfg.SessionTTL)
	g.sessions[session] = &guardSession{
		protocol: protocol,
		self:     self,
		round:    1,
		expires:  expires,
		seen:     make(map[seenKey]struct{}),
	}
	g.open.push(session, expires)
	if g.open.len() > 2*g.cfg.MaxSessions+64 {
		// Most entries belong to sessions closed early: drop them. At most
		// MaxSessions survive, so this runs once per MaxSessions+64 opens.
		live := g.open.items[:0]
		for _, it := range g.open.items[g.open.head:] {
			if s, ok := g.sessions[it.id]; ok && s.expires.Equal(it.expires) {
				live = append(live, it)
			}
		}
		clear(g.open.items[len(live):])
		g.open.items, g.open.head = live, 0
	}
	return nil
}

// SetRound moves session to round. Rounds never go back.
func (g *Guard) SetRound(session [SessionSize]byte, round uint16) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.expireLocked(g.cfg.Now())
	s, ok := g.sessions[session]
	if !ok {
		return fmt.Errorf("envelope: set round: %w", ErrUnknownSession)
	}
	if round < s.round {
		return fmt.Errorf("envelope: set round: %w: %d is before current round %d", ErrWrongRound, round, s.round)
	}
	s.round = round
	return nil
}

// CloseSession forgets session; later envelopes for it, and reopening it,
// are rejected while its tombstone lasts.
func (g *Guard) CloseSession(session [SessionSize]byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.cfg.Now()
	g.expireLocked(now)
	if _, ok := g.sessions[session]; ok {
		delete(g.sessions, session)
		g.tombstoneLocked(session, now)
	}
}

// Accept records env if it is new, for an open session and protocol,
// addressed to this node or broadcast, from another party, and within
// [current round, current round + Lookahead]. Otherwise it returns an error
// and records nothing.
func (g *Guard) Accept(env *Envelope) error {
	if env == nil {
		return fmt.Errorf("envelope: guard: %w: nil envelope", ErrMalformed)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.expireLocked(g.cfg.Now())
	s, ok := g.sessions[env.Session]
	if !ok {
		return fmt.Errorf("envelope: guard: %w", ErrUnknownSession)
	}
	if env.Protocol != s.protocol {
		return fmt.Errorf("envelope: guard: %w: protocol %q in a %q session", ErrUnknownSession, env.Protocol, s.protocol)
	}
	if env.Recipient != broadcastID && env.Recipient != s.self {
		return fmt.Errorf("envelope: guard: %w: recipient %d, self %d", ErrNotForMe, env.Recipient, s.self)
	}
	if env.Sender == s.self || env.Sender == 0 {
		return fmt.Errorf("envelope: guard: %w: sender %d", ErrMalformed, env.Sender)
	}
	if env.Round < s.round || uint32(env.Round) > uint32(s.round)+uint32(g.cfg.Lookahead) {
		return fmt.Errorf("envelope: guard: %w: round %d, current %d", ErrWrongRound, env.Round, s.round)
	}
	k := seenKey{env.Round, env.Sender, env.Recipient, env.Kind}
	if _, dup := s.seen[k]; dup {
		return fmt.Errorf("envelope: guard: %w: session %x round %d sender %d", ErrReplay, env.Session[:4], env.Round, env.Sender)
	}
	if len(s.seen) >= g.cfg.MaxPerSession {
		return fmt.Errorf("envelope: guard: %w: %d messages in session", ErrGuardFull, len(s.seen))
	}
	s.seen[k] = struct{}{}
	return nil
}
