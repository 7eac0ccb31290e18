// Package elog implements Π^elog, the proof of a discrete logarithm
// committed with El-Gamal (CGGMP21, ePrint 2021/060, latest revision,
// Appendix A.1, Fig. 23).
//
// Relation: R = {(L, M, X, Y, h; y, λ) | L = λ·G, M = λ·X + y·G, Y = y·h}:
// (L, M) is an El-Gamal commitment to y under the key X, and Y = y·h.
//
//	α, m ← F_q; A = α·G, N = m·G + α·X, B = m·h
//	e ← F_q (Fiat–Shamir)
//	z = α + e·λ, u = m + e·y (mod q)
//	check z·G = A + e·L, u·G + z·X = N + e·M, u·h = B + e·Y
//
// Presigning (latest revision, Fig. 8) uses it in Round 2 for Γ_i = γ_i·G
// against the commitment (B_{i,1}, B_{i,2}) (h = G), and in Round 3 for
// Δ_i = k_i·Γ against (A_{i,1}, A_{i,2}) (h = Γ).
package elog

import (
	"errors"
	"fmt"
	"io"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/internal/zkutil"
)

const domain = "custos/zk/elog/v1"

// ErrInvalidProof is wrapped by every verification failure.
var ErrInvalidProof = errors.New("elog: invalid proof")

// Statement is (L, M, X, Y, h).
type Statement struct {
	L, M, X, Y, H group.Element
}

// Witness is (y, λ). It prints as <redacted>.
type Witness struct {
	y, lambda group.Scalar
}

// NewWitness copies y and λ.
func NewWitness(y, lambda group.Scalar) *Witness {
	return &Witness{y: y.Group().NewScalar().Set(y), lambda: lambda.Group().NewScalar().Set(lambda)}
}

// Destroy wipes the witness.
func (w *Witness) Destroy() {
	w.y.Zero()
	w.lambda.Zero()
}

func (w *Witness) String() string             { return zkutil.Redacted }
func (w *Witness) GoString() string           { return zkutil.Redacted }
func (w *Witness) Format(f fmt.State, _ rune) { fmt.Fprint(f, zkutil.Redacted) }

// Proof is (A, N, B; z, u).
type Proof struct {
	A, N, B group.Element
	Z, U    group.Scalar
}

func (st *Statement) check() error {
	if st == nil || st.L == nil || st.M == nil || st.X == nil || st.Y == nil || st.H == nil {
		return errors.New("missing input")
	}
	g := st.L.Group().Name()
	for _, e := range []group.Element{st.M, st.X, st.Y, st.H} {
		if e.Group().Name() != g {
			return errors.New("points of different groups")
		}
	}
	if st.H.IsIdentity() || st.X.IsIdentity() {
		return errors.New("identity base or key")
	}
	return nil
}

func challenge(ctx zk.Context, st *Statement, pr *Proof) group.Scalar {
	g := st.L.Group()
	t := zkutil.NewGroupTranscript(domain, g, ctx)
	zkutil.AppendElements(t, "L,M,X,Y,h", st.L, st.M, st.X, st.Y, st.H)
	zkutil.AppendElements(t, "A,N,B", pr.A, pr.N, pr.B)
	return zkutil.ChallengeScalar(t, g, "e")
}

// Prove makes the proof. It refuses a witness that does not match.
func Prove(rand io.Reader, ctx zk.Context, st *Statement, w *Witness) (*Proof, error) {
	if err := st.check(); err != nil {
		return nil, fmt.Errorf("elog: prove: %w", err)
	}
	if w == nil || w.y == nil || w.lambda == nil {
		return nil, errors.New("elog: prove: missing witness")
	}
	g := st.L.Group()
	l := g.NewElement().ScalarBaseMult(w.lambda)
	m := g.NewElement().ScalarMult(w.lambda, st.X)
	m.Add(m, g.NewElement().ScalarBaseMult(w.y))
	y := g.NewElement().ScalarMult(w.y, st.H)
	if !l.Equal(st.L) || !m.Equal(st.M) || !y.Equal(st.Y) {
		return nil, errors.New("elog: prove: witness does not match the statement")
	}
	alpha, err := g.RandomScalar(rand)
	if err != nil {
		return nil, fmt.Errorf("elog: prove: %w", err)
	}
	mm, err := g.RandomScalar(rand)
	if err != nil {
		return nil, fmt.Errorf("elog: prove: %w", err)
	}
	defer alpha.Zero()
	defer mm.Zero()
	pr := &Proof{
		A: g.NewElement().ScalarBaseMult(alpha),
		N: g.NewElement().Add(g.NewElement().ScalarBaseMult(mm), g.NewElement().ScalarMult(alpha, st.X)),
		B: g.NewElement().ScalarMult(mm, st.H),
	}
	e := challenge(ctx, st, pr)
	pr.Z = g.NewScalar().Mul(e, w.lambda)
	pr.Z.Add(pr.Z, alpha)
	pr.U = g.NewScalar().Mul(e, w.y)
	pr.U.Add(pr.U, mm)
	return pr, nil
}

// Verify checks the three equations of Fig. 23.
func Verify(ctx zk.Context, st *Statement, pr *Proof) error {
	if err := st.check(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	if pr == nil || pr.A == nil || pr.N == nil || pr.B == nil || pr.Z == nil || pr.U == nil {
		return fmt.Errorf("%w: missing field", ErrInvalidProof)
	}
	g := st.L.Group()
	for _, e := range []group.Element{pr.A, pr.N, pr.B} {
		if e.Group().Name() != g.Name() || e.IsIdentity() {
			return fmt.Errorf("%w: invalid point", ErrInvalidProof)
		}
	}
	e := challenge(ctx, st, pr)
	one := g.NewScalar().SetUint64(1)
	eq := func(l, r group.Element) bool { return l.Equal(r) }
	// z·G = A + e·L
	if !eq(g.NewElement().ScalarBaseMult(pr.Z), g.NewElement().VarTimeMultiScalarMult([]group.Scalar{one, e}, []group.Element{pr.A, st.L})) {
		return fmt.Errorf("%w: first equation", ErrInvalidProof)
	}
	// u·G + z·X = N + e·M
	if !eq(g.NewElement().VarTimeMultiScalarMult([]group.Scalar{pr.U, pr.Z}, []group.Element{g.Generator(), st.X}),
		g.NewElement().VarTimeMultiScalarMult([]group.Scalar{one, e}, []group.Element{pr.N, st.M})) {
		return fmt.Errorf("%w: second equation", ErrInvalidProof)
	}
	// u·h = B + e·Y
	if !eq(g.NewElement().VarTimeMultiScalarMult([]group.Scalar{pr.U}, []group.Element{st.H}),
		g.NewElement().VarTimeMultiScalarMult([]group.Scalar{one, e}, []group.Element{pr.B, st.Y})) {
		return fmt.Errorf("%w: third equation", ErrInvalidProof)
	}
	return nil
}

// Marshal encodes the proof: version ‖ kind ‖ A ‖ N ‖ B ‖ z ‖ u.
func (pr *Proof) Marshal() []byte {
	w := zkutil.NewWriter(zkutil.KindElog, 0)
	w.Element(pr.A)
	w.Element(pr.N)
	w.Element(pr.B)
	w.Scalar(pr.Z)
	w.Scalar(pr.U)
	return w.Bytes()
}

// Parse decodes a proof strictly (canonical non-identity points,
// canonical scalars, exact length).
func Parse(g group.Group, b []byte) (*Proof, error) {
	r := zkutil.NewReader(b, zkutil.KindElog)
	pr := &Proof{A: r.Element(g, "A"), N: r.Element(g, "N"), B: r.Element(g, "B"), Z: r.Scalar(g, "z"), U: r.Scalar(g, "u")}
	if err := r.Finish(); err != nil {
		return nil, fmt.Errorf("elog: parse: %w", err)
	}
	return pr, nil
}
