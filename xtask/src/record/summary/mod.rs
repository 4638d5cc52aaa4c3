//! How a record's numbers are summarised, once for every reader: the terminal, the
//! site, `compare` and every export show the same figure for the same series.
//!
//! - the median: one definition, the mean of the two middle values of an even count
//!   (as the statistics use it), of a trial's samples and of a series' samples;
//! - the series label, `sum/iter rust-1.95.0 size=1000000`;
//! - how a time per operation and a memory size are written (`format_ns`, `mib`);
//! - the spread of a result's numbers (`result`), the tables people read (`table`,
//!   `calibration`), and the rule that turns failed results into a failed command.

mod calibration;
mod result;
mod table;

use std::collections::BTreeMap;

use anyhow::{bail, Result};

use super::{ResultRecord, Status, Trial};

pub use calibration::{calibration_table, CalibrationTable, Measured};
pub use result::{
    instructions_per_op, latency_ns, max_rss, significant, time_per_op, trial_instructions_per_op,
    trial_latency_ns, trial_percentiles, trial_time_per_op, Spread, HISTOGRAM_PERCENTILES,
    LATENCY_PERCENTILES,
};
pub use table::{calibration_text, results_table};

/// The median of values already sorted ascending: the middle one of an odd count, the
/// mean of the two middle ones of an even count; NaN for none.
pub fn median_of_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The median of `values`, in any order (see [`median_of_sorted`]).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    median_of_sorted(&sorted)
}

/// One trial's summary, as `compare` takes it: the median of its samples, in the
/// samples' own unit (nanoseconds per sample).
/// A trial whose samples `history prune` dropped gives the median it kept.
pub fn trial_median(trial: &Trial) -> Option<f64> {
    if trial.samples.is_empty() {
        let pruned = trial.pruned.as_ref().filter(|pruned| pruned.samples > 0);
        return pruned.map(|pruned| pruned.median_ns);
    }
    let samples: Vec<f64> = trial.samples.iter().map(|&s| s as f64).collect();
    Some(median(&samples))
}

/// The median time per operation, in nanoseconds, over every sample of `trials`.
pub fn series_median_ns_per_op(trials: &[Trial], ops: u64) -> Option<f64> {
    let samples: Vec<f64> = trials
        .iter()
        .flat_map(|t| t.samples.iter().map(|&s| s as f64))
        .collect();
    (!samples.is_empty() && ops > 0).then(|| median(&samples) / ops as f64)
}

/// A result's headline figure: the median time per operation over all its samples, or
/// the one `history prune` kept when it dropped them.
pub fn median_ns_per_op(result: &ResultRecord) -> Option<f64> {
    if let Some(pruned) = &result.pruned {
        return Some(pruned.median_ns_per_op);
    }
    series_median_ns_per_op(&result.trials, result.ops)
}

/// `ln(head/base)` of the median samples of base and head trials of the same round:
/// the paired noise that `ab` plans from and `calibrate` reports.
pub fn paired_log_ratios<'a>(
    base: impl IntoIterator<Item = &'a Trial>,
    head: impl IntoIterator<Item = &'a Trial>,
) -> Vec<f64> {
    let by_round = |trials: &mut dyn Iterator<Item = &'a Trial>| -> BTreeMap<u32, f64> {
        trials
            .filter_map(|t| Some((t.round, trial_median(t)?)))
            .collect()
    };
    let head = by_round(&mut head.into_iter());
    by_round(&mut base.into_iter())
        .iter()
        .filter_map(|(round, b)| head.get(round).map(|h| (h / b).ln()))
        .filter(|d| d.is_finite())
        .collect()
}

/// How a series is named to people, in logs, tables and the site:
/// `pingpong/tokio-multi rust-1.95.0 buffer=1 size=10000`, the parameters in key order.
pub fn series_label(
    workload: &str,
    variant: &str,
    toolchain: &str,
    params: &BTreeMap<String, u64>,
) -> String {
    format!(
        "{workload}/{variant} {toolchain} {}",
        params_text(params, " ")
    )
    .trim_end()
    .to_string()
}

/// A setup's parameters as `key=value`, joined by `separator`.
pub fn params_text(params: &BTreeMap<String, u64>, separator: &str) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(separator)
}

/// A time per operation in nanoseconds, with the digits that matter at its size:
/// `310`, `3.14`, `0.0808`.
pub fn format_ns(ns: f64) -> String {
    if ns >= 100.0 {
        format!("{ns:.0}")
    } else if ns >= 1.0 {
        format!("{ns:.2}")
    } else {
        format!("{ns:.4}")
    }
}

/// "AMD EPYC 7763 64-Core Processor · x86_64 · 4 CPUs (2 cores)".
pub fn machine_label(machine: &crate::record::Machine) -> String {
    let cpus = match (machine.logical_cpus, machine.physical_cores) {
        (Some(cpus), Some(cores)) if cores != cpus => format!("{cpus} CPUs ({cores} cores)"),
        (Some(cpus), _) => format!("{cpus} CPUs"),
        (None, _) => "? CPUs".to_string(),
    };
    format!(
        "{} · {} · {cpus}",
        machine.cpu_model.as_deref().unwrap_or("unknown CPU"),
        machine.arch
    )
}

/// Bytes in mebibytes.
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1048576.0
}

/// The largest max RSS of a result's trials, in bytes.
pub fn peak_rss_bytes(result: &ResultRecord) -> u64 {
    result
        .trials
        .iter()
        .map(|t| t.max_rss_bytes)
        .max()
        .unwrap_or(0)
}

/// An error listing every result that failed, timed out or mismatched, if any did: what
/// turns a run with failures into a command that exits non-zero, after its record is
/// written.
pub fn require_ok<'a>(results: impl IntoIterator<Item = &'a ResultRecord>) -> Result<()> {
    let results: Vec<&ResultRecord> = results.into_iter().collect();
    let reasons: Vec<String> = results
        .iter()
        .filter(|r| {
            matches!(
                r.status,
                Status::Failed | Status::Timeout | Status::Mismatch
            )
        })
        .map(|r| format!("  {}", r.reason.as_deref().unwrap_or("no reason recorded")))
        .collect();
    if !reasons.is_empty() {
        bail!(
            "{} of {} results failed:\n{}",
            reasons.len(),
            results.len(),
            reasons.join("\n")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[0.311, 0.310]), 0.3105);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0, "odd: the middle one");
        assert_eq!(median(&[7.0]), 7.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn the_series_median_pools_every_sample_of_every_trial() {
        let trial = |samples: &[u64]| Trial {
            round: 0,
            samples: samples.to_vec(),
            checksum: None,
            extra: BTreeMap::new(),
            histogram: None,
            wall_ns: 0,
            user_ns: 0,
            sys_ns: 0,
            max_rss_bytes: 0,
            error: None,
            instructions: None,
            pruned: None,
        };
        // 30 samples, as a full-size `sum` trial takes: the middle two are 310 and 311.
        let first: Vec<u64> = (296..311).collect();
        let second: Vec<u64> = (311..326).collect();
        let trials = [trial(&first), trial(&second)];
        assert_eq!(series_median_ns_per_op(&trials, 1000), Some(0.3105));
        assert_eq!(trial_median(&trials[0]), Some(303.0));
        assert_eq!(series_median_ns_per_op(&trials, 0), None, "no operations");
        assert_eq!(series_median_ns_per_op(&[], 1000), None, "no samples");
    }

    #[test]
    fn times_are_written_with_the_digits_that_matter() {
        assert_eq!(format_ns(310.4), "310");
        assert_eq!(format_ns(5.678), "5.68");
        assert_eq!(format_ns(0.31054), "0.3105");
    }
}
