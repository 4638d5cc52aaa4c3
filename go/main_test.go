// Tests of the whole command line: usage errors and `list`. The helpers here
// run a workload through run(), exactly as the binary does, and decode its one
// line of JSON, so each workload's own test checks the printed result.

package main

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"versus/internal/contract"
)

// runOK runs the binary's command line and returns the decoded result,
// failing unless it exits 0 with exactly one JSON line on stdout.
func runOK(t *testing.T, args ...string) contract.Result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("versus-go %s: exit %d, stderr: %s", strings.Join(args, " "), code, stderr.String())
	}
	out := stdout.String()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("versus-go %s: want one line of JSON, got %q", strings.Join(args, " "), out)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var res contract.Result
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("versus-go %s: decoding %q: %v", strings.Join(args, " "), out, err)
	}
	return res
}

// checkResult checks what every result must hold, then the checksum.
func checkResult(t *testing.T, res contract.Result, workload, variant string, ops int64, checksum uint64) {
	t.Helper()
	if res.Workload != workload || res.Variant != variant || res.Lang != "go" || res.Unit != "ns" {
		t.Errorf("header: got %s/%s/%s/%s", res.Workload, res.Variant, res.Lang, res.Unit)
	}
	if res.Skipped != nil {
		t.Fatalf("skipped: %s", *res.Skipped)
	}
	if res.Ops != ops {
		t.Errorf("ops: got %d, want %d", res.Ops, ops)
	}
	if want := contract.FormatChecksum(checksum); res.Checksum != want {
		t.Errorf("checksum: got %s, want %s", res.Checksum, want)
	}
	for _, key := range []string{"gc_cycles", "gc_cycles_per_sample", "gc_pause_ns", "gomaxprocs", "gogc", "go_version"} {
		if _, ok := res.Extra[key]; !ok {
			t.Errorf("extra has no %s", key)
		}
	}
	for _, ns := range res.Samples {
		if ns < 0 {
			t.Errorf("negative sample %d", ns)
		}
	}
}

// triangle is N(N-1)/2, the sum of 0..N, with Go's wrapping arithmetic.
func triangle(n uint64) uint64 {
	if n%2 == 0 {
		return n / 2 * (n - 1)
	}
	return (n - 1) / 2 * n
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{},
		{"nosuch", "--variant", "x"},
		{"sum"},
		{"sum", "--variant", "iter"},
		{"sum", "--variant", "range", "--size", "0"},
		{"sum", "--variant", "range", "--size", "1e6"},
		{"sum", "--variant", "range", "--size", "0x10"},
		{"sum", "--variant", "range", "--size", "1_000"},
		{"sum", "--variant", "range", "--samples", "0"},
		{"sum", "--variant", "range", "--warmup", "-1"},
		{"sum", "--variant", "range", "--inject-pct", "-5"},
		{"sum", "--variant", "range", "--inject-pct", "NaN"},
		{"sum", "--variant", "range", "--inject-work-pct", "-5"},
		{"sum", "--variant", "range", "--inject-work-pct", "+Inf"},
		{"sum", "--variant", "range", "--inject-work-pct=x"},
		{"noop", "--variant", "none", "--inject-work-pct", "1"},
		{"pingpong", "--variant", "buffered", "--inject-work-pct=0.5"},
		{"sum", "--variant", "range", "--bogus", "1"},
		{"sum", "--variant", "range", "leftover"},
		{"sum", "--variant", "range", "--param", "foo=1"},
		{"sum", "--variant", "range", "--param", "size=10"},
		{"sum", "--variant", "range", "--help"},
		{"pingpong", "--variant", "unbuffered", "--param", "buffer=1"},
		{"pingpong", "--variant", "buffered", "--param", "buffer=x"},
		{"pingpong", "--variant", "buffered", "--param", "buffer"},
		{"pingpong", "--variant", "buffered", "--param", "buffer=-1"},
		{"pingpong", "--variant", "buffered", "--param", "buffer=1", "--param", "buffer=2"},
		{"actors", "--variant", "goroutine", "--param", "mailbox=0"},
		{"echo", "--variant", "net", "--param", "message=32"},
		{"list", "extra"},
	}
	for _, args := range cases {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != 2 {
			t.Errorf("versus-go %s: exit %d, want 2", strings.Join(args, " "), code)
		}
		if stdout.Len() != 0 {
			t.Errorf("versus-go %s: printed %q on stdout", strings.Join(args, " "), stdout.String())
		}
		msg := stderr.String()
		if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "versus-go") {
			t.Errorf("versus-go %s: want one line on stderr naming the binary, got %q", strings.Join(args, " "), msg)
		}
		if len(args) > 0 && args[0] != "nosuch" && !strings.HasPrefix(msg, "versus-go "+args[0]) {
			t.Errorf("versus-go %s: message does not name the workload: %q", strings.Join(args, " "), msg)
		}
	}
}

// Only the workloads whose operations can be repeated exactly take
// --inject-work-pct; the others refuse it with the names of those that do,
// which must stay true.
func TestInjectWorkIsRefusedByTheOthers(t *testing.T) {
	var accepting []string
	for _, w := range workloads {
		if w.AcceptsInjectWork {
			accepting = append(accepting, w.Name)
			continue
		}
		var stdout, stderr bytes.Buffer
		args := []string{w.Name, "--variant", w.Variants[0], "--inject-work-pct", "0.5"}
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("versus-go %s: exit %d, want 2", strings.Join(args, " "), code)
		}
		want := "versus-go " + w.Name + ": --inject-work-pct is supported by sum, membw and alloc only\n"
		if stderr.String() != want {
			t.Errorf("versus-go %s: stderr %q, want %q", strings.Join(args, " "), stderr.String(), want)
		}
	}
	sort.Strings(accepting)
	if strings.Join(accepting, ",") != "alloc,membw,sum" {
		t.Errorf("workloads accepting --inject-work-pct: %v", accepting)
	}
}

// Decimal means decimal: a leading zero is not octal, as in Rust's parse.
func TestSizeIsDecimal(t *testing.T) {
	res := runOK(t, "sum", "--variant", "range", "--size", "010", "--samples", "1", "--warmup", "0")
	checkResult(t, res, "sum", "range", 10, triangle(10))
}

func TestList(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"list"}, &stdout, &stderr); code != 0 {
		t.Fatalf("list: exit %d: %s", code, stderr.String())
	}
	var list struct {
		Lang      string              `json:"lang"`
		Workloads map[string][]string `json:"workloads"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"noop":     {"none"},
		"membw":    {"stream-scalar"},
		"sum":      {"range", "unrolled"},
		"spawn":    {"goroutine"},
		"alloc":    {"heap"},
		"pingpong": {"unbuffered", "buffered"},
		"sleepers": {"goroutine"},
		"actors":   {"goroutine"},
		"echo":     {"net"},
	}
	if list.Lang != "go" || len(list.Workloads) != len(want) {
		t.Fatalf("list: got %+v", list)
	}
	for name, variants := range want {
		got := append([]string(nil), list.Workloads[name]...)
		sort.Strings(got)
		sort.Strings(variants)
		if strings.Join(got, ",") != strings.Join(variants, ",") {
			t.Errorf("%s: variants %v, want %v", name, got, variants)
		}
	}
}
