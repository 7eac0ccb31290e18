// Package transcript is an injective Fiat–Shamir transcript over SHAKE256.
//
// Every value is absorbed as (kind, label, length, bytes) with fixed-width
// length prefixes, so two different sequences of appends can never produce
// the same absorbed byte string. Challenges are squeezed from a copy of the
// state and then absorbed themselves, so successive challenges from one
// transcript are independent and distinct with overwhelming probability.
//
// Callers bind the session id, the prover's and verifier's identifiers and
// every statement and first-message value before drawing a challenge.
package transcript

import (
	"crypto/sha3"
	"encoding/binary"
	"math/big"
)

const (
	kindDomain    = 0x01
	kindBytes     = 0x02
	kindInt       = 0x03
	kindUint      = 0x04
	kindChallenge = 0x05
)

// Transcript accumulates the public data of one proof or protocol step.
// The zero value is not usable; call New.
type Transcript struct {
	h *sha3.SHAKE
}

// New starts a transcript for the named protocol, e.g. "custos/zk/mod/v1".
func New(domain string) *Transcript {
	t := &Transcript{h: sha3.NewSHAKE256()}
	t.absorb(kindDomain, "domain", []byte(domain))
	return t
}

func (t *Transcript) absorb(kind byte, label string, data []byte) {
	var hdr [1 + 4 + 8]byte
	hdr[0] = kind
	binary.BigEndian.PutUint32(hdr[1:5], uint32(len(label)))
	binary.BigEndian.PutUint64(hdr[5:], uint64(len(data)))
	t.h.Write(hdr[:5])
	t.h.Write([]byte(label))
	t.h.Write(hdr[5:])
	t.h.Write(data)
}

// Clone returns an independent copy of the transcript state.
func (t *Transcript) Clone() *Transcript {
	st, err := t.h.MarshalBinary()
	if err != nil {
		panic("transcript: clone: " + err.Error()) // cannot happen for SHAKE
	}
	c := &Transcript{h: sha3.NewSHAKE256()}
	if err := c.h.UnmarshalBinary(st); err != nil {
		panic("transcript: clone: " + err.Error())
	}
	return c
}

// AppendBytes absorbs a labelled byte string.
func (t *Transcript) AppendBytes(label string, b []byte) { t.absorb(kindBytes, label, b) }

// AppendUint64 absorbs a labelled unsigned integer.
func (t *Transcript) AppendUint64(label string, v uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	t.absorb(kindUint, label, b[:])
}

// AppendInt absorbs a labelled signed integer as sign byte || magnitude.
// A nil x is absorbed as a distinct marker so it never collides with zero.
func (t *Transcript) AppendInt(label string, x *big.Int) {
	if x == nil {
		t.absorb(kindInt, label, []byte{0xff})
		return
	}
	mag := x.Bytes()
	b := make([]byte, 1+len(mag))
	if x.Sign() < 0 {
		b[0] = 1
	}
	copy(b[1:], mag)
	t.absorb(kindInt, label, b)
}

// AppendInts absorbs several integers under one label, with a count prefix.
func (t *Transcript) AppendInts(label string, xs ...*big.Int) {
	t.AppendUint64(label+"/len", uint64(len(xs)))
	for _, x := range xs {
		t.AppendInt(label, x)
	}
}

// ChallengeBytes squeezes n bytes bound to everything absorbed so far and to
// label, then absorbs them so the next challenge differs.
func (t *Transcript) ChallengeBytes(label string, n int) []byte {
	c := t.Clone()
	var nb [8]byte
	binary.BigEndian.PutUint64(nb[:], uint64(n))
	c.absorb(kindChallenge, label, nb[:])
	out := make([]byte, n)
	c.h.Read(out)
	t.absorb(kindChallenge, label, out)
	return out
}

// ChallengeInt returns a challenge uniform in [0, m) by rejection sampling
// (m > 0). It is deterministic in the transcript.
func (t *Transcript) ChallengeInt(label string, m *big.Int) *big.Int {
	if m.Sign() <= 0 {
		panic("transcript: non-positive modulus")
	}
	bits := m.BitLen()
	nbytes := (bits + 7) / 8
	mask := byte(0xff)
	if r := bits % 8; r != 0 {
		mask = byte(1<<r) - 1
	}
	for i := uint64(0); ; i++ {
		var ib [8]byte
		binary.BigEndian.PutUint64(ib[:], i)
		b := t.Clone()
		b.absorb(kindUint, "attempt", ib[:])
		buf := b.ChallengeBytes(label, nbytes)
		buf[0] &= mask
		x := new(big.Int).SetBytes(buf)
		if x.Cmp(m) < 0 {
			t.absorb(kindChallenge, label, buf)
			return x
		}
	}
}

// ChallengeSigned returns a challenge uniform in [-m, m] (m > 0), the form
// CGGMP21 uses for the challenge e ∈ ±q.
func (t *Transcript) ChallengeSigned(label string, m *big.Int) *big.Int {
	width := new(big.Int).Lsh(m, 1)
	width.Add(width, big.NewInt(1))
	x := t.ChallengeInt(label, width)
	return x.Sub(x, m)
}
