// actors' checksum is the sum over messages of k·(k mod A + 1), which only
// correct routing gives, and its histogram holds one latency per message.

package main

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"

	"versus/internal/contract"
)

func TestActors(t *testing.T) {
	res := runOK(t, "actors", "--variant", "goroutine", "--size", "1000",
		"--param", "actors=7", "--param", "mailbox=3", "--samples", "2")
	checkResult(t, res, "actors", "goroutine", 1000, routed(1000, 7))
	checkHistogram(t, res, 1000)
	if res.Params["actors"] != 7 || res.Params["mailbox"] != 3 {
		t.Errorf("params: %v", res.Params)
	}
}

// checkHistogram decodes the result's histogram and checks its count against
// the extra keys and the number of operations.
func checkHistogram(t *testing.T, res contract.Result, count int64) {
	t.Helper()
	if res.Histogram == nil {
		t.Fatal("no histogram")
	}
	h, err := hdrhistogram.Decode([]byte(*res.Histogram))
	if err != nil {
		t.Fatalf("decoding the histogram: %v", err)
	}
	if h.TotalCount() != count {
		t.Errorf("histogram count %d, want %d", h.TotalCount(), count)
	}
	for _, key := range []string{"p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns", "count", "throughput_per_s"} {
		if _, ok := res.Extra[key]; !ok {
			t.Errorf("extra has no %s", key)
		}
	}
	if res.Extra["count"].(json.Number).String() != strconv.FormatInt(count, 10) {
		t.Errorf("extra count %v, want %d", res.Extra["count"], count)
	}
}

// routed is actors' checksum: message k goes to actor k mod actors and counts
// k times that actor's number plus one.
func routed(messages, actors uint64) uint64 {
	var sum uint64
	for k := uint64(0); k < messages; k++ {
		sum += k * (k%actors + 1)
	}
	return sum
}

// Sending everything to actor 0, the mistake the weighting catches, gives
// the plain sum of indices instead.
func TestActorsChecksumSeesRouting(t *testing.T) {
	if routed(1000, 7) == triangle(1000) {
		t.Fatal("a misrouting actor system would pass the checksum")
	}
	if routed(1000, 1) != triangle(1000) {
		t.Fatal("with one actor every message is routed to it")
	}
}

// Paced, the driver never runs ahead of the offered rate and the checksum is
// the same.
func TestActorsPaced(t *testing.T) {
	res := runOK(t, "actors", "--variant", "goroutine", "--size", "2000",
		"--param", "actors=7", "--param", "rate=200000", "--samples", "1")
	checkResult(t, res, "actors", "goroutine", 2000, routed(2000, 7))
	number := func(key string) float64 {
		v, err := res.Extra[key].(json.Number).Float64()
		if err != nil {
			t.Fatalf("extra %s: %v", key, err)
		}
		return v
	}
	if got := number("offered_rate_per_s"); got != 200000 {
		t.Errorf("offered rate: %v", got)
	}
	if got := number("throughput_per_s"); got > 200000*1.05 {
		t.Errorf("the paced driver ran ahead: %v messages/s", got)
	}
}
