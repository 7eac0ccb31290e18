package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

func newDevCmd() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole platform on this machine on embedded defaults",
		Long: `custos dev runs a coordinator and five share nodes (five trust domains,
three operators) in one process, on loopback, with their keystores under
--data-dir.

Not yet: the share-node daemon and the coordinator are being built. Today
the protocol engines are in place and can be exercised with
'custos bench frost'. This command says so and exits non-zero rather than
pretend to run.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), `custos dev will run, in this process, on loopback only:
  - a coordinator (untrusted relay and aggregator)
  - five share nodes in five trust domains (three operators),
    each with its own encrypted keystore under %s
and print their addresses and an admin credential.

The node and coordinator daemons are not built yet. What works today:
  custos bench frost --suite ed25519 --threshold 3 --parties 5
`, dataDir)
			return errors.New("dev: the platform daemons are not implemented yet")
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", "./custos-dev", "where the nodes keep their keystores")
	return cmd
}
