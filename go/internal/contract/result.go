// The result object and the process's exit status. Go runtime facts that
// decide performance (GOMAXPROCS, GOGC, version, GC work) are added to every
// result here, so no workload can forget them.

package contract

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Result is the one JSON object the binary prints, field for field as in
// docs/workload-spec.md.
type Result struct {
	Workload  string                 `json:"workload"`
	Variant   string                 `json:"variant"`
	Lang      string                 `json:"lang"`
	Params    map[string]int64       `json:"params"`
	Unit      string                 `json:"unit"`
	Ops       int64                  `json:"ops"`
	Samples   []int64                `json:"samples"`
	Checksum  string                 `json:"checksum"`
	Extra     map[string]interface{} `json:"extra"`
	Histogram *string                `json:"histogram"`
	Skipped   *string                `json:"skipped"`
}

// Main runs one workload from its command line and prints the result,
// returning the exit status: 2 for a usage error, 1 for a failure while
// running, 0 when a result (skipped or not) was printed.
func Main(w Workload, args []string, stdout, stderr io.Writer) int {
	cfg, err := Parse(w, args)
	if err != nil {
		fmt.Fprintf(stderr, "versus-go %s: %v\n", w.Name, err)
		return 2
	}
	res, err := Run(w, cfg)
	if err == nil {
		err = writeJSON(stdout, res)
	}
	if err != nil {
		fmt.Fprintf(stderr, "versus-go %s --variant %s: %v\n", w.Name, cfg.Variant, err)
		return 1
	}
	return 0
}

// Run sets the workload up, samples it and assembles the result.
func Run(w Workload, cfg Config) (*Result, error) {
	// SetGCPercent is the only way to read the effective GOGC (the
	// environment variable may be unset, "off" or a number); setting it back
	// at once leaves the collector as it was.
	gogc := debug.SetGCPercent(-1)
	debug.SetGCPercent(gogc)

	b, err := w.Setup(cfg)
	if err != nil {
		return nil, err
	}
	if b.Close != nil {
		defer b.Close()
	}
	m := measurement{samples: []int64{}, skipped: b.Skipped}
	if b.Skipped == "" {
		m, err = measure(cfg, b)
		if err != nil {
			return nil, err
		}
	}

	extra := map[string]interface{}{
		"gc_cycles":   m.gcCycles,
		"gc_pause_ns": m.gcPauseNs,
		"gomaxprocs":  runtime.GOMAXPROCS(0),
		"gogc":        gogc,
		"go_version":  runtime.Version(),
	}
	// gc_cycles counts the collections over all measured samples; a published
	// figure ("3,137 GC runs") counts one run, which is one sample here.
	if n := len(m.samples); n > 0 {
		extra["gc_cycles_per_sample"] = float64(m.gcCycles) / float64(n)
	}
	for k, v := range b.Extra {
		extra[k] = v
	}
	res := &Result{
		Workload: w.Name,
		Variant:  cfg.Variant,
		Lang:     "go",
		Params:   cfg.Params,
		Unit:     "ns",
		Ops:      b.Ops,
		Samples:  m.samples,
		Checksum: m.checksum,
		Extra:    extra,
	}
	if m.skipped != "" {
		res.Skipped = &m.skipped
		return res, nil
	}
	if b.Histogram != nil {
		encoded, err := EncodeHistogram(b.Histogram)
		if err != nil {
			return nil, err
		}
		res.Histogram = &encoded
	}
	return res, nil
}

// WriteList prints `versus-go list`: every workload and its variants.
func WriteList(out io.Writer, workloads []Workload) error {
	list := struct {
		Lang      string              `json:"lang"`
		Workloads map[string][]string `json:"workloads"`
	}{Lang: "go", Workloads: map[string][]string{}}
	for _, w := range workloads {
		list.Workloads[w.Name] = w.Variants
	}
	return writeJSON(out, list)
}

// writeJSON prints one JSON object and a newline, the only thing on stdout.
func writeJSON(out io.Writer, v interface{}) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	return nil
}
