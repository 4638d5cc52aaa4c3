// The latency histogram shared by actors and echo, in the one encoding both
// languages write: HdrHistogram V2 compressed, base64.

package contract

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"

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
		// 0 ns (two clock reads in one tick) is recorded as the lowest value,
		// and anything over the highest (60 s) as the highest: clamped, not
		// lost and not a failed run, as the Rust binary records it.
		if v < histogramLowest {
			v = histogramLowest
		}
		if v > histogramHighest {
			v = histogramHighest
		}
		if err := h.RecordValue(v); err != nil {
			return nil, fmt.Errorf("recording a latency of %d ns: %w", v, err)
		}
	}
	return h, nil
}

// EncodeHistogram is the V2 compressed (deflate) encoding in standard,
// padded base64. hdrhistogram-go's Encode already returns the base64 text,
// so it is not encoded again; but it must be mended first (see
// zeroNormalizingOffset).
func EncodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	encoded, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encoding the histogram: %w", err)
	}
	return zeroNormalizingOffset(encoded)
}

// zeroNormalizingOffset rewrites the header field "normalizing index offset"
// to 0. hdrhistogram-go v1.1.2 always writes 1 there (its
// getNormalizingIndexOffset returns a constant) although it never shifts its
// counts, so 0 is what its counts mean; decoders that honour the field, such
// as Rust's hdrhistogram, refuse a nonzero offset. Layout of the V2
// compressed encoding: a 4-byte cookie and a 4-byte length, then a zlib
// stream holding the V2 header (cookie, payload length, normalizing index
// offset at bytes 8 to 11, ...) and the counts.
func zeroNormalizingOffset(encoded []byte) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(string(encoded))
	if err != nil || len(raw) < 8 {
		return "", fmt.Errorf("re-reading the encoded histogram: %v", err)
	}
	inflater, err := zlib.NewReader(bytes.NewReader(raw[8:]))
	if err != nil {
		return "", fmt.Errorf("inflating the encoded histogram: %w", err)
	}
	inner, err := io.ReadAll(inflater)
	if err != nil || len(inner) < 12 {
		return "", fmt.Errorf("inflating the encoded histogram: %v", err)
	}
	binary.BigEndian.PutUint32(inner[8:12], 0)
	var compressed bytes.Buffer
	deflater := zlib.NewWriter(&compressed)
	if _, err := deflater.Write(inner); err != nil {
		return "", fmt.Errorf("deflating the histogram: %w", err)
	}
	if err := deflater.Close(); err != nil {
		return "", fmt.Errorf("deflating the histogram: %w", err)
	}
	out := make([]byte, 8, 8+compressed.Len())
	copy(out[:4], raw[:4])
	binary.BigEndian.PutUint32(out[4:8], uint32(compressed.Len()))
	out = append(out, compressed.Bytes()...)
	return base64.StdEncoding.EncodeToString(out), nil
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
