// pingpong's checksum is 2N after N round trips, for both channel kinds, and
// the buffer parameter is printed with its per-variant default.

package main

import "testing"

func TestPingpong(t *testing.T) {
	for variant, buffer := range map[string]int64{"unbuffered": 0, "buffered": 4096} {
		res := runOK(t, "pingpong", "--variant", variant, "--size", "100", "--samples", "2")
		checkResult(t, res, "pingpong", variant, 100, 200)
		if res.Params["buffer"] != buffer {
			t.Errorf("%s: buffer %d, want %d", variant, res.Params["buffer"], buffer)
		}
	}
	res := runOK(t, "pingpong", "--variant", "buffered", "--size", "50", "--param", "buffer=1")
	checkResult(t, res, "pingpong", "buffered", 50, 100)
}
