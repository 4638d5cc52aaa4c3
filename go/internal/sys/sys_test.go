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

func fakeGroup(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCgroupV1ReadsUsageAndKmem(t *testing.T) {
	dir := fakeGroup(t, map[string]string{
		"memory.usage_in_bytes":      "96018432\n",
		"memory.kmem.usage_in_bytes": "54861824\n",
	})
	g := CgroupAt(dir)
	if g == nil || g.V2 {
		t.Fatalf("CgroupAt(v1 tree) = %+v", g)
	}
	want := CgroupUsage{Total: 96018432, Kernel: 54861824, HasTotal: true, HasKernel: true}
	if got := g.Read(); got != want {
		t.Fatalf("Read() = %+v, want %+v", got, want)
	}
}

func TestCgroupV2ReadsCurrentAndTheKernelLine(t *testing.T) {
	dir := fakeGroup(t, map[string]string{
		"memory.current": "8024064\n",
		"memory.stat":    "anon 4096\nkernel_stack 16384\nkernel 184320\npagetables 4096\n",
	})
	g := CgroupAt(dir)
	if g == nil || !g.V2 {
		t.Fatalf("CgroupAt(v2 tree) = %+v", g)
	}
	want := CgroupUsage{Total: 8024064, Kernel: 184320, HasTotal: true, HasKernel: true}
	if got := g.Read(); got != want {
		t.Fatalf("Read() = %+v, want %+v (the kernel line, not kernel_stack)", got, want)
	}
}

func TestNoMemoryFilesIsNoGroupAndBadValuesAreAbsent(t *testing.T) {
	if g := CgroupAt(fakeGroup(t, map[string]string{"cgroup.procs": ""})); g != nil {
		t.Fatalf("CgroupAt(no memory files) = %+v, want nil", g)
	}
	g := CgroupAt(fakeGroup(t, map[string]string{"memory.usage_in_bytes": "lots\n"}))
	if u := g.Read(); u.HasTotal || u.HasKernel {
		t.Fatalf("Read() of a bad value = %+v, want nothing", u)
	}
	t.Setenv("VERSUS_MEMORY_CGROUP", "")
	if CgroupFromEnv() != nil {
		t.Fatal("CgroupFromEnv() without the variable is a group")
	}
}
