// noop is the harness reference for per-trial overhead: it measures an empty
// timed region, so a trial's wall time minus its samples is what the runner
// and process start cost. It deliberately does no work and tests no published
// claim.

package main

import "versus/internal/contract"

var noopWorkload = contract.Workload{
	Name:      "noop",
	Variants:  []string{"none"},
	QuickSize: 1,
	Setup: func(cfg contract.Config) (*contract.Bench, error) {
		return &contract.Bench{
			Ops: 1,
			Sample: func(s *contract.Sample) (uint64, error) {
				s.Start()
				s.Stop()
				return 0, nil
			},
		}, nil
	},
}
