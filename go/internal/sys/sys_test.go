// The readers must find their lines on any Linux machine; the values depend
// on the machine, so only their plausibility is checked.

package sys

import (
	"os"
	"path/filepath"
	"testing"
)

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

// kibFields takes every key asked for from one read, and refuses a file that
// lacks one of them.
func TestKibFieldsReadsSeveralKeysOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meminfo")
	text := "MemFree:  100 kB\nKernelStack:  16 kB\nSUnreclaim:  6 kB\nPageTables:  4 kB\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := kibFields(path, "KernelStack", "PageTables", "SUnreclaim", "MemFree")
	if err != nil {
		t.Fatal(err)
	}
	if v["KernelStack"]+v["PageTables"]+v["SUnreclaim"] != 26*1024 || v["MemFree"] != 100*1024 {
		t.Errorf("values: %v", v)
	}
	if _, err := kibFields(path, "MemFree", "MemAvailable"); err == nil {
		t.Error("a missing key was not an error")
	}
}
