//! Latency histograms as the workloads write them: HdrHistogram in the V2 compressed
//! (deflate) encoding, base64. Both languages write this encoding (Rust with the
//! `hdrhistogram` crate, Go with hdrhistogram-go), so one decoder reads either.

use anyhow::{Context, Result};
use base64::Engine;
use hdrhistogram::serialization::Deserializer;
use hdrhistogram::Histogram;

/// Decodes one histogram from its base64 text.
pub fn decode(base64_text: &str) -> Result<Histogram<u64>> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_text.trim())
        .context("decoding the histogram's base64")?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|error| anyhow::anyhow!("decoding the V2 histogram: {error:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The percentiles a result reports, in the histogram's unit (nanoseconds).
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Summary {
        count: u64,
        p50: u64,
        p90: u64,
        p99: u64,
        p999: u64,
        max: u64,
    }

    fn summarize(histogram: &Histogram<u64>) -> Summary {
        Summary {
            count: histogram.len(),
            p50: histogram.value_at_quantile(0.50),
            p90: histogram.value_at_quantile(0.90),
            p99: histogram.value_at_quantile(0.99),
            p999: histogram.value_at_quantile(0.999),
            max: histogram.max(),
        }
    }

    /// go/testdata holds a histogram that hdrhistogram-go wrote (values 1..=10000, once
    /// each) and the percentiles Go computed from it; Go's own test regenerates both.
    #[test]
    fn a_histogram_written_by_go_decodes_in_rust_with_the_same_percentiles() {
        let testdata = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../go/testdata");
        let text = std::fs::read_to_string(testdata.join("histogram-v2-deflate.txt")).unwrap();
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(testdata.join("histogram-v2-deflate.json")).unwrap(),
        )
        .unwrap();
        let summary = summarize(&decode(&text).map_err(|e| format!("{e:#}")).unwrap());
        let field = |name: &str| expected[name].as_u64().unwrap();
        assert_eq!(summary.count, field("count"));
        // Both libraries report the highest value equivalent to the quantile's bucket.
        for (rust, go) in [
            (summary.p50, field("p50")),
            (summary.p90, field("p90")),
            (summary.p99, field("p99")),
            (summary.p999, field("p999")),
            (summary.max, field("max")),
        ] {
            assert_eq!(
                rust, go,
                "Rust and Go disagree on a percentile: {summary:?} vs {expected}"
            );
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode("not base64 at all!").is_err());
        assert!(decode("aGVsbG8=").is_err(), "valid base64, not a histogram");
    }
}
