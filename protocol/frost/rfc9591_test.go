package frost

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/internal/testvectors"
	"github.com/custos-mpc/custos/protocol/round"
)

type rfcVector struct {
	Config struct {
		Name string `json:"name"`
	} `json:"config"`
	Inputs struct {
		ParticipantList []int  `json:"participant_list"`
		GroupSecretKey  string `json:"group_secret_key"`
		GroupPublicKey  string `json:"group_public_key"`
		Message         string `json:"message"`
		Shares          []struct {
			Identifier int    `json:"identifier"`
			Share      string `json:"participant_share"`
		} `json:"participant_shares"`
	} `json:"inputs"`
	RoundOne struct {
		Outputs []struct {
			Identifier        int    `json:"identifier"`
			HidingRandomness  string `json:"hiding_nonce_randomness"`
			BindingRandomness string `json:"binding_nonce_randomness"`
			HidingNonce       string `json:"hiding_nonce"`
			BindingNonce      string `json:"binding_nonce"`
			HidingCommitment  string `json:"hiding_nonce_commitment"`
			BindingCommitment string `json:"binding_nonce_commitment"`
			BindingFactor     string `json:"binding_factor"`
		} `json:"outputs"`
	} `json:"round_one_outputs"`
	RoundTwo struct {
		Outputs []struct {
			Identifier int    `json:"identifier"`
			SigShare   string `json:"sig_share"`
		} `json:"outputs"`
	} `json:"round_two_outputs"`
	Final struct {
		Sig string `json:"sig"`
	} `json:"final_output"`
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRFC9591Vectors replays RFC 9591 Appendix E for every ciphersuite:
// nonce generation from the given randomness, commitments, binding
// factors, signature shares and the final signature.
func TestRFC9591Vectors(t *testing.T) {
	files := map[*Suite]string{
		Ed25519:      "frost-ed25519-sha512.json",
		Ristretto255: "frost-ristretto255-sha512.json",
		Ed448:        "frost-ed448-shake256.json",
		P256:         "frost-p256-sha256.json",
		Secp256k1:    "frost-secp256k1-sha256.json",
	}
	for s, f := range files {
		t.Run(s.Name, func(t *testing.T) {
			raw, err := os.ReadFile(testvectors.File(t, "rfc9591/"+f))
			if err != nil {
				t.Fatal(err)
			}
			var v rfcVector
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			g := s.Group
			key, err := g.ParseElement(unhex(t, v.Inputs.GroupPublicKey))
			if err != nil {
				t.Fatal(err)
			}
			pub := &PublicKey{Suite: s, Threshold: len(v.Inputs.ParticipantList), Key: key,
				Shares: map[round.PartyID]group.Element{}}
			shares := map[round.PartyID]*KeyShare{}
			for _, p := range v.Inputs.Shares {
				sk, err := g.ParseScalar(unhex(t, p.Share))
				if err != nil {
					t.Fatal(err)
				}
				id := round.PartyID(p.Identifier)
				pub.Shares[id] = g.NewElement().ScalarBaseMult(sk)
				shares[id] = &KeyShare{ID: id, Secret: sk, Public: pub}
			}
			if err := pub.Validate(); err != nil {
				t.Fatalf("vector shares do not interpolate to the group key: %v", err)
			}
			pkg := &SigningPackage{Message: unhex(t, v.Inputs.Message)}
			nonces := map[round.PartyID]*Nonces{}
			for _, o := range v.RoundOne.Outputs {
				id := round.PartyID(o.Identifier)
				rnd := bytes.NewReader(append(unhex(t, o.HidingRandomness), unhex(t, o.BindingRandomness)...))
				n, err := Commit(rnd, shares[id])
				if err != nil {
					t.Fatal(err)
				}
				check := func(what string, got []byte, want string) {
					t.Helper()
					if hex.EncodeToString(got) != want {
						t.Errorf("party %d %s = %x, want %s", id, what, got, want)
					}
				}
				check("hiding nonce", n.hiding.Bytes(), o.HidingNonce)
				check("binding nonce", n.binding.Bytes(), o.BindingNonce)
				check("hiding commitment", n.commitment.Hiding.Bytes(), o.HidingCommitment)
				check("binding commitment", n.commitment.Binding.Bytes(), o.BindingCommitment)
				nonces[id] = n
				pkg.Commitments = append(pkg.Commitments, n.Commitment())
			}
			sc, err := newSigningContext(pub, pkg)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range v.RoundOne.Outputs {
				if got := hex.EncodeToString(sc.rho[round.PartyID(o.Identifier)].Bytes()); got != o.BindingFactor {
					t.Errorf("binding factor of %d = %s, want %s", o.Identifier, got, o.BindingFactor)
				}
			}
			var zs []SignatureShare
			for _, o := range v.RoundTwo.Outputs {
				id := round.PartyID(o.Identifier)
				z, err := Sign(shares[id], nonces[id], pkg.Message, pkg)
				if err != nil {
					t.Fatal(err)
				}
				if got := hex.EncodeToString(z.Z.Bytes()); got != o.SigShare {
					t.Errorf("share of %d = %s, want %s", id, got, o.SigShare)
				}
				zs = append(zs, *z)
			}
			sig, err := Aggregate(pub, pkg, zs)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(sig) != v.Final.Sig {
				t.Fatalf("signature = %x, want %s", sig, v.Final.Sig)
			}
			if err := Verify(s, key, pkg.Message, sig); err != nil {
				t.Fatal(err)
			}
		})
	}
}
