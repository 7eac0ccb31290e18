package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/cloudflare/circl/sign/ed448"

	"github.com/custos-mpc/custos/internal/bench"
	"github.com/custos-mpc/custos/protocol/cggmp/ecdsatest"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

// TestBenchJSONSignaturesVerifyIndependently checks the contract of
// `custos bench frost --json`: the sign line's key, message and signature
// verify with another implementation.
func TestBenchJSONSignaturesVerifyIndependently(t *testing.T) {
	for _, suite := range []string{"ed25519", "ed448", "bip340"} {
		t.Run(suite, func(t *testing.T) {
			out, err := runCLI(t, "bench", "frost", "--suite", suite, "--threshold", "2", "--parties", "3", "--runs", "2", "--json")
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 2 {
				t.Fatalf("want 2 JSON lines, got %q", out)
			}
			var dkg, sign bench.Result
			if err := json.Unmarshal([]byte(lines[0]), &dkg); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(lines[1]), &sign); err != nil {
				t.Fatal(err)
			}
			if dkg.Op != "dkg" || sign.Op != "sign" || sign.Signers != 2 || sign.Runs != 2 || sign.CPUMs <= 0 {
				t.Fatalf("unexpected results %+v %+v", dkg, sign)
			}
			pk, _ := hex.DecodeString(sign.PublicKey)
			msg, _ := hex.DecodeString(sign.Message)
			sig, _ := hex.DecodeString(sign.Signature)
			switch suite {
			case "ed25519":
				if len(pk) != 32 || len(sig) != 64 || !ed25519.Verify(pk, msg, sig) {
					t.Fatal("crypto/ed25519 rejects the benchmark's signature")
				}
			case "ed448":
				if len(pk) != 57 || len(sig) != 114 || !ed448.Verify(pk, msg, sig, "") {
					t.Fatal("circl ed448 rejects the benchmark's signature")
				}
			case "bip340":
				key, err := schnorr.ParsePubKey(pk)
				if err != nil {
					t.Fatal(err)
				}
				s, err := schnorr.ParseSignature(sig)
				if err != nil {
					t.Fatal(err)
				}
				if len(msg) != 32 || !s.Verify(msg, key) {
					t.Fatal("btcec schnorr rejects the benchmark's signature")
				}
			}
		})
	}
}

// TestBenchCggmpJSONSignatureVerifiesIndependently checks the contract of
// `custos bench cggmp --json`: one line per operation, and the sign line's
// key, digest, signature and recovery id verify with btcec and recover the
// key's address with go-ethereum.
func TestBenchCggmpJSONSignatureVerifiesIndependently(t *testing.T) {
	out, err := runCLI(t, "bench", "cggmp", "--threshold", "2", "--parties", "3", "--runs", "1", "--paillier-bits", "2048", "--json", "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{"keygen", "aux_cold", "aux", "presign_cold", "presign", "sign", "sign_full", "refresh"}
	if len(lines) != len(want) {
		t.Fatalf("want %d JSON lines, got %q", len(want), out)
	}
	var sign bench.Result
	for i, l := range lines {
		var r bench.Result
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.Op != want[i] || r.Protocol != "cggmp" || r.Scheme != "ecdsa-secp256k1" || r.Runs != 1 || r.CPUMs <= 0 || r.BytesPerParty <= 0 {
			t.Fatalf("line %d: unexpected result %+v", i, r)
		}
		if r.Op == "sign" {
			sign = r
		}
	}
	pub, _ := hex.DecodeString(sign.PublicKey)
	msg, _ := hex.DecodeString(sign.Message)
	raw, _ := hex.DecodeString(sign.Signature)
	if len(pub) != 33 || len(msg) != 32 || len(raw) != 64 || sign.RecoveryID == nil || sign.Signers != 2 {
		t.Fatalf("incomplete sign line %+v", sign)
	}
	var digest [32]byte
	var sig [64]byte
	copy(digest[:], msg)
	copy(sig[:], raw)
	if err := ecdsatest.Verify(pub, digest, sig, byte(*sign.RecoveryID)); err != nil {
		t.Fatalf("the benchmark's signature does not verify independently: %v", err)
	}
}

func TestBenchRejectsBadInput(t *testing.T) {
	for name, args := range map[string][]string{
		"unknown suite":                 {"bench", "frost", "--suite", "rsa"},
		"threshold above parties":       {"bench", "frost", "--threshold", "6", "--parties", "5"},
		"zero threshold":                {"bench", "frost", "--threshold", "0"},
		"no runs":                       {"bench", "frost", "--runs", "0"},
		"cggmp threshold above parties": {"bench", "cggmp", "--threshold", "4", "--parties", "3"},
		"cggmp modulus too small":       {"bench", "cggmp", "--paillier-bits", "1024"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := runCLI(t, args...); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestDevDemo runs `custos dev --demo --json` in-process: a coordinator and
// five nodes over mTLS on loopback, a 3-of-5 key, one signature checked
// here with crypto/ed25519.
func TestDevDemo(t *testing.T) {
	dir := t.TempDir()
	out, err := runCLI(t, "dev", "--data-dir", dir, "--demo", "--json", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one JSON line per engine, got %q", out)
	}
	var res demoResult
	if err := json.Unmarshal([]byte(lines[0]), &res); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	pk, _ := hex.DecodeString(res.PublicKey)
	msg, _ := hex.DecodeString(res.Message)
	sig, _ := hex.DecodeString(res.Signature)
	if res.Protocol != "frost" || !res.Verified || !ed25519.Verify(pk, msg, sig) || len(res.Signers) != 3 {
		t.Fatalf("demo result does not verify: %+v", res)
	}
	// The ECDSA line: protocol, scheme, 33-byte key, 32-byte digest, 64-byte
	// r||s and the recovery id, checked with btcec and go-ethereum.
	var ec demoResult
	if err := json.Unmarshal([]byte(lines[1]), &ec); err != nil {
		t.Fatalf("%v: %q", err, lines[1])
	}
	pk, _ = hex.DecodeString(ec.PublicKey)
	d, _ := hex.DecodeString(ec.Message)
	sig, _ = hex.DecodeString(ec.Signature)
	if ec.Protocol != "cggmp" || ec.Scheme != "ecdsa-secp256k1" || len(pk) != 33 || len(d) != 32 || len(sig) != 64 || ec.RecoveryID == nil || len(ec.Signers) != 3 {
		t.Fatalf("ECDSA demo line %+v", ec)
	}
	var dg [32]byte
	var sg [64]byte
	copy(dg[:], d)
	copy(sg[:], sig)
	if err := ecdsatest.Verify(pk, dg, sg, byte(*ec.RecoveryID)); err != nil {
		t.Fatalf("the ECDSA demo signature: %v", err)
	}
	// A second run reuses the data directory (keys survive restarts).
	if _, err := runCLI(t, "dev", "--data-dir", dir, "--demo", "--json", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
}
