// membw prints the same checksum as sum on the same array.

package main

import "testing"

func TestMembw(t *testing.T) {
	res := runOK(t, "membw", "--variant", "stream", "--size", "1005", "--samples", "2")
	checkResult(t, res, "membw", "stream", 1005, triangle(1005))
}
