package round

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// PartyID identifies a party within a session. Zero is never valid: it is
// the FROST identifier that would reveal the secret (RFC 9591 Section 5.1)
// and is used here to mean "broadcast" in Message.To.
type PartyID uint16

// SessionID uniquely identifies one run of a protocol. It is bound into
// every message and every Fiat–Shamir transcript.
type SessionID [32]byte

func (s SessionID) String() string { return hex.EncodeToString(s[:8]) }

// Parties is a sorted list of distinct, nonzero party identifiers.
type Parties []PartyID

// NewParties validates ids and returns them sorted. Zero and duplicate ids
// are rejected.
func NewParties(ids []PartyID) (Parties, error) {
	if len(ids) == 0 {
		return nil, errors.New("round: empty party list")
	}
	p := slices.Clone(ids)
	slices.Sort(p)
	for i, id := range p {
		if id == 0 {
			return nil, errors.New("round: party id 0 is not allowed")
		}
		if i > 0 && p[i-1] == id {
			return nil, fmt.Errorf("round: duplicate party id %d", id)
		}
	}
	return p, nil
}

// Contains reports whether id is in the list.
func (p Parties) Contains(id PartyID) bool {
	_, ok := slices.BinarySearch(p, id)
	return ok
}

// Index returns the position of id in the list, or -1.
func (p Parties) Index(id PartyID) int {
	i, ok := slices.BinarySearch(p, id)
	if !ok {
		return -1
	}
	return i
}

// Others returns the list without self.
func (p Parties) Others(self PartyID) Parties {
	out := make(Parties, 0, len(p))
	for _, id := range p {
		if id != self {
			out = append(out, id)
		}
	}
	return out
}

// IsSubsetOf reports whether every id of p is in q.
func (p Parties) IsSubsetOf(q Parties) bool {
	for _, id := range p {
		if !q.Contains(id) {
			return false
		}
	}
	return true
}

// Kind distinguishes a round's own messages from its echo step.
type Kind uint8

const (
	// KindRound is a message of the round itself.
	KindRound Kind = 1
	// KindEcho is the echo step that makes a broadcast round consistent.
	KindEcho Kind = 2
)

// Message is one protocol message. Payload is opaque to the transport; To
// is zero for a broadcast.
type Message struct {
	Session  SessionID
	Protocol string
	Round    uint16
	Kind     Kind
	From     PartyID
	To       PartyID
	Payload  []byte
}

// IsBroadcast reports whether the message goes to every party.
func (m *Message) IsBroadcast() bool { return m.To == 0 }

// AbortError is returned by every protocol failure a peer caused. Culprits
// are sorted; Evidence is data another party can check (for example the
// offending payload), never a secret of the reporting party.
type AbortError struct {
	Session  SessionID
	Protocol string
	Round    uint16
	Culprits []PartyID
	Evidence []byte
	Err      error
}

func (e *AbortError) Error() string {
	ids := make([]string, len(e.Culprits))
	for i, c := range e.Culprits {
		ids[i] = fmt.Sprint(c)
	}
	return fmt.Sprintf("%s: session %s round %d: abort blaming party %s: %v",
		e.Protocol, e.Session, e.Round, strings.Join(ids, ","), e.Err)
}

func (e *AbortError) Unwrap() error { return e.Err }

// Blame is a convenience for rounds: an abort naming the given culprits,
// filled in with session data by the Machine.
func Blame(err error, evidence []byte, culprits ...PartyID) *AbortError {
	c := slices.Clone(culprits)
	slices.Sort(c)
	c = slices.Compact(c)
	return &AbortError{Culprits: c, Evidence: evidence, Err: err}
}

// Culprits returns the culprits of err if it is (or wraps) an AbortError.
func Culprits(err error) []PartyID {
	var ae *AbortError
	if errors.As(err, &ae) {
		return ae.Culprits
	}
	return nil
}
