package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-mpc/custos/internal/bundle"
	"github.com/custos-mpc/custos/internal/devenv"
	"github.com/custos-mpc/custos/internal/platform"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
)

// adminFlags are the connection settings every admin command shares; each
// can also come from an environment variable.
type adminFlags struct {
	addr, ca, cert, key, serverName string
	timeout                         time.Duration
}

func (a *adminFlags) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&a.addr, "coordinator", envOr("CUSTOS_ADMIN_ADDR", "127.0.0.1:7401"), "admin API address ($CUSTOS_ADMIN_ADDR)")
	f.StringVar(&a.ca, "ca", os.Getenv("CUSTOS_ADMIN_CA"), "cluster CA certificate ($CUSTOS_ADMIN_CA)")
	f.StringVar(&a.cert, "cert", os.Getenv("CUSTOS_ADMIN_CERT"), "admin certificate ($CUSTOS_ADMIN_CERT)")
	f.StringVar(&a.key, "cert-key", os.Getenv("CUSTOS_ADMIN_KEY"), "admin certificate private key ($CUSTOS_ADMIN_KEY)")
	f.StringVar(&a.serverName, "server-name", "localhost", "name in the coordinator's certificate")
	f.DurationVar(&a.timeout, "timeout", 2*time.Minute, "give up after this long")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func (a *adminFlags) dial(ctx context.Context) (wire.AdminClient, context.Context, func(), error) {
	if a.ca == "" || a.cert == "" || a.key == "" {
		return wire.AdminClient{}, nil, nil, errors.New("admin: --ca, --cert and --cert-key (or $CUSTOS_ADMIN_CA/CERT/KEY) are required; custos dev prints them")
	}
	c, closeFn, err := platform.DialAdmin(a.addr, a.ca, a.cert, a.key, a.serverName)
	if err != nil {
		return wire.AdminClient{}, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	return c, ctx, func() { cancel(); closeFn() }, nil
}

func newKeysCmd() *cobra.Command {
	var af adminFlags
	cmd := &cobra.Command{Use: "keys", Short: "Create, list and refresh threshold keys"}
	af.register(cmd)
	var (
		keyID, sch string
		threshold  int
		nodes      []string
		override   bool
		bits       int
	)
	create := &cobra.Command{
		Use:   "create",
		Short: "Generate a key by distributed key generation (no dealer)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := scheme.Check(sch); err != nil {
				return err
			}
			c, ctx, done, err := af.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			info, err := c.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: keyID, Scheme: sch, Threshold: threshold, Nodes: nodes, AllowConcentration: override, PaillierBits: bits})
			if err != nil {
				return err
			}
			return printJSON(cmd, info)
		},
	}
	create.Flags().StringVar(&keyID, "id", "", "key id (generated when empty)")
	create.Flags().StringVar(&sch, "scheme", "frost-ed25519", "one of "+strings.Join(scheme.Names(), ", "))
	create.Flags().IntVar(&threshold, "threshold", 3, "signers needed")
	create.Flags().StringSliceVar(&nodes, "nodes", nil, "nodes holding shares (default: all online)")
	create.Flags().BoolVar(&override, "allow-concentration", false, "accept one operator or trust domain holding a threshold of shares (recorded)")
	create.Flags().IntVar(&bits, "paillier-bits", 0, "ecdsa-secp256k1: Paillier modulus size (2048 or more; default the coordinator's, 3072)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List keys",
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, ctx, done, err := af.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			resp, err := c.ListKeys(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tSCHEME\tT/N\tEPOCH\tPUBLIC KEY\tADDRESS\tPRESIGNATURES\tCREATED")
			for _, k := range resp.Keys {
				addr, pre := "-", "-"
				if k.Address != "" {
					addr, pre = k.Address, fmt.Sprint(k.Presignatures)
				}
				epoch := fmt.Sprint(k.Epoch)
				if len(k.PendingNodes) > 0 {
					epoch += " (not yet confirmed by " + strings.Join(k.PendingNodes, ",") + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%x\t%s\t%s\t%s\n", k.KeyID, k.Scheme, k.Threshold, len(k.Parties), epoch, k.PublicKey, addr, pre, k.Created)
			}
			return tw.Flush()
		},
	}
	var refreshKey string
	var refreshBits int
	refresh := &cobra.Command{
		Use:   "refresh",
		Short: "Proactively refresh an ECDSA key: new shares of the same key on every holder",
		Long: `refresh runs CGGMP21 key refresh among every holder of an ecdsa-secp256k1
key: each node gets a new share of the same key and a new Paillier key, so
shares stolen before the refresh are useless with shares stolen after it.
Every holder must be online. The switch is two-phase: nodes store the new
share as a pending epoch, and only when every holder stored it does the
coordinator commit the new epoch; otherwise the old epoch stays active.
Signing with the key pauses while the refresh runs, and the presignatures of
the old epoch are discarded. The output shows the old and new epoch and the
(unchanged) public key.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if refreshKey == "" {
				return errors.New("keys refresh: --key is required")
			}
			c, ctx, done, err := af.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			var before []byte
			if keys, err := c.ListKeys(ctx); err == nil {
				for _, k := range keys.Keys {
					if k.KeyID == refreshKey {
						before = k.PublicKey
					}
				}
			}
			resp, err := c.RefreshKey(ctx, &wire.RefreshKeyRequest{KeyID: refreshKey, PaillierBits: refreshBits})
			if err != nil {
				return err
			}
			if before != nil && !bytes.Equal(before, resp.PublicKey) {
				return fmt.Errorf("keys refresh: the public key changed from %x to %x", before, resp.PublicKey)
			}
			return printJSON(cmd, map[string]any{"key_id": resp.KeyID, "old_epoch": resp.OldEpoch, "new_epoch": resp.NewEpoch,
				"public_key": hex.EncodeToString(resp.PublicKey), "public_key_unchanged": before != nil,
				"committed": resp.Committed, "pending": resp.Pending})
		},
	}
	refresh.Flags().StringVar(&refreshKey, "key", "", "key id")
	refresh.Flags().IntVar(&refreshBits, "paillier-bits", 0, "size of the new Paillier moduli (default the size the key uses)")
	cmd.AddCommand(create, list, refresh)
	return cmd
}

func newSignCmd() *cobra.Command {
	var af adminFlags
	var (
		keyID, msgHex, authFile, pathStr string
		ttl                              time.Duration
	)
	cmd := &cobra.Command{
		Use:   "sign",
		Short: "Sign a message with a threshold key, authorized by a signing bundle",
		Long: `sign builds a signing bundle for the message, signs it with the
authorization key (until the policy plane exists, an operator key every node
pins), and asks the coordinator for a signature. Each signing node verifies
the bundle itself before it takes part.

For an ecdsa-secp256k1 key the message is a 32-byte digest; --path m/0/1
signs with a non-hardened BIP32 child key (the path is in the bundle, and
every node derives the child itself). The output carries r||s (64 bytes, low
S), the recovery id and the public key that verifies it.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			msg, err := hex.DecodeString(msgHex)
			if err != nil || len(msg) == 0 {
				return errors.New("sign: --message must be non-empty hex")
			}
			if authFile == "" {
				return errors.New("sign: --authorization-key is required (custos dev writes DATA_DIR/authorization.key)")
			}
			key, err := devenv.LoadAuthKey(authFile)
			if err != nil {
				return err
			}
			path, err := scheme.ParsePath(pathStr)
			if err != nil {
				return err
			}
			b := &bundle.Bundle{RequestID: fmt.Sprintf("cli-%d", time.Now().UnixNano()), KeyID: keyID,
				NotAfter: time.Now().Add(ttl), Messages: [][]byte{msg}, Path: path}
			if err := b.Sign(key); err != nil {
				return err
			}
			raw, err := b.Marshal()
			if err != nil {
				return err
			}
			c, ctx, done, err := af.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			resp, err := c.Sign(ctx, &wire.SignRequest{KeyID: keyID, Message: msg, Bundle: raw})
			if err != nil {
				return err
			}
			out := map[string]any{"key_id": keyID, "public_key": hex.EncodeToString(resp.PublicKey),
				"message": msgHex, "signature": hex.EncodeToString(resp.Signature), "signers": resp.Signers,
				"attempts": resp.Attempts, "blamed": resp.Blamed}
			if resp.RecoveryID != nil {
				out["recovery_id"] = *resp.RecoveryID
				out["path"] = resp.Path
				out["presigned"] = resp.Presigned
			}
			return printJSON(cmd, out)
		},
	}
	af.register(cmd)
	cmd.Flags().StringVar(&keyID, "key", "", "key id")
	cmd.Flags().StringVar(&msgHex, "message", "", "message in hex (for BIP340 and ECDSA keys a 32-byte digest)")
	cmd.Flags().StringVar(&pathStr, "path", "", "ECDSA keys: non-hardened BIP32 path of the child key, e.g. m/0/1 (default the key itself)")
	cmd.Flags().StringVar(&authFile, "authorization-key", "", "file with the hex Ed25519 seed of the authorization key")
	cmd.Flags().DurationVar(&ttl, "expires", 5*time.Minute, "bundle lifetime")
	return cmd
}

func printJSON(cmd *cobra.Command, v any) error {
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
