// Command versus-go is the Go side of versus: one binary with a subcommand per
// workload, each printing one JSON result as docs/workload-spec.md defines it.
// This file only dispatches; the contract lives in internal/contract and each
// workload in its own file.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"versus/internal/contract"
)

// workloads is every workload this binary runs, in the spec's order.
var workloads = []contract.Workload{
	noopWorkload,
	membwWorkload,
	sumWorkload,
	spawnWorkload,
	allocWorkload,
	pingpongWorkload,
	sleepersWorkload,
	actorsWorkload,
	echoWorkload,
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status, so tests can
// drive the whole command line.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "versus-go: no workload given (one of list, %s)\n", workloadNames())
		return 2
	}
	if args[0] == "list" {
		return runList(args[1:], stdout, stderr)
	}
	for _, w := range workloads {
		if w.Name == args[0] {
			return contract.Main(w, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "versus-go: unknown workload %q (one of list, %s)\n", args[0], workloadNames())
	return 2
}

func workloadNames() string {
	names := make([]string, len(workloads))
	for i, w := range workloads {
		names[i] = w.Name
	}
	return strings.Join(names, ", ")
}
