// Package contract is the Go side of docs/workload-spec.md shared by every
// workload: the command line, the sample loop with its checksum check,
// --inject-pct and the count behind --inject-work-pct, the Go runtime facts
// every result records, the latency histogram, and the one JSON object
// printed on stdout. Keeping all of it here means a workload file holds only
// its own work, and the contract cannot drift between workloads.
package contract

import "github.com/HdrHistogram/hdrhistogram-go"

// Workload describes one subcommand: its name, its variants, and how to set it
// up. The orchestrator's catalogue and `versus-go list` are both derived from
// these values.
type Workload struct {
	Name     string
	Variants []string
	// QuickSize is the default of --size: the spec's quick size, which runs
	// the same code as the full size in well under a second.
	QuickSize int64
	// Params are the workload's --param keys besides size.
	Params []Param
	// Check enforces rules that tie a parameter to a variant, such as the
	// unbuffered channel's fixed capacity; an error is a usage error.
	Check func(cfg Config) error
	// AcceptsInjectWork says --inject-work-pct applies: the workload repeats
	// ExtraOps of its own operations in every sample. Only workloads whose
	// operations are uniform and independent (a sum over a prefix, one more
	// allocation) can add exactly P% more of them; the others refuse the flag
	// rather than silently ignore it.
	AcceptsInjectWork bool
	// Setup does everything that precedes the first sample (allocating input,
	// starting servers, checking limits) and returns the benchmark to sample.
	Setup func(cfg Config) (*Bench, error)
}

// Param is one integer --param key. Values outside [Min, Max] are usage errors.
type Param struct {
	Key     string
	Default int64
	// ByVariant overrides Default for the variants it names.
	ByVariant map[string]int64
	Min, Max  int64
}

// Config is a parsed command line: everything a workload needs to know.
type Config struct {
	Workload string
	Variant  string
	// Params holds every effective parameter, size and defaults included;
	// it is printed as the result's params.
	Params        map[string]int64
	Samples       int
	Warmup        int
	InjectPct     float64
	InjectWorkPct float64
}

// Size is the --size parameter.
func (c Config) Size() int64 { return c.Params["size"] }

// Bench is a set-up workload, ready to be sampled.
type Bench struct {
	// Ops is the number of operations in one sample.
	Ops int64
	// Extra starts with what the workload knows before sampling; samples
	// may add to it (from the first or the last measured sample, as the spec
	// says per workload).
	Extra map[string]interface{}
	// Histogram, when a sample sets it, is printed as the result's
	// histogram; the spec asks for the last measured sample's.
	Histogram *hdrhistogram.Histogram
	// Skipped, when not empty, says which limit makes this size impossible
	// on this machine; no sample is run.
	Skipped string
	// Sample runs one sample, timing exactly the measured region with
	// s.Start and s.Stop, and returns its checksum. Returning a Skip stops
	// sampling with a skipped result.
	Sample func(s *Sample) (checksum uint64, err error)
	// Close, when set, releases what Setup started (servers, listeners).
	Close func()
}

// Skip is returned by a sample that finds a limit it cannot get past; its
// text is the result's `skipped` sentence.
type Skip string

func (s Skip) Error() string { return string(s) }
