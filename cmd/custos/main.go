// Command custos is the one CLI of the custos MPC custody platform: the
// daemons, the development platform, benchmarks and operator commands.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRoot().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "custos:", err)
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "custos",
		Short:         "MPC custody: threshold keys that never exist whole",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newDevCmd(), newBenchCmd(), newNodeCmd(), newCoordinatorCmd(), newKeysCmd(), newSignCmd())
	return root
}
