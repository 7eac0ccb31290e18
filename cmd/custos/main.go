// Command custos is the one CLI of the custos MPC custody platform: the
// daemons, the development platform, benchmarks and operator commands.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"
)

func main() {
	// CUSTOS_CPUPROFILE_DIR makes any custos process write a CPU profile
	// there when it exits: how the cluster benchmark is profiled.
	if dir := os.Getenv("CUSTOS_CPUPROFILE_DIR"); dir != "" {
		if f, err := os.Create(filepath.Join(dir, fmt.Sprintf("custos-%d.prof", os.Getpid()))); err == nil {
			if err := pprof.StartCPUProfile(f); err == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	// CUSTOS_HEAPPROFILE_DIR: a heap profile every five seconds (what
	// stays live; daemons are often stopped by a signal).
	if dir := os.Getenv("CUSTOS_HEAPPROFILE_DIR"); dir != "" {
		go func() {
			for range time.Tick(5 * time.Second) {
				if f, err := os.Create(filepath.Join(dir, fmt.Sprintf("custos-%d.heap", os.Getpid()))); err == nil {
					_ = pprof.Lookup("heap").WriteTo(f, 0)
					f.Close()
				}
			}
		}()
	}
	if err := newRoot().Execute(); err != nil {
		pprof.StopCPUProfile()
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
