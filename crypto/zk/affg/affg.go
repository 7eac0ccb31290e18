// Package affg implements Π^aff-g, the proof that a Paillier ciphertext
// is an affine operation on another, with the multiplier committed in the
// group, in range (CGGMP21, ePrint 2021/060, Section 6.2, Fig. 15 in the
// 2021 numbering).
//
// Relation: R = {(N0, N1, C, D, Y, X; x, y, ρ, ρ_y) |
//
//	D = C^x·(1+N0)^y·ρ^N0 mod N0², Y = (1+N1)^y·ρ_y^N1 mod N1²,
//	X = x·G, x ∈ ±2^ℓ, y ∈ ±2^ℓ'}.
//
// N0 is the verifier's Paillier key (C is the verifier's K_j), N1 the
// prover's. The proof is made under the verifier's ring-Pedersen
// parameters: one proof per verifier.
//
//	α ← ±2^(ℓ+ε), β ← ±2^(ℓ'+ε), r ← Z*_N0, r_y ← Z*_N1,
//	γ, δ ← ±2^(ℓ+ε)·N̂, m, μ ← ±2^ℓ·N̂
//	A = C^α·(1+N0)^β·r^N0 mod N0², B_x = α·G, B_y = (1+N1)^β·r_y^N1 mod N1²,
//	E = s^α·t^γ, S = s^x·t^m, F = s^β·t^δ, T = s^y·t^μ mod N̂
//	e ← ±q (Fiat–Shamir)
//	z1 = α + e·x, z2 = β + e·y, z3 = γ + e·m, z4 = δ + e·μ,
//	w = r·ρ^e mod N0, w_y = r_y·ρ_y^e mod N1
//	check z1 ∈ ±2^(ℓ+ε), z2 ∈ ±2^(ℓ'+ε),
//	      C^z1·(1+N0)^z2·w^N0 = A·D^e mod N0², z1·G = B_x + e·X,
//	      (1+N1)^z2·w_y^N1 = B_y·Y^e mod N1², s^z1·t^z3 = E·S^e,
//	      s^z2·t^z4 = F·T^e mod N̂
//
// Presigning (latest revision, Fig. 8, Round 2) uses it for D_{j,i} with
// X = Γ_i and for D̂_{j,i} with X = X_i. The paper writes D_{j,i} with
// enc_j(−β_{i,j}) and F_{j,i} = enc_i(β_{i,j}); the relation here has the
// same y in D and Y, so the caller proves with y = −β_{i,j} and sends
// Y = enc_i(−β_{i,j}) (equivalently: sample β' = −β), see
// docs/protocol/cggmp-proofs.md.
package affg

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

const domain = "custos/zk/aff-g/v1"

// ErrInvalidProof is wrapped by every verification failure.
var ErrInvalidProof = errors.New("affg: invalid proof")

// Statement is (N0, N1, C, D, Y, X).
type Statement struct {
	Key0, Key1 *paillier.PublicKey
	C, D       *paillier.Ciphertext // under Key0
	Y          *paillier.Ciphertext // under Key1
	X          group.Element
}

// Witness is (x, y, ρ, ρ_y). It prints as <redacted>.
type Witness struct {
	x, y, rho, rhoY *big.Int
	sk1             *paillier.SecretKey
	mask            *paillier.NoncePool // optional source of the mask r (N0's nonces)
}

// NewWitness copies the values. sk1, the prover's secret key for N1, is
// optional: with it the prover computes modulo p² and q² (CRT).
func NewWitness(x, y, rho, rhoY *big.Int, sk1 *paillier.SecretKey) *Witness {
	c := func(v *big.Int) *big.Int { return new(big.Int).Set(v) }
	return &Witness{x: c(x), y: c(y), rho: c(rho), rhoY: c(rhoY), sk1: sk1}
}

// WithMaskNonces makes the prover take its mask nonce r and r^N0 mod N0²
// from np, a pool of precomputed nonces for the verifier's key N0: the
// prover's most expensive exponentiation then runs in idle time. np must
// be for st.Key0.
func (w *Witness) WithMaskNonces(np *paillier.NoncePool) *Witness {
	w.mask = np
	return w
}

// Destroy wipes the witness.
func (w *Witness) Destroy() { zkutil.Wipe(w.x, w.y, w.rho, w.rhoY) }

func (w *Witness) String() string             { return zkutil.Redacted }
func (w *Witness) GoString() string           { return zkutil.Redacted }
func (w *Witness) Format(f fmt.State, _ rune) { fmt.Fprint(f, zkutil.Redacted) }

// Proof is (A, B_x, B_y, E, S, F, T; z1, z2, z3, z4, w, w_y).
type Proof struct {
	A, By          *big.Int
	Bx             group.Element
	E, S, F, T     *big.Int
	Z1, Z2, Z3, Z4 *big.Int
	W, Wy          *big.Int
}

type bounds struct{ z1, z2, z34 *big.Int }

func boundsFor(p zk.Params, rp *pedersen.Parameters) bounds {
	return bounds{
		z1:  zkutil.Pow2(p.L + p.Epsilon),
		z2:  zkutil.Pow2(p.LPrime + p.Epsilon),
		z34: zkutil.Pow2Times(p.L+p.Epsilon+1, rp.N),
	}
}

func checkInputs(p zk.Params, rp *pedersen.Parameters, st *Statement) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if rp == nil || st == nil || st.Key0 == nil || st.Key1 == nil || st.C == nil || st.D == nil || st.Y == nil || st.X == nil {
		return errors.New("missing input")
	}
	if st.X.Group().Name() != p.Group.Name() {
		return errors.New("X of another group")
	}
	if st.Key0.BitLen() <= p.LPrime+p.Epsilon+1 || st.Key1.BitLen() <= p.LPrime+p.Epsilon+1 {
		return errors.New("paillier modulus too small for the range")
	}
	if !zkutil.CheckCiphertexts(st.Key0, st.C.Int(), st.D.Int()) || !zkutil.CheckCiphertexts(st.Key1, st.Y.Int()) {
		return errors.New("ciphertext not in Z*_{N²}")
	}
	return nil
}

func challenge(p zk.Params, ctx zk.Context, rp *pedersen.Parameters, st *Statement, pr *Proof) *big.Int {
	t := zkutil.NewTranscript(domain, p, ctx)
	zkutil.AppendPedersen(t, rp)
	t.AppendInts("N0,N1", st.Key0.N(), st.Key1.N())
	t.AppendInts("C,D,Y", st.C.Int(), st.D.Int(), st.Y.Int())
	zkutil.AppendElements(t, "X", st.X)
	t.AppendInts("first", pr.A, pr.By, pr.E, pr.S, pr.F, pr.T)
	zkutil.AppendElements(t, "Bx", pr.Bx)
	return t.ChallengeSigned("e", p.Group.Order())
}

// Prove makes the proof for the verifier whose ring-Pedersen parameters
// are rp (CGGMP21 Fig. 15). It refuses x ∉ ±2^ℓ or y ∉ ±2^ℓ'.
func Prove(rand io.Reader, p zk.Params, ctx zk.Context, rp *pedersen.Parameters, st *Statement, w *Witness) (*Proof, error) {
	return prove(rand, p, ctx, rp, st, w, true)
}

func prove(rand io.Reader, p zk.Params, ctx zk.Context, rp *pedersen.Parameters, st *Statement, w *Witness, check bool) (*Proof, error) {
	if err := checkInputs(p, rp, st); err != nil {
		return nil, fmt.Errorf("affg: prove: %w", err)
	}
	if w == nil || w.x == nil || w.y == nil || w.rho == nil || w.rhoY == nil {
		return nil, errors.New("affg: prove: missing witness")
	}
	xBits, yBits := p.L+1, p.LPrime+1
	if check {
		if !zkutil.InRange(w.x, zkutil.Pow2(p.L)) || !zkutil.InRange(w.y, zkutil.Pow2(p.LPrime)) {
			return nil, errors.New("affg: prove: witness out of range")
		}
	} else {
		xBits, yBits = w.x.BitLen()+1, w.y.BitLen()+1
	}
	pv0, err := zkutil.NewProver(st.Key0, nil)
	if err != nil {
		return nil, fmt.Errorf("affg: prove: %w", err)
	}
	pv1, err := zkutil.NewProver(st.Key1, w.sk1)
	if err != nil {
		return nil, fmt.Errorf("affg: prove: %w", err)
	}
	g, nh := p.Group, rp.N
	ae, be := p.L+p.Epsilon, p.LPrime+p.Epsilon
	alpha, err1 := zkutil.SampleSigned(rand, zkutil.Pow2(ae))
	beta, err2 := zkutil.SampleSigned(rand, zkutil.Pow2(be))
	var r, rN *big.Int
	var err3 error
	if w.mask != nil && w.mask.PublicKey().Equal(st.Key0) {
		r, rN, err3 = w.mask.Take()
	} else {
		r, err3 = zkutil.SampleUnit(rand, pv0.N)
	}
	ry, err4 := zkutil.SampleUnit(rand, pv1.N)
	gamma, err5 := zkutil.SampleSigned(rand, zkutil.Pow2Times(ae, nh))
	m, err6 := zkutil.SampleSigned(rand, zkutil.Pow2Times(p.L, nh))
	delta, err7 := zkutil.SampleSigned(rand, zkutil.Pow2Times(ae, nh))
	mu, err8 := zkutil.SampleSigned(rand, zkutil.Pow2Times(p.L, nh))
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7, err8); err != nil {
		return nil, fmt.Errorf("affg: prove: %w", err)
	}
	defer zkutil.Wipe(alpha, beta, r, rN, ry, gamma, m, delta, mu)
	bigBits := ae + nh.BitLen() + 1 // γ, δ
	smallBits := p.L + nh.BitLen() + 1
	alphaQ := zkutil.ScalarFromSecretInt(g, alpha, ae+1)
	defer alphaQ.Zero()
	pr := &Proof{
		A:  affine(pv0, st.C.Int(), alpha, ae+1, beta, be+1, r, rN),
		Bx: g.NewElement().ScalarBaseMult(alphaQ),
		By: pv1.Enc(beta, be+1, ry),
		E:  rp.CommitCT(alpha, gamma, ae+1, bigBits),
		S:  rp.CommitCT(w.x, m, xBits, smallBits),
		F:  rp.CommitCT(beta, delta, be+1, bigBits),
		T:  rp.CommitCT(w.y, mu, yBits, smallBits),
	}
	e := challenge(p, ctx, rp, st, pr)
	pr.Z1 = zkutil.Affine(alpha, ae+1, e, w.x, xBits)
	pr.Z2 = zkutil.Affine(beta, be+1, e, w.y, yBits)
	pr.Z3 = zkutil.Affine(gamma, bigBits, e, m, smallBits)
	pr.Z4 = zkutil.Affine(delta, bigBits, e, mu, smallBits)
	pr.W = pv0.MaskNonce(r, w.rho, e)
	pr.Wy = pv1.MaskNonce(ry, w.rhoY, e)
	return pr, nil
}

// affine is C^α·(1+N0)^β·r^N0 mod N0², with r^N0 precomputed when rN is set.
func affine(pv *zkutil.Prover, c, a *big.Int, aBits int, b *big.Int, bBits int, r, rN *big.Int) *big.Int {
	if rN != nil {
		return pv.AffineCTRhoN(c, a, aBits, b, bBits, rN)
	}
	return pv.AffineCT(c, a, aBits, b, bBits, r)
}

func (pr *Proof) check(p zk.Params, rp *pedersen.Parameters, st *Statement) error {
	b := boundsFor(p, rp)
	switch {
	case pr == nil || pr.A == nil || pr.By == nil || pr.Bx == nil || pr.E == nil || pr.S == nil || pr.F == nil || pr.T == nil ||
		pr.Z1 == nil || pr.Z2 == nil || pr.Z3 == nil || pr.Z4 == nil || pr.W == nil || pr.Wy == nil:
		return errors.New("missing field")
	case pr.Bx.Group().Name() != p.Group.Name() || pr.Bx.IsIdentity():
		return errors.New("B_x not a point of the group")
	case !zkutil.CheckPedersen(rp, pr.E, pr.S, pr.F, pr.T):
		return errors.New("E, S, F or T not in Z*_N̂")
	case !zkutil.CheckCiphertexts(st.Key0, pr.A) || !zkutil.CheckCiphertexts(st.Key1, pr.By):
		return errors.New("A or B_y not in Z*_{N²}")
	case !zkutil.IsUnit(pr.W, st.Key0.N()) || !zkutil.IsUnit(pr.Wy, st.Key1.N()):
		return errors.New("w or w_y not in Z*_N")
	case !zkutil.InRange(pr.Z1, b.z1):
		return errors.New("z1 out of range ±2^(ℓ+ε)")
	case !zkutil.InRange(pr.Z2, b.z2):
		return errors.New("z2 out of range ±2^(ℓ'+ε)")
	case !zkutil.InRange(pr.Z3, b.z34) || !zkutil.InRange(pr.Z4, b.z34):
		return errors.New("z3 or z4 out of range")
	}
	return nil
}

// Verify checks the proof against the verifier's own ring-Pedersen
// parameters rp (CGGMP21 Fig. 15, verification).
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
	// z1·G = B_x + e·X
	if !g.NewElement().ScalarBaseMult(zkutil.ScalarFromInt(g, pr.Z1)).Equal(
		g.NewElement().VarTimeMultiScalarMult([]group.Scalar{g.NewScalar().SetUint64(1), zkutil.ScalarFromInt(g, e)}, []group.Element{pr.Bx, st.X})) {
		return fmt.Errorf("%w: group equation", ErrInvalidProof)
	}
	// C^z1 · (1+N0)^z2 · w^N0 = A · D^e mod N0²
	n02 := st.Key0.NSquared()
	lhs := zkutil.MulMod(v.ExpN2(st.Key0, st.C.Int(), pr.Z1), v.Enc(st.Key0, pr.Z2, pr.W), n02)
	if lhs.Cmp(zkutil.MulMod(pr.A, v.ExpN2(st.Key0, st.D.Int(), e), n02)) != 0 {
		return fmt.Errorf("%w: affine equation", ErrInvalidProof)
	}
	// (1+N1)^z2 · w_y^N1 = B_y · Y^e mod N1²
	n12 := st.Key1.NSquared()
	if v.Enc(st.Key1, pr.Z2, pr.Wy).Cmp(zkutil.MulMod(pr.By, v.ExpN2(st.Key1, st.Y.Int(), e), n12)) != 0 {
		return fmt.Errorf("%w: encryption equation", ErrInvalidProof)
	}
	// s^z1 · t^z3 = E · S^e, s^z2 · t^z4 = F · T^e mod N̂
	if !v.PedersenEq(rp, pr.Z1, pr.Z3, pr.E, pr.S, e) {
		return fmt.Errorf("%w: ring-pedersen equation for x", ErrInvalidProof)
	}
	if !v.PedersenEq(rp, pr.Z2, pr.Z4, pr.F, pr.T, e) {
		return fmt.Errorf("%w: ring-pedersen equation for y", ErrInvalidProof)
	}
	return nil
}

// Marshal encodes the proof for the statement and parameters it was made
// for: version ‖ kind ‖ A ‖ B_x ‖ B_y ‖ E ‖ S ‖ F ‖ T ‖ z1 ‖ z2 ‖ z3 ‖ z4 ‖
// w ‖ w_y, fixed widths.
func (pr *Proof) Marshal(p zk.Params, rp *pedersen.Parameters, st *Statement) []byte {
	b := boundsFor(p, rp)
	w := zkutil.NewWriter(zkutil.KindAffG, 0)
	w.Residue(pr.A, st.Key0.NSquared())
	w.Element(pr.Bx)
	w.Residue(pr.By, st.Key1.NSquared())
	for _, v := range []*big.Int{pr.E, pr.S, pr.F, pr.T} {
		w.Residue(v, rp.N)
	}
	w.Signed(pr.Z1, b.z1)
	w.Signed(pr.Z2, b.z2)
	w.Signed(pr.Z3, b.z34)
	w.Signed(pr.Z4, b.z34)
	w.Residue(pr.W, st.Key0.N())
	w.Residue(pr.Wy, st.Key1.N())
	return w.Bytes()
}

// Parse decodes a proof strictly: exact length; A in Z*_{N0²}, B_y in
// Z*_{N1²}; E, S, F, T in Z*_N̂; B_x a valid non-identity point; z1, z2
// in their ranges, z3, z4 within their bounds; w in Z*_N0, w_y in Z*_N1.
func Parse(p zk.Params, rp *pedersen.Parameters, st *Statement, b []byte) (*Proof, error) {
	if err := checkInputs(p, rp, st); err != nil {
		return nil, fmt.Errorf("affg: parse: %w", err)
	}
	bd := boundsFor(p, rp)
	r := zkutil.NewReader(b, zkutil.KindAffG)
	pr := &Proof{
		A:  r.Unit(st.Key0.NSquared(), "A"),
		Bx: r.Element(p.Group, "B_x"),
		By: r.Unit(st.Key1.NSquared(), "B_y"),
		E:  r.Unit(rp.N, "E"),
		S:  r.Unit(rp.N, "S"),
		F:  r.Unit(rp.N, "F"),
		T:  r.Unit(rp.N, "T"),
		Z1: r.Signed(bd.z1, "z1"),
		Z2: r.Signed(bd.z2, "z2"),
		Z3: r.Signed(bd.z34, "z3"),
		Z4: r.Signed(bd.z34, "z4"),
		W:  r.Unit(st.Key0.N(), "w"),
		Wy: r.Unit(st.Key1.N(), "w_y"),
	}
	if err := r.Finish(); err != nil {
		return nil, fmt.Errorf("affg: parse: %w", err)
	}
	return pr, nil
}
