// membw is a harness reference: the read bandwidth a plain streaming loop
// reaches on this machine, to judge `sum` (claim A3) against. If sum runs at
// membw's speed, it is bound by memory and no instruction set would make it
// faster. It deliberately tests no claim itself. Same array, checksum and ops
// as sum.

package main

import "versus/internal/contract"

var membwWorkload = contract.Workload{
	Name:              "membw",
	Variants:          []string{"stream-scalar"},
	QuickSize:         1_000_000,
	AcceptsInjectWork: true,
	Setup: func(cfg contract.Config) (*contract.Bench, error) {
		return sumBench(cfg, sumStream), nil
	},
}

// sumStream keeps eight independent accumulators, the Go counterpart of
// Rust's chunks_exact(8), then adds them together and the tail.
func sumStream(a []uint64) uint64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 uint64
	for len(a) >= 8 {
		s0 += a[0]
		s1 += a[1]
		s2 += a[2]
		s3 += a[3]
		s4 += a[4]
		s5 += a[5]
		s6 += a[6]
		s7 += a[7]
		a = a[8:]
	}
	s := s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7
	for _, v := range a {
		s += v
	}
	return s
}
