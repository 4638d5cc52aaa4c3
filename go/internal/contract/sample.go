// The sample loop: warm-up and measured samples, the timer with --inject-pct,
// the checksum check across samples and the GC counters around them. One loop
// for every workload keeps the timed region's edges the same everywhere.
// --inject-work-pct cannot live in the loop: only the workload knows what one
// more operation is, so this file only says how many (ExtraOps) and each
// workload that accepts the flag does them itself.

package contract

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"time"
)

// Sample is one run of a workload's measured work. The workload calls Start
// and Stop around exactly the timed region the spec names, so setup and
// checks stay outside the time.
type Sample struct {
	// Warmup is true for the warm-up samples, which are run but not printed.
	Warmup bool
	// Last marks the last measured sample, the one the spec takes the
	// histogram and its summary from.
	Last bool
	// FirstRun marks the first sample this process runs, warm-up included:
	// the only one that cannot reuse memory an earlier sample freed.
	FirstRun bool

	injectPct float64
	start     time.Time
	work      time.Duration
	elapsed   time.Duration
	started   bool
	stopped   bool
}

// Start starts the timer.
func (s *Sample) Start() {
	s.started = true
	s.start = time.Now()
}

// Stop stops the timer. With --inject-pct P it first spins on the monotonic
// clock until the sample has lasted (1 + P/100) times the work itself, inside
// the timed region, so the calibration step sees a known slowdown of the
// whole sample. Spinning rather than sleeping keeps the added time exact.
func (s *Sample) Stop() {
	s.work = time.Since(s.start)
	s.elapsed = s.work
	if s.injectPct > 0 {
		target := time.Duration(float64(s.work) * (1 + s.injectPct/100))
		for s.elapsed < target {
			s.elapsed = time.Since(s.start)
		}
	}
	s.stopped = true
}

// ExtraOps is how many operations --inject-work-pct pct adds to a sample of
// n: ceil(n * pct / 100), computed in float64 in that order, as the Rust
// binary does, so that both add the same count. It is 0 when pct is 0, so no
// extra work is done at all.
func ExtraOps(n int64, pct float64) int64 {
	return int64(math.Ceil(float64(n) * pct / 100))
}

// Elapsed is the sample's time: the work plus any injected spin.
func (s *Sample) Elapsed() time.Duration { return s.elapsed }

// SinceStart is the time since Start, for workloads that report a span longer
// than the timed region (sleepers' total_ns).
func (s *Sample) SinceStart() time.Duration { return time.Since(s.start) }

// FormatChecksum is the checksum as the result prints it: a decimal string,
// since a u64 does not survive every JSON reader as a number.
func FormatChecksum(v uint64) string { return strconv.FormatUint(v, 10) }

// measurement is what the sample loop found.
type measurement struct {
	samples   []int64
	checksum  string
	skipped   string
	gcCycles  uint32
	gcPauseNs uint64
}

// measure runs the warm-up samples and then the measured ones. Every sample,
// warm-up included, must return the same checksum: a sample that computed
// something else did different work, and its time would mean nothing.
// runtime.ReadMemStats stops the world, so it runs only before the first and
// after the last measured sample, never inside a timed region.
func measure(cfg Config, b *Bench) (measurement, error) {
	m := measurement{samples: make([]int64, 0, cfg.Samples)}
	var before, after runtime.MemStats
	var first uint64
	total := cfg.Warmup + cfg.Samples
	for i := 0; i < total; i++ {
		s := &Sample{
			Warmup:    i < cfg.Warmup,
			Last:      i == total-1,
			FirstRun:  i == 0,
			injectPct: cfg.InjectPct,
		}
		if i == cfg.Warmup {
			runtime.ReadMemStats(&before)
		}
		checksum, err := b.Sample(s)
		var skip Skip
		if errors.As(err, &skip) {
			m.samples = m.samples[:0]
			m.skipped = string(skip)
			return m, nil
		}
		if err != nil {
			return m, fmt.Errorf("sample %d of %d (warm-up included): %w", i+1, total, err)
		}
		if !s.started || !s.stopped {
			return m, fmt.Errorf("sample %d did not time its work (Start and Stop must both be called)", i+1)
		}
		if i == 0 {
			first = checksum
		} else if checksum != first {
			return m, fmt.Errorf("checksum mismatch: sample %d of %d (warm-up included) computed %d but sample 1 computed %d",
				i+1, total, checksum, first)
		}
		if !s.Warmup {
			m.samples = append(m.samples, s.elapsed.Nanoseconds())
		}
	}
	runtime.ReadMemStats(&after)
	m.checksum = FormatChecksum(first)
	m.gcCycles = after.NumGC - before.NumGC
	m.gcPauseNs = after.PauseTotalNs - before.PauseTotalNs
	return m, nil
}
