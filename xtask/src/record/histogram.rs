//! Latency histograms as the workloads write them: HdrHistogram in the V2 compressed
//! (deflate) encoding, base64. Both languages write this encoding (Rust with the
//! `hdrhistogram` crate, Go with hdrhistogram-go), so one decoder reads either.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use base64::Engine;
use hdrhistogram::serialization::Deserializer;
use hdrhistogram::Histogram;

/// Decodes one histogram from its base64 text. The text comes from a workload's stdout
/// or a run record, so it is checked before `hdrhistogram` sees it: that decoder sizes
/// its buffer by the payload length the header claims (4 GiB from 40 bytes) and negates
/// a count of `i64::MIN` (a panic where overflow checks are on) — both found by fuzzing
/// (docs/fuzzing.md). A histogram that passes `read_counts` cannot reach either.
pub fn decode(base64_text: &str) -> Result<Histogram<u64>> {
    let encoded = Encoded::from_base64(base64_text)?;
    let values = highest_equivalents(encoded.low, encoded.high, encoded.digits)?;
    read_counts(encoded.payload(), values.len())?;
    Deserializer::new()
        .deserialize(&mut encoded.v2.as_slice())
        .map_err(|error| anyhow::anyhow!("decoding the V2 histogram: {error:?}"))
}

/// The values at `quantiles` (each as `Histogram::value_at_quantile` gives it: the
/// highest value equivalent to the bucket the quantile falls in) and the count of a
/// histogram, read without building it. A decoded histogram holds its whole counts
/// array — hundreds of KiB for the workloads' range of 1 ns to 60 s, almost all zero —
/// and a site of ten thousand runs reads hundreds of thousands of them; this walks the
/// encoded counts instead, and maps a count's index to its value with a table made
/// once per histogram shape by the `hdrhistogram` crate itself.
pub fn quantiles(base64_text: &str, quantiles: &[f64]) -> Result<(u64, Vec<u64>)> {
    let encoded = Encoded::from_base64(base64_text)?;
    let values = highest_equivalents(encoded.low, encoded.high, encoded.digits)?;
    let counts = read_counts(encoded.payload(), values.len())?;
    let total: u64 = counts.iter().map(|(_, count)| count).sum();
    let at_quantile = |quantile: f64| -> u64 {
        let quantile = quantile.clamp(0.0, 1.0);
        let target = ((quantile * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for &(index, count) in &counts {
            seen += count;
            if seen >= target {
                return values[index];
            }
        }
        0
    };
    Ok((total, quantiles.iter().map(|q| at_quantile(*q)).collect()))
}

/// The largest V2 encoding inflated from a deflate envelope. The workloads' widest
/// shape (1 ns to 60 s, three digits) has about 40,000 counts of at most nine bytes
/// each; a hundred times that is room enough and stops a deflate bomb.
const INFLATED_LIMIT: u64 = 40 << 20;

/// A histogram's V2 encoding, out of its base64 and (where present) deflate envelope,
/// with the header read and the payload length checked against the bytes there are.
struct Encoded {
    /// The whole V2 encoding, cookie first, as `hdrhistogram` reads it.
    v2: Vec<u8>,
    payload_length: usize,
    low: u64,
    high: u64,
    digits: u8,
}

impl Encoded {
    const HEADER: usize = 40;

    fn from_base64(base64_text: &str) -> Result<Encoded> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(base64_text.trim())
            .context("decoding the histogram's base64")?;
        // The cookies of the V2 encoding (with the word-size bits HdrHistogram sets).
        const V2: u32 = 0x1c84_9303 | 0x10;
        const V2_DEFLATE: u32 = 0x1c84_9304 | 0x10;
        let v2 = match be_u32(&bytes, 0)? {
            V2 => bytes,
            V2_DEFLATE => {
                let length = be_u32(&bytes, 4)? as usize;
                let compressed = bytes
                    .get(8..8usize.saturating_add(length))
                    .context("a truncated histogram: the deflate envelope is cut short")?;
                let mut out = Vec::new();
                flate2::read::ZlibDecoder::new(compressed)
                    .take(INFLATED_LIMIT + 1)
                    .read_to_end(&mut out)
                    .context("inflating the histogram")?;
                if out.len() as u64 > INFLATED_LIMIT {
                    bail!(
                        "a histogram that inflates past {} MiB, far more than any shape \
                         the workloads write",
                        INFLATED_LIMIT >> 20
                    );
                }
                out
            }
            other => bail!("not a V2 histogram (cookie {other:#x})"),
        };
        if be_u32(&v2, 0)? != V2 {
            bail!("not a V2 histogram inside the deflate envelope");
        }
        let payload_length = be_u32(&v2, 4)? as usize;
        if be_u32(&v2, 8)? != 0 {
            bail!("a normalizing index offset, which the workloads never write");
        }
        let digits = u8::try_from(be_u32(&v2, 12)?).context("significant digits")?;
        let (low, high) = (be_u64(&v2, 16)?, be_u64(&v2, 24)?);
        // The integer-to-double ratio of a histogram of doubles; `hdrhistogram` decodes
        // only 1.0, and the workloads record integers.
        let ratio = f64::from_bits(be_u64(&v2, 32)?);
        if ratio != 1.0 {
            bail!("an integer-to-double ratio of {ratio}, which the workloads never write");
        }
        let available = v2.len().saturating_sub(Self::HEADER);
        if payload_length > available {
            bail!(
                "a truncated histogram: its header claims a payload of {payload_length} bytes \
                 and {available} follow"
            );
        }
        Ok(Encoded {
            v2,
            payload_length,
            low,
            high,
            digits,
        })
    }

    fn payload(&self) -> &[u8] {
        &self.v2[Self::HEADER..Self::HEADER + self.payload_length]
    }
}

fn be_u32(bytes: &[u8], at: usize) -> Result<u32> {
    let word = bytes.get(at..at + 4).context("a truncated histogram")?;
    Ok(u32::from_be_bytes(word.try_into()?))
}

fn be_u64(bytes: &[u8], at: usize) -> Result<u64> {
    let word = bytes.get(at..at + 8).context("a truncated histogram")?;
    Ok(u64::from_be_bytes(word.try_into()?))
}

/// (index, count) of every non-zero count of a V2 payload, in index order, checked
/// against a shape of `length` counts: every count and run of zeros inside it, no count
/// negative or past `i64::MAX`, and the total within a `u64`.
fn read_counts(payload: &[u8], length: usize) -> Result<Vec<(usize, u64)>> {
    let mut counts: Vec<(usize, u64)> = Vec::new();
    let (mut at, mut index, mut total) = (0usize, 0usize, 0u64);
    while at < payload.len() {
        let (zigzag, read) = varint(&payload[at..])?;
        at += read;
        let value = ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
        if value == i64::MIN {
            bail!("a histogram's count is out of range ({value})");
        }
        if value < 0 {
            index = index
                .checked_add(value.unsigned_abs() as usize)
                .filter(|index| *index <= length)
                .context("a histogram's run of zeros runs past its range")?;
            continue;
        }
        if index >= length {
            bail!("a histogram's counts run past its range of {length}");
        }
        if value > 0 {
            total = total
                .checked_add(value as u64)
                .context("a histogram's total count overflows")?;
            counts.push((index, value as u64));
        }
        index += 1;
    }
    Ok(counts)
}

/// The highest value equivalent to each count index of a histogram shape.
fn highest_equivalents(low: u64, high: u64, digits: u8) -> Result<Arc<Vec<u64>>> {
    type Shape = (u64, u64, u8);
    static TABLES: Mutex<Option<HashMap<Shape, Arc<Vec<u64>>>>> = Mutex::new(None);
    let mut tables = TABLES.lock().expect("no table builder panicked");
    let tables = tables.get_or_insert_with(HashMap::new);
    if let Some(table) = tables.get(&(low, high, digits)) {
        return Ok(table.clone());
    }
    let shape = Histogram::<u64>::new_with_bounds(low, high, digits)
        .map_err(|error| anyhow::anyhow!("a histogram of bounds {low}..{high}: {error:?}"))?;
    let table: Arc<Vec<u64>> = Arc::new(
        shape
            .iter_all()
            .map(|bucket| bucket.value_iterated_to())
            .collect(),
    );
    tables.insert((low, high, digits), table.clone());
    Ok(table)
}

/// One LEB128 number of HdrHistogram's kind: 7 bits a byte, the ninth byte whole.
fn varint(bytes: &[u8]) -> Result<(u64, usize)> {
    let mut value = 0u64;
    for (at, byte) in bytes.iter().enumerate().take(9) {
        if at == 8 {
            return Ok((value | (u64::from(*byte) << 56), 9));
        }
        value |= u64::from(byte & 0x7f) << (7 * at);
        if byte & 0x80 == 0 {
            return Ok((value, at + 1));
        }
    }
    bail!("a histogram's number is cut short")
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
        let (count, read) = quantiles(&text, &[0.5, 0.9, 0.99, 0.999]).unwrap();
        assert_eq!(count, field("count"));
        assert_eq!(
            read,
            [field("p50"), field("p90"), field("p99"), field("p999")]
        );
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
        assert!(quantiles("not base64 at all!", &[0.5]).is_err());
        assert!(quantiles("aGVsbG8=", &[0.5]).is_err());
        assert!(quantiles("HIST", &[0.5]).is_err());
    }

    /// The quick reading agrees with decoding the histogram, on histograms of every
    /// shape the workloads write: tight, long-tailed, wide and tiny.
    #[test]
    fn quantiles_read_without_decoding_equal_the_decoded_histograms() {
        use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let wanted = [0.0, 0.5, 0.9, 0.99, 0.999, 1.0];
        for case in 0..60 {
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
            let spread = 1 + case % 7;
            for _ in 0..(1 + case * 37) {
                let value = (next() % 10u64.pow(spread as u32)).max(1) * (1 + case as u64);
                histogram.saturating_record(value);
            }
            let mut bytes = Vec::new();
            V2DeflateSerializer::new()
                .serialize(&histogram, &mut bytes)
                .unwrap();
            let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let (count, values) = quantiles(&text, &wanted).unwrap();
            let decoded = decode(&text).unwrap();
            assert_eq!(count, decoded.len(), "case {case}");
            for (q, value) in wanted.iter().zip(values) {
                let expected = if *q == 0.0 {
                    decoded.highest_equivalent(decoded.value_at_quantile(0.0))
                } else {
                    decoded.value_at_quantile(*q)
                };
                assert_eq!(value, expected, "case {case}, quantile {q}");
            }
        }
    }
}
