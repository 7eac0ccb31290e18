// Package dec implements Π^dec, the setup-free proof of special Paillier
// decryption in the exponent (CGGMP21, ePrint 2021/060, latest revision,
// Appendix A.6, Fig. 28). Like Π^aff-g* it repeats a binary-challenge
// protocol Params.Reps times (soundness error 2^-Reps) and needs no
// ring-Pedersen parameters, so every party can check it.
//
// Relation: R = {(N0, K, D, X, S, g; x, y, ρ) |
//
//	(1+N0)^y·ρ^N0 = K^x·D mod N0², X = x·g, S = y·g,
//	x ∈ ±2^ℓ, y ∈ ±2^YBits}:
//
// the prover shows that S is g raised to the decryption y of K^x·D, with
// N0 its own key. The paper bounds y by ℓ'; YBits generalises it (zero
// means ℓ') so that a caller proving a sum of n terms can state its bound.
//
// For j = 1..m:
//
//	α_j ← ±2^(ℓ+ε), β_j ← ±2^(YBits+ε), r_j ← Z*_N0
//	A_j = K^(−α_j)·(1+N0)^β_j·r_j^N0 mod N0², B_j = β_j·g, C_j = α_j·g
//	e ∈ {0,1}^m (Fiat–Shamir)
//	z_j = α_j + e_j·x, w_j = β_j + e_j·y, ν_j = r_j·ρ^e_j mod N0
//	check z_j ∈ ±2^(ℓ+ε), w_j ∈ ±2^(YBits+ε),
//	      (1+N0)^w_j·ν_j^N0·K^(−z_j) = A_j·D^e_j mod N0²,
//	      z_j·g = C_j + e_j·X, w_j·g = B_j + e_j·S
//
// Identification after a failed presigning (latest revision, Fig. 9) uses
// it with K = K_i, x = γ_i, g = G and D the sum of the D_{i,j} and F_{j,i}
// received and sent, y = δ_i as an integer; the χ failure (Section 4.3.1)
// uses it with x = x_i (the key share).
//
// The verifier checks z_j ∈ ±2^(ℓ+ε) and w_j ∈ ±2^(YBits+ε), and every
// party refuses a statement whose widened range does not fit the symmetric
// plaintext interval (2^(YBits+ε) < N0/2), so that y is pinned as an
// integer: the centred decryption.
package dec

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

const domain = "custos/zk/dec/v1"

// ErrInvalidProof is wrapped by every verification failure.
var ErrInvalidProof = errors.New("dec: invalid proof")

// Statement is (N0, K, D, X, S, g) and the declared bound YBits on |y|
// (zero: ℓ').
type Statement struct {
	Key     *paillier.PublicKey
	K, D    *paillier.Ciphertext
	X, S, G group.Element
	YBits   int
}

// maxYBitsSlack bounds YBits above ℓ': room for the sum of up to 2^16
// parties' masks, with room for another group's ℓ'.
const maxYBitsSlack = 32

func yBits(p zk.Params, st *Statement) int {
	if st.YBits == 0 {
		return p.LPrime
	}
	return st.YBits
}

// Witness is (x, y, ρ) with enc(y; ρ) = K^x·D. It prints as <redacted>.
type Witness struct {
	x, y, rho *big.Int
	sk        *paillier.SecretKey
}

// NewWitness copies the values; sk (the prover's key for N0) is optional
// and enables CRT.
func NewWitness(x, y, rho *big.Int, sk *paillier.SecretKey) *Witness {
	c := func(v *big.Int) *big.Int { return new(big.Int).Set(v) }
	return &Witness{x: c(x), y: c(y), rho: c(rho), sk: sk}
}

// Destroy wipes the witness.
func (w *Witness) Destroy() { zkutil.Wipe(w.x, w.y, w.rho) }

func (w *Witness) String() string             { return zkutil.Redacted }
func (w *Witness) GoString() string           { return zkutil.Redacted }
func (w *Witness) Format(f fmt.State, _ rune) { fmt.Fprint(f, zkutil.Redacted) }

// Round is one repetition: (A, B, C) and (z, w, ν).
type Round struct {
	A       *big.Int
	B, C    group.Element
	Z, W, V *big.Int
}

// Proof is Params.Reps rounds.
type Proof struct {
	Rounds []Round
}

func checkInputs(p zk.Params, st *Statement) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if st == nil || st.Key == nil || st.K == nil || st.D == nil || st.X == nil || st.S == nil || st.G == nil {
		return errors.New("missing input")
	}
	// The bound on y is the verifier's to choose (ℓ' + 1 + ⌈log2 n⌉ for
	// the sum of n masks); never a peer's. A cap keeps a caller that
	// forwards a peer's value from widening the range without limit.
	if st.YBits < 0 || st.YBits > p.LPrime+maxYBitsSlack {
		return fmt.Errorf("y bound of %d bits exceeds ℓ'+%d", st.YBits, maxYBitsSlack)
	}
	for _, e := range []group.Element{st.X, st.S, st.G} {
		if e.Group().Name() != p.Group.Name() {
			return errors.New("points of another group")
		}
	}
	if st.G.IsIdentity() {
		return errors.New("base is the identity")
	}
	// The widened ranges must fit ±N0/2, so that z_j, w_j (and the
	// extracted x, y) are the integers the Paillier equation sees.
	if yBits(p, st) < 1 || yBits(p, st)+p.Epsilon+2 > st.Key.BitLen() || p.L+p.Epsilon+2 > st.Key.BitLen() {
		return errors.New("range does not fit the paillier modulus")
	}
	if !zkutil.CheckCiphertexts(st.Key, st.K.Int(), st.D.Int()) {
		return errors.New("ciphertext not in Z*_{N²}")
	}
	return nil
}

func challenge(p zk.Params, ctx zk.Context, st *Statement, pr *Proof) []bool {
	t := zkutil.NewTranscript(domain, p, ctx)
	t.AppendInt("N0", st.Key.N())
	t.AppendInts("K,D", st.K.Int(), st.D.Int())
	zkutil.AppendElements(t, "X,S,g", st.X, st.S, st.G)
	t.AppendUint64("y-bits", uint64(yBits(p, st)))
	t.AppendUint64("rounds", uint64(len(pr.Rounds)))
	for _, r := range pr.Rounds {
		t.AppendInt("A", r.A)
		zkutil.AppendElements(t, "B,C", r.B, r.C)
	}
	return zkutil.ChallengeBits(t, "e", len(pr.Rounds))
}

// Prove makes the proof (CGGMP21 Fig. 28). It refuses x ∉ ±2^ℓ or
// y ∉ ±2^YBits.
func Prove(rand io.Reader, p zk.Params, ctx zk.Context, st *Statement, w *Witness) (*Proof, error) {
	return prove(rand, p, ctx, st, w, true)
}

func prove(rand io.Reader, p zk.Params, ctx zk.Context, st *Statement, w *Witness, check bool) (*Proof, error) {
	if err := checkInputs(p, st); err != nil {
		return nil, fmt.Errorf("dec: prove: %w", err)
	}
	if w == nil || w.x == nil || w.y == nil || w.rho == nil {
		return nil, errors.New("dec: prove: missing witness")
	}
	xBits, yb := p.L+1, yBits(p, st)+1
	if check {
		if !zkutil.InRange(w.x, zkutil.Pow2(p.L)) || !zkutil.InRange(w.y, zkutil.Pow2(yBits(p, st))) {
			return nil, errors.New("dec: prove: witness out of range")
		}
	} else {
		xBits, yb = w.x.BitLen()+1, w.y.BitLen()+1
	}
	pv, err := zkutil.NewProver(st.Key, w.sk)
	if err != nil {
		return nil, fmt.Errorf("dec: prove: %w", err)
	}
	g := p.Group
	ae, be := p.L+p.Epsilon, yBits(p, st)+p.Epsilon
	type eph struct{ alpha, beta, r *big.Int }
	ephs := make([]eph, p.Reps)
	defer func() {
		for _, e := range ephs {
			zkutil.Wipe(e.alpha, e.beta, e.r)
		}
	}()
	pr := &Proof{Rounds: make([]Round, p.Reps)}
	for j := range ephs {
		alpha, err1 := zkutil.SampleSigned(rand, zkutil.Pow2(ae))
		beta, err2 := zkutil.SampleSigned(rand, zkutil.Pow2(be))
		r, err3 := zkutil.SampleUnit(rand, pv.N)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("dec: prove: %w", err)
		}
		ephs[j] = eph{alpha, beta, r}
		aq := zkutil.ScalarFromSecretInt(g, alpha, ae+1)
		bq := zkutil.ScalarFromSecretInt(g, beta, be+1)
		negAlpha := new(big.Int).Neg(alpha)
		pr.Rounds[j] = Round{
			A: pv.AffineCT(st.K.Int(), negAlpha, ae+1, beta, be+1, r),
			B: g.NewElement().ScalarMult(bq, st.G),
			C: g.NewElement().ScalarMult(aq, st.G),
		}
		zkutil.Wipe(negAlpha)
		aq.Zero()
		bq.Zero()
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
		rd.W = zkutil.Affine(e.beta, be+1, ej, w.y, yb)
		rd.V = pv.MaskNonce(e.r, w.rho, ej)
	}
	return pr, nil
}

func (pr *Proof) check(p zk.Params, st *Statement) error {
	if pr == nil || len(pr.Rounds) != p.Reps {
		return errors.New("wrong number of rounds")
	}
	bz, bw := zkutil.Pow2(p.L+p.Epsilon), zkutil.Pow2(yBits(p, st)+p.Epsilon)
	for _, r := range pr.Rounds {
		switch {
		case r.A == nil || r.B == nil || r.C == nil || r.Z == nil || r.W == nil || r.V == nil:
			return errors.New("missing field")
		case r.B.Group().Name() != p.Group.Name() || r.C.Group().Name() != p.Group.Name() || r.B.IsIdentity() || r.C.IsIdentity():
			return errors.New("B or C not a point of the group")
		case !zkutil.CheckCiphertexts(st.Key, r.A):
			return errors.New("A not in Z*_{N0²}")
		case !zkutil.IsUnit(r.V, st.Key.N()):
			return errors.New("ν not in Z*_N0")
		case !zkutil.InRange(r.Z, bz):
			return errors.New("z out of range ±2^(ℓ+ε)")
		case !zkutil.InRange(r.W, bw):
			return errors.New("w out of range ±2^(YBits+ε)")
		}
	}
	return nil
}

// Verify checks the proof (CGGMP21 Fig. 28, verification).
func Verify(p zk.Params, ctx zk.Context, st *Statement, pr *Proof) error {
	if err := checkInputs(p, st); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	if err := pr.check(p, st); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	bits := challenge(p, ctx, st, pr)
	g := p.Group
	n, n2 := st.Key.N(), st.Key.NSquared()
	k := st.K.Int()
	for j, r := range pr.Rounds {
		cX, bS := r.C, r.B
		rhs := r.A
		if bits[j] {
			cX = g.NewElement().Add(r.C, st.X)
			bS = g.NewElement().Add(r.B, st.S)
			rhs = zkutil.MulMod(r.A, st.D.Int(), n2)
		}
		// z_j·g = C_j + e_j·X, w_j·g = B_j + e_j·S
		if !g.NewElement().ScalarMult(zkutil.ScalarFromInt(g, r.Z), st.G).Equal(cX) {
			return fmt.Errorf("%w: round %d: equation for X", ErrInvalidProof, j)
		}
		if !g.NewElement().ScalarMult(zkutil.ScalarFromInt(g, r.W), st.G).Equal(bS) {
			return fmt.Errorf("%w: round %d: equation for S", ErrInvalidProof, j)
		}
		// (1+N0)^w_j · ν_j^N0 · K^(−z_j) = A_j · D^e_j mod N0²
		lhs := zkutil.MulMod(zkutil.EncVar(n, n2, r.W, r.V), zkutil.ExpVar(k, new(big.Int).Neg(r.Z), n2), n2)
		if lhs.Cmp(rhs) != 0 {
			return fmt.Errorf("%w: round %d: decryption equation", ErrInvalidProof, j)
		}
	}
	return nil
}

// Marshal encodes the proof: version ‖ kind ‖ (A_j ‖ B_j ‖ C_j)_j ‖
// (z_j ‖ w_j ‖ ν_j)_j, fixed widths.
func (pr *Proof) Marshal(p zk.Params, st *Statement) []byte {
	bz, bw := zkutil.Pow2(p.L+p.Epsilon), zkutil.Pow2(yBits(p, st)+p.Epsilon)
	w := zkutil.NewWriter(zkutil.KindDec, 0)
	for _, r := range pr.Rounds {
		w.Residue(r.A, st.Key.NSquared())
		w.Element(r.B)
		w.Element(r.C)
	}
	for _, r := range pr.Rounds {
		w.Signed(r.Z, bz)
		w.Signed(r.W, bw)
		w.Residue(r.V, st.Key.N())
	}
	return w.Bytes()
}

// Parse decodes a proof of exactly Params.Reps rounds strictly: A_j in
// Z*_{N0²}, B_j and C_j valid non-identity points, z_j and w_j in range,
// ν_j in Z*_N0, exact length.
func Parse(p zk.Params, st *Statement, b []byte) (*Proof, error) {
	if err := checkInputs(p, st); err != nil {
		return nil, fmt.Errorf("dec: parse: %w", err)
	}
	bz, bw := zkutil.Pow2(p.L+p.Epsilon), zkutil.Pow2(yBits(p, st)+p.Epsilon)
	r := zkutil.NewReader(b, zkutil.KindDec)
	pr := &Proof{Rounds: make([]Round, p.Reps)}
	for j := range pr.Rounds {
		rd := &pr.Rounds[j]
		rd.A = r.Unit(st.Key.NSquared(), "A")
		rd.B = r.Element(p.Group, "B")
		rd.C = r.Element(p.Group, "C")
	}
	for j := range pr.Rounds {
		rd := &pr.Rounds[j]
		rd.Z = r.Signed(bz, "z")
		rd.W = r.Signed(bw, "w")
		rd.V = r.Unit(st.Key.N(), "ν")
	}
	if err := r.Finish(); err != nil {
		return nil, fmt.Errorf("dec: parse: %w", err)
	}
	return pr, nil
}
