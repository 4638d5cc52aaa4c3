// The readers must find their lines on any Linux machine; the values depend
// on the machine, so only their plausibility is checked.

package sys

import "testing"

func TestReaders(t *testing.T) {
	rss, err := ResidentBytes()
	if err != nil || rss <= 0 {
		t.Fatalf("ResidentBytes() = %d, %v", rss, err)
	}
	avail, err := MemAvailableBytes()
	if err != nil || avail <= 0 {
		t.Fatalf("MemAvailableBytes() = %d, %v", avail, err)
	}
	backlog, err := Somaxconn()
	if err != nil || backlog <= 0 {
		t.Fatalf("Somaxconn() = %d, %v", backlog, err)
	}
	soft, hard, err := RaiseOpenFilesLimit()
	if err != nil || soft != hard {
		t.Fatalf("RaiseOpenFilesLimit() = %d, %d, %v; want soft == hard", soft, hard, err)
	}
}
