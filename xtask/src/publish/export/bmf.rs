//! Bencher Metric Format JSON (bencher.dev/docs/reference/bencher-metric-format), which
//! `bencher run --adapter json` reads: an object keyed by benchmark name, each holding
//! measures keyed by slug, each a metric with `value` and optional `lower_value` and
//! `upper_value`.
//!
//! Measures: `latency` (Bencher's built-in measure in nanoseconds) is the time per
//! operation, the median over all samples with the smallest and largest sample as
//! bounds; `max-rss` (bytes), `instructions` (per operation), and for the latency
//! workloads `latency-p50` and `latency-p99` (nanoseconds) are the median over trials
//! with the smallest and largest trial as bounds. Bencher creates a measure the first
//! time it sees its slug.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::{benchmark_name, published, Exporter};
use crate::record::summary::{
    instructions_per_op, latency_ns, max_rss, time_per_op, Spread, LATENCY_PERCENTILES,
};
use crate::record::RunRecord;

pub struct Bmf;

#[derive(Debug, Serialize)]
struct Metric {
    value: f64,
    lower_value: f64,
    upper_value: f64,
}

impl From<Spread> for Metric {
    fn from(spread: Spread) -> Metric {
        Metric {
            value: spread.median,
            lower_value: spread.min,
            upper_value: spread.max,
        }
    }
}

impl Exporter for Bmf {
    fn name(&self) -> &'static str {
        "bmf"
    }

    fn export(&self, run: &RunRecord) -> Result<Vec<u8>> {
        let mut benchmarks: BTreeMap<String, BTreeMap<String, Metric>> = BTreeMap::new();
        for result in published(run)? {
            let mut measures = BTreeMap::new();
            let mut measure = |slug: &str, spread: Option<Spread>| {
                if let Some(spread) = spread {
                    measures.insert(slug.to_string(), Metric::from(spread));
                }
            };
            measure("latency", time_per_op(result));
            measure("max-rss", max_rss(result));
            measure("instructions", instructions_per_op(result));
            for (key, label) in LATENCY_PERCENTILES {
                measure(&format!("latency-{label}"), latency_ns(result, key));
            }
            benchmarks.insert(benchmark_name(result), measures);
        }
        let mut bytes = serde_json::to_vec_pretty(&benchmarks)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::export::tests::fixture;

    #[test]
    fn the_json_has_the_shape_bencher_reads() {
        let bytes = Bmf.export(&fixture()).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let benchmarks = json.as_object().unwrap();
        assert_eq!(benchmarks.len(), 4);
        for (name, measures) in benchmarks {
            let measures = measures.as_object().unwrap();
            assert!(measures.contains_key("latency") && measures.contains_key("max-rss"));
            for (slug, metric) in measures {
                let number = |key: &str| metric[key].as_f64().unwrap();
                let (value, lower, upper) = (
                    number("value"),
                    number("lower_value"),
                    number("upper_value"),
                );
                assert!(lower <= value && value <= upper, "{name} {slug}");
                assert!(
                    slug.len() <= 64,
                    "Bencher's slugs are at most 64 characters"
                );
            }
        }
        let sum = &json["sum/iter/rust-1.95.0/size=1000000"];
        assert_eq!(sum["latency"]["value"], 0.2499);
        assert!(sum["instructions"]["value"].is_number());
        let echo = &json["echo/net/go-1.26.8/message=64/rounds=10/size=10"];
        assert_eq!(echo["latency-p99"]["upper_value"], 424959.0);
    }
}
