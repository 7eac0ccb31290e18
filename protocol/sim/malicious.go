package sim

import "github.com/custos-mpc/custos/protocol/round"

// Malicious makes a party misbehave at the source: tamper sees, and may
// change, every message the party sends, round by round (the initial
// messages, then those each Finalize returns), before the party's own
// machine records them. Unlike a network Fault, the change is the party's
// own: its echo reports the tampered broadcast too, so honest parties reach
// the protocol check the tampering targets instead of catching an
// equivocation.
func Malicious(first round.Round, initial []round.Message, tamper func(rnd uint16, out []round.Message)) (round.Round, []round.Message) {
	tamper(first.Number(), initial)
	return &malicious{inner: first, tamper: tamper}, initial
}

type malicious struct {
	inner  round.Round
	tamper func(uint16, []round.Message)
}

func (m *malicious) Number() uint16       { return m.inner.Number() }
func (m *malicious) Expect() round.Expect { return m.inner.Expect() }

func (m *malicious) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	next, out, res, err := m.inner.Finalize(in)
	if next != nil {
		m.tamper(next.Number(), out)
		next = &malicious{inner: next, tamper: m.tamper}
	}
	return next, out, res, err
}
