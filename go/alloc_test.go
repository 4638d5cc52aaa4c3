// alloc's checksum is N: each object contributes the 1 it was given and a 0.
// The size passes 1024 so the byte index wraps.

package main

import "testing"

func TestAlloc(t *testing.T) {
	res := runOK(t, "alloc", "--variant", "heap", "--size", "3000", "--samples", "2")
	checkResult(t, res, "alloc", "heap", 3000, 3000)
}
