// Package affgstar implements Π^aff-g*, the setup-free proof of a Paillier
// affine operation with group commitment (CGGMP21, ePrint 2021/060, latest
// revision, Appendix A, Fig. 27). It needs no ring-Pedersen parameters: it
// repeats a binary-challenge protocol Params.Reps times (soundness error
// 2^-Reps), so every party can check it, which identification requires.
//
// Relation: R = {(N0, N1, C, D, Y, X; x, y, ρ, μ) |
//
//	D = C^x·(1+N0)^y·ρ^N0 mod N0², Y = (1+N1)^y·μ^N1 mod N1², X = x·G,
//	x ∈ ±2^ℓ, y ∈ ±2^ℓ'}.
//
// For j = 1..m:
//
//	α_j ← ±2^(ℓ+ε), β_j ← ±2^(ℓ'+ε), r_j ← Z*_N0, s_j ← Z*_N1
//	A_j = C^α_j·(1+N0)^β_j·r_j^N0 mod N0², R_j = α_j·G,
//	B_j = (1+N1)^β_j·s_j^N1 mod N1²
//	e ∈ {0,1}^m (Fiat–Shamir)
//	z_j = α_j + e_j·x, z'_j = β_j + e_j·y, w_j = r_j·ρ^e_j, λ_j = s_j·μ^e_j
//	check z_j ∈ ±2^(ℓ+ε), z'_j ∈ ±2^(ℓ'+ε),
//	      C^z_j·(1+N0)^z'_j·w_j^N0 = A_j·D^e_j mod N0²,
//	      z_j·G = R_j + e_j·X, (1+N1)^z'_j·λ_j^N1 = B_j·Y^e_j mod N1²
//
// Identification after a failed presigning (latest revision, Fig. 9, and
// the χ failure of Section 4.3.1) uses it for every D_{j,i} (resp. D̂_{j,i})
// a party sent, broadcast to all: the verifier id in the context is empty.
package affgstar

import (
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/internal/zkutil"
)

const domain = "custos/zk/aff-g-star/v1"

// ErrInvalidProof is wrapped by every verification failure.
var ErrInvalidProof = errors.New("affgstar: invalid proof")

// Statement is (N0, N1, C, D, Y, X).
type Statement struct {
	Key0, Key1 *paillier.PublicKey
	C, D       *paillier.Ciphertext // under Key0
	Y          *paillier.Ciphertext // under Key1
	X          group.Element
}

// Witness is (x, y, ρ, μ). It prints as <redacted>.
type Witness struct {
	x, y, rho, mu *big.Int
	sk1           *paillier.SecretKey
}

// NewWitness copies the values; sk1 (the prover's key for N1) is optional
// and enables CRT.
func NewWitness(x, y, rho, mu *big.Int, sk1 *paillier.SecretKey) *Witness {
	c := func(v *big.Int) *big.Int { return new(big.Int).Set(v) }
	return &Witness{x: c(x), y: c(y), rho: c(rho), mu: c(mu), sk1: sk1}
}

// Destroy wipes the witness.
func (w *Witness) Destroy() { zkutil.Wipe(w.x, w.y, w.rho, w.mu) }

func (w *Witness) String() string             { return zkutil.Redacted }
func (w *Witness) GoString() string           { return zkutil.Redacted }
func (w *Witness) Format(f fmt.State, _ rune) { fmt.Fprint(f, zkutil.Redacted) }

// Round is one repetition: first message (A, R, B) and response
// (z, z', w, λ).
type Round struct {
	A, B         *big.Int
	R            group.Element
	Z, Zp, W, Lm *big.Int
}

// Proof is Params.Reps rounds.
type Proof struct {
	Rounds []Round
}

func checkInputs(p zk.Params, st *Statement) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if st == nil || st.Key0 == nil || st.Key1 == nil || st.C == nil || st.D == nil || st.Y == nil || st.X == nil {
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

func challenge(p zk.Params, ctx zk.Context, st *Statement, pr *Proof) []bool {
	t := zkutil.NewTranscript(domain, p, ctx)
	t.AppendInts("N0,N1", st.Key0.N(), st.Key1.N())
	t.AppendInts("C,D,Y", st.C.Int(), st.D.Int(), st.Y.Int())
	zkutil.AppendElements(t, "X", st.X)
	t.AppendUint64("rounds", uint64(len(pr.Rounds)))
	for _, r := range pr.Rounds {
		t.AppendInts("A,B", r.A, r.B)
		zkutil.AppendElements(t, "R", r.R)
	}
	return zkutil.ChallengeBits(t, "e", len(pr.Rounds))
}

// Prove makes the proof (CGGMP21 Fig. 27). It refuses x ∉ ±2^ℓ or
// y ∉ ±2^ℓ'.
func Prove(rand io.Reader, p zk.Params, ctx zk.Context, st *Statement, w *Witness) (*Proof, error) {
	return prove(rand, p, ctx, st, w, true)
}

func prove(rand io.Reader, p zk.Params, ctx zk.Context, st *Statement, w *Witness, check bool) (*Proof, error) {
	if err := checkInputs(p, st); err != nil {
		return nil, fmt.Errorf("affgstar: prove: %w", err)
	}
	if w == nil || w.x == nil || w.y == nil || w.rho == nil || w.mu == nil {
		return nil, errors.New("affgstar: prove: missing witness")
	}
	xBits, yBits := p.L+1, p.LPrime+1
	if check {
		if !zkutil.InRange(w.x, zkutil.Pow2(p.L)) || !zkutil.InRange(w.y, zkutil.Pow2(p.LPrime)) {
			return nil, errors.New("affgstar: prove: witness out of range")
		}
	} else {
		xBits, yBits = w.x.BitLen()+1, w.y.BitLen()+1
	}
	pv0, err := zkutil.NewProver(st.Key0, nil)
	if err != nil {
		return nil, fmt.Errorf("affgstar: prove: %w", err)
	}
	pv1, err := zkutil.NewProver(st.Key1, w.sk1)
	if err != nil {
		return nil, fmt.Errorf("affgstar: prove: %w", err)
	}
	g := p.Group
	ae, be := p.L+p.Epsilon, p.LPrime+p.Epsilon
	type eph struct{ alpha, beta, r, s *big.Int }
	ephs := make([]eph, p.Reps)
	defer func() {
		for _, e := range ephs {
			zkutil.Wipe(e.alpha, e.beta, e.r, e.s)
		}
	}()
	pr := &Proof{Rounds: make([]Round, p.Reps)}
	for j := range ephs {
		alpha, err1 := zkutil.SampleSigned(rand, zkutil.Pow2(ae))
		beta, err2 := zkutil.SampleSigned(rand, zkutil.Pow2(be))
		r, err3 := zkutil.SampleUnit(rand, pv0.N)
		s, err4 := zkutil.SampleUnit(rand, pv1.N)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return nil, fmt.Errorf("affgstar: prove: %w", err)
		}
		ephs[j] = eph{alpha, beta, r, s}
		aq := zkutil.ScalarFromSecretInt(g, alpha, ae+1)
		pr.Rounds[j] = Round{
			A: pv0.AffineCT(st.C.Int(), alpha, ae+1, beta, be+1, r),
			R: g.NewElement().ScalarBaseMult(aq),
			B: pv1.Enc(beta, be+1, s),
		}
		aq.Zero()
	}
	bits := challenge(p, ctx, st, pr)
	one, zero := big.NewInt(1), big.NewInt(0)
	for j, e := range ephs {
		ej := zero
		if bits[j] {
			ej = one
		}
		rd := &pr.Rounds[j]
		rd.Z = zkutil.Affine(e.alpha, ae+1, ej, w.x, xBits)
		rd.Zp = zkutil.Affine(e.beta, be+1, ej, w.y, yBits)
		rd.W = pv0.MaskNonce(e.r, w.rho, ej)
		rd.Lm = pv1.MaskNonce(e.s, w.mu, ej)
	}
	return pr, nil
}

func (pr *Proof) check(p zk.Params, st *Statement) error {
	if pr == nil || len(pr.Rounds) != p.Reps {
		return errors.New("wrong number of rounds")
	}
	bz, bzp := zkutil.Pow2(p.L+p.Epsilon), zkutil.Pow2(p.LPrime+p.Epsilon)
	for _, r := range pr.Rounds {
		switch {
		case r.A == nil || r.B == nil || r.R == nil || r.Z == nil || r.Zp == nil || r.W == nil || r.Lm == nil:
			return errors.New("missing field")
		case r.R.Group().Name() != p.Group.Name() || r.R.IsIdentity():
			return errors.New("R not a point of the group")
		case !zkutil.CheckCiphertexts(st.Key0, r.A) || !zkutil.CheckCiphertexts(st.Key1, r.B):
			return errors.New("A or B not in Z*_{N²}")
		case !zkutil.IsUnit(r.W, st.Key0.N()) || !zkutil.IsUnit(r.Lm, st.Key1.N()):
			return errors.New("w or λ not in Z*_N")
		case !zkutil.InRange(r.Z, bz):
			return errors.New("z out of range ±2^(ℓ+ε)")
		case !zkutil.InRange(r.Zp, bzp):
			return errors.New("z' out of range ±2^(ℓ'+ε)")
		}
	}
	return nil
}

// Verify checks the proof (CGGMP21 Fig. 27, verification).
func Verify(p zk.Params, ctx zk.Context, st *Statement, pr *Proof, opts ...zk.VerifyOption) error {
	if err := checkInputs(p, st); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	if err := pr.check(p, st); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	bits := challenge(p, ctx, st, pr)
	v := zkutil.NewVerifier(opts)
	g := p.Group
	n02 := st.Key0.NSquared()
	n1, n12 := st.Key1.N(), st.Key1.NSquared()
	c := st.C.Int()
	for j, r := range pr.Rounds {
		// z_j·G = R_j + e_j·X
		rhsG := r.R
		if bits[j] {
			rhsG = g.NewElement().Add(r.R, st.X)
		}
		if !g.NewElement().ScalarBaseMult(zkutil.ScalarFromInt(g, r.Z)).Equal(rhsG) {
			return fmt.Errorf("%w: round %d: group equation", ErrInvalidProof, j)
		}
		// C^z_j · (1+N0)^z'_j · w_j^N0 = A_j · D^e_j mod N0²
		lhs := zkutil.MulMod(v.ExpN2(st.Key0, c, r.Z), v.Enc(st.Key0, r.Zp, r.W), n02)
		rhs, rhsB := r.A, r.B
		if bits[j] {
			rhs = zkutil.MulMod(r.A, st.D.Int(), n02)
			rhsB = zkutil.MulMod(r.B, st.Y.Int(), n12)
		}
		if lhs.Cmp(rhs) != 0 {
			return fmt.Errorf("%w: round %d: affine equation", ErrInvalidProof, j)
		}
		// (1+N1)^z'_j · λ_j^N1 = B_j · Y^e_j mod N1²
		if zkutil.EncVar(n1, n12, r.Zp, r.Lm).Cmp(rhsB) != 0 {
			return fmt.Errorf("%w: round %d: encryption equation", ErrInvalidProof, j)
		}
	}
	return nil
}

// Marshal encodes the proof: version ‖ kind ‖ (A_j ‖ R_j ‖ B_j)_j ‖
// (z_j ‖ z'_j ‖ w_j ‖ λ_j)_j, fixed widths.
func (pr *Proof) Marshal(p zk.Params, st *Statement) []byte {
	bz, bzp := zkutil.Pow2(p.L+p.Epsilon), zkutil.Pow2(p.LPrime+p.Epsilon)
	w := zkutil.NewWriter(zkutil.KindAffGStar, 0)
	for _, r := range pr.Rounds {
		w.Residue(r.A, st.Key0.NSquared())
		w.Element(r.R)
		w.Residue(r.B, st.Key1.NSquared())
	}
	for _, r := range pr.Rounds {
		w.Signed(r.Z, bz)
		w.Signed(r.Zp, bzp)
		w.Residue(r.W, st.Key0.N())
		w.Residue(r.Lm, st.Key1.N())
	}
	return w.Bytes()
}

// Parse decodes a proof of exactly Params.Reps rounds strictly: A_j in
// Z*_{N0²}, B_j in Z*_{N1²}, R_j valid non-identity points, z_j and z'_j in
// range, w_j in Z*_N0, λ_j in Z*_N1, exact length.
func Parse(p zk.Params, st *Statement, b []byte) (*Proof, error) {
	if err := checkInputs(p, st); err != nil {
		return nil, fmt.Errorf("affgstar: parse: %w", err)
	}
	bz, bzp := zkutil.Pow2(p.L+p.Epsilon), zkutil.Pow2(p.LPrime+p.Epsilon)
	r := zkutil.NewReader(b, zkutil.KindAffGStar)
	pr := &Proof{Rounds: make([]Round, p.Reps)}
	for j := range pr.Rounds {
		rd := &pr.Rounds[j]
		rd.A = r.Unit(st.Key0.NSquared(), "A")
		rd.R = r.Element(p.Group, "R")
		rd.B = r.Unit(st.Key1.NSquared(), "B")
	}
	for j := range pr.Rounds {
		rd := &pr.Rounds[j]
		rd.Z = r.Signed(bz, "z")
		rd.Zp = r.Signed(bzp, "z'")
		rd.W = r.Unit(st.Key0.N(), "w")
		rd.Lm = r.Unit(st.Key1.N(), "λ")
	}
	if err := r.Finish(); err != nil {
		return nil, fmt.Errorf("affgstar: parse: %w", err)
	}
	return pr, nil
}
