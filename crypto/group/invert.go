package group

// InvertVarTime sets r = 1/a (zero for zero) and returns r, in time that
// may depend on a: for public values only, such as Lagrange coefficient
// denominators built from party identifiers. For secp256k1 it uses
// decred's fast variable-time inversion; other groups use Invert.
func InvertVarTime(r, a Scalar) Scalar {
	if rs, ok := r.(*secpScalar); ok {
		rs.s.InverseValNonConst(secpS(a))
		return r
	}
	return r.Invert(a)
}
