// The latency histogram shared by actors and echo, in the one encoding both
// languages write: HdrHistogram V2 compressed, base64.

package contract

import (
	"fmt"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The histogram's range and precision are fixed by the spec so that both
// languages' histograms have the same buckets: 1 ns to 60 s, 3 significant
// digits.
const (
	histogramLowest  = 1
	histogramHighest = 60_000_000_000
	histogramDigits  = 3
)

// LatencyHistogram records per-operation latencies in nanoseconds. A latency
// of 0 (two clock readings in the same tick) is recorded as 1, the lowest
// value the histogram holds, as the spec says.
func LatencyHistogram(latenciesNs []int64) (*hdrhistogram.Histogram, error) {
	h := hdrhistogram.New(histogramLowest, histogramHighest, histogramDigits)
	for _, v := range latenciesNs {
		if v < histogramLowest {
			v = histogramLowest
		}
		if err := h.RecordValue(v); err != nil {
			return nil, fmt.Errorf("recording a latency of %d ns: %w", v, err)
		}
	}
	return h, nil
}

// EncodeHistogram is the V2 compressed (deflate) encoding in standard,
// padded base64. hdrhistogram-go's Encode already returns the base64 text,
// so it is not encoded again.
func EncodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	encoded, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encoding the histogram: %w", err)
	}
	return string(encoded), nil
}

// AddLatencyExtra puts the histogram's summary into extra under the spec's
// keys. hdrhistogram-go's ValueAtQuantile takes a percentage (0 to 100),
// despite its name.
func AddLatencyExtra(extra map[string]interface{}, h *hdrhistogram.Histogram) {
	extra["p50_ns"] = h.ValueAtQuantile(50)
	extra["p90_ns"] = h.ValueAtQuantile(90)
	extra["p99_ns"] = h.ValueAtQuantile(99)
	extra["p999_ns"] = h.ValueAtQuantile(99.9)
	extra["max_ns"] = h.Max()
	extra["count"] = h.TotalCount()
}
