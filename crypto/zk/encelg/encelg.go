// Package encelg implements Π^enc-elg, the range proof for a Paillier
// ciphertext whose plaintext is also committed with El-Gamal (CGGMP21,
// ePrint 2021/060, latest revision, Appendix A.2, Fig. 24).
//
// Relation: R = {(N0, C, A, B, X; x, ρ, b) | C = (1+N0)^x·ρ^N0 mod N0²,
// B = b·G, X = b·A + x·G, x ∈ ±2^ℓ}: (B, X) is an El-Gamal commitment to x
// under the key A.
//
// The proof is made under the verifier's ring-Pedersen parameters
// (N̂, s, t): one proof per verifier.
//
//	α ← ±2^(ℓ+ε), μ ← ±2^ℓ·N̂, r ← Z*_N0, β ← F_q, γ ← ±2^(ℓ+ε)·N̂
//	S = s^x·t^μ mod N̂, D = (1+N0)^α·r^N0 mod N0², Y = β·A + α·G,
//	Z = β·G, T = s^α·t^γ mod N̂
//	e ← ±q (Fiat–Shamir)
//	z1 = α + e·x, w = β + e·b mod q, z2 = r·ρ^e mod N0, z3 = γ + e·μ
//	check z1 ∈ ±2^(ℓ+ε), (1+N0)^z1·z2^N0 = D·C^e mod N0²,
//	      w·A + z1·G = Y + e·X, w·G = Z + e·B, s^z1·t^z3 = T·S^e mod N̂
//
// Presigning (latest revision, Fig. 8, Round 1) uses it twice per
// verifier: for K_i against (A_{i,1}, A_{i,2}) and for G_i against
// (B_{i,1}, B_{i,2}), with A the prover's El-Gamal key Y_i.
package encelg

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

const domain = "custos/zk/enc-elg/v1"

// ErrInvalidProof is wrapped by every verification failure.
var ErrInvalidProof = errors.New("encelg: invalid proof")

// Statement is (N0, C, A, B, X), N0 being the prover's Paillier key.
type Statement struct {
	Key     *paillier.PublicKey
	C       *paillier.Ciphertext
	A, B, X group.Element
}

// Witness is (x, ρ, b). It prints as <redacted>.
type Witness struct {
	x, rho *big.Int
	b      group.Scalar
	sk     *paillier.SecretKey
}

// NewWitness copies x, ρ and b. sk, the prover's secret key for N0, is
// optional: with it the prover works modulo p² and q² (CRT).
func NewWitness(x, rho *big.Int, b group.Scalar, sk *paillier.SecretKey) *Witness {
	return &Witness{x: new(big.Int).Set(x), rho: new(big.Int).Set(rho), b: b.Group().NewScalar().Set(b), sk: sk}
}

// Destroy wipes the witness.
func (w *Witness) Destroy() {
	zkutil.Wipe(w.x, w.rho)
	w.b.Zero()
}

func (w *Witness) String() string             { return zkutil.Redacted }
func (w *Witness) GoString() string           { return zkutil.Redacted }
func (w *Witness) Format(f fmt.State, _ rune) { fmt.Fprint(f, zkutil.Redacted) }

// Proof is (S, D, Y, Z, T; z1, w, z2, z3).
type Proof struct {
	S, D, T    *big.Int
	Y, Z       group.Element
	Z1, Z2, Z3 *big.Int
	W          group.Scalar
}

type bounds struct{ z1, z3 *big.Int }

func boundsFor(p zk.Params, rp *pedersen.Parameters) bounds {
	return bounds{z1: zkutil.Pow2(p.L + p.Epsilon), z3: zkutil.Pow2Times(p.L+p.Epsilon+1, rp.N)}
}

func checkInputs(p zk.Params, rp *pedersen.Parameters, st *Statement) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if rp == nil || st == nil || st.Key == nil || st.C == nil || st.A == nil || st.B == nil || st.X == nil {
		return errors.New("missing input")
	}
	for _, e := range []group.Element{st.A, st.B, st.X} {
		if e.Group().Name() != p.Group.Name() {
			return errors.New("points of another group")
		}
	}
	if st.A.IsIdentity() {
		return errors.New("El-Gamal key is the identity")
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
	zkutil.AppendElements(t, "A,B,X", st.A, st.B, st.X)
	t.AppendInts("first", pr.S, pr.D, pr.T)
	zkutil.AppendElements(t, "Y,Z", pr.Y, pr.Z)
	return t.ChallengeSigned("e", p.Group.Order())
}

// Prove makes the proof for the verifier whose ring-Pedersen parameters
// are rp (CGGMP21 Fig. 24). It refuses x out of range.
func Prove(rand io.Reader, p zk.Params, ctx zk.Context, rp *pedersen.Parameters, st *Statement, w *Witness) (*Proof, error) {
	return prove(rand, p, ctx, rp, st, w, true)
}

func prove(rand io.Reader, p zk.Params, ctx zk.Context, rp *pedersen.Parameters, st *Statement, w *Witness, check bool) (*Proof, error) {
	if err := checkInputs(p, rp, st); err != nil {
		return nil, fmt.Errorf("encelg: prove: %w", err)
	}
	if w == nil || w.x == nil || w.rho == nil || w.b == nil {
		return nil, errors.New("encelg: prove: missing witness")
	}
	xBits := p.L + 1
	if check {
		if !zkutil.InRange(w.x, zkutil.Pow2(p.L)) {
			return nil, errors.New("encelg: prove: witness out of range")
		}
	} else {
		xBits = w.x.BitLen() + 1
	}
	pv, err := zkutil.NewProver(st.Key, w.sk)
	if err != nil {
		return nil, fmt.Errorf("encelg: prove: %w", err)
	}
	g, nh := p.Group, rp.N
	ae := p.L + p.Epsilon
	alpha, err1 := zkutil.SampleSigned(rand, zkutil.Pow2(ae))
	mu, err2 := zkutil.SampleSigned(rand, zkutil.Pow2Times(p.L, nh))
	r, err3 := zkutil.SampleUnit(rand, pv.N)
	gamma, err4 := zkutil.SampleSigned(rand, zkutil.Pow2Times(ae, nh))
	beta, err5 := zkutil.SampleScalar(rand, g)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return nil, fmt.Errorf("encelg: prove: %w", err)
	}
	defer zkutil.Wipe(alpha, mu, r, gamma)
	defer beta.Zero()
	muBits := p.L + nh.BitLen() + 1
	gammaBits := ae + nh.BitLen() + 1
	alphaQ := zkutil.ScalarFromSecretInt(g, alpha, ae+1)
	defer alphaQ.Zero()
	pr := &Proof{
		S: rp.CommitCT(w.x, mu, xBits, muBits),
		D: pv.Enc(alpha, ae+1, r),
		Y: g.NewElement().Add(g.NewElement().ScalarMult(beta, st.A), g.NewElement().ScalarBaseMult(alphaQ)),
		Z: g.NewElement().ScalarBaseMult(beta),
		T: rp.CommitCT(alpha, gamma, ae+1, gammaBits),
	}
	e := challenge(p, ctx, rp, st, pr)
	pr.Z1 = zkutil.Affine(alpha, ae+1, e, w.x, xBits)
	pr.W = g.NewScalar().Mul(zkutil.ScalarFromInt(g, e), w.b)
	pr.W.Add(pr.W, beta)
	pr.Z2 = pv.MaskNonce(r, w.rho, e)
	pr.Z3 = zkutil.Affine(gamma, gammaBits, e, mu, muBits)
	return pr, nil
}

func (pr *Proof) check(p zk.Params, rp *pedersen.Parameters, st *Statement) error {
	b := boundsFor(p, rp)
	switch {
	case pr == nil || pr.S == nil || pr.D == nil || pr.T == nil || pr.Y == nil || pr.Z == nil ||
		pr.Z1 == nil || pr.Z2 == nil || pr.Z3 == nil || pr.W == nil:
		return errors.New("missing field")
	case pr.Y.Group().Name() != p.Group.Name() || pr.Z.Group().Name() != p.Group.Name() ||
		pr.W.Group().Name() != p.Group.Name() || pr.Y.IsIdentity() || pr.Z.IsIdentity():
		return errors.New("Y, Z or w not of the group")
	case !zkutil.CheckPedersen(rp, pr.S, pr.T):
		return errors.New("S or T not in Z*_N̂")
	case !zkutil.CheckCiphertexts(st.Key, pr.D):
		return errors.New("D not in Z*_{N0²}")
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
// parameters rp (CGGMP21 Fig. 24, verification).
func Verify(p zk.Params, ctx zk.Context, rp *pedersen.Parameters, st *Statement, pr *Proof, opts ...zk.VerifyOption) error {
	if err := checkInputs(p, rp, st); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	if err := pr.check(p, rp, st); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	e := challenge(p, ctx, rp, st, pr)
	v := zkutil.NewVerifier(opts)
	g := p.Group
	eq, z1q, one := zkutil.ScalarFromInt(g, e), zkutil.ScalarFromInt(g, pr.Z1), g.NewScalar().SetUint64(1)
	// w·A + z1·G = Y + e·X
	if !g.NewElement().VarTimeMultiScalarMult([]group.Scalar{pr.W, z1q}, []group.Element{st.A, g.Generator()}).Equal(
		g.NewElement().VarTimeMultiScalarMult([]group.Scalar{one, eq}, []group.Element{pr.Y, st.X})) {
		return fmt.Errorf("%w: El-Gamal equation", ErrInvalidProof)
	}
	// w·G = Z + e·B
	if !g.NewElement().ScalarBaseMult(pr.W).Equal(
		g.NewElement().VarTimeMultiScalarMult([]group.Scalar{one, eq}, []group.Element{pr.Z, st.B})) {
		return fmt.Errorf("%w: El-Gamal randomness equation", ErrInvalidProof)
	}
	n2 := st.Key.NSquared()
	// (1+N0)^z1 · z2^N0 = D · C^e mod N0²
	if v.Enc(st.Key, pr.Z1, pr.Z2).Cmp(zkutil.MulMod(pr.D, v.ExpN2(st.Key, st.C.Int(), e), n2)) != 0 {
		return fmt.Errorf("%w: paillier equation", ErrInvalidProof)
	}
	// s^z1 · t^z3 = T · S^e mod N̂
	if !v.PedersenEq(rp, pr.Z1, pr.Z3, pr.T, pr.S, e) {
		return fmt.Errorf("%w: ring-pedersen equation", ErrInvalidProof)
	}
	return nil
}

// Marshal encodes the proof for the statement and parameters it was made
// for: version ‖ kind ‖ S ‖ D ‖ Y ‖ Z ‖ T ‖ z1 ‖ w ‖ z2 ‖ z3.
func (pr *Proof) Marshal(p zk.Params, rp *pedersen.Parameters, st *Statement) []byte {
	b := boundsFor(p, rp)
	w := zkutil.NewWriter(zkutil.KindEncElg, 0)
	w.Residue(pr.S, rp.N)
	w.Residue(pr.D, st.Key.NSquared())
	w.Element(pr.Y)
	w.Element(pr.Z)
	w.Residue(pr.T, rp.N)
	w.Signed(pr.Z1, b.z1)
	w.Scalar(pr.W)
	w.Residue(pr.Z2, st.Key.N())
	w.Signed(pr.Z3, b.z3)
	return w.Bytes()
}

// Parse decodes a proof strictly: exact length, S and T in Z*_N̂, D in
// Z*_{N0²}, Y and Z valid non-identity points, w canonical, z2 in Z*_N0,
// z1 ∈ ±2^(ℓ+ε), z3 within its bound.
func Parse(p zk.Params, rp *pedersen.Parameters, st *Statement, b []byte) (*Proof, error) {
	if err := checkInputs(p, rp, st); err != nil {
		return nil, fmt.Errorf("encelg: parse: %w", err)
	}
	bd := boundsFor(p, rp)
	r := zkutil.NewReader(b, zkutil.KindEncElg)
	pr := &Proof{
		S:  r.Unit(rp.N, "S"),
		D:  r.Unit(st.Key.NSquared(), "D"),
		Y:  r.Element(p.Group, "Y"),
		Z:  r.Element(p.Group, "Z"),
		T:  r.Unit(rp.N, "T"),
		Z1: r.Signed(bd.z1, "z1"),
		W:  r.Scalar(p.Group, "w"),
		Z2: r.Unit(st.Key.N(), "z2"),
		Z3: r.Signed(bd.z3, "z3"),
	}
	if err := r.Finish(); err != nil {
		return nil, fmt.Errorf("encelg: parse: %w", err)
	}
	return pr, nil
}
