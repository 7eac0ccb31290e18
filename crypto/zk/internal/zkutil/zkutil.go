// Package zkutil holds what the CGGMP21 proofs of crypto/zk share: the
// Fiat–Shamir binding of parameters and context, constant-time integer
// arithmetic for the prover, scalar conversions, and the strict fixed-width
// wire encoding.
package zkutil

import (
	"fmt"
	"io"
	"math/big"
	"sync"

	"github.com/cronokirby/saferith"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/transcript"
	"github.com/custos-mpc/custos/crypto/zk"
)

// NewTranscript starts the Fiat–Shamir transcript of one proof: the domain
// (with its version), the parameters and the context (session, prover,
// verifier) come first, before any statement value.
func NewTranscript(domain string, p zk.Params, ctx zk.Context) *transcript.Transcript {
	t := transcript.New(domain)
	t.AppendBytes("group", []byte(p.Group.Name()))
	t.AppendUint64("ell", uint64(p.L))
	t.AppendUint64("ell-prime", uint64(p.LPrime))
	t.AppendUint64("epsilon", uint64(p.Epsilon))
	t.AppendUint64("reps", uint64(p.Reps))
	t.AppendBytes("session-id", ctx.SessionID)
	t.AppendBytes("prover", ctx.Prover)
	t.AppendBytes("verifier", ctx.Verifier)
	return t
}

// AppendElements absorbs group elements under one label.
func AppendElements(t *transcript.Transcript, label string, es ...group.Element) {
	t.AppendUint64(label+"/len", uint64(len(es)))
	for _, e := range es {
		t.AppendBytes(label, e.Bytes())
	}
}

// Pow2 returns 2^bits.
func Pow2(bits int) *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(bits)) }

// Pow2Times returns 2^bits·m.
func Pow2Times(bits int, m *big.Int) *big.Int { return new(big.Int).Lsh(m, uint(bits)) }

// InRange reports whether |x| ≤ bound.
func InRange(x, bound *big.Int) bool { return x != nil && new(big.Int).Abs(x).Cmp(bound) <= 0 }

// SampleSigned returns a uniform integer in [−bound, bound].
func SampleSigned(rand io.Reader, bound *big.Int) (*big.Int, error) {
	w := new(big.Int).Lsh(bound, 1)
	w.Add(w, big.NewInt(1))
	x, err := randInt(rand, w)
	if err != nil {
		return nil, err
	}
	return x.Sub(x, bound), nil
}

// SampleUnit returns a uniform element of Z*_n.
func SampleUnit(rand io.Reader, n *big.Int) (*big.Int, error) {
	for range 128 {
		x, err := randInt(rand, n)
		if err != nil {
			return nil, err
		}
		if IsUnit(x, n) {
			return x, nil
		}
	}
	return nil, fmt.Errorf("zk: sampling a unit: random source failed")
}

// SampleScalar returns a uniform scalar (zero allowed, with negligible
// probability never).
func SampleScalar(rand io.Reader, g group.Group) (group.Scalar, error) {
	s, err := g.RandomScalar(rand)
	if err != nil {
		return nil, fmt.Errorf("zk: sampling a scalar: %w", err)
	}
	return s, nil
}

// randInt returns a uniform integer in [0, max) by rejection sampling from
// rand (which need not be crypto/rand: tests pass deterministic readers).
func randInt(rand io.Reader, max *big.Int) (*big.Int, error) {
	if max.Sign() <= 0 {
		return nil, fmt.Errorf("zk: sampling: empty range")
	}
	bits := max.BitLen()
	buf := make([]byte, (bits+7)/8)
	defer clear(buf)
	x := new(big.Int)
	for range 256 {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, fmt.Errorf("zk: sampling: reading randomness: %w", err)
		}
		if r := bits % 8; r != 0 {
			buf[0] &= byte(1<<r) - 1
		}
		x.SetBytes(buf)
		if x.Cmp(max) < 0 {
			return x, nil
		}
	}
	return nil, fmt.Errorf("zk: sampling: random source failed")
}

// IsUnit reports whether 0 < x < n and gcd(x, n) = 1 (x ∈ Z*_n).
func IsUnit(x, n *big.Int) bool {
	if x == nil || x.Sign() <= 0 || x.Cmp(n) >= 0 {
		return false
	}
	return new(big.Int).GCD(nil, nil, x, n).Cmp(big.NewInt(1)) == 0
}

// Wipe zeroes the words of secret integers (best effort: math/big may have
// left copies behind).
func Wipe(xs ...*big.Int) {
	for _, x := range xs {
		if x != nil {
			clear(x.Bits())
			x.SetInt64(0)
		}
	}
}

// Affine returns a + e·x in constant time with respect to the values of the
// secrets a and x (CGGMP21 responses z = α + e·x), given public bounds on
// their bit lengths; e is public. It uses saferith's constant-time signed
// integers; the result is public (it is sent) and is returned as a big.Int.
func Affine(a *big.Int, aBits int, e *big.Int, x *big.Int, xBits int) *big.Int {
	eBits := e.BitLen() + 1
	var ai, ei, xi, t, z saferith.Int
	ai.SetBig(a, aBits+1)
	ei.SetBig(e, eBits)
	xi.SetBig(x, xBits+1)
	t.Mul(&ei, &xi, eBits+xBits+1)
	capZ := max(aBits, eBits+xBits) + 2
	z.Add(&ai, &t, capZ)
	out := z.Big()
	ai.SetUint64(0)
	xi.SetUint64(0)
	t.SetUint64(0)
	return out
}

// scalar byte order per group: big-endian (secp256k1, P-256) or
// little-endian (edwards25519, ...), found once by probing SetUniformBytes.
var byteOrder sync.Map // group name → bool (true: little-endian)

func littleEndian(g group.Group) bool {
	if v, ok := byteOrder.Load(g.Name()); ok {
		return v.(bool)
	}
	s, err := g.NewScalar().SetUniformBytes([]byte{1, 0})
	le := err == nil && s.Equal(g.NewScalar().SetUint64(1))
	byteOrder.Store(g.Name(), le)
	return le
}

// ScalarFromInt returns x mod q as a scalar, for a public integer x.
func ScalarFromInt(g group.Group, x *big.Int) group.Scalar {
	r := new(big.Int).Mod(x, g.Order())
	return scalarFromBE(g, r.FillBytes(make([]byte, g.ScalarLen())))
}

// ScalarFromSecretInt returns x mod q as a scalar for a secret signed
// integer with |x| < 2^bits, reducing in constant time (saferith).
func ScalarFromSecretInt(g group.Group, x *big.Int, bits int) group.Scalar {
	var xi saferith.Int
	xi.SetBig(x, bits+1)
	q := saferith.ModulusFromBytes(g.Order().Bytes())
	n := xi.Mod(q)
	buf := make([]byte, g.ScalarLen())
	n.FillBytes(buf)
	s := scalarFromBE(g, buf)
	clear(buf)
	xi.SetUint64(0)
	n.SetUint64(0)
	return s
}

// ScalarToInt returns the canonical integer of a scalar in [0, q).
func ScalarToInt(s group.Scalar) *big.Int {
	b := s.Bytes()
	if littleEndian(s.Group()) {
		b = reversed(b)
	}
	return new(big.Int).SetBytes(b)
}

func scalarFromBE(g group.Group, be []byte) group.Scalar {
	b := be
	if littleEndian(g) {
		b = reversed(be)
		defer clear(b)
	}
	s, err := g.NewScalar().SetUniformBytes(b)
	if err != nil {
		panic("zk: internal error: scalar conversion: " + err.Error())
	}
	return s
}

func reversed(b []byte) []byte {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return r
}

// NewGroupTranscript starts the transcript of a proof that involves only
// the group (Π^sch, Π^elog): domain, group name and context.
func NewGroupTranscript(domain string, g group.Group, ctx zk.Context) *transcript.Transcript {
	t := transcript.New(domain)
	t.AppendBytes("group", []byte(g.Name()))
	t.AppendBytes("session-id", ctx.SessionID)
	t.AppendBytes("prover", ctx.Prover)
	t.AppendBytes("verifier", ctx.Verifier)
	return t
}

// ChallengeScalar draws a uniform challenge in F_q from t.
func ChallengeScalar(t *transcript.Transcript, g group.Group, label string) group.Scalar {
	b := t.ChallengeBytes(label, g.ScalarLen()+16)
	s, err := g.NewScalar().SetUniformBytes(b)
	if err != nil {
		panic("zk: internal error: challenge: " + err.Error())
	}
	return s
}

// Redacted is what secret types print.
const Redacted = "<redacted>"

// AppendPedersen absorbs the verifier's ring-Pedersen parameters.
func AppendPedersen(t *transcript.Transcript, rp *pedersen.Parameters) {
	t.AppendInts("ring-pedersen", rp.N, rp.S, rp.T)
}

// CheckPedersen reports whether the values are units of Z*_N̂.
func CheckPedersen(rp *pedersen.Parameters, xs ...*big.Int) bool {
	for _, x := range xs {
		if !IsUnit(x, rp.N) {
			return false
		}
	}
	return true
}

// CheckCiphertexts reports whether the values lie in Z*_{N²}.
func CheckCiphertexts(pk *paillier.PublicKey, xs ...*big.Int) bool {
	n2 := pk.NSquared()
	for _, x := range xs {
		if x == nil || x.Sign() <= 0 || x.Cmp(n2) >= 0 || !coprime(x, pk.N()) {
			return false
		}
	}
	return true
}

func coprime(x, n *big.Int) bool {
	return new(big.Int).GCD(nil, nil, x, n).Cmp(big.NewInt(1)) == 0
}

// CiphertextOf converts a verified value to the paillier type.
func CiphertextOf(pk *paillier.PublicKey, x *big.Int) (*paillier.Ciphertext, error) {
	return pk.NewCiphertext(x)
}

// ChallengeBits draws n challenge bits from t (binary-challenge proofs).
func ChallengeBits(t *transcript.Transcript, label string, n int) []bool {
	b := t.ChallengeBytes(label, (n+7)/8)
	out := make([]bool, n)
	for i := range out {
		out[i] = b[i/8]>>(i%8)&1 == 1
	}
	return out
}
