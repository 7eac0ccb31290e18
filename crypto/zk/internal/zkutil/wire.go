package zkutil

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/custos-mpc/custos/crypto/group"
)

// Version is the wire-format version of every proof encoding in crypto/zk.
const Version = 1

// Proof kinds: the second byte of an encoding, so that an encoding of one
// proof never parses as another.
const (
	KindSch      byte = 0x01
	KindEnc      byte = 0x02
	KindAffG     byte = 0x03
	KindLogStar  byte = 0x04
	KindElog     byte = 0x05
	KindEncElg   byte = 0x06
	KindAffGStar byte = 0x07
	KindDec      byte = 0x08
)

// ErrEncoding is wrapped by every decoding failure.
var ErrEncoding = errors.New("invalid encoding")

// ByteLen returns the byte length of the big-endian encoding of x.
func ByteLen(x *big.Int) int { return (x.BitLen() + 7) / 8 }

// Writer builds a fixed-width encoding:
//
//	version (1 byte) ‖ kind (1 byte) ‖ fields
//
// where residues modulo n take exactly ByteLen(n) bytes, signed integers
// with |x| ≤ B take 1 sign byte (0 or 1) and ByteLen(B) magnitude bytes, and
// group values take their canonical encodings.
type Writer struct{ b []byte }

// NewWriter starts an encoding of the given kind.
func NewWriter(kind byte, sizeHint int) *Writer {
	w := &Writer{b: make([]byte, 0, sizeHint+2)}
	w.b = append(w.b, Version, kind)
	return w
}

// Residue appends x ∈ [0, n) in ByteLen(n) bytes.
func (w *Writer) Residue(x, n *big.Int) {
	w.b = append(w.b, x.FillBytes(make([]byte, ByteLen(n)))...)
}

// Signed appends x with |x| ≤ bound.
func (w *Writer) Signed(x, bound *big.Int) {
	var s byte
	if x.Sign() < 0 {
		s = 1
	}
	w.b = append(w.b, s)
	w.b = append(w.b, new(big.Int).Abs(x).FillBytes(make([]byte, ByteLen(bound)))...)
}

// Element appends a group element.
func (w *Writer) Element(e group.Element) { w.b = append(w.b, e.Bytes()...) }

// Scalar appends a scalar.
func (w *Writer) Scalar(s group.Scalar) { w.b = append(w.b, s.Bytes()...) }

// Bytes returns the encoding.
func (w *Writer) Bytes() []byte { return w.b }

// Reader decodes what Writer wrote, strictly: exact lengths, every value in
// its declared set; the first failure sticks and later reads return nil.
type Reader struct {
	b   []byte
	err error
}

// NewReader checks the header of an encoding of the given kind.
func NewReader(b []byte, kind byte) *Reader {
	r := &Reader{b: b}
	if len(b) < 2 {
		r.fail("truncated header")
		return r
	}
	if b[0] != Version {
		r.fail(fmt.Sprintf("unsupported version %d", b[0]))
		return r
	}
	if b[1] != kind {
		r.fail("wrong proof kind")
		return r
	}
	r.b = b[2:]
	return r
}

func (r *Reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrEncoding, what)
	}
}

func (r *Reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.fail("truncated " + what)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// Unit reads an element of Z*_n (0 < x < n, gcd(x, n) = 1).
func (r *Reader) Unit(n *big.Int, what string) *big.Int {
	b := r.take(ByteLen(n), what)
	if b == nil {
		return nil
	}
	x := new(big.Int).SetBytes(b)
	if !IsUnit(x, n) {
		r.fail(what + " not in Z*_N")
		return nil
	}
	return x
}

// Signed reads an integer with |x| ≤ bound; a negative zero is rejected.
func (r *Reader) Signed(bound *big.Int, what string) *big.Int {
	b := r.take(1+ByteLen(bound), what)
	if b == nil {
		return nil
	}
	if b[0] > 1 {
		r.fail(what + ": bad sign byte")
		return nil
	}
	x := new(big.Int).SetBytes(b[1:])
	if x.Cmp(bound) > 0 {
		r.fail(what + " out of range")
		return nil
	}
	if b[0] == 1 {
		if x.Sign() == 0 {
			r.fail(what + ": negative zero")
			return nil
		}
		x.Neg(x)
	}
	return x
}

// Element reads a group element with the group's strict decoder (canonical,
// in the prime-order group, not the identity).
func (r *Reader) Element(g group.Group, what string) group.Element {
	b := r.take(g.ElementLen(), what)
	if b == nil {
		return nil
	}
	e, err := g.ParseElement(b)
	if err != nil {
		r.fail(what + ": " + err.Error())
		return nil
	}
	return e
}

// Scalar reads a canonical scalar.
func (r *Reader) Scalar(g group.Group, what string) group.Scalar {
	b := r.take(g.ScalarLen(), what)
	if b == nil {
		return nil
	}
	s, err := g.ParseScalar(b)
	if err != nil {
		r.fail(what + ": " + err.Error())
		return nil
	}
	return s
}

// Finish reports the first failure, or trailing bytes.
func (r *Reader) Finish() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail("trailing bytes")
	}
	return r.err
}
