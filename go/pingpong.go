// pingpong measures a task switch through a channel: two goroutines bounce a
// 4-byte value N times, claims C1 (unbuffered channel, 905 ms for 2,000,000
// round trips) and C2 (buffer 4096, 882 ms), beside Rust's C3 to C6. The
// channels and the pong goroutine exist, and pong is running, before the
// timer starts; ping is the sampling goroutine itself, so the sample is the N
// round trips and nothing else. It deliberately does not measure process or
// thread context switches (C7): both goroutines may share one OS thread.

package main

import (
	"fmt"
	"math"

	"versus/internal/contract"
)

var pingpongWorkload = contract.Workload{
	Name:      "pingpong",
	Variants:  []string{"unbuffered", "buffered"},
	QuickSize: 10_000,
	Params: []contract.Param{
		{Key: "buffer", Default: 4096, ByVariant: map[string]int64{"unbuffered": 0}, Min: 0, Max: math.MaxInt32},
	},
	Check: func(cfg contract.Config) error {
		if cfg.Variant == "unbuffered" && cfg.Params["buffer"] != 0 {
			return fmt.Errorf("variant unbuffered has buffer 0, got --param buffer=%d", cfg.Params["buffer"])
		}
		// A buffered channel of capacity 0 is the unbuffered variant under another
		// name; Rust's tokio variants refuse it too.
		if cfg.Variant == "buffered" && cfg.Params["buffer"] < 1 {
			return fmt.Errorf("variant buffered needs buffer >= 1, got --param buffer=%d", cfg.Params["buffer"])
		}
		return nil
	},
	Setup: func(cfg contract.Config) (*contract.Bench, error) {
		n := int(cfg.Size())
		buffer := int(cfg.Params["buffer"])
		return &contract.Bench{
			Ops: int64(n),
			Sample: func(s *contract.Sample) (uint64, error) {
				return pingpong(s, n, buffer), nil
			},
		}, nil
	},
}

// pingpong runs one sample: ping sends v, pong answers v+1, ping sends that
// plus one, so after n round trips ping holds 2n.
func pingpong(s *contract.Sample, n, buffer int) uint64 {
	toPong := make(chan uint32, buffer)
	toPing := make(chan uint32, buffer)
	running := make(chan struct{})
	done := make(chan struct{})
	go func() {
		close(running)
		for v := range toPong {
			toPing <- v + 1
		}
		close(done)
	}()
	<-running

	s.Start()
	var v uint32
	for i := 0; i < n; i++ {
		toPong <- v
		w := <-toPing
		v = w + 1
	}
	s.Stop()

	close(toPong)
	<-done
	return uint64(v)
}
