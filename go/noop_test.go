// noop's checksum is always 0 and its ops 1, whatever the size.

package main

import "testing"

func TestNoop(t *testing.T) {
	res := runOK(t, "noop", "--variant", "none", "--size", "7", "--samples", "3")
	checkResult(t, res, "noop", "none", 1, 0)
	if len(res.Samples) != 3 || res.Params["size"] != 7 || res.Histogram != nil {
		t.Errorf("got %+v", res)
	}
}
