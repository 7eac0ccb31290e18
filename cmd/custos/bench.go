package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-mpc/custos/internal/bench"
	"github.com/custos-mpc/custos/internal/devenv"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/protocol/frost"
)

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the protocol engines in-process",
	}
	cmd.AddCommand(newBenchFrostCmd(), newBenchCggmpCmd(), newBenchClusterCmd())
	return cmd
}

func newBenchFrostCmd() *cobra.Command {
	var (
		suite          string
		threshold, n   int
		runs           int
		asJSON, silent bool
	)
	cmd := &cobra.Command{
		Use:   "frost",
		Short: "FROST distributed key generation and signing (RFC 9591, BIP340)",
		Long: `Runs a FROST DKG among --parties parties and signing by --threshold of
them, in-process, --runs times each, and prints per operation the p50 and
p99 wall time, the median CPU time summed over all parties, and the bytes
each party sends.

With --json it prints one object per line; the "sign" line carries the
public key, message and signature of the last run in the suite's standard
encoding, so the signature can be checked with any other implementation:
  ed25519      RFC 8032 key (32 bytes) and signature (64 bytes)
  ed448        RFC 8032 key (57 bytes) and signature (114 bytes)
  secp256k1    RFC 9591: 33-byte compressed key, signature = R (33) || z (32)
  p256         as secp256k1, over P-256
  ristretto255 RFC 9591: 32-byte key, signature = R (32) || z (32)
  bip340       32-byte x-only BIP341 output key (key-path tweak, no script
               tree) and a 64-byte BIP340 signature over a 32-byte message`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := frost.SuiteByName(suite)
			if err != nil {
				return err
			}
			cfg := bench.FrostConfig{Suite: s, Threshold: threshold, Parties: n, Runs: runs}
			if !asJSON && !silent {
				cfg.Progress = progress(cmd.ErrOrStderr())
			}
			res, err := bench.Frost(cfg)
			if err != nil {
				return err
			}
			return printResults(cmd.OutOrStdout(), res, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&suite, "suite", "ed25519", "ed25519, ristretto255, ed448, p256, secp256k1 or bip340")
	f.IntVar(&threshold, "threshold", 3, "signers needed (t)")
	f.IntVar(&n, "parties", 5, "holders of the key (n)")
	f.IntVar(&runs, "runs", 100, "runs of each operation")
	f.BoolVar(&asJSON, "json", false, "one JSON object per operation per line")
	f.BoolVar(&silent, "quiet", false, "no progress on stderr")
	return cmd
}

func progress(w io.Writer) func(op string, done, total int) {
	return func(op string, done, total int) {
		if done == total || done%10 == 0 {
			fmt.Fprintf(w, "\r%-5s %d/%d", op, done, total)
			if done == total {
				fmt.Fprintln(w)
			}
		}
	}
}

func printResults(w io.Writer, res []bench.Result, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, r := range res {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "protocol\tsuite\top\tt/n\tsigners\truns\tp50 ms\tp99 ms\tcpu ms\tbytes/party")
	for _, r := range res {
		suite := r.Suite
		if suite == "" {
			suite = r.Scheme
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t%d\n",
			r.Protocol, suite, r.Op, r.Threshold, r.Parties, r.Signers, r.Runs, r.P50Ms, r.P99Ms, r.CPUMs, r.BytesPerParty)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(res) > 0 && res[0].PaillierBits != 0 {
		fmt.Fprintf(w, "\nPaillier moduli of %d bits\n", res[0].PaillierBits)
	}
	for _, r := range res {
		if r.Signature != "" {
			suite := r.Suite
			if suite == "" {
				suite = r.Scheme
			}
			fmt.Fprintf(w, "\nlast signature (%s):\n  public key  %s\n  message     %s\n  signature   %s\n", suite, r.PublicKey, r.Message, r.Signature)
			if r.RecoveryID != nil {
				fmt.Fprintf(w, "  recovery id %d\n", *r.RecoveryID)
			}
		}
	}
	return nil
}

func newBenchClusterCmd() *cobra.Command {
	var (
		sch                       string
		threshold, n, conc        int
		paillierBits, presignPool int
		duration                  time.Duration
		asJSON                    bool
		adminAddr, authKeyFile    string
		af                        adminFlags
	)
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Throughput and latency of signing through a coordinator and node processes",
		Long: `cluster starts a coordinator and --parties node processes on loopback (each
its own process with its own sealed keystore, set up as an operator would),
creates a key, and drives signing through the admin API with --concurrency
requests in flight for --duration. It reports signatures per second, p50 and
p99 latency, and each process's resident memory at the start and end of the
run and its peak. With --use-running it drives an already running
coordinator instead (admin flags and --authorization-key needed).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := scheme.Check(sch); err != nil {
				return err
			}
			cfg := bench.ClusterConfig{Scheme: sch, Threshold: threshold, Parties: n, Concurrency: conc, Duration: duration,
				PaillierBits: paillierBits, PresignPool: presignPool}
			if adminAddr != "" {
				key, err := devenv.LoadAuthKey(authKeyFile)
				if err != nil {
					return err
				}
				af.addr = adminAddr
				c, _, done, err := af.dial(cmd.Context())
				if err != nil {
					return err
				}
				defer done()
				cfg.Admin, cfg.AuthKey = &c, key
			} else {
				bin, err := os.Executable()
				if err != nil {
					return err
				}
				dir, err := os.MkdirTemp("", "custos-bench-cluster-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				cfg.Bin, cfg.Dir = bin, dir
			}
			if !asJSON {
				cfg.Status = func(s string) { fmt.Fprintf(cmd.ErrOrStderr(), "\r%s   ", s) }
				cfg.Progress = func(el time.Duration, sigs int64) {
					fmt.Fprintf(cmd.ErrOrStderr(), "\r%5.0fs  %d signatures", el.Seconds(), sigs)
				}
			}
			res, err := bench.Cluster(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(out).Encode(res)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "\n")
			fmt.Fprintf(out, "%s %d-of-%d, concurrency %d, %.0fs: %d signatures (%d errors), %.1f sig/s, p50 %.2f ms, p99 %.2f ms, max RSS %.1f MiB\n",
				res.Scheme, res.Threshold, res.Parties, res.Concurrency, res.DurationS, res.Signatures, res.Errors, res.SigPerS, res.P50Ms, res.P99Ms, res.MaxRSSMB)
			fmt.Fprintf(out, "  latency p90 %.2f ms, p99.9 %.2f ms, max %.2f ms\n", res.P90Ms, res.P999Ms, res.MaxMs)
			if scheme.IsECDSA(res.Scheme) {
				fmt.Fprintf(out, "  %d online signings from pooled presignatures, %d full signings\n", res.Presigned, res.Signatures-res.Presigned)
			}
			for _, p := range res.Processes {
				fmt.Fprintf(out, "  %-12s RSS %.1f → %.1f MiB (peak %.1f), over the run: %v\n", p.Name, p.StartMB, p.EndMB, p.PeakMB, p.SamplesMB)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&sch, "scheme", "frost-ed25519", "key scheme (ecdsa-secp256k1: the run starts once the presignature pool is full)")
	f.IntVar(&paillierBits, "paillier-bits", 2048, "ecdsa-secp256k1: Paillier modulus size")
	f.IntVar(&presignPool, "presign-pool", 32, "ecdsa-secp256k1: presignatures pooled before the run (the coordinator's high watermark)")
	f.IntVar(&threshold, "threshold", 3, "signers needed")
	f.IntVar(&n, "parties", 5, "node processes (key holders)")
	f.IntVar(&conc, "concurrency", 4, "signing requests in flight (4 keeps p99 under 50 ms on two cores; more buys throughput with latency)")
	f.DurationVar(&duration, "duration", 60*time.Second, "how long to drive signing")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	f.StringVar(&adminAddr, "use-running", "", "admin address of a running coordinator to drive instead of starting one")
	f.StringVar(&authKeyFile, "authorization-key", "", "with --use-running: the authorization key file")
	f.StringVar(&af.ca, "ca", "", "with --use-running: cluster CA")
	f.StringVar(&af.cert, "cert", "", "with --use-running: admin certificate")
	f.StringVar(&af.key, "cert-key", "", "with --use-running: admin certificate key")
	af.serverName, af.timeout = "localhost", duration+time.Minute
	return cmd
}
