// Package sys reads what the Linux kernel says about this process and this
// machine: resident memory, available memory, and the limits that decide
// whether a size can run at all. Workloads use it to measure memory per task
// and to turn a size the machine cannot hold into a `skipped` result that
// names the limit, instead of a crash or a hang.
package sys

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ResidentBytes is the memory of this process that is resident right now: the
// Rss line of /proc/self/smaps_rollup, which sums every mapping exactly, or
// where the kernel lacks it (before 4.14) the VmRSS line of /proc/self/status,
// which proc(5) calls approximate. It is read twice around a spawn, so the
// difference is the memory the spawned tasks hold.
func ResidentBytes() (int64, error) {
	if rss, err := kibField("/proc/self/smaps_rollup", "Rss"); err == nil {
		return rss, nil
	}
	return kibField("/proc/self/status", "VmRSS")
}

// RSSSource names where ResidentBytes reads, for the result to say.
func RSSSource() string {
	if _, err := os.Stat("/proc/self/smaps_rollup"); err == nil {
		return "smaps_rollup"
	}
	return "VmRSS"
}

// Meminfo is what /proc/meminfo says about the machine's memory, from one read
// of it. Machine-wide, so other processes move it too: a delta over thousands
// of tasks is what it is good for.
type Meminfo struct {
	// KernelTask is the kernel's memory for tasks that no resident set shows:
	// KernelStack (a thread's kernel stack), PageTables and SUnreclaim (task
	// structs and other unreclaimable slab).
	KernelTask int64
	// Available is MemAvailable; Free is MemFree, the other cross-check
	// (MemAvailable also counts reclaimable cache).
	Available, Free int64
}

// ReadMeminfo reads /proc/meminfo once.
func ReadMeminfo() (Meminfo, error) {
	v, err := kibFields("/proc/meminfo", "KernelStack", "PageTables", "SUnreclaim", "MemAvailable", "MemFree")
	if err != nil {
		return Meminfo{}, err
	}
	return Meminfo{
		KernelTask: v["KernelStack"] + v["PageTables"] + v["SUnreclaim"],
		Available:  v["MemAvailable"],
		Free:       v["MemFree"],
	}, nil
}

// Cgroup is the memory cgroup the harness placed this process in, named by
// VERSUS_MEMORY_CGROUP (the orchestrator makes one per trial where the machine
// lets it). It charges this process's memory and nothing else's, the kernel's
// share included, so its usage around a peak is the total a task costs. The
// Rust binary reads the same files (workloads/src/limits.rs).
type Cgroup struct {
	Dir string
	V2  bool
}

// CgroupUsage is one reading of a memory cgroup, in bytes; Has* say which
// fields the group had.
type CgroupUsage struct {
	Total, Kernel       int64
	HasTotal, HasKernel bool
}

// CgroupFromEnv is the group of VERSUS_MEMORY_CGROUP, or nil.
func CgroupFromEnv() *Cgroup {
	dir := os.Getenv("VERSUS_MEMORY_CGROUP")
	if dir == "" {
		return nil
	}
	return CgroupAt(dir)
}

// CgroupAt is the group in dir, of whichever version its files say; nil where
// it has no memory controller's files.
func CgroupAt(dir string) *Cgroup {
	if isFile(dir + "/memory.current") {
		return &Cgroup{Dir: dir, V2: true}
	}
	if isFile(dir + "/memory.usage_in_bytes") {
		return &Cgroup{Dir: dir}
	}
	return nil
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

// Read reads the group's total (v2 memory.current, v1 memory.usage_in_bytes)
// and kernel share (v2 memory.stat's kernel line, v1
// memory.kmem.usage_in_bytes).
func (c *Cgroup) Read() CgroupUsage {
	var u CgroupUsage
	if c.V2 {
		if v, err := intFile(c.Dir + "/memory.current"); err == nil {
			u.Total, u.HasTotal = v, true
		}
		if data, err := os.ReadFile(c.Dir + "/memory.stat"); err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				if strings.HasPrefix(line, "kernel ") {
					rest := strings.TrimPrefix(line, "kernel ")
					if v, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64); err == nil {
						u.Kernel, u.HasKernel = v, true
					}
					break
				}
			}
		}
		return u
	}
	if v, err := intFile(c.Dir + "/memory.usage_in_bytes"); err == nil {
		u.Total, u.HasTotal = v, true
	}
	if v, err := intFile(c.Dir + "/memory.kmem.usage_in_bytes"); err == nil {
		u.Kernel, u.HasKernel = v, true
	}
	return u
}

// Method says how a result's total was measured, in the Rust binary's words.
func (c *Cgroup) Method() string {
	if c.V2 {
		return "own memory cgroup (v2 memory.current, kernel share from memory.stat) around the peak"
	}
	return "own memory cgroup (v1 memory.usage_in_bytes, kernel share from memory.kmem.usage_in_bytes) around the peak"
}

// MemAvailableBytes is the MemAvailable line of /proc/meminfo: the kernel's
// estimate of how much memory can be used without swapping.
func MemAvailableBytes() (int64, error) {
	return kibField("/proc/meminfo", "MemAvailable")
}

// Somaxconn is net.core.somaxconn, the kernel's cap on a listen backlog.
func Somaxconn() (int64, error) {
	return intFile("/proc/sys/net/core/somaxconn")
}

// RaiseOpenFilesLimit sets the soft RLIMIT_NOFILE to the hard limit, so that
// the number of sockets a workload may open is the machine's real limit, and
// returns both limits as they are afterwards. Go 1.19 and later already do this
// at start-up; doing it here keeps the binary's behaviour independent of that.
func RaiseOpenFilesLimit() (soft, hard uint64, err error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0, fmt.Errorf("reading RLIMIT_NOFILE: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, 0, fmt.Errorf("raising RLIMIT_NOFILE to %d: %w", lim.Max, err)
		}
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, 0, fmt.Errorf("reading RLIMIT_NOFILE: %w", err)
		}
	}
	return uint64(lim.Cur), uint64(lim.Max), nil
}

// intFile reads a file holding one decimal integer, as the files under
// /proc/sys do.
func intFile(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parsing %s: %w", path, err)
	}
	return v, nil
}

// kibField finds the line "key:   N kB" in a /proc file and returns N in bytes.
func kibField(path, key string) (int64, error) {
	v, err := kibFields(path, key)
	return v[key], err
}

// kibFields reads a /proc file once and returns, in bytes, the N of each line
// "key:   N kB" of the keys asked for; every key must be there.
func kibFields(path string, keys ...string) (map[string]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	wanted := make(map[string]bool, len(keys))
	for _, key := range keys {
		wanted[key] = true
	}
	values := make(map[string]int64, len(keys))
	lines := bufio.NewScanner(f)
	for lines.Scan() && len(values) < len(keys) {
		name, rest, found := strings.Cut(lines.Text(), ":")
		if !found || !wanted[name] {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return nil, fmt.Errorf("%s: unexpected %s line %q", path, name, lines.Text())
		}
		kib, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: parsing %s: %w", path, name, err)
		}
		values[name] = kib * 1024
	}
	if err := lines.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	for _, key := range keys {
		if _, ok := values[key]; !ok {
			return nil, fmt.Errorf("%s has no %s line", path, key)
		}
	}
	return values, nil
}
