package frost

import (
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/internal/testvectors"
)

type bip341Case struct{ internal, merkleRoot, tweaked string }

func loadBIP341(t *testing.T) []bip341Case {
	raw, err := os.ReadFile(testvectors.File(t, "bip341/wallet-test-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		ScriptPubKey []struct {
			Given struct {
				InternalPubkey string `json:"internalPubkey"`
			} `json:"given"`
			Intermediary struct {
				MerkleRoot    *string `json:"merkleRoot"`
				TweakedPubkey string  `json:"tweakedPubkey"`
			} `json:"intermediary"`
		} `json:"scriptPubKey"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var out []bip341Case
	for _, c := range v.ScriptPubKey {
		mr := ""
		if c.Intermediary.MerkleRoot != nil {
			mr = *c.Intermediary.MerkleRoot
		}
		out = append(out, bip341Case{c.Given.InternalPubkey, mr, c.Intermediary.TweakedPubkey})
	}
	if len(out) == 0 {
		t.Fatal("no BIP341 cases")
	}
	return out
}

// TestBIP340VerifyVectors runs the BIP340 test vectors through the
// verifier this package uses for its own signatures.
func TestBIP340VerifyVectors(t *testing.T) {
	f, err := os.Open(testvectors.File(t, "bip340/test-vectors.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		idx, pkHex, msgHex, sigHex, want := r[0], r[2], r[4], r[5], r[6] == "TRUE"
		t.Run("vector "+idx, func(t *testing.T) {
			pk, _ := hex.DecodeString(pkHex)
			msg, _ := hex.DecodeString(msgHex)
			sig, _ := hex.DecodeString(sigHex)
			key, err := group.ParseXOnly(pk)
			if err != nil {
				if want {
					t.Fatalf("valid vector's key rejected: %v", err)
				}
				return
			}
			got := verifyBIP340(key, msg, sig) == nil
			if got != want {
				t.Fatalf("verify = %v, want %v (%s)", got, want, strings.TrimSpace(r[7]))
			}
		})
	}
}
