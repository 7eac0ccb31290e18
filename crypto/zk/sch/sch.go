// Package sch implements Π^sch, the Schnorr proof of knowledge of a
// discrete logarithm, in the commitment-first form CGGMP21 uses in key
// generation and key refresh (ePrint 2021/060, "Schnorr proof of
// knowledge", Fig. 22 in the 2021 numbering; key generation and refresh
// send the commitment A, hashed, one round before the response).
//
// Relation: R = {(G, q, X; x) | X = x·G}.
//
//	Prover: α ← F_q, A = α·G                         (Commit)
//	Challenge: e = H(domain, group, ssid, prover, verifier, X, A) ∈ F_q
//	Prover: z = α + e·x mod q                        (Prove)
//	Verifier: z·G = A + e·X                          (Verify)
//
// The session id must include everything the paper hashes with the
// challenge (ssid, and rid in key generation).
package sch

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/internal/zkutil"
)

const domain = "custos/zk/sch/v1"

// Statement is the public input: X = x·G.
type Statement struct {
	X group.Element
}

// Witness is the discrete logarithm x. It prints as <redacted>.
type Witness struct {
	x group.Scalar
}

// NewWitness wraps x; the Witness keeps a copy.
func NewWitness(x group.Scalar) *Witness {
	return &Witness{x: x.Group().NewScalar().Set(x)}
}

// Destroy wipes the witness.
func (w *Witness) Destroy() {
	if w != nil && w.x != nil {
		w.x.Zero()
	}
}

func (w *Witness) String() string             { return zkutil.Redacted }
func (w *Witness) GoString() string           { return zkutil.Redacted }
func (w *Witness) Format(f fmt.State, _ rune) { fmt.Fprint(f, zkutil.Redacted) }

// Commitment is the prover's first message A = α·G.
type Commitment struct {
	A group.Element
}

// Nonce is the secret α behind a Commitment. It is single-use: Prove
// consumes it, and a second use fails (reusing α would reveal x).
type Nonce struct {
	mu    sync.Mutex
	alpha group.Scalar
	used  bool
}

// Destroy wipes the nonce and marks it used.
func (n *Nonce) Destroy() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.alpha != nil {
		n.alpha.Zero()
	}
	n.used = true
}

func (n *Nonce) String() string             { return zkutil.Redacted }
func (n *Nonce) GoString() string           { return zkutil.Redacted }
func (n *Nonce) Format(f fmt.State, _ rune) { fmt.Fprint(f, zkutil.Redacted) }

// Proof is (A, z).
type Proof struct {
	A group.Element
	Z group.Scalar
}

// ErrInvalidProof is wrapped by every verification failure.
var ErrInvalidProof = errors.New("sch: invalid proof")

// Commit samples the nonce α and returns A = α·G (CGGMP21 key generation,
// Round 1: A_i is committed to in V_i before the challenge exists).
func Commit(rand io.Reader, g group.Group) (*Commitment, *Nonce, error) {
	alpha, err := g.RandomScalar(rand)
	if err != nil {
		return nil, nil, fmt.Errorf("sch: commit: %w", err)
	}
	return &Commitment{A: g.NewElement().ScalarBaseMult(alpha)}, &Nonce{alpha: alpha}, nil
}

// Marshal encodes the commitment: version ‖ kind ‖ A.
func (c *Commitment) Marshal() []byte {
	w := zkutil.NewWriter(zkutil.KindSch|0x80, c.A.Group().ElementLen())
	w.Element(c.A)
	return w.Bytes()
}

// ParseCommitment decodes a commitment strictly.
func ParseCommitment(g group.Group, b []byte) (*Commitment, error) {
	r := zkutil.NewReader(b, zkutil.KindSch|0x80)
	a := r.Element(g, "A")
	if err := r.Finish(); err != nil {
		return nil, fmt.Errorf("sch: parse commitment: %w", err)
	}
	return &Commitment{A: a}, nil
}

func challenge(ctx zk.Context, st *Statement, a group.Element) group.Scalar {
	g := st.X.Group()
	t := zkutil.NewGroupTranscript(domain, g, ctx)
	zkutil.AppendElements(t, "X", st.X)
	zkutil.AppendElements(t, "A", a)
	return zkutil.ChallengeScalar(t, g, "e")
}

// ProveWithCommitment answers the challenge for a commitment made earlier
// with Commit (CGGMP21 key generation, Round 3: ψ_i = τ + e·x_i). It
// consumes the nonce.
func ProveWithCommitment(ctx zk.Context, st *Statement, w *Witness, c *Commitment, n *Nonce) (*Proof, error) {
	if st == nil || st.X == nil || w == nil || w.x == nil || c == nil || c.A == nil || n == nil {
		return nil, errors.New("sch: prove: missing input")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.used || n.alpha == nil {
		return nil, errors.New("sch: prove: nonce already used")
	}
	n.used = true
	defer n.alpha.Zero()
	g := st.X.Group()
	if !g.NewElement().ScalarBaseMult(w.x).Equal(st.X) {
		return nil, errors.New("sch: prove: witness does not match the statement")
	}
	e := challenge(ctx, st, c.A)
	z := g.NewScalar().Mul(e, w.x)
	z.Add(z, n.alpha)
	return &Proof{A: g.NewElement().Set(c.A), Z: z}, nil
}

// Prove makes a proof in one step (commitment and response).
func Prove(rand io.Reader, ctx zk.Context, st *Statement, w *Witness) (*Proof, error) {
	if st == nil || st.X == nil {
		return nil, errors.New("sch: prove: missing statement")
	}
	c, n, err := Commit(rand, st.X.Group())
	if err != nil {
		return nil, err
	}
	return ProveWithCommitment(ctx, st, w, c, n)
}

// Verify checks z·G = A + e·X. In the commitment-first flow the caller
// also checks that p.A is the commitment received (hashed) earlier, e.g.
// with VerifyWithCommitment.
func Verify(ctx zk.Context, st *Statement, p *Proof) error {
	if st == nil || st.X == nil || p == nil || p.A == nil || p.Z == nil {
		return fmt.Errorf("%w: missing input", ErrInvalidProof)
	}
	g := st.X.Group()
	if st.X.IsIdentity() || p.A.IsIdentity() {
		return fmt.Errorf("%w: identity element", ErrInvalidProof)
	}
	e := challenge(ctx, st, p.A)
	lhs := g.NewElement().ScalarBaseMult(p.Z)
	rhs := g.NewElement().VarTimeMultiScalarMult([]group.Scalar{e, g.NewScalar().SetUint64(1)}, []group.Element{st.X, p.A})
	if !lhs.Equal(rhs) {
		return fmt.Errorf("%w: z·G ≠ A + e·X", ErrInvalidProof)
	}
	return nil
}

// VerifyWithCommitment is Verify plus the check that the proof answers the
// commitment c received earlier.
func VerifyWithCommitment(ctx zk.Context, st *Statement, c *Commitment, p *Proof) error {
	if c == nil || c.A == nil || p == nil || p.A == nil {
		return fmt.Errorf("%w: missing input", ErrInvalidProof)
	}
	if !c.A.Equal(p.A) {
		return fmt.Errorf("%w: proof does not answer the commitment", ErrInvalidProof)
	}
	return Verify(ctx, st, p)
}

// Marshal encodes the proof: version ‖ kind ‖ A ‖ z.
func (p *Proof) Marshal() []byte {
	g := p.A.Group()
	w := zkutil.NewWriter(zkutil.KindSch, g.ElementLen()+g.ScalarLen())
	w.Element(p.A)
	w.Scalar(p.Z)
	return w.Bytes()
}

// Parse decodes a proof strictly: canonical, non-identity, prime-order A;
// canonical z.
func Parse(g group.Group, b []byte) (*Proof, error) {
	r := zkutil.NewReader(b, zkutil.KindSch)
	p := &Proof{A: r.Element(g, "A"), Z: r.Scalar(g, "z")}
	if err := r.Finish(); err != nil {
		return nil, fmt.Errorf("sch: parse: %w", err)
	}
	return p, nil
}
