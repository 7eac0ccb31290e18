package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-mpc/custos/internal/bundle"
	"github.com/custos-mpc/custos/internal/devenv"
	"github.com/custos-mpc/custos/internal/obs"
	"github.com/custos-mpc/custos/internal/platform"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/frost"
)

func newDevCmd() *cobra.Command {
	var (
		dataDir, listen, adminListen, logLevel string
		demo, asJSON                           bool
	)
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole platform on this machine on embedded defaults",
		Long: `custos dev runs a coordinator and five share nodes (five trust domains,
three operators) in one process, on loopback only, each node with its own
sealed keystore under --data-dir. Everything secret it creates (the CA key,
node keystores, a keystore passphrase, a development authorization key that
stands in for the policy plane) stays in that directory; a restart reuses it
and keeps the keys. Ctrl-C stops it cleanly.

--demo creates a 3-of-5 FROST Ed25519 key and a 3-of-5 threshold-ECDSA key
(CGGMP21 on secp256k1, 2048-bit Paillier keys so the demo is quick), signs a
message with each through the full path (bundle, verification gate on every
node, the engine's rounds, verification by the coordinator) and prints the
verification results; --json prints one object per signature.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			logOut := cmd.ErrOrStderr()
			if asJSON {
				logOut = io.Discard
			}
			log, err := obs.NewLogger(logOut, logLevel, "dev")
			if err != nil {
				return err
			}
			env, err := devenv.Prepare(ctx, dataDir, devenv.Options{Listen: listen, AdminListen: adminListen})
			if err != nil {
				return err
			}
			run, err := env.Start(ctx, log)
			if err != nil {
				return err
			}
			admin, closeAdmin, err := platform.DialAdmin(run.Coordinator.AdminAddr.String(), env.CAFile, env.AdminCert, env.AdminKey, "localhost")
			if err != nil {
				return err
			}
			defer closeAdmin()
			if err := platform.WaitOnline(ctx, admin, len(env.Nodes), 30*time.Second); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if !asJSON {
				fmt.Fprintf(out, `custos dev is running (Ctrl-C to stop)
  coordinator, nodes' endpoint: %s
  admin API (mTLS):             %s
  admin credential:             --ca %s --cert %s --cert-key %s
  authorization key (signs bundles in dev): %s
  nodes: %d online, keystores under %s/nodes
`, run.Coordinator.NodesAddr, run.Coordinator.AdminAddr, env.CAFile, env.AdminCert, env.AdminKey, env.AuthKeyFile, len(env.Nodes), env.Dir)
			}
			if demo {
				err := runDemo(ctx, out, admin, env.AuthKey, asJSON)
				if err != nil || asJSON {
					return err
				}
			}
			select {
			case <-ctx.Done():
				if !asJSON {
					fmt.Fprintln(out, "stopping")
				}
				return nil
			case err := <-run.Err():
				return fmt.Errorf("dev: a node stopped: %w", err)
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", "./custos-dev", "where keystores, certificates and the roster live")
	f.StringVar(&listen, "listen", "127.0.0.1:7400", "coordinator address for the nodes (loopback)")
	f.StringVar(&adminListen, "admin-listen", "127.0.0.1:7401", "admin API address (loopback)")
	f.StringVar(&logLevel, "log-level", "warn", "debug, info, warn or error")
	f.BoolVar(&demo, "demo", false, "create 3-of-5 FROST Ed25519 and ECDSA secp256k1 keys and sign with each through the full path")
	f.BoolVar(&asJSON, "json", false, "with --demo: print one JSON object per signature and exit")
	return cmd
}

// demoResult is one signature, with the fields of `custos bench --json`.
type demoResult struct {
	Protocol   string   `json:"protocol"`
	Suite      string   `json:"suite,omitempty"`
	Scheme     string   `json:"scheme"`
	KeyID      string   `json:"key_id"`
	PublicKey  string   `json:"public_key"`
	Message    string   `json:"message"`
	Signature  string   `json:"signature"`
	RecoveryID *int     `json:"recovery_id,omitempty"`
	Signers    []string `json:"signers"`
	Verified   bool     `json:"verified"`
}

func runDemo(ctx context.Context, out io.Writer, admin wire.AdminClient, authKey ed25519.PrivateKey, asJSON bool) error {
	var kb [4]byte
	rand.Read(kb[:]) //nolint:errcheck
	keyID := "demo-" + hex.EncodeToString(kb[:])
	info, err := admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: keyID, Scheme: "frost-ed25519", Threshold: 3})
	if err != nil {
		return fmt.Errorf("demo: create key: %w", err)
	}
	msg := []byte("custos demo: transfer 1.5 SOL to 7Xf...q2 at " + time.Now().UTC().Format(time.RFC3339))
	b := &bundle.Bundle{RequestID: "demo-" + hex.EncodeToString(kb[:]), KeyID: keyID, NotAfter: time.Now().Add(time.Minute), Messages: [][]byte{msg}}
	if err := b.Sign(authKey); err != nil {
		return err
	}
	raw, err := b.Marshal()
	if err != nil {
		return err
	}
	resp, err := admin.Sign(ctx, &wire.SignRequest{KeyID: keyID, Message: msg, Bundle: raw})
	if err != nil {
		return fmt.Errorf("demo: sign: %w", err)
	}
	ok := ed25519.Verify(resp.PublicKey, msg, resp.Signature)
	res := demoResult{Protocol: "frost", Suite: frost.Ed25519.Name, Scheme: "frost-ed25519", KeyID: keyID, PublicKey: hex.EncodeToString(info.PublicKey),
		Message: hex.EncodeToString(msg), Signature: hex.EncodeToString(resp.Signature), Signers: resp.Signers, Verified: ok}
	if asJSON {
		if err := json.NewEncoder(out).Encode(res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, `demo: created 3-of-5 FROST Ed25519 key %s
  public key %s
  message    %q
  signers    %v
  signature  %s
  crypto/ed25519 verification: %v
`, keyID, res.PublicKey, msg, resp.Signers, res.Signature, map[bool]string{true: "valid", false: "INVALID"}[ok])
	}
	if !ok {
		return errors.New("demo: the signature does not verify")
	}
	return runECDSADemo(ctx, out, admin, authKey, asJSON, hex.EncodeToString(kb[:]))
}

// runECDSADemo creates a 3-of-5 threshold-ECDSA key and signs the SHA-256
// digest of a message with it.
func runECDSADemo(ctx context.Context, out io.Writer, admin wire.AdminClient, authKey ed25519.PrivateKey, asJSON bool, tag string) error {
	keyID := "demo-ecdsa-" + tag
	start := time.Now()
	info, err := admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: keyID, Scheme: scheme.ECDSA, Threshold: 3, PaillierBits: devenv.DevPaillierBits})
	if err != nil {
		return fmt.Errorf("demo: create ECDSA key: %w", err)
	}
	created := time.Since(start)
	msg := []byte("custos demo: transfer 0.25 ETH to 0x52908400098527886E0F7030069857D2E4169EE7 at " + time.Now().UTC().Format(time.RFC3339))
	digest := sha256.Sum256(msg)
	b := &bundle.Bundle{RequestID: "demo-ecdsa-" + tag, KeyID: keyID, NotAfter: time.Now().Add(time.Minute), Messages: [][]byte{digest[:]}}
	if err := b.Sign(authKey); err != nil {
		return err
	}
	raw, err := b.Marshal()
	if err != nil {
		return err
	}
	resp, err := admin.Sign(ctx, &wire.SignRequest{KeyID: keyID, Message: digest[:], Bundle: raw})
	if err != nil {
		return fmt.Errorf("demo: ECDSA sign: %w", err)
	}
	if resp.RecoveryID == nil {
		return errors.New("demo: no recovery id in the ECDSA response")
	}
	verr := scheme.VerifyECDSA(info.PublicKey, digest[:], resp.Signature, *resp.RecoveryID)
	res := demoResult{Protocol: "cggmp", Scheme: scheme.ECDSA, KeyID: keyID, PublicKey: hex.EncodeToString(info.PublicKey),
		Message: hex.EncodeToString(digest[:]), Signature: hex.EncodeToString(resp.Signature), RecoveryID: resp.RecoveryID,
		Signers: resp.Signers, Verified: verr == nil}
	if asJSON {
		if err := json.NewEncoder(out).Encode(res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, `demo: created 3-of-5 threshold-ECDSA (CGGMP21, secp256k1) key %s in %s
  public key %s
  address    %s
  message    %q
  digest     %s (SHA-256)
  signers    %v
  signature  %s (r||s), recovery id %d
  secp256k1 verification and key recovery: %v
`, keyID, created.Round(time.Millisecond), res.PublicKey, info.Address, msg, res.Message, resp.Signers, res.Signature, *resp.RecoveryID,
			map[bool]string{true: "valid", false: "INVALID"}[verr == nil])
	}
	if verr != nil {
		return fmt.Errorf("demo: the ECDSA signature does not verify: %w", verr)
	}
	return nil
}
