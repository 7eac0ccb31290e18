// Package vss is Shamir secret sharing with Feldman commitments over a
// prime-order group: polynomials, their evaluation at party identifiers,
// commitments to their coefficients, share verification and Lagrange
// coefficients.
//
// # Security
//
// A Polynomial holds secrets: it prints as <redacted> and Destroy wipes its
// coefficients. Commitments and Lagrange coefficients are public. A party
// identifier x is mapped to the scalar x; zero is never an identifier.
package vss

import (
	"errors"
	"fmt"
	"io"

	"github.com/custos-mpc/custos/crypto/group"
)

// Polynomial is f(x) = a_0 + a_1·x + ... + a_{t−1}·x^{t−1} with secret
// coefficients.
type Polynomial struct {
	g      group.Group
	coeffs []group.Scalar
}

// NewPolynomial returns a random polynomial of the given degree whose
// constant term is secret (a random one if secret is nil).
func NewPolynomial(g group.Group, rand io.Reader, degree int, secret group.Scalar) (*Polynomial, error) {
	if degree < 0 {
		return nil, errors.New("vss: negative degree")
	}
	p := &Polynomial{g: g, coeffs: make([]group.Scalar, degree+1)}
	for i := range p.coeffs {
		if i == 0 && secret != nil {
			p.coeffs[0] = g.NewScalar().Set(secret)
			continue
		}
		s, err := g.RandomScalar(rand)
		if err != nil {
			return nil, fmt.Errorf("vss: %w", err)
		}
		p.coeffs[i] = s
	}
	return p, nil
}

// Constant returns a_0 (a secret; the caller must not leak it).
func (p *Polynomial) Constant() group.Scalar { return p.coeffs[0] }

// Degree returns t − 1.
func (p *Polynomial) Degree() int { return len(p.coeffs) - 1 }

// Evaluate returns f(x) by Horner's rule in constant time for a public x.
func (p *Polynomial) Evaluate(x uint64) group.Scalar {
	xs := p.g.NewScalar().SetUint64(x)
	acc := p.g.NewScalar()
	for i := len(p.coeffs) - 1; i >= 0; i-- {
		acc.Mul(acc, xs)
		acc.Add(acc, p.coeffs[i])
	}
	return acc
}

// Commit returns the Feldman commitment (a_0·G, ..., a_{t−1}·G).
func (p *Polynomial) Commit() Commitment {
	c := make(Commitment, len(p.coeffs))
	for i, a := range p.coeffs {
		c[i] = p.g.NewElement().ScalarBaseMult(a)
	}
	return c
}

// Destroy wipes the coefficients.
func (p *Polynomial) Destroy() {
	for _, c := range p.coeffs {
		c.Zero()
	}
}

func (p *Polynomial) String() string { return "<redacted polynomial>" }

// Commitment is a Feldman commitment to a polynomial's coefficients.
type Commitment []group.Element

// Evaluate returns f(x)·G computed from the commitment.
func (c Commitment) Evaluate(x uint64) group.Element {
	return group.EvalCommitment(c[0].Group().NewElement(), x, c)
}

// Verify reports whether share = f(x) for the committed f. share is secret:
// the multiplication is constant-time.
func (c Commitment) Verify(x uint64, share group.Scalar) bool {
	lhs := c[0].Group().NewElement().ScalarBaseMult(share)
	return lhs.Equal(c.Evaluate(x))
}

// Add returns the coefficient-wise sum of commitments of equal length.
func Add(cs ...Commitment) (Commitment, error) {
	if len(cs) == 0 {
		return nil, errors.New("vss: no commitments to add")
	}
	out := make(Commitment, len(cs[0]))
	for k := range out {
		out[k] = cs[0][k].Group().NewElement()
	}
	for _, c := range cs {
		if len(c) != len(out) {
			return nil, errors.New("vss: commitments of different lengths")
		}
		for k := range c {
			out[k].Add(out[k], c[k])
		}
	}
	return out, nil
}

// Lagrange returns the Lagrange coefficient of x at 0 for the set of
// identifiers xs (RFC 9591 Section 4.2, derive_interpolating_value): the
// product over x_j ≠ x of x_j / (x_j − x). It fails if x is not in xs, if
// xs has duplicates or a zero.
func Lagrange(g group.Group, xs []uint64, x uint64) (group.Scalar, error) {
	found := false
	seen := make(map[uint64]bool, len(xs))
	for _, v := range xs {
		if v == 0 || seen[v] {
			return nil, errors.New("vss: identifiers must be nonzero and distinct")
		}
		seen[v] = true
		if v == x {
			found = true
		}
	}
	if !found {
		return nil, errors.New("vss: identifier not in the set")
	}
	num := g.NewScalar().SetUint64(1)
	den := g.NewScalar().SetUint64(1)
	xs0 := g.NewScalar().SetUint64(x)
	t := g.NewScalar()
	for _, v := range xs {
		if v == x {
			continue
		}
		xj := g.NewScalar().SetUint64(v)
		num.Mul(num, xj)
		den.Mul(den, t.Sub(xj, xs0))
	}
	// The identifiers are public: variable-time inversion is fine here.
	return num.Mul(num, group.InvertVarTime(den, den)), nil
}

// LagrangeAll returns the Lagrange coefficient at 0 of every identifier in
// xs, in order, with one field inversion for all of them (Montgomery's batch
// inversion). The identifiers are public.
func LagrangeAll(g group.Group, xs []uint64) ([]group.Scalar, error) {
	seen := make(map[uint64]bool, len(xs))
	for _, v := range xs {
		if v == 0 || seen[v] {
			return nil, errors.New("vss: identifiers must be nonzero and distinct")
		}
		seen[v] = true
	}
	n := len(xs)
	sx := make([]group.Scalar, n)
	for i, v := range xs {
		sx[i] = g.NewScalar().SetUint64(v)
	}
	nums := make([]group.Scalar, n)
	dens := make([]group.Scalar, n)
	t := g.NewScalar()
	for i := range xs {
		nums[i] = g.NewScalar().SetUint64(1)
		dens[i] = g.NewScalar().SetUint64(1)
		for j := range xs {
			if j == i {
				continue
			}
			nums[i].Mul(nums[i], sx[j])
			dens[i].Mul(dens[i], t.Sub(sx[j], sx[i]))
		}
	}
	// prefix[i] = dens[0]·…·dens[i-1]; invert the total once.
	prefix := make([]group.Scalar, n+1)
	prefix[0] = g.NewScalar().SetUint64(1)
	for i := range dens {
		prefix[i+1] = g.NewScalar().Mul(prefix[i], dens[i])
	}
	inv := group.InvertVarTime(g.NewScalar(), prefix[n])
	out := make([]group.Scalar, n)
	for i := n - 1; i >= 0; i-- {
		di := g.NewScalar().Mul(inv, prefix[i]) // 1/dens[i]
		inv.Mul(inv, dens[i])
		out[i] = di.Mul(di, nums[i])
	}
	return out, nil
}
