//! Per-operation latency distributions for `actors` and `echo`: an HdrHistogram with
//! the bounds the spec fixes (1 ns to 60 s, 3 significant digits), its V2 deflate
//! encoding in standard base64 for the result's `histogram` field, and the percentile
//! keys both workloads put in `extra`. One module so both encode exactly alike, and
//! alike with Go's `hdrhistogram-go`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;

use crate::contract::{Failure, Report};

/// The highest latency the histogram tracks: 60 s in nanoseconds.
const HIGHEST_NS: u64 = 60_000_000_000;

/// An empty histogram with the spec's bounds.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIGHEST_NS, 3).expect("the spec's bounds are valid")
}

/// Records one latency. 0 ns (two clock reads in the same tick) is recorded as 1,
/// the lowest trackable value, as the spec says; anything over 60 s is clamped to it
/// rather than lost.
pub fn record(histogram: &mut Histogram<u64>, ns: u64) {
    histogram.saturating_record(ns.max(1));
}

/// The `histogram` field: V2 deflate encoding, base64 with the standard padded alphabet.
pub fn encode(histogram: &Histogram<u64>) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(histogram, &mut bytes)
        .map_err(|err| Failure::Run(format!("encoding the latency histogram: {err:?}")))?;
    Ok(STANDARD.encode(bytes))
}

/// Puts the histogram of the last sample into the report: the encoded distribution and
/// the percentile keys of `extra`.
pub fn report(report: &mut Report, histogram: &Histogram<u64>) -> Result<(), Failure> {
    report.histogram = Some(encode(histogram)?);
    report.set("p50_ns", histogram.value_at_quantile(0.50));
    report.set("p90_ns", histogram.value_at_quantile(0.90));
    report.set("p99_ns", histogram.value_at_quantile(0.99));
    report.set("p999_ns", histogram.value_at_quantile(0.999));
    report.set("max_ns", histogram.max());
    report.set("count", histogram.len());
    Ok(())
}

/// Operations per second of one sample, as `extra.throughput_per_s`.
pub fn throughput_per_s(ops: u64, sample_ns: u64) -> f64 {
    ops as f64 / (sample_ns.max(1) as f64 / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::serialization::Deserializer;

    #[test]
    fn encoding_round_trips_with_the_same_percentiles() {
        let mut original = histogram();
        for ns in [
            0,
            1,
            950,
            1_000,
            1_234,
            20_000,
            20_000,
            5_000_000,
            70_000_000_000,
        ] {
            record(&mut original, ns);
        }
        let text = encode(&original).unwrap();
        let bytes = STANDARD.decode(&text).unwrap();
        let decoded: Histogram<u64> = Deserializer::new().deserialize(&mut &bytes[..]).unwrap();
        assert_eq!(decoded.len(), original.len());
        for quantile in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(
                decoded.value_at_quantile(quantile),
                original.value_at_quantile(quantile),
                "quantile {quantile}"
            );
        }
        assert_eq!(decoded.max(), original.max());
        assert_eq!(decoded.min(), 1, "0 is recorded as 1");
        assert!(
            decoded.max() >= HIGHEST_NS,
            "over 60 s is clamped, not lost"
        );
    }
}
