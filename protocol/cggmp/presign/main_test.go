package presign_test

import (
	"os"
	"testing"

	"github.com/custos-mpc/custos/protocol/cggmp/internal/zkparams"
)

// TestMain lowers the repetitions of the identification proofs (Π^aff-g*,
// Π^dec) from 128 to 8 so the identification tests run in seconds under the
// race detector; soundness is not what these tests measure.
func TestMain(m *testing.M) {
	zkparams.Reps = 8
	os.Exit(m.Run())
}
