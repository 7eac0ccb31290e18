// Package sim runs n protocol parties in one process, delivering their
// messages through an in-memory network that can drop, duplicate, reorder,
// corrupt, equivocate and replay, for tests and benchmarks.
//
// It does not model time: a party that never receives what it waits for is
// reported as stalled, which is what a coordinator's timeout turns into.
package sim

import (
	"errors"
	"math/rand/v2"

	"github.com/custos-mpc/custos/protocol/round"
)

// ErrStalled is reported for a party that was still waiting when the
// network ran out of messages.
var ErrStalled = errors.New("sim: party stalled waiting for messages")

// Fault rewrites one delivery: it receives a message on its way to one
// recipient and returns the messages to deliver instead (none to drop it,
// several to duplicate or inject).
type Fault func(msg round.Message, to round.PartyID) []round.Message

// Party is one participant: its machine and the messages it sent first.
type Party struct {
	Machine *round.Machine
	Initial []round.Message
}

// Outcome is what one party ended with.
type Outcome struct {
	Result any
	Err    error
}

// Network delivers messages between parties.
type Network struct {
	Faults  []Fault
	Reorder bool   // deliver queued messages in a random order
	Seed    uint64 // for Reorder

	// BytesSent counts payload bytes each party sent (a broadcast counts
	// once per recipient, as it would on the wire through a relay).
	BytesSent map[round.PartyID]int
	// Log records every message as sent (before faults), for replay tests.
	Log []round.Message
}

type delivery struct {
	to  round.PartyID
	msg round.Message
}

// Run delivers messages until no party has anything left to process and
// returns each party's outcome.
func (n *Network) Run(parties map[round.PartyID]*Party) map[round.PartyID]Outcome {
	if n.BytesSent == nil {
		n.BytesSent = make(map[round.PartyID]int)
	}
	ids := make([]round.PartyID, 0, len(parties))
	for id := range parties {
		ids = append(ids, id)
	}
	parties2, _ := round.NewParties(ids)
	rng := rand.New(rand.NewPCG(n.Seed, n.Seed^0x9e3779b97f4a7c15))
	var queue []delivery
	send := func(msgs []round.Message) {
		for _, m := range msgs {
			n.Log = append(n.Log, m)
			var targets []round.PartyID
			if m.IsBroadcast() {
				targets = parties2.Others(m.From)
			} else {
				targets = []round.PartyID{m.To}
			}
			for _, to := range targets {
				n.BytesSent[m.From] += len(m.Payload)
				out := []round.Message{m}
				for _, f := range n.Faults {
					var next []round.Message
					for _, o := range out {
						next = append(next, f(o, to)...)
					}
					out = next
				}
				for _, o := range out {
					queue = append(queue, delivery{to: to, msg: o})
				}
			}
		}
	}
	for _, id := range parties2 {
		send(parties[id].Initial)
	}
	outcome := make(map[round.PartyID]Outcome, len(parties))
	for len(queue) > 0 {
		i := 0
		if n.Reorder {
			i = rng.IntN(len(queue))
		}
		d := queue[i]
		queue = append(queue[:i], queue[i+1:]...)
		p, ok := parties[d.to]
		if !ok {
			continue
		}
		if done, _, _ := p.Machine.Done(); done {
			continue
		}
		out, err := p.Machine.Step(d.msg)
		send(out)
		if err != nil {
			var ae *round.AbortError
			if errors.As(err, &ae) {
				outcome[d.to] = Outcome{Err: err}
			}
		}
	}
	for _, id := range parties2 {
		if _, ok := outcome[id]; ok {
			continue
		}
		done, res, err := parties[id].Machine.Done()
		switch {
		case !done:
			outcome[id] = Outcome{Err: ErrStalled}
		default:
			outcome[id] = Outcome{Result: res, Err: err}
		}
	}
	return outcome
}

// Match selects messages for a fault.
type Match struct {
	From  round.PartyID // 0 = any
	To    round.PartyID // recipient of this copy; 0 = any
	Round uint16        // 0 = any
	Kind  round.Kind    // 0 = any
}

func (m Match) hit(msg round.Message, to round.PartyID) bool {
	return (m.From == 0 || msg.From == m.From) &&
		(m.To == 0 || to == m.To) &&
		(m.Round == 0 || msg.Round == m.Round) &&
		(m.Kind == 0 || msg.Kind == m.Kind)
}

// Drop drops matching messages.
func Drop(m Match) Fault {
	return func(msg round.Message, to round.PartyID) []round.Message {
		if m.hit(msg, to) {
			return nil
		}
		return []round.Message{msg}
	}
}

// Duplicate delivers matching messages twice.
func Duplicate(m Match) Fault {
	return func(msg round.Message, to round.PartyID) []round.Message {
		if m.hit(msg, to) {
			return []round.Message{msg, msg}
		}
		return []round.Message{msg}
	}
}

// Corrupt replaces the payload of matching messages with f(payload); f gets
// a copy it may modify.
func Corrupt(m Match, f func(payload []byte) []byte) Fault {
	return func(msg round.Message, to round.PartyID) []round.Message {
		if m.hit(msg, to) {
			msg.Payload = f(append([]byte(nil), msg.Payload...))
		}
		return []round.Message{msg}
	}
}

// Equivocate is Corrupt for a broadcast: only the copies going to the
// matched recipient are changed, so parties see different versions.
func Equivocate(from round.PartyID, rnd uint16, to round.PartyID, f func([]byte) []byte) Fault {
	return Corrupt(Match{From: from, To: to, Round: rnd, Kind: round.KindRound}, f)
}

// Replay injects, alongside each matching message, the messages of an
// earlier run (another session) from the same sender and round.
func Replay(m Match, old []round.Message) Fault {
	return func(msg round.Message, to round.PartyID) []round.Message {
		out := []round.Message{msg}
		if !m.hit(msg, to) {
			return out
		}
		for _, o := range old {
			if o.From == msg.From && o.Round == msg.Round && o.Kind == msg.Kind && (o.To == 0 || o.To == to) {
				out = append([]round.Message{o}, out...)
			}
		}
		return out
	}
}

// Substitute replaces a matching message by a message from an earlier run
// (another session): the recipient never sees the genuine one.
func Substitute(m Match, old []round.Message) Fault {
	return func(msg round.Message, to round.PartyID) []round.Message {
		if !m.hit(msg, to) {
			return []round.Message{msg}
		}
		for _, o := range old {
			if o.From == msg.From && o.Round == msg.Round && o.Kind == msg.Kind && (o.To == 0 || o.To == to) {
				return []round.Message{o}
			}
		}
		return []round.Message{msg}
	}
}
