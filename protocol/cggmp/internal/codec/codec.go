// Package codec is the strict length-prefixed encoding the CGGMP rounds use
// for their payloads: a Writer appends fields, a Reader takes them back and
// remembers the first error, so a round parses a whole payload and checks
// the error once. Every length is bounded by the caller.
package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
)

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("malformed payload")

// Writer appends fields.
type Writer struct{ B []byte }

// U8 appends one byte.
func (w *Writer) U8(v byte) { w.B = append(w.B, v) }

// U16 appends a big-endian uint16.
func (w *Writer) U16(v uint16) { w.B = binary.BigEndian.AppendUint16(w.B, v) }

// Bytes appends a length-prefixed (uint32) byte string.
func (w *Writer) Bytes(b []byte) {
	w.B = binary.BigEndian.AppendUint32(w.B, uint32(len(b)))
	w.B = append(w.B, b...)
}

// Fixed appends bytes without a length.
func (w *Writer) Fixed(b []byte) { w.B = append(w.B, b...) }

// Element appends a group element's canonical encoding.
func (w *Writer) Element(e group.Element) { w.B = append(w.B, e.Bytes()...) }

// Scalar appends a scalar's canonical encoding.
func (w *Writer) Scalar(s group.Scalar) { w.B = append(w.B, s.Bytes()...) }

// Ciphertext appends a Paillier ciphertext (fixed width for its key).
func (w *Writer) Ciphertext(c *paillier.Ciphertext) { w.Fixed(c.Bytes()) }

// Int appends a signed integer: sign byte and magnitude.
func (w *Writer) Int(x *big.Int) {
	if x.Sign() < 0 {
		w.U8(1)
	} else {
		w.U8(0)
	}
	w.Bytes(x.Bytes())
}

// Reader takes fields back; the first failure sticks.
type Reader struct {
	b   []byte
	err error
}

// NewReader reads b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first error, or an error if bytes are left over.
func (r *Reader) Err() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(r.b))
	}
	return r.err
}

func (r *Reader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, a...)...)
	}
}

// Fixed takes n bytes.
func (r *Reader) Fixed(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < n {
		r.fail("truncated")
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

// U8 takes one byte.
func (r *Reader) U8() byte {
	b := r.Fixed(1)
	if b == nil {
		return 0
	}
	return b[0]
}

// U16 takes a big-endian uint16.
func (r *Reader) U16() uint16 {
	b := r.Fixed(2)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

// Bytes takes a length-prefixed byte string of at most max bytes.
func (r *Reader) Bytes(max int) []byte {
	b := r.Fixed(4)
	if b == nil {
		return nil
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(max) {
		r.fail("field of %d bytes exceeds %d", n, max)
		return nil
	}
	return r.Fixed(int(n))
}

// Element takes a canonical, non-identity element of g.
func (r *Reader) Element(g group.Group) group.Element {
	b := r.Fixed(g.ElementLen())
	if b == nil {
		return nil
	}
	e, err := g.ParseElement(b)
	if err != nil {
		r.fail("element: %v", err)
		return nil
	}
	return e
}

// Scalar takes a canonical scalar of g.
func (r *Reader) Scalar(g group.Group) group.Scalar {
	b := r.Fixed(g.ScalarLen())
	if b == nil {
		return nil
	}
	s, err := g.ParseScalar(b)
	if err != nil {
		r.fail("scalar: %v", err)
		return nil
	}
	return s
}

// Ciphertext takes a ciphertext under pk, validated (in Z*_{N²}).
func (r *Reader) Ciphertext(pk *paillier.PublicKey) *paillier.Ciphertext {
	b := r.Fixed(pk.CiphertextLen())
	if b == nil {
		return nil
	}
	c, err := pk.ParseCiphertext(b)
	if err != nil {
		r.fail("ciphertext: %v", err)
		return nil
	}
	return c
}

// Int takes a signed integer of at most maxBits bits.
func (r *Reader) Int(maxBits int) *big.Int {
	s := r.U8()
	b := r.Bytes((maxBits + 7) / 8)
	if r.err != nil {
		return nil
	}
	if s > 1 || (len(b) > 0 && b[0] == 0) {
		r.fail("non-canonical integer")
		return nil
	}
	x := new(big.Int).SetBytes(b)
	if x.BitLen() > maxBits {
		r.fail("integer of %d bits exceeds %d", x.BitLen(), maxBits)
		return nil
	}
	if s == 1 {
		if x.Sign() == 0 {
			r.fail("negative zero")
			return nil
		}
		x.Neg(x)
	}
	return x
}
