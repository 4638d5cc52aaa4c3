// Tests of the histogram encoding: a round trip through hdrhistogram-go's
// decoder, and the golden file the Rust side decodes in its own test, which
// this test regenerates in memory and compares so it stays true. Run
// `go test ./internal/contract -run Golden -update` to rewrite it.

package contract

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
)

var update = flag.Bool("update", false, "rewrite the golden histogram files in ../../testdata")

var (
	goldenHistogram = filepath.Join("..", "..", "testdata", "histogram-v2-deflate.txt")
	goldenSummary   = filepath.Join("..", "..", "testdata", "histogram-v2-deflate.json")
)

// histogramSummary is the golden JSON: what hdrhistogram-go computes from the
// golden histogram, for the Rust side to compare its own decoding against.
type histogramSummary struct {
	Count int64 `json:"count"`
	P50   int64 `json:"p50"`
	P90   int64 `json:"p90"`
	P99   int64 `json:"p99"`
	P999  int64 `json:"p999"`
	Max   int64 `json:"max"`
}

func summarize(h *hdrhistogram.Histogram) histogramSummary {
	return histogramSummary{
		Count: h.TotalCount(),
		P50:   h.ValueAtQuantile(50),
		P90:   h.ValueAtQuantile(90),
		P99:   h.ValueAtQuantile(99),
		P999:  h.ValueAtQuantile(99.9),
		Max:   h.Max(),
	}
}

// oneToTenThousand is the golden histogram's content: 1..=10000 ns, once each.
func oneToTenThousand(t *testing.T) *hdrhistogram.Histogram {
	values := make([]int64, 10000)
	for i := range values {
		values[i] = int64(i + 1)
	}
	h, err := LatencyHistogram(values)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHistogramRoundTrip(t *testing.T) {
	h, err := LatencyHistogram([]int64{0, 1, 999, 1000, 1001, 123456, 59_000_000_000})
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(encoded, "HISTF") {
		t.Fatalf("not base64 of a V2 compressed cookie: %q", encoded)
	}
	decoded, err := hdrhistogram.Decode([]byte(encoded))
	if err != nil {
		t.Fatal(err)
	}
	if !decoded.Equals(h) || decoded.TotalCount() != 7 {
		t.Fatalf("decoded %+v, want %+v", summarize(decoded), summarize(h))
	}
	if decoded.LowestTrackableValue() != 1 || decoded.HighestTrackableValue() != 60_000_000_000 || decoded.SignificantFigures() != 3 {
		t.Fatal("the decoded histogram's range or precision differs from the spec's")
	}
}

// TestHistogramHeaderIsStandard guards the mend in zeroNormalizingOffset:
// the normalizing index offset must be 0, or Rust's decoder refuses it.
func TestHistogramHeaderIsStandard(t *testing.T) {
	encoded, err := EncodeHistogram(oneToTenThousand(t))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint32(raw[4:8]); int(got) != len(raw)-8 {
		t.Fatalf("the outer length is %d, the payload %d bytes", got, len(raw)-8)
	}
	inflater, err := zlib.NewReader(bytes.NewReader(raw[8:]))
	if err != nil {
		t.Fatal(err)
	}
	inner, err := io.ReadAll(inflater)
	if err != nil {
		t.Fatal(err)
	}
	if offset := binary.BigEndian.Uint32(inner[8:12]); offset != 0 {
		t.Fatalf("normalizing index offset %d, want 0", offset)
	}
}

// A latency past the 60 s range is clamped to it, as the Rust binary does, not
// lost and not a failed run.
func TestHistogramClampsTooLarge(t *testing.T) {
	h, err := LatencyHistogram([]int64{1 << 62, 5})
	if err != nil {
		t.Fatal(err)
	}
	if h.TotalCount() != 2 || !h.ValuesAreEquivalent(h.Max(), histogramHighest) {
		t.Fatalf("count %d, max %d", h.TotalCount(), h.Max())
	}
}

func TestGoldenHistogram(t *testing.T) {
	h := oneToTenThousand(t)
	summary := summarize(h)
	if *update {
		encoded, err := EncodeHistogram(h)
		if err != nil {
			t.Fatal(err)
		}
		summaryJSON, err := json.Marshal(summary)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenHistogram, []byte(encoded+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenSummary, append(summaryJSON, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The encoded bytes may change with Go's deflate implementation, so the
	// file is compared by what it decodes to, not byte for byte.
	text, err := os.ReadFile(goldenHistogram)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(text), "\n") != 1 || !strings.HasSuffix(string(text), "\n") {
		t.Fatalf("%s must be one line", goldenHistogram)
	}
	decoded, err := hdrhistogram.Decode([]byte(strings.TrimSuffix(string(text), "\n")))
	if err != nil {
		t.Fatalf("decoding %s: %v", goldenHistogram, err)
	}
	if !decoded.Equals(h) {
		t.Fatalf("%s no longer decodes to 1..=10000", goldenHistogram)
	}

	raw, err := os.ReadFile(goldenSummary)
	if err != nil {
		t.Fatal(err)
	}
	var golden histogramSummary
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&golden); err != nil {
		t.Fatalf("decoding %s: %v", goldenSummary, err)
	}
	if !reflect.DeepEqual(golden, summary) || !reflect.DeepEqual(summarize(decoded), summary) {
		t.Fatalf("%s holds %+v; hdrhistogram-go computes %+v", goldenSummary, golden, summary)
	}
}
