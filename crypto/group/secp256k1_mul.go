package group

import "github.com/decred/dcrd/dcrec/secp256k1/v4"

// TEMPORARY variable-time placeholders, replaced by the constant-time path.
func secpScalarBaseMultCT(k *secp256k1.ModNScalar, r *secp256k1.JacobianPoint) {
	secp256k1.ScalarBaseMultNonConst(k, r)
	secpCanonIdentity(r)
}

func secpScalarMultCT(k *secp256k1.ModNScalar, p, r *secp256k1.JacobianPoint) {
	secp256k1.ScalarMultNonConst(k, p, r)
	secpCanonIdentity(r)
}

func secpMSM(s []Scalar, a []Element, r *secp256k1.JacobianPoint) {
	var acc, t secp256k1.JacobianPoint
	for i := range s {
		secp256k1.ScalarMultNonConst(secpS(s[i]), secpP(a[i]), &t)
		secp256k1.AddNonConst(&acc, &t, &acc)
	}
	r.Set(&acc)
	secpCanonIdentity(r)
}
