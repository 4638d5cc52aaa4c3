//! github-action-benchmark's custom JSON, for its `customSmallerIsBetter` tool: an array
//! of `{"name", "unit", "value", "range", "extra"}` entries, one chart per name.
//!
//! Every measure is smaller-is-better, so each gets an entry of its own: the time per
//! operation under the series' plain name, and `<name> - max RSS`, `<name> -
//! instructions`, `<name> - p50 latency`, `<name> - p99 latency` where present (the
//! " - " form is the one the action's README uses for several measures of one
//! benchmark). `range` is `± d`, the form the action parses and rescales with the unit:
//! `d` is the largest distance of an observation from the value, so value ± d holds them
//! all. `extra` is the tooltip: what the value is the median of, the exact bounds, the
//! run and the machine.

use anyhow::Result;
use serde::Serialize;

use super::{benchmark_name, published, Exporter};
use crate::record::summary::{
    instructions_per_op, latency_ns, max_rss, significant, time_per_op, Spread, LATENCY_PERCENTILES,
};
use crate::record::RunRecord;

pub struct Gab;

#[derive(Debug, Serialize)]
struct Entry {
    name: String,
    unit: &'static str,
    value: f64,
    range: String,
    extra: String,
}

impl Exporter for Gab {
    fn name(&self) -> &'static str {
        "gab"
    }

    fn export(&self, run: &RunRecord) -> Result<Vec<u8>> {
        let mut entries = Vec::new();
        for result in published(run)? {
            let name = benchmark_name(result);
            let trials = result.trials.len();
            let mut entry = |suffix: &str, unit: &'static str, of: &str, spread| {
                let Some(spread): Option<Spread> = spread else {
                    return;
                };
                entries.push(Entry {
                    name: format!("{name}{suffix}"),
                    unit,
                    value: spread.median,
                    range: format!("± {}", significant(spread.deviation(), 4)),
                    extra: format!(
                        "median of {} {of}\nmin {} {unit}, max {} {unit}\nrun {}\nmachine {}",
                        spread.count, spread.min, spread.max, run.id, run.machine.fingerprint
                    ),
                });
            };
            let samples = format!("samples in {trials} trials");
            entry("", "ns/op", &samples, time_per_op(result));
            entry(" - max RSS", "bytes", "trials", max_rss(result));
            let instructions = instructions_per_op(result);
            entry(" - instructions", "instructions/op", "trials", instructions);
            for (key, label) in LATENCY_PERCENTILES {
                let suffix = format!(" - {label} latency");
                entry(&suffix, "ns", "trials", latency_ns(result, key));
            }
        }
        let mut bytes = serde_json::to_vec_pretty(&entries)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::publish::export::tests::fixture;

    #[test]
    fn every_entry_has_the_fields_the_action_reads() {
        let bytes = Gab.export(&fixture()).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let entries = json.as_array().unwrap();
        let mut names = BTreeSet::new();
        for entry in entries {
            let text = |key: &str| entry[key].as_str().unwrap().to_string();
            assert!(
                names.insert(text("name")),
                "names are unique: {}",
                text("name")
            );
            assert!(!text("unit").is_empty());
            assert!(entry["value"].as_f64().unwrap() > 0.0);
            // The action's extractRangeInfo: /(\+-|±)\s*(\d.+)/, then Number(...).
            let range = text("range");
            let deviation = range.strip_prefix("± ").unwrap();
            assert!(deviation.parse::<f64>().is_ok(), "{range}");
            assert!(text("extra").contains("machine 5156fff43357a589"));
        }
        // Time for each of four series, RSS for each, instructions for one, p50 and p99
        // for one.
        assert_eq!(entries.len(), 4 + 4 + 1 + 2);
        assert!(names.contains("echo/net/go-1.26.8/message=64/rounds=10/size=10 - p99 latency"));
    }
}
