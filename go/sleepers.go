// sleepers measures what N live, sleeping tasks cost: the resident memory per
// goroutine (claim D2, ~2 KB per goroutine at 1,000,000, and E's "a few KB")
// and the time to spawn them all. Every goroutine announces itself and then waits on a
// closed-channel barrier, so all N exist at once when the peak resident set
// is read; the sample is the spawn time alone. It deliberately does not time
// the sleep (it is the same S ms in every language) but reports the whole
// span as total_ns.

package main

import (
	"fmt"
	"math"
	"sync"
	"time"

	"versus/internal/contract"
	"versus/internal/sys"
)

// goroutineEstimateBytes is the spec's memory estimate per goroutine, checked
// against MemAvailable before spawning: a goroutine starts with a 2 KiB stack
// (since Go 1.4), and its g and the runtime's bookkeeping bring it to a few
// KiB, so 8 KiB is a margin, not the stack size.
const goroutineEstimateBytes = 8 << 10

var sleepersWorkload = contract.Workload{
	Name:      "sleepers",
	Variants:  []string{"goroutine"},
	QuickSize: 1_000,
	Params: []contract.Param{
		{Key: "sleep_ms", Default: 10, Min: 0, Max: math.MaxInt32},
	},
	Setup: func(cfg contract.Config) (*contract.Bench, error) {
		n := int(cfg.Size())
		sleep := time.Duration(cfg.Params["sleep_ms"]) * time.Millisecond
		b := &contract.Bench{Ops: int64(n), Extra: map[string]interface{}{}}
		available, err := sys.MemAvailableBytes()
		if err != nil {
			return nil, err
		}
		if need := int64(n) * goroutineEstimateBytes; need > available {
			b.Skipped = fmt.Sprintf("needs about %d bytes for %d goroutines (8 KiB each) but MemAvailable is %d bytes",
				need, n, available)
			return b, nil
		}
		b.Sample = func(s *contract.Sample) (uint64, error) {
			return sleepers(s, b.Extra, n, sleep)
		}
		return b, nil
	},
}

// sleepers runs one sample and, for the first one the process runs, records
// the memory figures: later samples reuse memory the first one freed (the Go
// runtime keeps dead goroutines and their stacks for reuse), so only the first
// sees the real growth. That is the first measured sample only when --warmup
// is 0; after a warm-up the first measured sample shows a few hundred bytes
// per goroutine instead of the thousands a fresh process needs.
func sleepers(s *contract.Sample, extra map[string]interface{}, n int, sleep time.Duration) (uint64, error) {
	// The results are written before the baseline is read, so their pages
	// are not counted as the tasks' memory.
	results := make([]uint64, n)
	for i := range results {
		results[i] = 0
	}
	var alive, done sync.WaitGroup
	alive.Add(n)
	done.Add(n)
	start := make(chan struct{})
	baseline, err := sys.ResidentBytes()
	if err != nil {
		return 0, err
	}
	group := sys.CgroupFromEnv()
	var groupBefore, groupPeak sys.CgroupUsage
	if group != nil {
		groupBefore = group.Read()
	}
	machineBefore, beforeErr := sys.ReadMeminfo()

	s.Start()
	for i := 0; i < n; i++ {
		go func(i int) {
			alive.Done()
			<-start
			time.Sleep(sleep)
			results[i] = uint64(i)
			done.Done()
		}(i)
	}
	alive.Wait()
	s.Stop()

	peak, err := sys.ResidentBytes()
	if group != nil {
		groupPeak = group.Read()
	}
	machinePeak, peakErr := sys.ReadMeminfo()
	close(start)
	done.Wait()
	total := s.SinceStart()
	if err != nil {
		return 0, err
	}
	var sum uint64
	for _, r := range results {
		sum += r
	}
	if s.FirstRun {
		extra["rss_baseline_bytes"] = baseline
		extra["rss_peak_bytes"] = peak
		user := (peak - baseline) / int64(n)
		extra["bytes_per_task"] = user
		extra["user_bytes_per_task"] = user
		extra["rss_source"] = sys.RSSSource()
		// The kernel's share that no resident set shows, and the total a task
		// costs the machine, as the Rust binary reports them: from the trial's
		// own cgroup where the harness made one, else from /proc/meminfo.
		haveMeminfo := beforeErr == nil && peakErr == nil
		if haveMeminfo {
			kernel := (machinePeak.KernelTask - machineBefore.KernelTask) / int64(n)
			extra["meminfo_kernel_bytes_per_task"] = kernel
			extra["meminfo_total_bytes_per_task"] = user + kernel
			extra["mem_available_drop_per_task"] = (machineBefore.Available - machinePeak.Available) / int64(n)
			extra["mem_free_drop_per_task"] = (machineBefore.Free - machinePeak.Free) / int64(n)
		}
		switch {
		case group != nil && groupBefore.HasTotal && groupPeak.HasTotal:
			total := (groupPeak.Total - groupBefore.Total) / int64(n)
			kernel := total - user
			if groupBefore.HasKernel && groupPeak.HasKernel {
				kernel = (groupPeak.Kernel - groupBefore.Kernel) / int64(n)
			}
			extra["kernel_bytes_per_task"] = kernel
			extra["total_bytes_per_task"] = total
			extra["memory_method"] = group.Method()
		case haveMeminfo:
			kernel := (machinePeak.KernelTask - machineBefore.KernelTask) / int64(n)
			extra["kernel_bytes_per_task"] = kernel
			extra["total_bytes_per_task"] = user + kernel
			extra["memory_method"] = "resident set growth + /proc/meminfo KernelStack, PageTables, SUnreclaim deltas"
		default:
			extra["memory_method"] = "resident set growth only (no /proc/meminfo)"
		}
		extra["live_tasks"] = n
		extra["total_ns"] = total.Nanoseconds()
	}
	return sum, nil
}
