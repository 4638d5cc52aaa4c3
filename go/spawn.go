// spawn measures creating N tasks that do nothing and waiting for all of them:
// claim A1 (100,000 goroutines in 40.4 ms vs 10,000 OS threads in 781.1 ms).
// Each goroutine only stores its index, so the sample is creation, scheduling
// and the WaitGroup, not work. It deliberately does not sleep in the tasks as
// the published code did (a 1 ns sleep is a timer, not a spawn), and it does
// not measure memory: sleepers does.

package main

import (
	"sync"

	"versus/internal/contract"
)

var spawnWorkload = contract.Workload{
	Name:      "spawn",
	Variants:  []string{"goroutine"},
	QuickSize: 1_000,
	Setup: func(cfg contract.Config) (*contract.Bench, error) {
		n := int(cfg.Size())
		return &contract.Bench{
			Ops: int64(n),
			Sample: func(s *contract.Sample) (uint64, error) {
				results := make([]uint64, n)
				var wg sync.WaitGroup
				s.Start()
				wg.Add(n)
				for i := 0; i < n; i++ {
					go func(i int) {
						results[i] = uint64(i)
						wg.Done()
					}(i)
				}
				wg.Wait()
				var total uint64
				for _, r := range results {
					total += r
				}
				s.Stop()
				return total, nil
			},
		}, nil
	},
}
