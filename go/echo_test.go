// echo's checksum is the sum of every byte echoed, computed here from the
// spec's formula byte by byte, and its histogram holds one latency per round
// trip. A size beyond RLIMIT_NOFILE is skipped before any socket is opened.

package main

import (
	"strings"
	"testing"
)

func TestEcho(t *testing.T) {
	const conns, rounds = 3, 4
	var want uint64
	for c := 0; c < conns; c++ {
		for r := 0; r < rounds; r++ {
			for j := 0; j < 64; j++ {
				want += uint64((c*31 + r*7 + j) % 256)
			}
		}
	}
	res := runOK(t, "echo", "--variant", "net", "--size", "3", "--param", "rounds=4", "--samples", "2")
	checkResult(t, res, "echo", "net", conns*rounds, want)
	checkHistogram(t, res, conns*rounds)
	if res.Params["message"] != 64 || res.Params["rounds"] != rounds {
		t.Errorf("params: %v", res.Params)
	}
	for _, key := range []string{"nofile_soft", "nofile_hard", "listen_backlog", "connections"} {
		if _, ok := res.Extra[key]; !ok {
			t.Errorf("extra has no %s", key)
		}
	}
}

// Connection numbers past 8 make the bytes wrap around 256.
func TestEchoWraps(t *testing.T) {
	var want uint64
	for c := 0; c < 12; c++ {
		for j := 0; j < 64; j++ {
			want += uint64((c*31 + j) % 256)
		}
	}
	res := runOK(t, "echo", "--variant", "net", "--size", "12", "--param", "rounds=1", "--samples", "1", "--warmup", "0")
	checkResult(t, res, "echo", "net", 12, want)
}

func TestEchoSkipped(t *testing.T) {
	res := runOK(t, "echo", "--variant", "net", "--size", "100000000000")
	if res.Skipped == nil || !strings.Contains(*res.Skipped, "RLIMIT_NOFILE") {
		t.Fatalf("want a skipped result naming RLIMIT_NOFILE, got %+v", res)
	}
	if len(res.Samples) != 0 || res.Checksum != "" || res.Histogram != nil {
		t.Errorf("skipped result carries data: %+v", res)
	}
}
