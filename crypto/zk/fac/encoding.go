package fac

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/arith"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/zk"
)

func byteLen(x *big.Int) int { return (x.BitLen() + 7) / 8 }

// Marshal encodes the proof for the statement (pk, rp, p):
//
//	version (1) ‖ kind (1) ‖ P, Q, A, B, T (each byteLen(N̂) bytes) ‖
//	z1, z2, w1, w2, v (each a sign byte 0/1 and a magnitude of the byte
//	length of its bound: 2^(ℓ+ε)·(⌊√N0⌋+1) twice, 2^(ℓ+ε+1)·N̂ twice,
//	2^(ℓ+ε+1)·N0·N̂)
//
// The widths depend only on the statement, so every valid proof has one
// encoding. Marshal fails if a value exceeds its bound.
func (pf *Proof) Marshal(pk *paillier.PublicKey, rp *pedersen.Parameters, p zk.Params) ([]byte, error) {
	b, err := newBounds(pk.N(), rp.N, p)
	if err != nil {
		return nil, err
	}
	out := []byte{version, kind}
	for _, x := range []*big.Int{pf.P, pf.Q, pf.A, pf.B, pf.T} {
		if x.Sign() < 0 || x.Cmp(rp.N) >= 0 {
			return nil, errors.New("fac: marshal: commitment out of range")
		}
		out = append(out, x.FillBytes(make([]byte, b.nHatLen))...)
	}
	for _, f := range pf.signedFields(b) {
		if !arith.InSigned(f.x, f.bound) {
			return nil, fmt.Errorf("fac: marshal: %s out of range", f.name)
		}
		buf := make([]byte, 1+byteLen(f.bound))
		if f.x.Sign() < 0 {
			buf[0] = 1
		}
		new(big.Int).Abs(f.x).FillBytes(buf[1:])
		out = append(out, buf...)
	}
	return out, nil
}

type signedField struct {
	name  string
	x     *big.Int
	bound *big.Int
	dst   **big.Int
}

func (pf *Proof) signedFields(b *bounds) []signedField {
	return []signedField{
		{"z1", pf.Z1, b.z, &pf.Z1},
		{"z2", pf.Z2, b.z, &pf.Z2},
		{"w1", pf.W1, b.w, &pf.W1},
		{"w2", pf.W2, b.w, &pf.W2},
		{"v", pf.V, b.v, &pf.V},
	}
}

// Parse decodes a proof for the statement (pk, rp, p), rejecting another
// version or kind, truncated or trailing data, commitments outside Z*_N̂,
// sign bytes other than 0 and 1, negative zeros and values above their
// bounds (which include the paper's range check on z1 and z2).
func Parse(data []byte, pk *paillier.PublicKey, rp *pedersen.Parameters, p zk.Params) (*Proof, error) {
	b, err := newBounds(pk.N(), rp.N, p)
	if err != nil {
		return nil, err
	}
	if len(data) < 2 || data[0] != version || data[1] != kind {
		return nil, errors.New("fac: parse: bad header")
	}
	rest := data[2:]
	take := func(n int) ([]byte, error) {
		if len(rest) < n {
			return nil, errors.New("fac: parse: truncated")
		}
		out := rest[:n]
		rest = rest[n:]
		return out, nil
	}
	pf := &Proof{}
	for _, dst := range []**big.Int{&pf.P, &pf.Q, &pf.A, &pf.B, &pf.T} {
		raw, err := take(b.nHatLen)
		if err != nil {
			return nil, err
		}
		x := new(big.Int).SetBytes(raw)
		if !arith.IsUnit(x, rp.N) {
			return nil, errors.New("fac: parse: commitment not in Z*_N̂")
		}
		*dst = x
	}
	for _, f := range pf.signedFields(b) {
		raw, err := take(1 + byteLen(f.bound))
		if err != nil {
			return nil, err
		}
		if raw[0] > 1 {
			return nil, fmt.Errorf("fac: parse: %s: bad sign byte", f.name)
		}
		x := new(big.Int).SetBytes(raw[1:])
		if x.Cmp(f.bound) > 0 {
			return nil, fmt.Errorf("fac: parse: %s out of range", f.name)
		}
		if raw[0] == 1 {
			if x.Sign() == 0 {
				return nil, fmt.Errorf("fac: parse: %s: negative zero", f.name)
			}
			x.Neg(x)
		}
		*f.dst = x
	}
	if len(rest) != 0 {
		return nil, errors.New("fac: parse: trailing data")
	}
	return pf, nil
}
