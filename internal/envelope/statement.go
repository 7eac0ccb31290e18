package envelope

import (
	"crypto/ed25519"
	"errors"
)

// stmtContext labels statements, so no statement is ever an envelope
// signature (whose label is sigContext) and statements of different kinds
// never collide.
const stmtContext = "custos/statement/v1/"

func statementMessage(kind string, msg []byte) []byte {
	out := make([]byte, 0, len(stmtContext)+1+len(kind)+len(msg))
	out = append(out, stmtContext...)
	out = append(out, byte(len(kind)))
	out = append(out, kind...)
	return append(out, msg...)
}

// SignStatement signs msg as a statement of the given kind (at most 255
// bytes) with the identity's Ed25519 key: a node's signed word that others
// check without trusting whoever relays it (e.g. its vote on a key epoch).
func (id *Identity) SignStatement(kind string, msg []byte) []byte {
	if len(kind) > 255 {
		panic("envelope: statement kind too long")
	}
	return ed25519.Sign(id.sign, statementMessage(kind, msg))
}

// VerifyStatement checks a signature made by SignStatement.
func (p PublicIdentity) VerifyStatement(kind string, msg, sig []byte) error {
	if !p.valid() {
		return errors.New("envelope: verify statement: unusable public identity")
	}
	if len(kind) > 255 || len(sig) != ed25519.SignatureSize || !ed25519.Verify(p.verify, statementMessage(kind, msg), sig) {
		return errors.New("envelope: verify statement: bad signature")
	}
	return nil
}
