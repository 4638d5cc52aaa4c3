// sum's checksum is N(N-1)/2 for every variant; the size leaves a tail that
// is not a multiple of the unrolling, so the tail loops are checked too.

package main

import (
	"strconv"
	"testing"
)

func TestSum(t *testing.T) {
	const n = 1003
	for _, variant := range []string{"range", "unrolled"} {
		res := runOK(t, "sum", "--variant", variant, "--size", strconv.Itoa(n), "--samples", "2")
		checkResult(t, res, "sum", variant, n, triangle(n))
	}
}

// The kernels must agree with the formula below their unrolling width too.
func TestSumKernels(t *testing.T) {
	for n := 0; n < 20; n++ {
		a := make([]uint64, n)
		for i := range a {
			a[i] = uint64(i)
		}
		for name, fn := range map[string]func([]uint64) uint64{"range": sumRange, "unrolled": sumUnrolled, "stream": sumStream} {
			if got := fn(a); got != triangle(uint64(n)) {
				t.Errorf("%s(%d) = %d, want %d", name, n, got, triangle(uint64(n)))
			}
		}
	}
}
