package group

import (
	"filippo.io/edwards25519/field"
)

// EncodeAll computes the encodings of es (all of one group) ahead of their
// use, so that later Bytes calls are copies. Encoding an edwards25519 point
// costs a field inversion (Z⁻¹); EncodeAll shares one inversion among all
// of them (Montgomery's trick: invert the product of the Z and recover
// each Z⁻¹ with three multiplications). The field operations are constant
// time, as Point.Bytes's are, so secret-derived points are fine. Other
// groups encode one at a time.
func EncodeAll(es []Element) {
	var eds []*edElement
	for _, e := range es {
		if ed, ok := e.(*edElement); ok && ed.enc.Load() == nil {
			eds = append(eds, ed)
		} else {
			_ = e.Bytes()
		}
	}
	if len(eds) == 0 {
		return
	}
	// prefix[i] = Z_0 · … · Z_{i-1}
	prefix := make([]field.Element, len(eds)+1)
	prefix[0].One()
	for i, e := range eds {
		_, _, z, _ := e.p.ExtendedCoordinates()
		prefix[i+1].Multiply(&prefix[i], z)
	}
	var inv field.Element // (Z_0 · … · Z_i)⁻¹, walking down
	inv.Invert(&prefix[len(eds)])
	var zInv, x, y field.Element
	for i := len(eds) - 1; i >= 0; i-- {
		X, Y, Z, _ := eds[i].p.ExtendedCoordinates()
		zInv.Multiply(&inv, &prefix[i])
		inv.Multiply(&inv, Z)
		x.Multiply(X, &zInv)
		y.Multiply(Y, &zInv)
		enc := y.Bytes()
		enc[31] |= byte(x.IsNegative() << 7)
		eds[i].enc.Store(&enc)
	}
}
