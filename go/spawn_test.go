// spawn's checksum is the sum of every goroutine's index, N(N-1)/2.

package main

import "testing"

func TestSpawn(t *testing.T) {
	res := runOK(t, "spawn", "--variant", "goroutine", "--size", "100", "--samples", "2")
	checkResult(t, res, "spawn", "goroutine", 100, triangle(100))
}
