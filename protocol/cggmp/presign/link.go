package presign

import (
	"errors"
	"fmt"
	"io"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/zk/elog"
	"github.com/custos-mpc/custos/protocol/round"
)

// linkProve proves that XB = x·base for the x with XG = x·G, reusing
// Π^elog (Fig. 23) with the El-Gamal key G: L = λ·G, M = λ·G + x·G =
// L + XG, Y = x·base. The verifier checks M = L + XG itself, so the proof
// shows Y = x·base for x = dlog(XG).
func linkProve(rand io.Reader, label []byte, self round.PartyID, x group.Scalar, XG, base, XB group.Element) ([]byte, error) {
	lambda, err := g.RandomScalar(rand)
	if err != nil {
		return nil, err
	}
	defer lambda.Zero()
	L := g.NewElement().ScalarBaseMult(lambda)
	M := g.NewElement().Add(L, XG)
	pr, err := elog.Prove(rand, ctx(append(append([]byte{}, label...), "/link"...), self, 0),
		&elog.Statement{L: L, M: M, X: g.Generator(), Y: XB, H: base}, elog.NewWitness(x, lambda))
	if err != nil {
		return nil, fmt.Errorf("presign: identification: %w", err)
	}
	return append(append(L.Bytes(), M.Bytes()...), pr.Marshal()...), nil
}

func linkVerify(label []byte, from round.PartyID, XG, base, XB group.Element, b []byte) error {
	n := g.ElementLen()
	if len(b) < 2*n {
		return errors.New("identification: malformed link proof")
	}
	L, err1 := g.ParseElement(b[:n])
	M, err2 := g.ParseElement(b[n : 2*n])
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("identification: link proof: %w", err)
	}
	if !M.Equal(g.NewElement().Add(L, XG)) {
		return errors.New("identification: link proof does not open to the public share")
	}
	pr, err := elog.Parse(g, b[2*n:])
	if err != nil {
		return fmt.Errorf("identification: link proof: %w", err)
	}
	if err := elog.Verify(ctx(append(append([]byte{}, label...), "/link"...), from, 0),
		&elog.Statement{L: L, M: M, X: g.Generator(), Y: XB, H: base}, pr); err != nil {
		return fmt.Errorf("identification: link proof: %w", err)
	}
	return nil
}
