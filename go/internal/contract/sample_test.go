// Tests of the sample loop with fake workloads: the checksum check, the
// skipped path, and --inject-pct's spin. None of them asserts a duration
// beyond what the loop guarantees by construction.

package contract

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func config(samples, warmup int, injectPct float64) Config {
	return Config{Workload: "fake", Variant: "v", Params: map[string]int64{"size": 1},
		Samples: samples, Warmup: warmup, InjectPct: injectPct}
}

func TestExtraOpsIsTheCeilingOfPctPercentOfN(t *testing.T) {
	for _, c := range []struct {
		n    int64
		pct  float64
		want int64
	}{
		{1_000_000, 0, 0},
		{0, 5, 0},
		{1_000_000, 0.5, 5_000},
		{1_000_000, 5, 50_000},
		{100_000, 1, 1_000},
		{3, 0.5, 1},         // any fraction of an op rounds up
		{1_000, 250, 2_500}, // more than the sample's own work
	} {
		if got := ExtraOps(c.n, c.pct); got != c.want {
			t.Errorf("ExtraOps(%d, %v) = %d, want %d", c.n, c.pct, got, c.want)
		}
	}
}

func TestChecksumMismatchNamesBoth(t *testing.T) {
	calls := 0
	b := &Bench{Ops: 1, Sample: func(s *Sample) (uint64, error) {
		calls++
		s.Start()
		s.Stop()
		if calls == 3 {
			return 41, nil
		}
		return 42, nil
	}}
	_, err := measure(config(3, 1, 0), b)
	if err == nil || !strings.Contains(err.Error(), "41") || !strings.Contains(err.Error(), "42") {
		t.Fatalf("want an error naming 41 and 42, got %v", err)
	}
}

func TestWarmupIsNotPrinted(t *testing.T) {
	var seen []bool
	b := &Bench{Ops: 1, Sample: func(s *Sample) (uint64, error) {
		seen = append(seen, s.Warmup)
		s.Start()
		s.Stop()
		return 7, nil
	}}
	m, err := measure(config(3, 2, 0), b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.samples) != 3 || m.checksum != "7" || len(seen) != 5 || !seen[1] || seen[2] {
		t.Fatalf("got %+v after %v", m, seen)
	}
}

func TestSampleMustBeTimed(t *testing.T) {
	b := &Bench{Ops: 1, Sample: func(s *Sample) (uint64, error) { return 0, nil }}
	if _, err := measure(config(1, 0, 0), b); err == nil {
		t.Fatal("a sample that never called Start and Stop was accepted")
	}
}

func TestSkipStopsSampling(t *testing.T) {
	b := &Bench{Ops: 1, Sample: func(s *Sample) (uint64, error) {
		if s.Warmup {
			s.Start()
			s.Stop()
			return 1, nil
		}
		return 0, Skip("needs 3 of something but the limit is 2")
	}}
	m, err := measure(config(2, 1, 0), b)
	if err != nil {
		t.Fatal(err)
	}
	if m.skipped != "needs 3 of something but the limit is 2" || len(m.samples) != 0 || m.checksum != "" {
		t.Fatalf("got %+v", m)
	}
}

func TestSampleErrorFails(t *testing.T) {
	b := &Bench{Ops: 1, Sample: func(s *Sample) (uint64, error) { return 0, errors.New("boom") }}
	if _, err := measure(config(1, 0, 0), b); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("got %v", err)
	}
}

// The spin runs until elapsed >= work * (1 + P/100), so that inequality
// holds whatever the machine's speed.
func TestInjectPctSpins(t *testing.T) {
	s := &Sample{injectPct: 150}
	s.Start()
	time.Sleep(time.Millisecond)
	s.Stop()
	if want := time.Duration(float64(s.work) * 2.5); s.Elapsed() < want {
		t.Fatalf("elapsed %v, want at least %v (work %v)", s.Elapsed(), want, s.work)
	}
	plain := &Sample{}
	plain.Start()
	plain.Stop()
	if plain.Elapsed() != plain.work {
		t.Fatalf("without --inject-pct the sample is the work: %v vs %v", plain.Elapsed(), plain.work)
	}
}
