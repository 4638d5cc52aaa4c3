// Tests of Parse's defaults and rules that the command-line tests in package
// main do not reach.

package contract

import (
	"math"
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
	if cfg.Size() != 10 || cfg.Params["depth"] != 0 || cfg.Samples != 5 || cfg.Warmup != 1 || cfg.InjectPct != 0 {
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
