package elog

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/zk/internal/zktest"
)

func setup(t testing.TB, g group.Group) (*Statement, *Witness) {
	rs := func() group.Scalar {
		s, err := g.RandomScalar(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	y, lambda, xk, hk := rs(), rs(), rs(), rs()
	X := g.NewElement().ScalarBaseMult(xk)
	h := g.NewElement().ScalarBaseMult(hk)
	st := &Statement{
		L: g.NewElement().ScalarBaseMult(lambda),
		M: g.NewElement().Add(g.NewElement().ScalarMult(lambda, X), g.NewElement().ScalarBaseMult(y)),
		X: X,
		Y: g.NewElement().ScalarMult(y, h),
		H: h,
	}
	return st, NewWitness(y, lambda)
}

func TestHonestProofVerifies(t *testing.T) {
	for _, g := range []group.Group{group.Secp256k1, group.Edwards25519} {
		t.Run(g.Name(), func(t *testing.T) {
			st, w := setup(t, g)
			pr, err := Prove(rand.Reader, zktest.Base, st, w)
			if err != nil {
				t.Fatal(err)
			}
			pr2, err := Parse(g, pr.Marshal())
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(zktest.Base, st, pr2); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestTamperedFieldIsRejected(t *testing.T) {
	g := group.Secp256k1
	st, w := setup(t, g)
	pr0, err := Prove(rand.Reader, zktest.Base, st, w)
	if err != nil {
		t.Fatal(err)
	}
	gen, one := g.Generator(), g.NewScalar().SetUint64(1)
	bumpE := func(e group.Element) group.Element { return g.NewElement().Add(e, gen) }
	cases := map[string]func(pr *Proof, st *Statement){
		"A": func(pr *Proof, _ *Statement) { pr.A = bumpE(pr.A) },
		"N": func(pr *Proof, _ *Statement) { pr.N = bumpE(pr.N) },
		"B": func(pr *Proof, _ *Statement) { pr.B = bumpE(pr.B) },
		"z": func(pr *Proof, _ *Statement) { pr.Z = g.NewScalar().Add(pr.Z, one) },
		"u": func(pr *Proof, _ *Statement) { pr.U = g.NewScalar().Add(pr.U, one) },
		"L": func(_ *Proof, st *Statement) { st.L = bumpE(st.L) },
		"M": func(_ *Proof, st *Statement) { st.M = bumpE(st.M) },
		"X": func(_ *Proof, st *Statement) { st.X = bumpE(st.X) },
		"Y": func(_ *Proof, st *Statement) { st.Y = bumpE(st.Y) },
		"h": func(_ *Proof, st *Statement) { st.H = bumpE(st.H) },
	}
	for name, tamper := range cases {
		t.Run("tampered "+name, func(t *testing.T) {
			pr, st2 := *pr0, *st
			tamper(&pr, &st2)
			if err := Verify(zktest.Base, &st2, &pr); !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestWrongWitnessCannotProve(t *testing.T) {
	st, _ := setup(t, group.Secp256k1)
	_, w := setup(t, group.Secp256k1)
	if _, err := Prove(rand.Reader, zktest.Base, st, w); err == nil {
		t.Fatal("proved with a wrong witness")
	}
}

func TestReplayIsRejected(t *testing.T) {
	st, w := setup(t, group.Secp256k1)
	pr, _ := Prove(rand.Reader, zktest.Base, st, w)
	for name, ctx := range zktest.Replays {
		t.Run("replayed with "+name, func(t *testing.T) {
			if err := Verify(ctx, st, pr); !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestWitnessIsRedacted(t *testing.T) {
	_, w := setup(t, group.Secp256k1)
	for _, v := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		if s := fmt.Sprintf(v, w); s != "<redacted>" {
			t.Fatalf("%s printed %q", v, s)
		}
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	g := group.Secp256k1
	st, w := setup(t, g)
	pr, _ := Prove(rand.Reader, zktest.Base, st, w)
	b := pr.Marshal()
	set := func(off int, v []byte) []byte { c := bytes.Clone(b); copy(c[off:], v); return c }
	bad := map[string][]byte{
		"empty":          nil,
		"truncated":      b[:len(b)-1],
		"trailing byte":  append(bytes.Clone(b), 0),
		"wrong version":  set(0, []byte{9}),
		"wrong kind":     set(1, []byte{0x7f}),
		"identity N":     set(2+33, make([]byte, 33)),
		"bad point B":    set(2+66, []byte{0x05}),
		"u not in range": set(len(b)-32, bytes.Repeat([]byte{0xff}, 32)),
	}
	zktest.Seed(t, "FuzzParse", "valid", b)
	for name, in := range bad {
		zktest.Seed(t, "FuzzParse", strings.ReplaceAll(name, " ", "-"), in)
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(g, in); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		pr, err := Parse(group.Secp256k1, b)
		if err != nil {
			return
		}
		if !bytes.Equal(pr.Marshal(), b) {
			t.Fatal("parse → marshal is not the identity")
		}
	})
}

func BenchmarkProve(b *testing.B) {
	st, w := setup(b, group.Secp256k1)
	b.ReportMetric(0, "fullexp/op")
	for b.Loop() {
		if _, err := Prove(rand.Reader, zktest.Base, st, w); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	st, w := setup(b, group.Secp256k1)
	pr, _ := Prove(rand.Reader, zktest.Base, st, w)
	b.ReportMetric(0, "fullexp/op")
	for b.Loop() {
		if err := Verify(zktest.Base, st, pr); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMissingProofIsRejected(t *testing.T) {
	st, w := setup(t, group.Secp256k1)
	if err := Verify(zktest.Base, st, nil); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("nil proof: got %v", err)
	}
	pr, err := Prove(rand.Reader, zktest.Base, st, w)
	if err != nil {
		t.Fatal(err)
	}
	pr.Z = nil
	if err := Verify(zktest.Base, st, pr); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("missing field: got %v", err)
	}
}

// TestCompatV1 checks that the frozen v1 sample still decodes and verifies.
func TestCompatV1(t *testing.T) {
	g := group.Secp256k1
	parts := zktest.Compat(t, "elog-v1.bin", func() [][]byte {
		st, w := setup(t, g)
		pr, err := Prove(rand.Reader, zktest.Base, st, w)
		if err != nil {
			t.Fatal(err)
		}
		return [][]byte{st.L.Bytes(), st.M.Bytes(), st.X.Bytes(), st.Y.Bytes(), st.H.Bytes(), pr.Marshal()}
	})
	var es [5]group.Element
	for i := range es {
		var err error
		if es[i], err = g.ParseElement(parts[i]); err != nil {
			t.Fatal(err)
		}
	}
	pr, err := Parse(g, parts[5])
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(zktest.Base, &Statement{L: es[0], M: es[1], X: es[2], Y: es[3], H: es[4]}, pr); err != nil {
		t.Fatal(err)
	}
}
