package group

import (
	"io"
	"math/big"

	"filippo.io/nistec"
)

// P256 is the NIST P-256 group (SEC 2 Section 2.4.2) with the encodings of
// FROST(P-256, SHA-256) (RFC 9591 Section 6.4): 32-byte big-endian scalars
// and 33-byte SEC1 compressed points. Point arithmetic is filippo.io/nistec
// (constant time, complete formulas); scalars use saferith.
var P256 Group = p256Group{}

type p256Group struct{}

type p256Element struct{ p nistec.P256Point }

var (
	p256Order, _ = new(big.Int).SetString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16)
	p256Field    = newModField(p256Group{}, p256Order, 32, false)
)

func (p256Group) Name() string        { return "P-256" }
func (p256Group) NewScalar() Scalar   { return p256Field.newScalar() }
func (p256Group) ScalarLen() int      { return 32 }
func (p256Group) ElementLen() int     { return 33 }
func (p256Group) Order() *big.Int     { return new(big.Int).Set(p256Order) }
func (p256Group) NewElement() Element { return &p256Element{p: *nistec.NewP256Point()} }

func (p256Group) Generator() Element {
	e := &p256Element{}
	e.p.SetGenerator()
	return e
}

// ParseScalar implements RFC 9591 Section 6.4 DeserializeScalar.
func (p256Group) ParseScalar(b []byte) (Scalar, error) { return p256Field.parse(b) }

// ParseElement implements RFC 9591 Section 6.4 DeserializeElement: SEC1
// Section 2.3.4 compressed decoding (prefix 0x02/0x03, x < p, on the
// curve). P-256 has cofactor 1 and the identity has no compressed encoding.
func (p256Group) ParseElement(b []byte) (Element, error) {
	if len(b) != 33 || (b[0] != 0x02 && b[0] != 0x03) {
		return nil, ErrInvalidElement
	}
	e := &p256Element{}
	if _, err := e.p.SetBytes(b); err != nil {
		return nil, ErrInvalidElement
	}
	if e.p.IsInfinity() == 1 {
		return nil, ErrIdentity // unreachable for compressed input
	}
	return e, nil
}

func (g p256Group) RandomScalar(rand io.Reader) (Scalar, error) {
	return randomScalar(g, rand)
}

func p256P(a Element) *nistec.P256Point { return &a.(*p256Element).p }

func (e *p256Element) Group() Group             { return P256 }
func (e *p256Element) Set(a Element) Element    { e.p.Set(p256P(a)); return e }
func (e *p256Element) Add(a, b Element) Element { e.p.Add(p256P(a), p256P(b)); return e }
func (e *p256Element) Negate(a Element) Element { e.p.Negate(p256P(a)); return e }
func (e *p256Element) Double(a Element) Element { e.p.Double(p256P(a)); return e }
func (e *p256Element) Equal(b Element) bool     { return e.p.Equal(p256P(b)) == 1 }
func (e *p256Element) IsIdentity() bool         { return e.p.IsInfinity() == 1 }

func (e *p256Element) Sub(a, b Element) Element {
	var nb nistec.P256Point
	nb.Negate(p256P(b))
	e.p.Add(p256P(a), &nb)
	return e
}

// Bytes is RFC 9591 Section 6.4 SerializeElement (SEC1 compressed); the
// identity gives 33 zero bytes.
func (e *p256Element) Bytes() []byte {
	if e.IsIdentity() {
		return make([]byte, 33)
	}
	return e.p.BytesCompressed()
}

func (e *p256Element) ScalarBaseMult(s Scalar) Element {
	b := s.Bytes()
	defer clear(b)
	if _, err := e.p.ScalarBaseMult(b); err != nil {
		panic("group: P-256 ScalarBaseMult: " + err.Error()) // unreachable: 32 bytes
	}
	return e
}

func (e *p256Element) ScalarMult(s Scalar, a Element) Element {
	b := s.Bytes()
	defer clear(b)
	if _, err := e.p.ScalarMult(p256P(a), b); err != nil {
		panic("group: P-256 ScalarMult: " + err.Error()) // unreachable: 32 bytes
	}
	return e
}

// VarTimeMultiScalarMult sums constant-time products (P-256 is used by no
// latency-critical path).
func (e *p256Element) VarTimeMultiScalarMult(s []Scalar, a []Element) Element {
	if len(s) != len(a) {
		panic("group: VarTimeMultiScalarMult: length mismatch")
	}
	acc := nistec.NewP256Point()
	var t nistec.P256Point
	for i := range s {
		b := s[i].Bytes()
		if _, err := t.ScalarMult(p256P(a[i]), b); err != nil {
			panic("group: P-256 ScalarMult: " + err.Error())
		}
		acc.Add(acc, &t)
	}
	e.p.Set(acc)
	return e
}
