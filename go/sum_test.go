// sum's checksum is N(N-1)/2 for every variant; the size leaves a tail that
// is not a multiple of the unrolling, so the tail loops are checked too. The
// extra work of --inject-work-pct leaves it unchanged.

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

func TestSumInjectedWorkKeepsTheChecksum(t *testing.T) {
	const n = 1003
	for _, wv := range [][2]string{{"sum", "range"}, {"sum", "unrolled"}, {"membw", "stream-scalar"}} {
		for _, pct := range []string{"0.5", "250"} {
			res := runOK(t, wv[0], "--variant", wv[1], "--size", strconv.Itoa(n), "--samples", "2", "--inject-work-pct", pct)
			checkResult(t, res, wv[0], wv[1], n, triangle(n))
		}
	}
}

// sumAgain adds exactly the extra elements: over ones, its total counts them.
func TestSumAgainAddsExactlyTheExtraElements(t *testing.T) {
	ones := []uint64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	for name, fn := range map[string]func([]uint64) uint64{"range": sumRange, "unrolled": sumUnrolled, "stream": sumStream} {
		for _, c := range []struct {
			a     []uint64
			extra int64
			want  uint64
		}{
			{ones, 0, 0},
			{ones, 3, 3},
			{ones, 25, 25}, // round the input again
			{nil, 25, 0},
			{[]uint64{0, 1, 2, 3, 4, 5}, 4, 6}, // the first elements: 0+1+2+3
		} {
			if got := sumAgain(fn, c.a, c.extra); got != c.want {
				t.Errorf("sumAgain(%s, %v, %d) = %d, want %d", name, c.a, c.extra, got, c.want)
			}
		}
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
