package envelope

import (
	"crypto/rand"
	"testing"
)

func TestStatements(t *testing.T) {
	a, _ := NewIdentity(rand.Reader)
	b, _ := NewIdentity(rand.Reader)
	sig := a.SignStatement("vote", []byte("epoch 1"))
	if err := a.Public().VerifyStatement("vote", []byte("epoch 1"), sig); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"other signer":  b.Public().VerifyStatement("vote", []byte("epoch 1"), sig),
		"other kind":    a.Public().VerifyStatement("vot", []byte("eepoch 1"), sig),
		"other message": a.Public().VerifyStatement("vote", []byte("epoch 2"), sig),
		"short sig":     a.Public().VerifyStatement("vote", []byte("epoch 1"), sig[:63]),
		"zero identity": PublicIdentity{}.VerifyStatement("vote", []byte("epoch 1"), sig),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
