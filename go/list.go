// `versus-go list` prints every workload and its variants, so the orchestrator
// can check its catalogue against what this binary really runs.

package main

import (
	"fmt"
	"io"

	"versus/internal/contract"
)

func runList(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "versus-go list: takes no arguments, got %q\n", args[0])
		return 2
	}
	if err := contract.WriteList(stdout, workloads); err != nil {
		fmt.Fprintf(stderr, "versus-go list: %v\n", err)
		return 1
	}
	return 0
}
