package sealer_test

import (
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/internal/sealer"
)

func Example() {
	pass, _ := sealer.NewPassphrase([]byte("correct horse battery staple"))
	defer pass.Destroy()
	kek, _ := sealer.NewPassphraseSealer(pass, sealer.TestArgon2) // DefaultArgon2 in production
	defer kek.Destroy()

	blob, _ := kek.Seal([]byte("share"), []byte("shares/key-1/epoch-3"))
	pt, _ := kek.Open(blob, []byte("shares/key-1/epoch-3"))
	_, err := kek.Open(blob, []byte("shares/key-2/epoch-3"))
	fmt.Println(string(pt), errors.Is(err, sealer.ErrAuth), pass)
	// Output: share true <redacted>
}
