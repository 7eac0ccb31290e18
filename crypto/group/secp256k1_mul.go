package group

import "github.com/decred/dcrd/dcrec/secp256k1/v4"

func secpMSM(s []Scalar, a []Element, r *secp256k1.JacobianPoint) {
	var acc, t secp256k1.JacobianPoint
	for i := range s {
		secp256k1.ScalarMultNonConst(secpS(s[i]), secpP(a[i]), &t)
		secp256k1.AddNonConst(&acc, &t, &acc)
	}
	r.Set(&acc)
	secpCanonIdentity(r)
}
