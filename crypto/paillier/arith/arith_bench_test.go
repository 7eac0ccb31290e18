package arith

import (
	"crypto/rand"
	"math/big"
	"testing"

	"github.com/cronokirby/saferith"
)

// The comparison behind the choice of filippo.io/bigmod: one exponentiation
// with a 2048-bit exponent modulo a 2048-bit and a 4096-bit odd modulus.
func benchModulus(b *testing.B, bits int) (*big.Int, *big.Int, *big.Int) {
	m, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
	m.SetBit(m, bits-1, 1)
	m.SetBit(m, 0, 1)
	x, _ := rand.Int(rand.Reader, m)
	e, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 2048))
	e.SetBit(e, 2047, 1)
	return m, x, e
}

func BenchmarkExp(b *testing.B) {
	for _, bits := range []int{1024, 2048, 4096} {
		m, x, e := benchModulus(b, bits)
		b.Run("mathbig/mod"+itoa(bits), func(b *testing.B) {
			for b.Loop() {
				new(big.Int).Exp(x, e, m)
			}
		})
		b.Run("bigmod/mod"+itoa(bits), func(b *testing.B) {
			mm := MustModulus(m)
			for b.Loop() {
				mm.ExpCT(x, e, 2048)
			}
		})
		b.Run("saferith/mod"+itoa(bits), func(b *testing.B) {
			sm := saferith.ModulusFromBytes(m.Bytes())
			sx := new(saferith.Nat).SetBig(x, bits)
			se := new(saferith.Nat).SetBig(e, 2048)
			for b.Loop() {
				new(saferith.Nat).Exp(sx, se, sm)
			}
		})
	}
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }
