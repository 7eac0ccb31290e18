package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/bench"
)

func newBenchCggmpCmd() *cobra.Command {
	var (
		threshold, n   int
		runs, bits     int
		asJSON, silent bool
	)
	cmd := &cobra.Command{
		Use:   "cggmp",
		Short: "CGGMP21 threshold ECDSA on secp256k1: keygen, aux info, presign, sign, refresh",
		Long: `Runs CGGMP21 threshold ECDSA in-process, --runs times each, and prints per
operation the p50 and p99 wall time, the median CPU time of the process
(all parties together, since they all run in it) and the bytes each party
sends:
  keygen     t-of-n key generation among all --parties parties
  aux_cold   auxiliary information (Paillier keys, ring-Pedersen parameters
             and their proofs) with every party generating its safe primes
             inside the protocol; at most 3 runs (min(--runs, 3)), as each
             takes seconds
  aux        the same with the primes taken from a filled pool, as a node
             does; the pool is filled before timing (two primes per party
             for every aux and every refresh run, with progress on stderr)
  presign_cold  presigning by the first --threshold parties, every
                encryption nonce under a peer's key computed in the rounds
  presign    the same with those nonces precomputed beforehand (4 per peer,
             not timed), as a node does in idle time
  sign       online signing from a stored presignature (one per run; the
             presigning is not timed)
  sign_full  presigning and signing in one session
  refresh    proactive key refresh among all parties, primes from the pool

The parties run one after the other in this process (the proofs use every
core), so the wall time is that of one machine hosting every party, not the
latency of a session between machines. --paillier-bits defaults to 3072
(128-bit security, paillier.DefaultBits); 2048 compares with other
implementations.

Every signature is checked before it is reported. With --json it prints
one object per line; the "sign" line carries the last signature: the
33-byte compressed public key, the 32-byte digest signed, the 64-byte
r || s (low S) and the recovery id (Ethereum's v − 27), so it can be
checked with any other implementation (btcec, go-ethereum's ecrecover).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := bench.CggmpConfig{Threshold: threshold, Parties: n, Runs: runs, Bits: bits}
			if !asJSON && !silent {
				cfg.Progress = cggmpProgress(cmd.ErrOrStderr())
			}
			res, err := bench.Cggmp(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			return printResults(cmd.OutOrStdout(), res, asJSON)
		},
	}
	f := cmd.Flags()
	f.IntVar(&threshold, "threshold", 3, "signers needed (t)")
	f.IntVar(&n, "parties", 5, "holders of the key (n)")
	f.IntVar(&runs, "runs", 5, "runs of each operation (aux_cold: at most 3)")
	f.IntVar(&bits, "paillier-bits", paillier.DefaultBits, "size of every Paillier modulus N")
	f.BoolVar(&asJSON, "json", false, "one JSON object per operation per line")
	f.BoolVar(&silent, "quiet", false, "no progress on stderr")
	return cmd
}

// cggmpProgress reports every run: CGGMP operations take up to seconds.
func cggmpProgress(w io.Writer) func(op string, done, total int) {
	return func(op string, done, total int) {
		fmt.Fprintf(w, "\r%-9s %d/%d", op, done, total)
		if done >= total {
			fmt.Fprintln(w)
		}
	}
}
