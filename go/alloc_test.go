// alloc's checksum is N: each object contributes the 1 it was given and a 0.
// The size passes 1024 so the byte index wraps. The extra allocations of
// --inject-work-pct leave it unchanged.

package main

import "testing"

func TestAlloc(t *testing.T) {
	res := runOK(t, "alloc", "--variant", "heap", "--size", "3000", "--samples", "2")
	checkResult(t, res, "alloc", "heap", 3000, 3000)
}

func TestAllocInjectedWorkKeepsTheChecksum(t *testing.T) {
	res := runOK(t, "alloc", "--variant", "heap", "--size", "3000", "--samples", "2", "--inject-work-pct", "5")
	checkResult(t, res, "alloc", "heap", 3000, 3000)
}
