// sum measures summing N 64-bit integers already in memory, with wrapping
// addition: claim A3 (Go 99.1 ms vs Rust 28.5 ms for 100,000,000, credited to
// SIMD). It deliberately does not measure filling the array: that happens
// before the timer, and the write pre-faults every page, so the sample is the
// read and the adds alone. `range` is the idiomatic loop the claim compared;
// `unrolled` shows how much of the gap four independent accumulators close
// without SIMD.

package main

import "versus/internal/contract"

// sumInput, sumSink and sumExtraSink are package-level so the compiler can
// neither assume the array's contents nor drop a sum nobody reads.
var (
	sumInput     []uint64
	sumSink      uint64
	sumExtraSink uint64
)

var sumWorkload = contract.Workload{
	Name:              "sum",
	Variants:          []string{"range", "unrolled"},
	QuickSize:         1_000_000,
	AcceptsInjectWork: true,
	Setup: func(cfg contract.Config) (*contract.Bench, error) {
		sumFn := sumRange
		if cfg.Variant == "unrolled" {
			sumFn = sumUnrolled
		}
		return sumBench(cfg, sumFn), nil
	},
}

// sumBench fills the input a[i] = i before timing and times sumFn over it,
// plus --inject-work-pct's extra elements. membw shares it, so both read the
// same array.
func sumBench(cfg contract.Config, sumFn func([]uint64) uint64) *contract.Bench {
	n := cfg.Size()
	extra := contract.ExtraOps(n, cfg.InjectWorkPct)
	a := make([]uint64, n)
	for i := range a {
		a[i] = uint64(i)
	}
	sumInput = a
	return &contract.Bench{
		Ops: n,
		Sample: func(s *contract.Sample) (uint64, error) {
			input := sumInput
			s.Start()
			total := sumFn(input)
			if extra > 0 {
				sumExtraSink = sumAgain(sumFn, input, extra)
			}
			s.Stop()
			sumSink = total
			return total, nil
		},
	}
}

// sumAgain is the work --inject-work-pct adds: sumFn over the first extra
// elements, going round the input again when extra exceeds it, so that
// exactly extra more elements are added with the sample's own code. The
// caller discards the total, so the checksum is unchanged.
func sumAgain(sumFn func([]uint64) uint64, a []uint64, extra int64) uint64 {
	var total uint64
	// An empty input has nothing to add again (and would never shrink extra).
	for extra > 0 && len(a) > 0 {
		take := a
		if extra < int64(len(a)) {
			take = a[:extra]
		}
		total += sumFn(take)
		extra -= int64(len(take))
	}
	return total
}

// sumRange is the idiomatic loop: one accumulator, one element per iteration.
func sumRange(a []uint64) uint64 {
	var s uint64
	for _, v := range a {
		s += v
	}
	return s
}

// sumUnrolled keeps four independent accumulators so the adds do not wait on
// each other, then adds the tail. Reslicing by four lets the compiler prove
// a[0]..a[3] in bounds, so the loop carries no bounds checks.
func sumUnrolled(a []uint64) uint64 {
	var s0, s1, s2, s3 uint64
	for len(a) >= 4 {
		s0 += a[0]
		s1 += a[1]
		s2 += a[2]
		s3 += a[3]
		a = a[4:]
	}
	s := s0 + s1 + s2 + s3
	for _, v := range a {
		s += v
	}
	return s
}
