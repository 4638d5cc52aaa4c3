// Tests of Parse's defaults and rules that the command-line tests in package
// main do not reach.

package contract

import (
	"math"
	"strings"
	"testing"
)

var fakeWorkload = Workload{
	Name:      "fake",
	Variants:  []string{"a", "b"},
	QuickSize: 10,
	Params: []Param{
		{Key: "depth", Default: 5, ByVariant: map[string]int64{"b": 0}, Min: 0, Max: math.MaxInt32},
	},
}

func TestParseDefaults(t *testing.T) {
	cfg, err := Parse(fakeWorkload, []string{"--variant", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Size() != 10 || cfg.Params["depth"] != 0 || cfg.Samples != 5 || cfg.Warmup != 1 || cfg.InjectPct != 0 || cfg.InjectWorkPct != 0 {
		t.Fatalf("got %+v", cfg)
	}
	cfg, err = Parse(fakeWorkload, []string{"--variant=a", "--size=3", "--param", "depth=9", "--inject-pct", "12.5"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Size() != 3 || cfg.Params["depth"] != 9 || cfg.InjectPct != 12.5 || len(cfg.Params) != 2 {
		t.Fatalf("got %+v", cfg)
	}
}

func TestParseInjectWorkPct(t *testing.T) {
	accepting := fakeWorkload
	accepting.AcceptsInjectWork = true
	for _, args := range [][]string{
		{"--variant", "a", "--inject-work-pct", "0.5"},
		{"--variant", "a", "--inject-work-pct=0.5"},
	} {
		cfg, err := Parse(accepting, args)
		if err != nil || cfg.InjectWorkPct != 0.5 {
			t.Errorf("%v: got %+v, %v", args, cfg, err)
		}
	}
	for _, value := range []string{"-5", "NaN", "Inf", "-Inf", "five", ""} {
		_, err := Parse(accepting, []string{"--variant", "a", "--inject-work-pct=" + value})
		if err == nil || !strings.Contains(err.Error(), "inject-work-pct") {
			t.Errorf("--inject-work-pct=%s: want an error naming the flag, got %v", value, err)
		}
	}
	// A workload that does not accept it refuses any amount but zero, which
	// injects nothing.
	if _, err := Parse(fakeWorkload, []string{"--variant", "a", "--inject-work-pct", "0"}); err != nil {
		t.Errorf("--inject-work-pct 0: %v", err)
	}
	_, err := Parse(fakeWorkload, []string{"--variant", "a", "--inject-work-pct", "1"})
	if err == nil || err.Error() != "--inject-work-pct is supported by sum, membw and alloc only" {
		t.Errorf("--inject-work-pct 1 without support: got %v", err)
	}
}

func TestParseRejects(t *testing.T) {
	for _, args := range [][]string{
		{"--variant", "c"},
		{"--variant", "a", "--param", "depth=2147483648"},
		{"--variant", "a", "--param", "=3"},
		{"--variant", "a", "--size", "99999999999999999999"},
		{"--variant", "a", "--samples", "1.5"},
	} {
		if _, err := Parse(fakeWorkload, args); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}
