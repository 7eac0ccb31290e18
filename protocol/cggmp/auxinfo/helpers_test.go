package auxinfo

import (
	"crypto/rand"
	"math/big"
	"testing"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

// Tests use 2048-bit moduli from the fixed test primes: party k uses
// pair k−1, so a party keeps its modulus across sessions (as a replaying
// adversary would).
var testOpts = Options{Bits: 2048}

func session(t testing.TB) round.SessionID {
	t.Helper()
	var sid round.SessionID
	rand.Read(sid[:])
	return sid
}

func testKey(t testing.TB, id round.PartyID) *paillier.SecretKey {
	t.Helper()
	p, q := testprimes.Pair(int(id) - 1)
	sk, err := paillier.NewSecretKey(p, q)
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func ids(n int) round.Parties {
	p := make(round.Parties, n)
	for i := range p {
		p[i] = round.PartyID(i + 1)
	}
	return p
}

// adversary changes a party's round-1 state before it commits and after
// (a malicious party's choices).
type adversary struct {
	beforeCommit, afterCommit func(*round1)
}

// parties builds n parties, the ones in adv malicious.
func parties(t testing.TB, sid round.SessionID, n int, adv map[round.PartyID]adversary) (map[round.PartyID]*sim.Party, map[round.PartyID]*round1) {
	t.Helper()
	all := ids(n)
	out := map[round.PartyID]*sim.Party{}
	states := map[round.PartyID]*round1{}
	for _, id := range all {
		cfg := round.Config{Session: sid, Protocol: Protocol, Self: id, Parties: all}
		r1, err := newRound1(cfg, testOpts, testKey(t, id), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if f := adv[id].beforeCommit; f != nil {
			f(r1)
		}
		msgs := r1.commitMessages()
		if f := adv[id].afterCommit; f != nil {
			f(r1)
		}
		m, initial, err := round.NewMachine(cfg, r1, msgs)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = &sim.Party{Machine: m, Initial: initial}
		states[id] = r1
	}
	return out, states
}

// ridFromLog recomputes rid from the round-2 reveals in a network log.
func ridFromLog(log []round.Message) [randLen]byte {
	var rid [randLen]byte
	for _, m := range log {
		if m.Round != 2 || m.Kind != round.KindRound || !m.IsBroadcast() {
			continue
		}
		d, err := parseDecommit(m.Payload)
		if err != nil {
			continue
		}
		for k := range rid {
			rid[k] ^= d.rid[k]
		}
	}
	return rid
}

// paramsBytes encodes (n, s, t) like pedersen.Parameters.Marshal without
// validating them (a malicious party's decommitment).
func paramsBytes(n, s, t *big.Int) []byte {
	l := (n.BitLen() + 7) / 8
	out := make([]byte, 3+3*l)
	out[0] = 1
	out[1], out[2] = byte(l>>8), byte(l)
	n.FillBytes(out[3 : 3+l])
	s.FillBytes(out[3+l : 3+2*l])
	t.FillBytes(out[3+2*l:])
	return out
}
