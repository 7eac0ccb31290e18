package sch

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
	x, err := g.RandomScalar(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &Statement{X: g.NewElement().ScalarBaseMult(x)}, NewWitness(x)
}

func TestHonestProofVerifies(t *testing.T) {
	for _, g := range []group.Group{group.Secp256k1, group.Edwards25519} {
		t.Run(g.Name(), func(t *testing.T) {
			st, w := setup(t, g)
			p, err := Prove(rand.Reader, zktest.Base, st, w)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(zktest.Base, st, p); err != nil {
				t.Fatal(err)
			}
			q, err := Parse(g, p.Marshal())
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(zktest.Base, st, q); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCommitmentFirstFlow(t *testing.T) {
	g := group.Secp256k1
	st, w := setup(t, g)
	c, n, err := Commit(rand.Reader, g)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := ParseCommitment(g, c.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	p, err := ProveWithCommitment(zktest.Base, st, w, c, n)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyWithCommitment(zktest.Base, st, c2, p); err != nil {
		t.Fatal(err)
	}
	t.Run("a nonce cannot be used twice", func(t *testing.T) {
		if _, err := ProveWithCommitment(zktest.Base, st, w, c, n); err == nil {
			t.Fatal("nonce reused")
		}
	})
	t.Run("a proof answering another commitment is rejected", func(t *testing.T) {
		other, _, _ := Commit(rand.Reader, g)
		if err := VerifyWithCommitment(zktest.Base, st, other, p); !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestTamperedProofIsRejected(t *testing.T) {
	g := group.Secp256k1
	st, w := setup(t, g)
	one := g.NewScalar().SetUint64(1)
	cases := map[string]func(p *Proof){
		"A": func(p *Proof) { p.A = g.NewElement().Add(p.A, g.Generator()) },
		"z": func(p *Proof) { p.Z = g.NewScalar().Add(p.Z, one) },
	}
	for name, tamper := range cases {
		t.Run("tampered "+name, func(t *testing.T) {
			p, err := Prove(rand.Reader, zktest.Base, st, w)
			if err != nil {
				t.Fatal(err)
			}
			tamper(p)
			if err := Verify(zktest.Base, st, p); !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("got %v", err)
			}
		})
	}
	t.Run("tampered statement", func(t *testing.T) {
		p, _ := Prove(rand.Reader, zktest.Base, st, w)
		st2 := &Statement{X: g.NewElement().Add(st.X, g.Generator())}
		if err := Verify(zktest.Base, st2, p); !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestWrongWitnessCannotProve(t *testing.T) {
	g := group.Secp256k1
	st, _ := setup(t, g)
	_, w := setup(t, g)
	if _, err := Prove(rand.Reader, zktest.Base, st, w); err == nil {
		t.Fatal("proved with a wrong witness")
	}
}

func TestReplayIsRejected(t *testing.T) {
	g := group.Secp256k1
	st, w := setup(t, g)
	p, err := Prove(rand.Reader, zktest.Base, st, w)
	if err != nil {
		t.Fatal(err)
	}
	for name, ctx := range zktest.Replays {
		t.Run("replayed with "+name, func(t *testing.T) {
			if err := Verify(ctx, st, p); !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestWitnessIsRedacted(t *testing.T) {
	_, w := setup(t, group.Secp256k1)
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		if s := fmt.Sprintf(f, w); s != "<redacted>" {
			t.Fatalf("%s printed %q", f, s)
		}
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	g := group.Secp256k1
	st, w := setup(t, g)
	p, _ := Prove(rand.Reader, zktest.Base, st, w)
	b := p.Marshal()
	bad := map[string][]byte{
		"empty":          nil,
		"truncated":      b[:len(b)-1],
		"trailing byte":  append(bytes.Clone(b), 0),
		"wrong version":  append([]byte{2}, b[1:]...),
		"wrong kind":     append([]byte{b[0], 0x7f}, b[2:]...),
		"scalar too big": append(bytes.Clone(b[:len(b)-32]), bytes.Repeat([]byte{0xff}, 32)...),
		"identity point": append(append(bytes.Clone(b[:2]), make([]byte, 33)...), b[35:]...),
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
	g := group.Secp256k1
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(g, b)
		if err != nil {
			return
		}
		if !bytes.Equal(p.Marshal(), b) {
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
	p, _ := Prove(rand.Reader, zktest.Base, st, w)
	b.ReportMetric(0, "fullexp/op")
	for b.Loop() {
		if err := Verify(zktest.Base, st, p); err != nil {
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
	parts := zktest.Compat(t, "sch-v1.bin", func() [][]byte {
		st, w := setup(t, g)
		c, n, err := Commit(rand.Reader, g)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := ProveWithCommitment(zktest.Base, st, w, c, n)
		if err != nil {
			t.Fatal(err)
		}
		return [][]byte{st.X.Bytes(), c.Marshal(), pr.Marshal()}
	})
	X, err := g.ParseElement(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCommitment(g, parts[1])
	if err != nil {
		t.Fatal(err)
	}
	pr, err := Parse(g, parts[2])
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyWithCommitment(zktest.Base, &Statement{X: X}, c, pr); err != nil {
		t.Fatal(err)
	}
}
