package refresh

import (
	"crypto/rand"
	"math/big"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/sch"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/cggmp/share/sharetest"
	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

// Tests use 2048-bit moduli from the fixed test primes. sharetest.Deal
// gives party k the pair k−1; the refresh gives it the pair 10−k, so old
// and new moduli differ for up to five parties, and a party keeps its new
// modulus across sessions (as a replaying adversary would).
var testOpts = Options{Bits: 2048}

func session(t testing.TB) round.SessionID {
	t.Helper()
	var sid round.SessionID
	rand.Read(sid[:])
	return sid
}

// newKey returns party id's fresh Paillier key for the refresh.
func newKey(t testing.TB, id round.PartyID) *paillier.SecretKey {
	t.Helper()
	if id < 1 || id > 5 {
		t.Fatalf("no refresh test key for party %d", id)
	}
	p, q := testprimes.Pair(sharetest.MaxParties - int(id))
	sk, err := paillier.NewSecretKey(p, q)
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

// adversary makes a party misbehave: beforeCommit changes its round-1
// state before it commits (its own choices, so its commitment covers
// them), tamper rewrites what it sends, round by round (sim.Malicious).
type adversary struct {
	beforeCommit func(*round1)
	tamper       func(rnd uint16, out []round.Message)
}

// parties starts a refresh of keys, the parties in adv malicious.
func parties(t testing.TB, sid round.SessionID, keys map[round.PartyID]*share.Key, adv map[round.PartyID]adversary) map[round.PartyID]*sim.Party {
	t.Helper()
	out := map[round.PartyID]*sim.Party{}
	for id, key := range keys {
		cfg := round.Config{Session: sid, Protocol: Protocol, Self: id, Parties: key.Parties}
		r1, err := newRound1(cfg, key, testOpts, newKey(t, id), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if f := adv[id].beforeCommit; f != nil {
			f(r1)
		}
		var first round.Round = r1
		msgs := r1.commitMessages()
		if f := adv[id].tamper; f != nil {
			first, msgs = sim.Malicious(first, msgs, f)
		}
		m, initial, err := round.NewMachine(cfg, first, msgs)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = &sim.Party{Machine: m, Initial: initial}
	}
	return out
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

// schProve makes a Π^sch proof for s·G (decoder tests and seeds).
func schProve(s group.Scalar) (*sch.Proof, error) {
	w := sch.NewWitness(s)
	defer w.Destroy()
	return sch.Prove(rand.Reader, zk.Context{SessionID: []byte("test")}, &sch.Statement{X: g.NewElement().ScalarBaseMult(s)}, w)
}
