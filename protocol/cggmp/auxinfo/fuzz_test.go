package auxinfo

import (
	"crypto/rand"
	"testing"

	"github.com/custos-mpc/custos/protocol/round"
)

func FuzzParseDecommit(f *testing.F) {
	cfg := round.Config{Session: session(f), Protocol: Protocol, Self: 1, Parties: ids(2)}
	r1, err := newRound1(cfg, testOpts, testKey(f, 1), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	r1.commitMessages()
	f.Add(r1.raw)
	f.Add((&decommit{}).marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parseDecommit(b)
		if err == nil && string(d.marshal()) != string(b) {
			t.Fatal("re-encoding differs")
		}
	})
}
