// alloc measures N heap allocations of a zeroed 1 KiB object, each dropped at
// once: claim A2 (Go 1.18 s with 3,137 GC runs vs Rust 14.0 ms). Storing every
// object in a package-level sink makes it escape, so the allocation cannot be
// moved to the stack or removed; the byte written and the two bytes read make
// the checksum depend on every object. It deliberately does not keep objects
// alive: the question is the cost of short-lived garbage, and the collector's
// share of it shows in gc_cycles and gc_pause_ns.

package main

import "versus/internal/contract"

// allocSink holds the newest object, so each one escapes to the heap and is
// garbage as soon as the next replaces it. allocExtraSink takes the discarded
// checksum of --inject-work-pct's extra allocations.
var (
	allocSink      *[1024]byte
	allocExtraSink uint64
)

var allocWorkload = contract.Workload{
	Name:              "alloc",
	Variants:          []string{"heap"},
	QuickSize:         100_000,
	AcceptsInjectWork: true,
	Setup: func(cfg contract.Config) (*contract.Bench, error) {
		n := int(cfg.Size())
		extra := int(contract.ExtraOps(cfg.Size(), cfg.InjectWorkPct))
		return &contract.Bench{
			Ops: int64(n),
			Sample: func(s *contract.Sample) (uint64, error) {
				s.Start()
				total := allocHeap(n)
				if extra > 0 {
					allocExtraSink = allocHeap(extra)
				}
				s.Stop()
				return total, nil
			},
		}, nil
	},
}

// allocHeap makes n objects, writes one byte of each and reads two; the
// checksum is n.
func allocHeap(n int) uint64 {
	var total uint64
	for i := 0; i < n; i++ {
		p := new([1024]byte)
		allocSink = p
		p[i%1024] = 1
		total += uint64(p[i%1024]) + uint64(p[(i+512)%1024])
	}
	return total
}
