package envelope

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func guardEnv(session byte, round, sender, recipient uint16, kind uint8) *Envelope {
	e := &Envelope{Version: Version, Header: Header{Protocol: "frost/sign", Round: round, Sender: sender, Recipient: recipient, Kind: kind}}
	e.Session[0] = session
	return e
}

func sid(b byte) (s [SessionSize]byte) { s[0] = b; return s }

func TestGuard(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := NewGuard(GuardConfig{MaxSessions: 2, MaxPerSession: 3, MaxTombstones: 2, SessionTTL: time.Minute, Now: clock.now})
	const self = 2
	if err := g.OpenSession(sid(1), "frost/sign", self); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		env  *Envelope
		want error
	}{
		{"a first broadcast is accepted", guardEnv(1, 1, 1, 0, 0), nil},
		{"the same broadcast again is a replay", guardEnv(1, 1, 1, 0, 0), ErrReplay},
		{"a message addressed to me is accepted", guardEnv(1, 1, 1, self, 0), nil},
		{"a message of another kind is accepted", guardEnv(1, 1, 1, self, 1), nil},
		{"the per-session bound fails closed", guardEnv(1, 1, 3, 0, 0), ErrGuardFull},
		{"a message for another party is refused", guardEnv(1, 1, 1, 3, 0), ErrNotForMe},
		{"a message claiming to be from me is refused", guardEnv(1, 1, self, 0, 0), ErrMalformed},
		{"an unknown session is refused", guardEnv(9, 1, 1, 0, 0), ErrUnknownSession},
		{"a round too far ahead is refused", guardEnv(1, 3, 1, 0, 0), ErrWrongRound},
	}
	for _, s := range steps {
		if err := g.Accept(s.env); !errors.Is(err, s.want) && !(s.want == nil && err == nil) {
			t.Fatalf("%s: got %v, want %v", s.name, err, s.want)
		}
	}
	t.Run("another protocol in the session is refused", func(t *testing.T) {
		e := guardEnv(1, 1, 1, 0, 5)
		e.Protocol = "cggmp/sign"
		if err := g.Accept(e); !errors.Is(err, ErrUnknownSession) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("rounds advance and old rounds are refused", func(t *testing.T) {
		if err := g.OpenSession(sid(2), "frost/sign", self); err != nil {
			t.Fatal(err)
		}
		if err := g.Accept(guardEnv(2, 2, 1, 0, 0)); err != nil {
			t.Fatalf("lookahead round: %v", err)
		}
		if err := g.SetRound(sid(2), 2); err != nil {
			t.Fatal(err)
		}
		if err := g.Accept(guardEnv(2, 1, 3, 0, 0)); !errors.Is(err, ErrWrongRound) {
			t.Fatalf("stale round: %v", err)
		}
		if err := g.Accept(guardEnv(2, 2, 1, 0, 0)); !errors.Is(err, ErrReplay) {
			t.Fatalf("replay after advancing: %v", err)
		}
		if err := g.SetRound(sid(2), 1); !errors.Is(err, ErrWrongRound) {
			t.Fatalf("going back: %v", err)
		}
	})
	t.Run("the session bound fails closed", func(t *testing.T) {
		if err := g.OpenSession(sid(3), "frost/sign", self); !errors.Is(err, ErrGuardFull) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a closed session refuses messages and cannot reopen", func(t *testing.T) {
		g.CloseSession(sid(2))
		if err := g.Accept(guardEnv(2, 2, 3, 0, 0)); !errors.Is(err, ErrUnknownSession) {
			t.Fatalf("got %v", err)
		}
		if err := g.OpenSession(sid(2), "frost/sign", self); !errors.Is(err, ErrSessionReused) {
			t.Fatalf("got %v", err)
		}
		if err := g.OpenSession(sid(1), "frost/sign", self); !errors.Is(err, ErrSessionReused) {
			t.Fatalf("reopening an open session: %v", err)
		}
	})
	t.Run("sessions expire, then their tombstones", func(t *testing.T) {
		clock.t = clock.t.Add(time.Minute)
		if err := g.Accept(guardEnv(1, 1, 3, 0, 0)); !errors.Is(err, ErrUnknownSession) {
			t.Fatalf("expired session: %v", err)
		}
		if err := g.OpenSession(sid(1), "frost/sign", self); !errors.Is(err, ErrSessionReused) {
			t.Fatalf("reopening an expired session: %v", err)
		}
		clock.t = clock.t.Add(time.Minute)
		if err := g.OpenSession(sid(3), "frost/sign", self); err != nil {
			t.Fatalf("after expiry: %v", err)
		}
	})
}

func TestGuardForgetsTheOldestTombstone(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := NewGuard(GuardConfig{MaxTombstones: 2, SessionTTL: time.Minute, Now: clock.now})
	for i := byte(1); i <= 3; i++ {
		if err := g.OpenSession(sid(i), "frost/sign", 2); err != nil {
			t.Fatal(err)
		}
		g.CloseSession(sid(i))
	}
	if err := g.OpenSession(sid(2), "frost/sign", 2); !errors.Is(err, ErrSessionReused) {
		t.Fatalf("recent tombstone: %v", err)
	}
	if err := g.OpenSession(sid(1), "frost/sign", 2); err != nil {
		t.Fatalf("the oldest tombstone should have been forgotten: %v", err)
	}
	t.Run("a reopened id is not expired by its old queue entry", func(t *testing.T) {
		clock.t = clock.t.Add(30 * time.Second)
		if err := g.Accept(guardEnv(1, 1, 1, 0, 0)); err != nil {
			t.Fatal(err)
		}
	})
}

// Many short sessions: memory stays bounded and every call stays cheap.
func TestGuardBoundedUnderChurn(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := NewGuard(GuardConfig{MaxSessions: 16, MaxTombstones: 1000, SessionTTL: time.Minute, Now: clock.now})
	var id [SessionSize]byte
	for i := range 200_000 {
		binary.BigEndian.PutUint32(id[:], uint32(i))
		if err := g.OpenSession(id, "frost/sign", 2); err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		e := &Envelope{Version: Version, Header: Header{Session: id, Protocol: "frost/sign", Round: 1, Sender: 1}}
		if err := g.Accept(e); err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		g.CloseSession(id)
		clock.t = clock.t.Add(time.Millisecond)
	}
	if len(g.sessions) != 0 || len(g.closed) > 1000 || g.open.len() > 2*16+64 || g.tombs.len() > 1000 {
		t.Fatalf("state grew: %d sessions, %d tombstones, %d queued, %d tomb queue",
			len(g.sessions), len(g.closed), g.open.len(), g.tombs.len())
	}
	if cap(g.open.items) > 4096 || cap(g.tombs.items) > 4096 {
		t.Fatalf("queues grew: %d, %d", cap(g.open.items), cap(g.tombs.items))
	}
}

func BenchmarkGuardAccept(b *testing.B) {
	g := NewGuard(GuardConfig{MaxPerSession: 1 << 30})
	var id [SessionSize]byte
	_ = g.OpenSession(id, "frost/sign", 2)
	e := &Envelope{Version: Version, Header: Header{Session: id, Protocol: "frost/sign", Round: 1, Sender: 1}}
	i := 0
	for b.Loop() {
		e.Kind = uint8(i)
		e.Sender = uint16(i>>8) | 0x8000
		i++
		_ = g.Accept(e)
	}
}
