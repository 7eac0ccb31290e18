package arith

import (
	"crypto/rand"
	"math/big"
	"testing"
)

// TestMontMul checks the linknamed Montgomery multiplication against
// math/big at the sizes with assembly (1024, 1536, 2048 bits) and the
// generic ones (3072 and 4096 bits: Paillier N and N² at 2048 bits, odd
// sizes), aliasing included.
func TestMontMul(t *testing.T) {
	for _, size := range []int{61, 256, 1000, 1024, 1536, 2048, 3072, 4096} {
		for range 20 {
			n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(size)))
			n.SetBit(n, 0, 1).SetBit(n, size-1, 1)
			m := MustModulus(n)
			c := newMont(m)
			a, _ := rand.Int(rand.Reader, n)
			b, _ := rand.Int(rand.Reader, n)
			want := new(big.Int).Mul(a, b)
			want.Mod(want, n)

			x, y := m.nat(a), m.nat(b)
			c.to(x)
			c.to(y)
			c.mul(x, y) // x = a·b in the domain
			if got := m.toInt(c.from(x)); got.Cmp(want) != 0 {
				t.Fatalf("%d bits: a·b: got %x, want %x", size, got, want)
			}
			sq := m.nat(a)
			c.to(sq)
			montMul(sq, sq, sq, m.m)
			want.Mul(a, a).Mod(want, n)
			if got := m.toInt(c.from(sq)); got.Cmp(want) != 0 {
				t.Fatalf("%d bits: a²: got %x, want %x", size, got, want)
			}
			u := c.unit()
			c.mul(u, c.to(m.nat(b)))
			if got := m.toInt(c.from(u)); got.Cmp(b) != 0 {
				t.Fatalf("%d bits: 1·b: got %x, want %x", size, got, b)
			}
		}
	}
}
