package bench

import (
	"testing"

	"github.com/custos-mpc/custos/protocol/frost"
)

func TestFrostBenchRunsEverySuite(t *testing.T) {
	for _, s := range frost.Suites {
		res, err := Frost(FrostConfig{Suite: s, Threshold: 2, Parties: 3, Runs: 2})
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if len(res) != 2 || res[1].Signature == "" || res[0].BytesPerParty == 0 {
			t.Fatalf("%s: incomplete results %+v", s.Name, res)
		}
	}
}
