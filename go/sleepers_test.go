// sleepers' checksum is N(N-1)/2, its memory figures are present, and a size
// beyond MemAvailable is skipped without spawning anything.

package main

import (
	"strings"
	"testing"
)

func TestSleepers(t *testing.T) {
	res := runOK(t, "sleepers", "--variant", "goroutine", "--size", "50", "--param", "sleep_ms=1", "--samples", "2")
	checkResult(t, res, "sleepers", "goroutine", 50, triangle(50))
	for _, key := range []string{"rss_baseline_bytes", "rss_peak_bytes", "bytes_per_task", "live_tasks", "total_ns"} {
		if _, ok := res.Extra[key]; !ok {
			t.Errorf("extra has no %s", key)
		}
	}
	if res.Params["sleep_ms"] != 1 {
		t.Errorf("params: %v", res.Params)
	}
}

func TestSleepersSkipped(t *testing.T) {
	res := runOK(t, "sleepers", "--variant", "goroutine", "--size", "1000000000000")
	if res.Skipped == nil || !strings.Contains(*res.Skipped, "MemAvailable") {
		t.Fatalf("want a skipped result naming MemAvailable, got %+v", res)
	}
	if res.Samples == nil || len(res.Samples) != 0 || res.Checksum != "" {
		t.Errorf("a skipped result has samples [] and checksum \"\", got %v and %q", res.Samples, res.Checksum)
	}
}
