package presign

import (
	"testing"

	"github.com/custos-mpc/custos/protocol/cggmp/share/sharetest"
	"github.com/custos-mpc/custos/protocol/round"
)

// FuzzParse: no input panics the presignature decoder, and what it accepts
// re-encodes to itself.
func FuzzParse(f *testing.F) {
	keys := sharetest.Deal(f, 2, 3)
	out := runWith(f, keys, round.Parties{1, 2}, 0, nil, nil)
	if p, ok := out[1].Result.(*Presignature); ok {
		f.Add(p.Marshal())
	}
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		if q, err := Parse(p.Marshal()); err != nil || string(q.Marshal()) != string(p.Marshal()) {
			t.Fatalf("accepted input does not round-trip: %v", err)
		}
	})
}

// FuzzRoundPayloads: the round decoders never panic on peer input.
func FuzzRoundPayloads(f *testing.F) {
	keys := sharetest.Deal(f, 2, 3)
	pk := keys[1].Aux[1].Paillier
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		parseCommit1(pk, b)
		parseBcast2(round.Parties{2, 3}, b)
		parseBcast3(b)
	})
}
