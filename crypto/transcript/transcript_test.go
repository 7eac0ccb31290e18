package transcript

import (
	"bytes"
	"math/big"
	"testing"
)

func TestAppendsAreInjective(t *testing.T) {
	a := New("d")
	a.AppendBytes("x", []byte("ab"))
	a.AppendBytes("y", []byte("c"))
	b := New("d")
	b.AppendBytes("x", []byte("a"))
	b.AppendBytes("y", []byte("bc"))
	if bytes.Equal(a.ChallengeBytes("c", 32), b.ChallengeBytes("c", 32)) {
		t.Fatal("shifting bytes between fields did not change the challenge")
	}
	c := New("d")
	c.AppendInt("v", big.NewInt(5))
	d := New("d")
	d.AppendInt("v", big.NewInt(-5))
	if bytes.Equal(c.ChallengeBytes("c", 32), d.ChallengeBytes("c", 32)) {
		t.Fatal("sign of an integer is not bound")
	}
}

func TestSuccessiveChallengesDiffer(t *testing.T) {
	tr := New("d")
	x := tr.ChallengeBytes("c", 32)
	y := tr.ChallengeBytes("c", 32)
	if bytes.Equal(x, y) {
		t.Fatal("two challenges from one transcript are equal")
	}
}

func TestChallengeIntInRange(t *testing.T) {
	m := big.NewInt(1000003)
	tr := New("d")
	for i := 0; i < 200; i++ {
		x := tr.ChallengeInt("c", m)
		if x.Sign() < 0 || x.Cmp(m) >= 0 {
			t.Fatalf("challenge %v out of [0, %v)", x, m)
		}
		s := tr.ChallengeSigned("s", m)
		if s.CmpAbs(m) > 0 {
			t.Fatalf("signed challenge %v out of ±%v", s, m)
		}
	}
}

func TestCloneIsIndependent(t *testing.T) {
	a := New("d")
	b := a.Clone()
	b.AppendBytes("extra", nil)
	if bytes.Equal(a.Clone().ChallengeBytes("c", 16), b.ChallengeBytes("c", 16)) {
		t.Fatal("clone shares state with its parent")
	}
}
