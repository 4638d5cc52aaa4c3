// membw prints the same checksum as sum on the same array.

package main

import "testing"

func TestMembw(t *testing.T) {
	res := runOK(t, "membw", "--variant", "stream-scalar", "--size", "1005", "--samples", "2")
	checkResult(t, res, "membw", "stream-scalar", 1005, triangle(1005))
}
