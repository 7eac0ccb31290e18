package group

import (
	"errors"
	"fmt"
	"io"
)

// randomScalar draws ScalarLen()+16 uniform bytes and reduces them, so the
// bias is below 2^-128 (RFC 9380 Section 5), retrying on zero.
func randomScalar(g Group, rand io.Reader) (Scalar, error) {
	buf := make([]byte, g.ScalarLen()+16)
	defer clear(buf)
	for range 8 {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, fmt.Errorf("group: reading randomness: %w", err)
		}
		s, err := g.NewScalar().SetUniformBytes(buf)
		if err != nil {
			return nil, err
		}
		if !s.IsZero() {
			return s, nil
		}
	}
	return nil, errors.New("group: random source returned zero repeatedly")
}
