package group

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/custos-mpc/custos/internal/testvectors"
)

// rfc9591Vectors is the part of an RFC 9591 Appendix E vector file that
// exercises the group layer.
type rfc9591Vectors struct {
	Inputs struct {
		ParticipantList   []uint64 `json:"participant_list"`
		GroupSecretKey    string   `json:"group_secret_key"`
		GroupPublicKey    string   `json:"group_public_key"`
		ParticipantShares []struct {
			Identifier uint64 `json:"identifier"`
			Share      string `json:"participant_share"`
		} `json:"participant_shares"`
	} `json:"inputs"`
	RoundOne struct {
		Outputs []struct {
			HidingNonce       string `json:"hiding_nonce"`
			BindingNonce      string `json:"binding_nonce"`
			HidingCommitment  string `json:"hiding_nonce_commitment"`
			BindingCommitment string `json:"binding_nonce_commitment"`
			BindingFactor     string `json:"binding_factor"`
		} `json:"outputs"`
	} `json:"round_one_outputs"`
	RoundTwo struct {
		Outputs []struct {
			SigShare string `json:"sig_share"`
		} `json:"outputs"`
	} `json:"round_two_outputs"`
	Final struct {
		Sig string `json:"sig"`
	} `json:"final_output"`
}

// TestRFC9591KnownAnswers checks encodings, ScalarBaseMult and scalar
// arithmetic against the RFC 9591 Appendix E vectors of all five
// ciphersuites: public key = s·G, commitments = nonce·G, the secret is the
// Lagrange interpolation of the shares at 0, and the signature's z is the
// sum of the signature shares.
func TestRFC9591KnownAnswers(t *testing.T) {
	files := map[string]Group{
		"frost-secp256k1-sha256.json":    Secp256k1,
		"frost-ed25519-sha512.json":      Edwards25519,
		"frost-ristretto255-sha512.json": Ristretto255,
		"frost-p256-sha256.json":         P256,
		"frost-ed448-shake256.json":      Edwards448,
	}
	for file, g := range files {
		t.Run(g.Name(), func(t *testing.T) {
			raw, err := os.ReadFile(testvectors.File(t, "rfc9591/"+file))
			if err != nil {
				t.Fatal(err)
			}
			var v rfc9591Vectors
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			scalar := func(h string) Scalar {
				t.Helper()
				s, err := g.ParseScalar(mustHex(t, h))
				if err != nil {
					t.Fatalf("scalar %s: %v", h, err)
				}
				if !bytes.Equal(s.Bytes(), mustHex(t, h)) {
					t.Fatalf("scalar %s re-encodes differently", h)
				}
				return s
			}
			element := func(h string) Element {
				t.Helper()
				e, err := g.ParseElement(mustHex(t, h))
				if err != nil {
					t.Fatalf("element %s: %v", h, err)
				}
				if !bytes.Equal(e.Bytes(), mustHex(t, h)) {
					t.Fatalf("element %s re-encodes differently", h)
				}
				return e
			}
			sk := scalar(v.Inputs.GroupSecretKey)
			pk := element(v.Inputs.GroupPublicKey)
			if !g.NewElement().ScalarBaseMult(sk).Equal(pk) {
				t.Fatal("group public key ≠ secret·G")
			}
			for _, o := range v.RoundOne.Outputs {
				for _, pair := range [][2]string{{o.HidingNonce, o.HidingCommitment}, {o.BindingNonce, o.BindingCommitment}} {
					got := g.NewElement().ScalarBaseMult(scalar(pair[0])).Bytes()
					if hex.EncodeToString(got) != pair[1] {
						t.Fatalf("nonce commitment %x, want %s", got, pair[1])
					}
					element(pair[1])
				}
				scalar(o.BindingFactor)
			}
			// Lagrange interpolation at 0 over the signers' shares.
			shares := map[uint64]Scalar{}
			for _, s := range v.Inputs.ParticipantShares {
				shares[s.Identifier] = scalar(s.Share)
			}
			secret := g.NewScalar()
			for _, i := range v.Inputs.ParticipantList {
				num, den := g.NewScalar().SetUint64(1), g.NewScalar().SetUint64(1)
				for _, j := range v.Inputs.ParticipantList {
					if j == i {
						continue
					}
					xj := g.NewScalar().SetUint64(j)
					num.Mul(num, xj)
					den.Mul(den, g.NewScalar().Sub(xj, g.NewScalar().SetUint64(i)))
				}
				l := g.NewScalar().Mul(num, g.NewScalar().Invert(den))
				secret.Add(secret, l.Mul(l, shares[i]))
			}
			if !secret.Equal(sk) {
				t.Fatal("interpolated shares ≠ group secret")
			}
			// sig = R || z with z = Σ sig_share.
			sig := mustHex(t, v.Final.Sig)
			element(hex.EncodeToString(sig[:g.ElementLen()]))
			z := scalar(hex.EncodeToString(sig[g.ElementLen():]))
			sum := g.NewScalar()
			for _, o := range v.RoundTwo.Outputs {
				sum.Add(sum, scalar(o.SigShare))
			}
			if !sum.Equal(z) {
				t.Fatal("Σ sig_share ≠ z")
			}
		})
	}
}

// TestBIP340KnownAnswers checks lift_x (ParseXOnly) and x-only encoding
// against the BIP340 test vectors: public keys derive from their secret
// keys, invalid public keys and R values are rejected.
func TestBIP340KnownAnswers(t *testing.T) {
	raw, err := os.ReadFile(testvectors.File(t, "bip340/test-vectors.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		idx, skHex, pkHex, sigHex, result, comment := row[0], row[1], row[2], row[5], row[6], row[7]
		t.Run("vector "+idx, func(t *testing.T) {
			pk, err := ParseXOnly(mustHex(t, pkHex))
			if strings.Contains(comment, "public key") {
				if err == nil {
					t.Fatal("invalid public key accepted")
				}
				return
			}
			if err != nil || !IsYEven(pk) || !strings.EqualFold(hex.EncodeToString(XOnlyBytes(pk)), pkHex) {
				t.Fatalf("public key: %v", err)
			}
			if skHex != "" {
				sk, err := Secp256k1.ParseScalar(mustHex(t, skHex))
				if err != nil {
					t.Fatal(err)
				}
				got := XOnlyBytes(Secp256k1.NewElement().ScalarBaseMult(sk))
				if !strings.EqualFold(hex.EncodeToString(got), pkHex) {
					t.Fatal("x(sk·G) ≠ public key")
				}
			}
			_, err = ParseXOnly(mustHex(t, sigHex)[:32])
			switch {
			case result == "TRUE" && err != nil:
				t.Fatalf("R of a valid signature rejected: %v", err)
			case strings.Contains(comment, "sig[0:32]") && err == nil:
				t.Fatal("invalid R accepted")
			}
		})
	}
}
