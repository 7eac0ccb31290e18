package round

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Expect says which messages a round waits for from each other party.
type Expect struct {
	Broadcast bool // one broadcast message from every other party
	P2P       bool // one point-to-point message from every other party
}

// Inputs holds a round's received payloads by sender. Broadcast includes the
// receiving party's own broadcast.
type Inputs struct {
	Broadcast map[PartyID][]byte
	P2P       map[PartyID][]byte
}

// Round is one round of a protocol from one party's point of view.
type Round interface {
	// Number is the round's number, starting at 1.
	Number() uint16
	// Expect returns what the round waits for.
	Expect() Expect
	// Finalize consumes the round's inputs once they are complete (and,
	// for a broadcast round, echo-checked) and returns the next round and
	// the messages it sends, or, for the last round, the result. Failures
	// caused by a peer are returned as *AbortError from Blame.
	Finalize(in Inputs) (next Round, out []Message, result any, err error)
}

// Config identifies a party's place in a session.
type Config struct {
	Session  SessionID
	Protocol string
	Self     PartyID
	Parties  Parties
}

// Machine drives a party through its rounds. It is not safe for concurrent
// use.
type Machine struct {
	cfg     Config
	cur     Round
	inputs  map[key][]byte
	ownB    []byte
	echoed  bool
	done    bool
	result  any
	err     error
	pending []Message // messages for future rounds
}

type key struct {
	round uint16
	kind  Kind
	bcast bool
	from  PartyID
}

// ErrDone is returned by Step after the machine finished or aborted.
var ErrDone = errors.New("round: session already finished")

// NewMachine starts a party at its first round. first is the party's first
// round; initial are the messages that round sends (the caller computed them
// when it built first). It returns the machine and the messages to send.
func NewMachine(cfg Config, first Round, initial []Message) (*Machine, []Message, error) {
	if !cfg.Parties.Contains(cfg.Self) {
		return nil, nil, fmt.Errorf("round: party %d is not in the session's party list", cfg.Self)
	}
	m := &Machine{cfg: cfg, inputs: make(map[key][]byte)}
	out := m.stamp(initial)
	m.enter(first, out)
	more, err := m.advance()
	if err != nil {
		return nil, nil, err
	}
	return m, append(out, more...), nil
}

// stamp fills in the session fields of outgoing messages.
func (m *Machine) stamp(msgs []Message) []Message {
	for i := range msgs {
		msgs[i].Session = m.cfg.Session
		msgs[i].Protocol = m.cfg.Protocol
		msgs[i].From = m.cfg.Self
		if msgs[i].Kind == 0 {
			msgs[i].Kind = KindRound
		}
	}
	return msgs
}

func (m *Machine) enter(r Round, out []Message) {
	m.cur = r
	m.echoed = false
	m.ownB = nil
	for i := range out {
		if out[i].IsBroadcast() && out[i].Kind == KindRound {
			m.ownB = out[i].Payload
			out[i].Round = r.Number()
		} else if out[i].Round == 0 {
			out[i].Round = r.Number()
		}
	}
}

// Done reports whether the machine finished, with its result or error.
func (m *Machine) Done() (bool, any, error) { return m.done, m.result, m.err }

// Round returns the current round number (0 when done).
func (m *Machine) Round() uint16 {
	if m.done {
		return 0
	}
	return m.cur.Number()
}

func (m *Machine) fail(err error) error {
	var ae *AbortError
	if errors.As(err, &ae) {
		ae.Session = m.cfg.Session
		ae.Protocol = m.cfg.Protocol
		if ae.Round == 0 && m.cur != nil {
			ae.Round = m.cur.Number()
		}
	}
	m.done = true
	m.err = err
	return err
}

// Step hands the machine one incoming message and returns the messages to
// send in response. Envelope-level problems with a message that does not
// belong to this session are returned as plain errors and leave the machine
// unchanged; a peer that equivocates or sends a malformed round message makes
// Step return an *AbortError, after which the machine is done.
func (m *Machine) Step(msg Message) ([]Message, error) {
	if m.done {
		return nil, ErrDone
	}
	if msg.Session != m.cfg.Session {
		return nil, errors.New("round: message from another session")
	}
	if msg.Protocol != m.cfg.Protocol {
		return nil, errors.New("round: message for another protocol")
	}
	if msg.From == m.cfg.Self || !m.cfg.Parties.Contains(msg.From) {
		return nil, fmt.Errorf("round: sender %d is not a peer in this session", msg.From)
	}
	if msg.To != 0 && msg.To != m.cfg.Self {
		return nil, fmt.Errorf("round: message addressed to party %d", msg.To)
	}
	if msg.Kind != KindRound && msg.Kind != KindEcho {
		return nil, m.fail(Blame(fmt.Errorf("round: unknown message kind %d", msg.Kind), nil, msg.From))
	}
	if msg.Round < m.cur.Number() {
		return nil, fmt.Errorf("round: stale message for round %d", msg.Round)
	}
	if msg.Round > m.cur.Number() {
		if len(m.pending) >= 4*len(m.cfg.Parties)*4 {
			return nil, m.fail(Blame(errors.New("round: too many messages for future rounds"), nil, msg.From))
		}
		m.pending = append(m.pending, msg)
		return nil, nil
	}
	if err := m.accept(msg); err != nil {
		return nil, err
	}
	return m.advance()
}

func (m *Machine) accept(msg Message) error {
	exp := m.cur.Expect()
	k := key{round: msg.Round, kind: msg.Kind, bcast: msg.IsBroadcast(), from: msg.From}
	switch {
	case msg.Kind == KindEcho && (!exp.Broadcast || !msg.IsBroadcast()):
		return m.fail(Blame(errors.New("round: unexpected echo"), nil, msg.From))
	case msg.Kind == KindRound && msg.IsBroadcast() && !exp.Broadcast:
		return m.fail(Blame(errors.New("round: unexpected broadcast"), nil, msg.From))
	case msg.Kind == KindRound && !msg.IsBroadcast() && !exp.P2P:
		return m.fail(Blame(errors.New("round: unexpected point-to-point message"), nil, msg.From))
	}
	if prev, ok := m.inputs[k]; ok {
		if bytes.Equal(prev, msg.Payload) {
			return nil // a duplicate delivery
		}
		return m.fail(Blame(errors.New("round: two different messages for one slot"), msg.Payload, msg.From))
	}
	m.inputs[k] = msg.Payload
	return nil
}

// advance runs every step that has all its inputs.
func (m *Machine) advance() ([]Message, error) {
	var out []Message
	for !m.done {
		exp := m.cur.Expect()
		r := m.cur.Number()
		if !m.have(r, KindRound, exp) {
			return out, nil
		}
		if exp.Broadcast {
			if !m.echoed {
				m.echoed = true
				out = append(out, m.stamp([]Message{{Round: r, Kind: KindEcho, Payload: m.echoDigest(r)}})...)
			}
			if !m.have(r, KindEcho, Expect{Broadcast: true}) {
				return out, nil
			}
			if err := m.checkEchoes(r); err != nil {
				return out, m.fail(err)
			}
		}
		in := m.collect(r, exp)
		next, msgs, result, err := m.cur.Finalize(in)
		if err != nil {
			return out, m.fail(err)
		}
		if next == nil {
			m.done = true
			m.result = result
			m.inputs = nil
			m.pending = nil
			return out, nil
		}
		msgs = m.stamp(msgs)
		m.enter(next, msgs)
		out = append(out, msgs...)
		for k := range m.inputs {
			if k.round <= r {
				delete(m.inputs, k)
			}
		}
		pend := m.pending
		m.pending = nil
		for _, p := range pend {
			if p.Round > next.Number() {
				m.pending = append(m.pending, p)
				continue
			}
			if err := m.accept(p); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

func (m *Machine) have(r uint16, kind Kind, exp Expect) bool {
	for _, id := range m.cfg.Parties {
		if id == m.cfg.Self {
			continue
		}
		if exp.Broadcast {
			if _, ok := m.inputs[key{r, kind, true, id}]; !ok {
				return false
			}
		}
		if exp.P2P && kind == KindRound {
			if _, ok := m.inputs[key{r, kind, false, id}]; !ok {
				return false
			}
		}
	}
	return true
}

func (m *Machine) collect(r uint16, exp Expect) Inputs {
	in := Inputs{}
	if exp.Broadcast {
		in.Broadcast = make(map[PartyID][]byte, len(m.cfg.Parties))
		in.Broadcast[m.cfg.Self] = m.ownB
	}
	if exp.P2P {
		in.P2P = make(map[PartyID][]byte, len(m.cfg.Parties))
	}
	for k, v := range m.inputs {
		if k.round != r || k.kind != KindRound {
			continue
		}
		if k.bcast {
			in.Broadcast[k.from] = v
		} else {
			in.P2P[k.from] = v
		}
	}
	return in
}

// broadcastDigest binds one party's broadcast to the session and round.
func (m *Machine) broadcastDigest(r uint16, from PartyID, payload []byte) [32]byte {
	h := sha256.New()
	var hdr [2 + 2 + 8]byte
	binary.BigEndian.PutUint16(hdr[0:], r)
	binary.BigEndian.PutUint16(hdr[2:], uint16(from))
	binary.BigEndian.PutUint64(hdr[4:], uint64(len(payload)))
	h.Write([]byte("custos/round/echo/v1"))
	h.Write(m.cfg.Session[:])
	h.Write([]byte(m.cfg.Protocol))
	h.Write(hdr[:])
	h.Write(payload)
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// echoDigest is this party's view of round r's broadcasts: one digest per
// party, in party-list order.
func (m *Machine) echoDigest(r uint16) []byte {
	out := make([]byte, 0, 32*len(m.cfg.Parties))
	for _, id := range m.cfg.Parties {
		p := m.ownB
		if id != m.cfg.Self {
			p = m.inputs[key{r, KindRound, true, id}]
		}
		d := m.broadcastDigest(r, id, p)
		out = append(out, d[:]...)
	}
	return out
}

func (m *Machine) checkEchoes(r uint16) error {
	mine := m.echoDigest(r)
	var culprits []PartyID
	var evidence []byte
	for _, from := range m.cfg.Parties {
		if from == m.cfg.Self {
			continue
		}
		theirs := m.inputs[key{r, KindEcho, true, from}]
		if len(theirs) != len(mine) {
			return Blame(errors.New("round: malformed echo"), theirs, from)
		}
		for j, id := range m.cfg.Parties {
			a, b := mine[32*j:32*j+32], theirs[32*j:32*j+32]
			if !bytes.Equal(a, b) {
				if id == from || id == m.cfg.Self {
					// A party misreporting its own broadcast, or
					// contradicting ours: it is the one equivocating.
					culprits = append(culprits, from)
				} else {
					culprits = append(culprits, id)
				}
				evidence = append(evidence, theirs...)
			}
		}
	}
	if len(culprits) > 0 {
		return Blame(errors.New("round: broadcast equivocation detected by echo"), evidence, culprits...)
	}
	return nil
}
