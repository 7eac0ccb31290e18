package keystore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/sealer"
)

// Persist, then send: a presignature is consumed durably before anything
// derived from it leaves the node.
func Example() {
	dir, _ := os.MkdirTemp("", "keystore-example")
	defer os.RemoveAll(dir)
	pass, _ := sealer.NewPassphrase([]byte("correct horse battery staple"))
	kek, _ := sealer.NewPassphraseSealer(pass, sealer.TestArgon2) // DefaultArgon2 in production
	pass.Destroy()

	ctx := context.Background()
	st, err := keystore.Open(filepath.Join(dir, "node.db"), kek)
	if err != nil {
		panic(err)
	}
	defer st.Close()
	_ = st.PutPresignature(ctx, "btc-hot", "presig-0001", []byte("k, chi, ..."))

	sec, err := st.ConsumePresignature(ctx, "btc-hot", "presig-0001")
	if err != nil {
		panic(err)
	}
	// ... compute and send the signature share from sec.Bytes() ...
	sec.Destroy()

	_, err = st.ConsumePresignature(ctx, "btc-hot", "presig-0001")
	fmt.Println(errors.Is(err, keystore.ErrNonceUsed))
	// Output: true
}
