package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/config"
	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/obs"
	"github.com/custos-mpc/custos/internal/pki"
	"github.com/custos-mpc/custos/internal/platform"
	"github.com/custos-mpc/custos/internal/sealer"
)

func newCoordinatorCmd() *cobra.Command {
	var cfgPath string
	cmd := &cobra.Command{
		Use:   "coordinator",
		Short: "Run the coordinator daemon (untrusted relay, ceremony manager, aggregator)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfgPath == "" {
				return errors.New("coordinator: --config is required (custos coordinator init writes one)")
			}
			cfg, err := config.LoadCoordinator(cfgPath)
			if err != nil {
				return err
			}
			log, err := obs.NewLogger(cmd.ErrOrStderr(), cfg.LogLevel, "coordinator")
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			c, err := platform.StartCoordinator(ctx, cfg, log)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "coordinator: nodes %s admin %s\n", c.NodesAddr, c.AdminAddr)
			c.Wait()
			return nil
		},
	}
	cmd.Flags().StringVar(&cfgPath, "config", "", "coordinator configuration file (YAML)")

	var dir string
	var hosts []string
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Create a cluster CA, the coordinator and admin certificates, and a commented configuration",
		Long: `init creates DIR/tls (a CA for a development or small setup; production can
bring its own CA), issues the coordinator's server certificate and an admin
client certificate, and writes DIR/coordinator.yaml. Issue node certificates
with 'custos coordinator issue'.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tlsDir := filepath.Join(dir, "tls")
			if err := pki.InitCA(tlsDir, "custos-ca"); err != nil {
				return err
			}
			if _, _, err := pki.Issue(tlsDir, tlsDir, pki.RoleCoordinator, "coordinator", hosts); err != nil {
				return err
			}
			if _, _, err := pki.Issue(tlsDir, tlsDir, pki.RoleAdmin, "admin", nil); err != nil {
				return err
			}
			path := filepath.Join(dir, "coordinator.yaml")
			if err := writeNew(path, config.ExampleCoordinator(config.CoordinatorExample{})); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %s/{ca,coordinator-coordinator,admin-admin}.{crt,key}\nnext: custos coordinator issue --dir %s --name node-1 --out NODEDIR/tls\n", path, tlsDir, dir)
			return nil
		},
	}
	initCmd.Flags().StringVar(&dir, "dir", ".", "directory to create the CA and configuration in")
	initCmd.Flags().StringSliceVar(&hosts, "host", nil, "DNS name or IP nodes dial (repeatable; loopback is always included)")

	var name, out string
	issueCmd := &cobra.Command{
		Use:   "issue",
		Short: "Issue a node (or admin) client certificate from the cluster CA",
		RunE: func(cmd *cobra.Command, _ []string) error {
			role := pki.RoleNode
			if cmd.Flags().Changed("admin") {
				role = pki.RoleAdmin
			}
			crt, key, err := pki.Issue(filepath.Join(dir, "tls"), out, role, name, nil)
			if err != nil {
				return err
			}
			if ca, err := os.ReadFile(filepath.Join(dir, "tls", "ca.crt")); err == nil {
				_ = writeNew(filepath.Join(out, "ca.crt"), ca)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "issued %s and %s\n", crt, key)
			return nil
		},
	}
	issueCmd.Flags().StringVar(&dir, "dir", ".", "directory holding tls/ca.crt and tls/ca.key")
	issueCmd.Flags().StringVar(&name, "name", "", "node id (or admin name)")
	issueCmd.Flags().StringVar(&out, "out", ".", "directory to write the certificate to")
	issueCmd.Flags().Bool("admin", false, "issue an admin certificate instead of a node certificate")
	cmd.AddCommand(initCmd, issueCmd)
	return cmd
}

func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func nodeSealer(cfg *config.Node) (sealer.Sealer, error) {
	return platform.Sealer(cfg, func() (*sealer.Passphrase, error) {
		return sealer.PromptPassphrase("keystore passphrase for "+cfg.Node.ID+": ", false)
	}, sealer.DefaultArgon2)
}

func newNodeCmd() *cobra.Command {
	var cfgPath string
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Run a share node daemon",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfgPath == "" {
				return errors.New("node: --config is required (custos node init writes one)")
			}
			cfg, err := config.LoadNode(cfgPath)
			if err != nil {
				return err
			}
			log, err := obs.NewLogger(cmd.ErrOrStderr(), cfg.LogLevel, "node")
			if err != nil {
				return err
			}
			s, err := nodeSealer(cfg)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			log.Info("node starting", "node", cfg.Node.ID, "operator", cfg.Node.Operator, "trust_domain", cfg.Node.TrustDomain)
			return platform.RunNode(ctx, cfg, s, log.With("node", cfg.Node.ID))
		},
	}
	cmd.Flags().StringVar(&cfgPath, "config", "", "node configuration file (YAML)")

	var (
		dir, id, operator, domain, coordAddr, rosterPath, passFile, passEnv, metrics string
		authKeys                                                                     []string
	)
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented node configuration and create the node's sealed identity",
		Long: `init writes DIR/node.yaml (every field commented), creates the node's
keystore with its identity (an Ed25519 signing key and an HPKE key pair,
sealed at rest), and prints the node's roster entry. With --roster it also
adds the entry to that roster file. Put the node's certificate (from
'custos coordinator issue') at the paths the configuration names.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" || operator == "" || domain == "" {
				return errors.New("node init: --id, --operator and --trust-domain are required")
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			yml := config.ExampleNode(config.NodeExample{ID: id, Operator: operator, TrustDomain: domain,
				CoordinatorAddress: coordAddr, MetricsAddress: metrics, AuthorizationKeys: authKeys})
			if passFile != "" {
				abs, _ := filepath.Abs(passFile)
				yml = bytes.Replace(yml, []byte(`passphrase_file: ""`), []byte("passphrase_file: "+strconv.Quote(abs)), 1)
			}
			if passEnv != "" {
				yml = bytes.Replace(yml, []byte(`passphrase_env: ""`), []byte("passphrase_env: "+strconv.Quote(passEnv)), 1)
			}
			path := filepath.Join(dir, "node.yaml")
			if err := writeNew(path, yml); err != nil {
				return err
			}
			cfg := &config.Node{Node: config.NodeInfo{ID: id}, DataDir: filepath.Join(dir, "data"),
				Keystore: config.Keystore{Sealer: config.SealerPassphrase, PassphraseFile: passFile, PassphraseEnv: passEnv}}
			s, err := nodeSealer(cfg)
			if err != nil {
				return err
			}
			pub, err := platform.InitIdentity(cmd.Context(), platform.KeystorePath(cfg), s)
			if err != nil {
				return err
			}
			entry := config.RosterEntry{ID: id, Operator: operator, TrustDomain: domain, Identity: hex.EncodeToString(pub.Marshal())}
			if rosterPath != "" {
				r := &config.Roster{}
				if _, err := os.Stat(rosterPath); err == nil {
					if r, err = config.LoadRoster(rosterPath); err != nil {
						return err
					}
				}
				r.Nodes = append(r.Nodes, entry)
				if err := os.Remove(rosterPath); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				}
				if err := config.WriteRoster(rosterPath, r); err != nil {
					return err
				}
			}
			line, _ := json.Marshal(map[string]string{"id": entry.ID, "operator": entry.Operator, "trust_domain": entry.TrustDomain, "identity": entry.Identity})
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and the sealed identity in %s\nroster entry: %s\n", path, platform.KeystorePath(cfg), line)
			return nil
		},
	}
	f := initCmd.Flags()
	f.StringVar(&dir, "dir", ".", "directory for node.yaml and the node's data")
	f.StringVar(&id, "id", "", "node id (matches its certificate)")
	f.StringVar(&operator, "operator", "", "organisation operating the node")
	f.StringVar(&domain, "trust-domain", "", "trust/failure domain of the node")
	f.StringVar(&coordAddr, "coordinator", "127.0.0.1:7400", "coordinator address")
	f.StringVar(&metrics, "metrics", "", "metrics address (empty disables)")
	f.StringSliceVar(&authKeys, "authorization-key", nil, "hex Ed25519 key that authorizes signing bundles (repeatable)")
	f.StringVar(&rosterPath, "roster", "", "roster file to add this node to")
	f.StringVar(&passFile, "passphrase-file", "", "file holding the keystore passphrase (mode 0600)")
	f.StringVar(&passEnv, "passphrase-env", "", "environment variable holding the keystore passphrase")
	var count, bits int
	primesCmd := &cobra.Command{
		Use:   "primes",
		Short: "Pre-generate safe primes for Paillier keys into the node's sealed pool",
		Long: `primes tops up the node's pool of safe primes (kept sealed in its
keystore) to --count, showing progress, so that threshold-ECDSA auxiliary
info does not wait on prime search. Each prime is saved as soon as it is
found; interrupting keeps what was found. All cores are used.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfgPath == "" {
				return errors.New("node primes: --config is required")
			}
			cfg, err := config.LoadNode(cfgPath)
			if err != nil {
				return err
			}
			s, err := nodeSealer(cfg)
			if err != nil {
				return err
			}
			st, err := keystore.Open(platform.KeystorePath(cfg), s)
			if err != nil {
				return err
			}
			defer st.Close()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			start := time.Now()
			errOut := cmd.ErrOrStderr()
			n, err := platform.FillPrimePool(ctx, st, bits, count, func(have, want int) {
				fmt.Fprintf(errOut, "\rsafe primes (%d bits): %d/%d  %s", bits, have, want, time.Since(start).Round(time.Second))
			})
			fmt.Fprintln(errOut)
			if err != nil {
				return fmt.Errorf("node primes: stopped with %d primes in the pool: %w", n, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "pool holds %d safe primes of %d bits\n", n, bits)
			return nil
		},
	}
	primesCmd.Flags().StringVar(&cfgPath, "config", "", "node configuration file (YAML)")
	primesCmd.Flags().IntVar(&count, "count", 8, "primes the pool should hold (two per Paillier key, two per ring-Pedersen modulus)")
	primesCmd.Flags().IntVar(&bits, "bits", paillier.DefaultBits/2, "prime size (half the Paillier modulus)")
	cmd.AddCommand(initCmd, primesCmd)
	return cmd
}
