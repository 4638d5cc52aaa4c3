// The command line of every workload, as docs/workload-spec.md defines it:
// --variant, --size, --samples, --warmup, repeated --param key=value,
// --inject-pct and --inject-work-pct. Anything else is a usage error, so a
// typo in the orchestrator's catalogue fails loudly instead of silently
// running a default.

package contract

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Parse reads a workload's command line (everything after the workload name).
// Every error it returns is a usage error: the caller exits with status 2.
//
// Integers are read as plain decimal, as the Rust binary reads them, rather
// than with the flag package's base prefixes, under which "010" would be 8.
func Parse(w Workload, args []string) (Config, error) {
	fs := flag.NewFlagSet(w.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	variant := fs.String("variant", "", "")
	size := decimalFlag{value: w.QuickSize}
	fs.Var(&size, "size", "")
	samples := decimalFlag{value: 5}
	fs.Var(&samples, "samples", "")
	warmup := decimalFlag{value: 1}
	fs.Var(&warmup, "warmup", "")
	injectPct := fs.Float64("inject-pct", 0, "")
	injectWorkPct := fs.Float64("inject-work-pct", 0, "")
	given := paramFlag{}
	fs.Var(given, "param", "")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, fmt.Errorf("usage: versus-go %s --variant {%s} [--size N] [--samples K] [--warmup W] [--param key=value ...] [--inject-pct P] [--inject-work-pct P]",
				w.Name, strings.Join(w.Variants, "|"))
		}
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *variant == "" {
		return Config{}, fmt.Errorf("--variant is required (one of %s)", strings.Join(w.Variants, ", "))
	}
	if !contains(w.Variants, *variant) {
		return Config{}, fmt.Errorf("unknown variant %q (one of %s)", *variant, strings.Join(w.Variants, ", "))
	}
	if size.value < 1 {
		return Config{}, fmt.Errorf("--size must be at least 1, got %d", size.value)
	}
	if samples.value < 1 || samples.value > math.MaxInt32 {
		return Config{}, fmt.Errorf("--samples must be at least 1, got %d", samples.value)
	}
	if warmup.value < 0 || warmup.value > math.MaxInt32 {
		return Config{}, fmt.Errorf("--warmup must be at least 0, got %d", warmup.value)
	}
	if err := checkPercent("--inject-pct", *injectPct); err != nil {
		return Config{}, err
	}
	if err := checkPercent("--inject-work-pct", *injectWorkPct); err != nil {
		return Config{}, err
	}
	if *injectWorkPct > 0 && !w.AcceptsInjectWork {
		return Config{}, errors.New("--inject-work-pct is supported by sum, membw and alloc only")
	}

	params := map[string]int64{"size": size.value}
	for _, p := range w.Params {
		v, ok := given[p.Key]
		if !ok {
			v = p.Default
			if d, ok := p.ByVariant[*variant]; ok {
				v = d
			}
		}
		if p.Min == p.Max && v != p.Min {
			return Config{}, fmt.Errorf("--param %s is fixed at %d, got %d", p.Key, p.Min, v)
		}
		if v < p.Min || v > p.Max {
			return Config{}, fmt.Errorf("--param %s must be between %d and %d, got %d", p.Key, p.Min, p.Max, v)
		}
		params[p.Key] = v
	}
	for key := range given {
		if key == "size" {
			return Config{}, errors.New("--param size is not a parameter; use --size")
		}
		if _, known := params[key]; !known {
			return Config{}, fmt.Errorf("unknown --param key %q (%s)", key, paramKeys(w))
		}
	}

	cfg := Config{
		Workload:      w.Name,
		Variant:       *variant,
		Params:        params,
		Samples:       int(samples.value),
		Warmup:        int(warmup.value),
		InjectPct:     *injectPct,
		InjectWorkPct: *injectWorkPct,
	}
	if w.Check != nil {
		if err := w.Check(cfg); err != nil {
			return Config{}, err
		}
	}
	return cfg, nil
}

// checkPercent accepts a percentage of injected slowdown: finite and not
// negative.
func checkPercent(flag string, pct float64) error {
	if math.IsNaN(pct) || math.IsInf(pct, 0) || pct < 0 {
		return fmt.Errorf("%s must be a finite number at least 0, got %v", flag, pct)
	}
	return nil
}

// decimalFlag is an int64 flag that accepts only plain decimal digits.
type decimalFlag struct{ value int64 }

func (d *decimalFlag) String() string { return strconv.FormatInt(d.value, 10) }

func (d *decimalFlag) Set(s string) error {
	v, err := parseDecimal(s)
	if err != nil {
		return err
	}
	d.value = v
	return nil
}

// paramFlag collects repeated --param key=value flags.
type paramFlag map[string]int64

func (p paramFlag) String() string { return "" }

func (p paramFlag) Set(s string) error {
	key, value, found := strings.Cut(s, "=")
	if !found || key == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	if _, dup := p[key]; dup {
		return fmt.Errorf("%s given twice", key)
	}
	v, err := parseDecimal(value)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	p[key] = v
	return nil
}

// parseDecimal reads base 10 only: no 0x, 0o or leading-zero octal, no
// underscores.
func parseDecimal(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not a decimal 64-bit integer: %q", s)
	}
	return v, nil
}

func paramKeys(w Workload) string {
	if len(w.Params) == 0 {
		return "this workload has none besides --size"
	}
	keys := make([]string, len(w.Params))
	for i, p := range w.Params {
		keys[i] = p.Key
	}
	return "known: " + strings.Join(keys, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
