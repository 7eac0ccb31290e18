package round_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

// sumRound is a toy protocol: every party broadcasts a byte and sends each
// peer a byte privately; the result is the sum of everything received.
type sumRound struct {
	self round.PartyID
}

func (r *sumRound) Number() uint16 { return 1 }
func (r *sumRound) Expect() round.Expect {
	return round.Expect{Broadcast: true, P2P: true}
}
func (r *sumRound) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	total := 0
	for id, b := range in.Broadcast {
		if len(b) != 1 {
			return nil, nil, nil, round.Blame(errors.New("bad broadcast"), b, id)
		}
		total += int(b[0])
	}
	for id, b := range in.P2P {
		if len(b) != 1 {
			return nil, nil, nil, round.Blame(errors.New("bad p2p"), b, id)
		}
		total += int(b[0])
	}
	return &lastRound{total: total}, []round.Message{{Payload: []byte{byte(total)}}}, nil, nil
}

// lastRound is a broadcast round whose result is the sum of the totals.
type lastRound struct{ total int }

func (r *lastRound) Number() uint16       { return 2 }
func (r *lastRound) Expect() round.Expect { return round.Expect{Broadcast: true} }
func (r *lastRound) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	for id, b := range in.Broadcast {
		if int(b[0]) != r.total {
			return nil, nil, nil, round.Blame(errors.New("disagreement"), nil, id)
		}
	}
	return nil, nil, r.total, nil
}

var sid = round.SessionID{1, 2, 3}

func parties(t *testing.T, n int) map[round.PartyID]*sim.Party {
	t.Helper()
	ids := make(round.Parties, n)
	for i := range ids {
		ids[i] = round.PartyID(i + 1)
	}
	out := map[round.PartyID]*sim.Party{}
	for _, id := range ids {
		cfg := round.Config{Session: sid, Protocol: "sum/v1", Self: id, Parties: ids}
		msgs := []round.Message{{Payload: []byte{1}}}
		for _, j := range ids.Others(id) {
			msgs = append(msgs, round.Message{To: j, Payload: []byte{2}})
		}
		m, initial, err := round.NewMachine(cfg, &sumRound{self: id}, msgs)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = &sim.Party{Machine: m, Initial: initial}
	}
	return out
}

func TestMachineRunsRoundsWithEcho(t *testing.T) {
	for _, reorder := range []bool{false, true} {
		net := &sim.Network{Reorder: reorder, Seed: 3}
		res := net.Run(parties(t, 4))
		for id, o := range res {
			// 4 broadcasts of 1, 3 private 2s.
			if o.Err != nil || o.Result != 4+6 {
				t.Fatalf("reorder=%v party %d: %v %v", reorder, id, o.Result, o.Err)
			}
		}
	}
}

func TestMachineBlamesEquivocatorThroughEcho(t *testing.T) {
	net := &sim.Network{Faults: []sim.Fault{sim.Equivocate(3, 1, 2, func([]byte) []byte { return []byte{9} })}}
	res := net.Run(parties(t, 4))
	for _, id := range []round.PartyID{1, 2, 4} {
		if c := round.Culprits(res[id].Err); !slices.Equal(c, []round.PartyID{3}) {
			t.Fatalf("party %d blames %v (%v)", id, c, res[id].Err)
		}
	}
}

func TestMachineBlamesTwoDifferentMessagesForOneSlot(t *testing.T) {
	net := &sim.Network{Faults: []sim.Fault{func(m round.Message, to round.PartyID) []round.Message {
		if m.From == 2 && m.To == 1 && m.Kind == round.KindRound {
			alt := m
			alt.Payload = []byte{7}
			return []round.Message{m, alt}
		}
		return []round.Message{m}
	}}}
	res := net.Run(parties(t, 3))
	if c := round.Culprits(res[1].Err); !slices.Equal(c, []round.PartyID{2}) {
		t.Fatalf("party 1 blames %v", c)
	}
	var ae *round.AbortError
	if !errors.As(res[1].Err, &ae) || ae.Session != sid || ae.Protocol != "sum/v1" || ae.Round != 1 {
		t.Fatalf("abort lacks session data: %+v", ae)
	}
	if !strings.Contains(ae.Error(), "party 2") {
		t.Fatalf("message does not name the culprit: %v", ae)
	}
}

func TestMachineIgnoresDuplicatesAndRejectsForeignMessages(t *testing.T) {
	net := &sim.Network{Faults: []sim.Fault{sim.Duplicate(sim.Match{})}}
	for id, o := range net.Run(parties(t, 3)) {
		if o.Err != nil {
			t.Fatalf("party %d: %v", id, o.Err)
		}
	}
	ps := parties(t, 3)
	m := ps[1].Machine
	good := round.Message{Session: sid, Protocol: "sum/v1", Round: 1, Kind: round.KindRound, From: 2, Payload: []byte{1}}
	for name, mutate := range map[string]func(*round.Message){
		"another session":     func(m *round.Message) { m.Session[0] ^= 1 },
		"another protocol":    func(m *round.Message) { m.Protocol = "other" },
		"a sender not a peer": func(m *round.Message) { m.From = 9 },
		"from itself":         func(m *round.Message) { m.From = 1 },
		"for someone else":    func(m *round.Message) { m.To = 3 },
	} {
		t.Run(name, func(t *testing.T) {
			msg := good
			mutate(&msg)
			if _, err := m.Step(msg); err == nil {
				t.Fatal("accepted")
			}
			if done, _, _ := m.Done(); done {
				t.Fatal("a foreign message ended the session")
			}
		})
	}
	bad := good
	bad.Kind = 7
	if _, err := m.Step(bad); !slices.Equal(round.Culprits(err), []round.PartyID{2}) {
		t.Fatalf("unknown kind: %v", err)
	}
}

func TestNewPartiesSortsAndValidates(t *testing.T) {
	p, err := round.NewParties([]round.PartyID{5, 1, 3})
	if err != nil || !slices.Equal(p, round.Parties{1, 3, 5}) {
		t.Fatalf("%v %v", p, err)
	}
	for _, bad := range [][]round.PartyID{nil, {0}, {1, 1}} {
		if _, err := round.NewParties(bad); err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
}

func ExampleAbortError() {
	err := fmt.Errorf("node: keygen: %w", round.Blame(errors.New("invalid proof"), nil, 4, 2))
	fmt.Println(round.Culprits(err))
	// Output: [2 4]
}
