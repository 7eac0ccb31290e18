// Package logstar implements Π^log*, knowledge of exponent vs Paillier
// encryption (CGGMP21, ePrint 2021/060, Appendix C.2, Fig. 25 in the 2021
// numbering).
//
// Relation: R = {(N0, C, X, g; x, ρ) | C = (1+N0)^x·ρ^N0 mod N0²,
// X = x·g, x ∈ ±2^ℓ}, for a base g of the group (G, or Γ in presigning).
//
// The proof is made under the verifier's ring-Pedersen parameters
// (N̂, s, t), so a prover makes one proof per verifier.
//
//	α ← ±2^(ℓ+ε), μ ← ±2^ℓ·N̂, r ← Z*_N0, γ ← ±2^(ℓ+ε)·N̂
//	S = s^x·t^μ mod N̂, A = (1+N0)^α·r^N0 mod N0², Y = α·g,
//	D = s^α·t^γ mod N̂
//	e ← ±q (Fiat–Shamir)
//	z1 = α + e·x, z2 = r·ρ^e mod N0, z3 = γ + e·μ
//	check z1 ∈ ±2^(ℓ+ε), (1+N0)^z1·z2^N0 = A·C^e mod N0²,
//	      z1·g = Y + e·X, s^z1·t^z3 = D·S^e mod N̂
//
// The 2021 presigning used it for Γ_i and Δ_i; the latest revision binds
// those with Π^elog (crypto/zk/elog) to El-Gamal commitments instead.
package logstar

import (
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/internal/zkutil"
)

const domain = "custos/zk/logstar/v1"

// ErrInvalidProof is wrapped by every verification failure.
var ErrInvalidProof = errors.New("logstar: invalid proof")

// Statement is the public input: the prover's Paillier key N0, C, X and
// the base g.
type Statement struct {
	Key  *paillier.PublicKey
	C    *paillier.Ciphertext
	X, G group.Element
}

// Witness is (x, ρ) with C = enc(x; ρ), X = x·g. It prints as <redacted>.
type Witness struct {
	x, rho *big.Int
	sk     *paillier.SecretKey
}

// NewWitness copies x and ρ. sk, the prover's secret key for N0, is
// optional: with it the prover works modulo p² and q² (CRT).
func NewWitness(x, rho *big.Int, sk *paillier.SecretKey) *Witness {
	return &Witness{x: new(big.Int).Set(x), rho: new(big.Int).Set(rho), sk: sk}
}

// Destroy wipes the witness.
func (w *Witness) Destroy() { zkutil.Wipe(w.x, w.rho) }

func (w *Witness) String() string             { return zkutil.Redacted }
func (w *Witness) GoString() string           { return zkutil.Redacted }
func (w *Witness) Format(f fmt.State, _ rune) { fmt.Fprint(f, zkutil.Redacted) }

// Proof is (S, A, Y, D; z1, z2, z3).
type Proof struct {
	S, A, D    *big.Int
	Y          group.Element
	Z1, Z2, Z3 *big.Int
}

type bounds struct {
	z1, z3 *big.Int
}

func boundsFor(p zk.Params, rp *pedersen.Parameters) bounds {
	return bounds{
		z1: zkutil.Pow2(p.L + p.Epsilon),
		z3: zkutil.Pow2Times(p.L+p.Epsilon+1, rp.N),
	}
}

func checkInputs(p zk.Params, rp *pedersen.Parameters, st *Statement) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if rp == nil || st == nil || st.Key == nil || st.C == nil || st.X == nil || st.G == nil {
		return errors.New("missing input")
	}
	if st.X.Group().Name() != p.Group.Name() || st.G.Group().Name() != p.Group.Name() {
		return errors.New("points of another group")
	}
	if st.G.IsIdentity() {
		return errors.New("base is the identity")
	}
	if st.Key.BitLen() <= p.L+p.Epsilon+1 {
		return errors.New("paillier modulus too small for the range")
	}
	if !zkutil.CheckCiphertexts(st.Key, st.C.Int()) {
		return errors.New("C not in Z*_{N²}")
	}
	return nil
}

func challenge(p zk.Params, ctx zk.Context, rp *pedersen.Parameters, st *Statement, pr *Proof) *big.Int {
	t := zkutil.NewTranscript(domain, p, ctx)
	zkutil.AppendPedersen(t, rp)
	t.AppendInt("N0", st.Key.N())
	t.AppendInt("C", st.C.Int())
	zkutil.AppendElements(t, "X,g", st.X, st.G)
	t.AppendInts("first", pr.S, pr.A, pr.D)
	zkutil.AppendElements(t, "Y", pr.Y)
	return t.ChallengeSigned("e", p.Group.Order())
}

// Prove makes the proof for the verifier whose ring-Pedersen parameters
// are rp (CGGMP21 Fig. 25). It refuses a witness out of range; a witness
// that does not match the statement yields a proof that fails verification
// (checking it here would cost a full exponentiation).
func Prove(rand io.Reader, p zk.Params, ctx zk.Context, rp *pedersen.Parameters, st *Statement, w *Witness) (*Proof, error) {
	return prove(rand, p, ctx, rp, st, w, true)
}

func prove(rand io.Reader, p zk.Params, ctx zk.Context, rp *pedersen.Parameters, st *Statement, w *Witness, check bool) (*Proof, error) {
	if err := checkInputs(p, rp, st); err != nil {
		return nil, fmt.Errorf("logstar: prove: %w", err)
	}
	if w == nil || w.x == nil || w.rho == nil {
		return nil, errors.New("logstar: prove: missing witness")
	}
	xBits := p.L + 1
	if check {
		if !zkutil.InRange(w.x, zkutil.Pow2(p.L)) {
			return nil, errors.New("logstar: prove: witness out of range")
		}
	} else {
		xBits = w.x.BitLen() + 1
	}
	pv, err := zkutil.NewProver(st.Key, w.sk)
	if err != nil {
		return nil, fmt.Errorf("logstar: prove: %w", err)
	}
	nh := rp.N
	ae := p.L + p.Epsilon
	alpha, err1 := zkutil.SampleSigned(rand, zkutil.Pow2(ae))
	mu, err2 := zkutil.SampleSigned(rand, zkutil.Pow2Times(p.L, nh))
	r, err3 := zkutil.SampleUnit(rand, pv.N)
	gamma, err4 := zkutil.SampleSigned(rand, zkutil.Pow2Times(ae, nh))
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, fmt.Errorf("logstar: prove: %w", err)
	}
	defer zkutil.Wipe(alpha, mu, r, gamma)
	muBits := p.L + nh.BitLen() + 1
	gammaBits := ae + nh.BitLen() + 1
	pr := &Proof{
		S: rp.CommitCT(w.x, mu, xBits, muBits),
		A: pv.Enc(alpha, ae+1, r),
		D: rp.CommitCT(alpha, gamma, ae+1, gammaBits),
		Y: p.Group.NewElement().ScalarMult(zkutil.ScalarFromSecretInt(p.Group, alpha, ae+1), st.G),
	}
	e := challenge(p, ctx, rp, st, pr)
	pr.Z1 = zkutil.Affine(alpha, ae+1, e, w.x, xBits)
	pr.Z2 = pv.MaskNonce(r, w.rho, e)
	pr.Z3 = zkutil.Affine(gamma, gammaBits, e, mu, muBits)
	return pr, nil
}

func (pr *Proof) check(p zk.Params, rp *pedersen.Parameters, st *Statement) error {
	b := boundsFor(p, rp)
	switch {
	case pr == nil || pr.S == nil || pr.A == nil || pr.D == nil || pr.Y == nil || pr.Z1 == nil || pr.Z2 == nil || pr.Z3 == nil:
		return errors.New("missing field")
	case pr.Y.Group().Name() != p.Group.Name() || pr.Y.IsIdentity():
		return errors.New("Y not a point of the group")
	case !zkutil.CheckPedersen(rp, pr.S, pr.D):
		return errors.New("S or D not in Z*_N̂")
	case !zkutil.CheckCiphertexts(st.Key, pr.A):
		return errors.New("A not in Z*_{N0²}")
	case !zkutil.IsUnit(pr.Z2, st.Key.N()):
		return errors.New("z2 not in Z*_N0")
	case !zkutil.InRange(pr.Z1, b.z1):
		return errors.New("z1 out of range ±2^(ℓ+ε)")
	case !zkutil.InRange(pr.Z3, b.z3):
		return errors.New("z3 out of range")
	}
	return nil
}

// Verify checks the proof against the verifier's own ring-Pedersen
// parameters rp (CGGMP21 Fig. 25, verification).
func Verify(p zk.Params, ctx zk.Context, rp *pedersen.Parameters, st *Statement, pr *Proof, opts ...zk.VerifyOption) error {
	if err := checkInputs(p, rp, st); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	if err := pr.check(p, rp, st); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	e := challenge(p, ctx, rp, st, pr)
	v := zkutil.NewVerifier(opts)
	n2 := st.Key.NSquared()
	// z1·g = Y + e·X
	g := p.Group
	gl := g.NewElement().ScalarMult(zkutil.ScalarFromInt(g, pr.Z1), st.G)
	gr := g.NewElement().VarTimeMultiScalarMult([]group.Scalar{g.NewScalar().SetUint64(1), zkutil.ScalarFromInt(g, e)}, []group.Element{pr.Y, st.X})
	if !gl.Equal(gr) {
		return fmt.Errorf("%w: group equation", ErrInvalidProof)
	}
	// (1+N0)^z1 · z2^N0 = A · C^e mod N0²
	if v.Enc(st.Key, pr.Z1, pr.Z2).Cmp(zkutil.MulMod(pr.A, v.ExpN2(st.Key, st.C.Int(), e), n2)) != 0 {
		return fmt.Errorf("%w: paillier equation", ErrInvalidProof)
	}
	// s^z1 · t^z3 = D · S^e mod N̂
	if !v.PedersenEq(rp, pr.Z1, pr.Z3, pr.D, pr.S, e) {
		return fmt.Errorf("%w: ring-pedersen equation", ErrInvalidProof)
	}
	return nil
}

// Marshal encodes the proof for the statement and parameters it was made
// for: version ‖ kind ‖ S ‖ A ‖ Y ‖ D ‖ z1 ‖ z2 ‖ z3, fixed widths.
func (pr *Proof) Marshal(p zk.Params, rp *pedersen.Parameters, st *Statement) []byte {
	b := boundsFor(p, rp)
	w := zkutil.NewWriter(zkutil.KindLogStar, 0)
	w.Residue(pr.S, rp.N)
	w.Residue(pr.A, st.Key.NSquared())
	w.Element(pr.Y)
	w.Residue(pr.D, rp.N)
	w.Signed(pr.Z1, b.z1)
	w.Residue(pr.Z2, st.Key.N())
	w.Signed(pr.Z3, b.z3)
	return w.Bytes()
}

// Parse decodes a proof strictly: exact length, S and D in Z*_N̂, A in
// Z*_{N0²}, Y a valid non-identity point, z2 in Z*_N0, z1 ∈ ±2^(ℓ+ε), z3
// within its bound.
func Parse(p zk.Params, rp *pedersen.Parameters, st *Statement, b []byte) (*Proof, error) {
	if err := checkInputs(p, rp, st); err != nil {
		return nil, fmt.Errorf("logstar: parse: %w", err)
	}
	bd := boundsFor(p, rp)
	r := zkutil.NewReader(b, zkutil.KindLogStar)
	pr := &Proof{
		S:  r.Unit(rp.N, "S"),
		A:  r.Unit(st.Key.NSquared(), "A"),
		Y:  r.Element(p.Group, "Y"),
		D:  r.Unit(rp.N, "D"),
		Z1: r.Signed(bd.z1, "z1"),
		Z2: r.Unit(st.Key.N(), "z2"),
		Z3: r.Signed(bd.z3, "z3"),
	}
	if err := r.Finish(); err != nil {
		return nil, fmt.Errorf("logstar: parse: %w", err)
	}
	return pr, nil
}
