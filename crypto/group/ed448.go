package group

import (
	"io"
	"math/big"

	"github.com/cloudflare/circl/ecc/goldilocks"
)

// Edwards448 is the prime-order subgroup of edwards448 (RFC 8032 Section
// 5.2, the untwisted curve x²+y² = 1−39081x²y², cofactor 4) with RFC 8032
// 57-byte point encodings and 57-byte little-endian scalars, as used by
// FROST(Ed448, SHAKE256) (RFC 9591 Section 6.3). Point arithmetic is
// cloudflare/circl's ecc/goldilocks (constant-time ScalarMult and
// ScalarBaseMult through the 4-isogenous twist); scalars use saferith.
var Edwards448 Group = ed448Group{}

type ed448Group struct{}

type ed448Element struct{ p goldilocks.Point }

var (
	// ed448Order is L = 2^446 − 13818066809895115352007386748515426880336692474882178609894547503885.
	ed448Order = func() *big.Int {
		c, _ := new(big.Int).SetString("13818066809895115352007386748515426880336692474882178609894547503885", 10)
		return new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 446), c)
	}()
	ed448Field = newModField(ed448Group{}, ed448Order, 57, true)
	ed448One   = func() *goldilocks.Scalar { var s goldilocks.Scalar; s[0] = 1; return &s }()
	ed448Zero  goldilocks.Scalar
)

func (ed448Group) Name() string        { return "edwards448" }
func (ed448Group) NewScalar() Scalar   { return ed448Field.newScalar() }
func (ed448Group) ScalarLen() int      { return 57 }
func (ed448Group) ElementLen() int     { return 57 }
func (ed448Group) Order() *big.Int     { return new(big.Int).Set(ed448Order) }
func (ed448Group) NewElement() Element { return &ed448Element{p: *goldilocks.Curve{}.Identity()} }
func (ed448Group) Generator() Element  { return &ed448Element{p: *goldilocks.Curve{}.Generator()} }

// ParseScalar implements RFC 9591 Section 6.3 DeserializeScalar: 57 bytes,
// little-endian, below L.
func (ed448Group) ParseScalar(b []byte) (Scalar, error) { return ed448Field.parse(b) }

// ParseElement implements RFC 9591 Section 6.3 DeserializeElement: the
// RFC 8032 Section 5.2.3 decoding (y < p, x recovered, no "negative zero"),
// a canonical encoding, not the identity, and in the prime-order subgroup.
//
// Subgroup check: circl's multiplications map P through the 4-isogeny to
// the twist and back, which computes [k]P' for the prime-order component
// P' of P = P' + T (T of order dividing 4). So [1]·P computed that way
// equals P exactly when T is the identity. The tests confirm this against
// [L]P by double-and-add. The input is public, so the variable-time
// CombinedMult (0·G + 1·P) is used.
func (ed448Group) ParseElement(b []byte) (Element, error) {
	if len(b) != 57 {
		return nil, ErrInvalidElement
	}
	p, err := goldilocks.FromBytes(b)
	if err != nil {
		return nil, ErrInvalidElement
	}
	e := &ed448Element{p: *p}
	if !equalBytes(e.Bytes(), b) {
		return nil, ErrInvalidElement
	}
	if p.IsIdentity() {
		return nil, ErrIdentity
	}
	if c := (goldilocks.Curve{}); !c.CombinedMult(&ed448Zero, ed448One, p).IsEqual(p) {
		return nil, ErrInvalidElement // has a torsion component
	}
	return e, nil
}

func equalBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := range a {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

func (g ed448Group) RandomScalar(rand io.Reader) (Scalar, error) {
	return randomScalar(g, rand)
}

func ed448P(a Element) *goldilocks.Point { return &a.(*ed448Element).p }

// ed448Scalar converts a canonical scalar (< L < 2^446) to circl's 56-byte
// little-endian form.
func ed448Scalar(s Scalar) *goldilocks.Scalar {
	ed448Field.cast(s)
	le := s.Bytes()
	var k goldilocks.Scalar
	copy(k[:], le[:56])
	clear(le)
	return &k
}

func (e *ed448Element) Group() Group          { return Edwards448 }
func (e *ed448Element) Set(a Element) Element { e.p = *ed448P(a); return e }
func (e *ed448Element) Equal(b Element) bool  { return e.p.IsEqual(ed448P(b)) }
func (e *ed448Element) IsIdentity() bool      { return e.p.IsIdentity() }

// Add uses circl's unified (complete, since d is not a square) formulas.
func (e *ed448Element) Add(a, b Element) Element {
	t := *ed448P(a)
	t.Add(ed448P(b))
	e.p = t
	return e
}

func (e *ed448Element) Sub(a, b Element) Element {
	nb := *ed448P(b)
	nb.Neg()
	t := *ed448P(a)
	t.Add(&nb)
	e.p = t
	return e
}

func (e *ed448Element) Negate(a Element) Element {
	e.p = *ed448P(a)
	e.p.Neg()
	return e
}

func (e *ed448Element) Double(a Element) Element {
	e.p = *ed448P(a)
	e.p.Double()
	return e
}

// Bytes is RFC 8032 Section 5.2.2 encoding (the identity encodes as y = 1).
func (e *ed448Element) Bytes() []byte {
	t := e.p // ToBytes normalizes its receiver
	out := make([]byte, 57)
	if err := t.ToBytes(out); err != nil {
		panic("group: edwards448 encoding: " + err.Error()) // unreachable: 57 bytes
	}
	return out
}

func (e *ed448Element) ScalarBaseMult(s Scalar) Element {
	k := ed448Scalar(s)
	e.p = *goldilocks.Curve{}.ScalarBaseMult(k)
	clear(k[:])
	return e
}

func (e *ed448Element) ScalarMult(s Scalar, a Element) Element {
	k := ed448Scalar(s)
	e.p = *goldilocks.Curve{}.ScalarMult(k, ed448P(a))
	clear(k[:])
	return e
}

// VarTimeMultiScalarMult merges the terms on the generator and pairs them
// with one other term through circl's variable-time CombinedMult (mG + nP,
// the shape of signature verification); each remaining term is one
// variable-time CombinedMult with m = 0. circl's multiplications drop torsion components, which
// parsed elements never have.
func (e *ed448Element) VarTimeMultiScalarMult(s []Scalar, a []Element) Element {
	if len(s) != len(a) {
		panic("group: VarTimeMultiScalarMult: length mismatch")
	}
	c := goldilocks.Curve{}
	gen := c.Generator()
	acc := *c.Identity()
	gs := ed448Field.newScalar()
	haveG := false
	var rest []int
	for i := range s {
		if ed448P(a[i]).IsEqual(gen) {
			gs.Add(gs, s[i])
			haveG = true
			continue
		}
		rest = append(rest, i)
	}
	if haveG && len(rest) > 0 {
		i := rest[0]
		rest = rest[1:]
		acc.Add(c.CombinedMult(ed448Scalar(gs), ed448Scalar(s[i]), ed448P(a[i])))
	} else if haveG {
		acc.Add(c.ScalarBaseMult(ed448Scalar(gs)))
	}
	for _, i := range rest {
		acc.Add(c.CombinedMult(&ed448Zero, ed448Scalar(s[i]), ed448P(a[i])))
	}
	e.p = acc
	return e
}
