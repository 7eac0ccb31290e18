package bip32

import (
	"errors"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
)

// Invalid children are too rare to reach through HMAC-SHA512 (probability
// below 2^-127), so CKDpub's checks are exercised on chosen I_L values.
func TestChildKeyInvalid(t *testing.T) {
	g := group.Secp256k1
	k, err := g.ParseScalar(append(make([]byte, 31), 5))
	if err != nil {
		t.Fatal(err)
	}
	negK := g.NewElement().ScalarBaseMult(k)
	negK.Negate(negK)
	order := g.Order().FillBytes(make([]byte, 32))
	tests := []struct {
		name   string
		parent group.Element
		iL     []byte
	}{
		{"I_L equal to n is invalid", g.Generator(), order},
		{"I_L above n is invalid", g.Generator(), bytesOf(0xff)},
		{"a child at the identity is invalid", negK, k.Bytes()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := childKey(tt.parent, tt.iL, 3, 17)
			var ce *ChildError
			if !errors.Is(err, ErrInvalidChild) || !errors.As(err, &ce) || ce.Index != 17 || ce.Depth != 3 {
				t.Fatalf("childKey error %v, want a ChildError at index 17, depth 3", err)
			}
		})
	}
	t.Run("I_L = n-1 with parent 2G gives G", func(t *testing.T) {
		below := g.Order().FillBytes(make([]byte, 32))
		below[31]--
		twoG := g.NewElement().Double(g.Generator())
		_, child, err := childKey(twoG, below, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !child.Equal(g.Generator()) {
			t.Error("(n-1)·G + 2G is not G")
		}
	})
}

func bytesOf(b byte) []byte {
	out := make([]byte, 32)
	for i := range out {
		out[i] = b
	}
	return out
}
