//! `cargo xtask history prune --keep-raw N`: drops the raw samples and histograms of
//! every series but its newest N runs, and keeps what the readers compute from them.
//!
//! A series is what `docs/run-record.md` calls one: machine fingerprint, workload,
//! variant, language, toolchain and parameters. Its runs are ordered by record id (start
//! time). A pruned result keeps its time per operation over all samples
//! (`PrunedResult`) and each trial its sample median, extremes and latency percentiles
//! (`PrunedTrial`), so that the site, the tables, `claims` and `compare` (which pairs
//! trial medians) show the same figures before and after.
//!
//! A pruned record is written as compact JSON, which with the raw data gone takes
//! about half the space of the pretty-printed original.
//!
//! Crash safety: each record is pruned into a new file that replaces it in one rename
//! (`history::replace`), and only after the pruned copy has been parsed back and found
//! to give every figure the original gave. A kill at any point leaves each record whole,
//! as it was or pruned; a second prune finishes the work. A record that does not parse
//! is named and left untouched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::history;
use super::history::Unreadable;
use super::summary::{
    median_ns_per_op, series_label, time_per_op, trial_median, trial_percentiles,
    trial_time_per_op, HISTOGRAM_PERCENTILES,
};
use super::{PrunedResult, PrunedTrial, ResultRecord, RunRecord, Trial};

/// What a prune did, or would do (`dry_run`).
#[derive(Debug, Default)]
pub struct Pruned {
    pub records_read: usize,
    pub records_pruned: usize,
    pub results_pruned: usize,
    pub trials_pruned: usize,
    /// Sizes of the pruned records' files, before and after.
    pub bytes_before: u64,
    pub bytes_after: u64,
    /// Files that are not readable records, with the reason; left as they are.
    pub unreadable: Vec<Unreadable>,
}

/// Whether a result still holds raw data to drop.
fn has_raw(result: &ResultRecord) -> bool {
    result
        .trials
        .iter()
        .any(|t| !t.samples.is_empty() || t.histogram.is_some())
}

/// The series a result belongs to: its machine and its label (workload, variant,
/// toolchain, parameters; the toolchain names the language).
fn series_key(record: &RunRecord, result: &ResultRecord) -> (String, String) {
    let label = series_label(
        &result.workload,
        &result.variant,
        &result.toolchain,
        &result.params,
    );
    (record.machine.fingerprint.clone(), label)
}

/// The trial with its samples and histogram replaced by their summary; a trial already
/// pruned, or without raw data, as it is.
fn prune_trial(trial: &Trial) -> Trial {
    let mut pruned = trial.clone();
    if trial.pruned.is_some() || (trial.samples.is_empty() && trial.histogram.is_none()) {
        return pruned;
    }
    let latency_ns = trial_percentiles(trial)
        .map(|values| {
            HISTOGRAM_PERCENTILES
                .iter()
                .zip(values)
                .map(|((key, _), value)| (key.to_string(), value as f64))
                .collect()
        })
        .unwrap_or_default();
    // A trial with a histogram and no samples keeps `samples: 0`, which readers take
    // as no median.
    pruned.pruned = Some(PrunedTrial {
        samples: trial.samples.len() as u64,
        median_ns: trial_median(trial).unwrap_or(0.0),
        min_ns: trial.samples.iter().copied().min().unwrap_or(0),
        max_ns: trial.samples.iter().copied().max().unwrap_or(0),
        latency_ns,
    });
    pruned.samples = Vec::new();
    pruned.histogram = None;
    pruned
}

/// The result with its raw data replaced by their summaries, or `None` when it has no
/// time per operation to keep (a failed result without samples keeps what it has).
pub fn prune_result(result: &ResultRecord, at: &str) -> Option<ResultRecord> {
    let spread = time_per_op(result)?;
    let mut pruned = result.clone();
    pruned.trials = result.trials.iter().map(prune_trial).collect();
    pruned.pruned = Some(PrunedResult {
        at: at.to_string(),
        samples: spread.count as u64,
        median_ns_per_op: median_ns_per_op(result)?,
        min_ns_per_op: spread.min,
        max_ns_per_op: spread.max,
    });
    Some(pruned)
}

/// The figures the readers take from a result, to check a pruned copy against (NaN
/// where a reader finds none).
fn figures(result: &ResultRecord) -> Vec<f64> {
    let spread = |s: Option<super::summary::Spread>| -> [f64; 4] {
        s.map_or([f64::NAN; 4], |s| [s.median, s.min, s.max, s.count as f64])
    };
    let mut figures = vec![median_ns_per_op(result).unwrap_or(f64::NAN)];
    figures.extend(spread(time_per_op(result)));
    for trial in &result.trials {
        figures.push(trial_median(trial).unwrap_or(f64::NAN));
        figures.extend(spread(trial_time_per_op(trial, result.ops)));
        let percentiles = trial_percentiles(trial).map(|p| p.map(|v| v as f64));
        figures.extend(percentiles.unwrap_or([f64::NAN; 3]));
    }
    figures
}

/// Figures equal to the last bits a different order of the same arithmetic moves.
fn same_figures(before: &[f64], after: &[f64]) -> bool {
    before.len() == after.len()
        && before.iter().zip(after).all(|(a, b)| {
            (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
        })
}

/// Prunes the history in `dir`, keeping raw data for the newest `keep_raw` runs of
/// every series; `at` is the time to record. With `dry_run`, counts and writes nothing.
pub fn prune(dir: &Path, keep_raw: usize, at: &str, dry_run: bool) -> Result<Pruned> {
    let mut report = Pruned::default();
    let mut records: Vec<(PathBuf, Vec<u8>, RunRecord)> = Vec::new();
    for path in history::record_files(dir)? {
        match history::read_with_bytes(&path) {
            Ok((bytes, record)) => records.push((path, bytes, record)),
            Err(error) => report.unreadable.push(Unreadable {
                path,
                reason: format!("{error:#}"),
            }),
        }
    }
    report.records_read = records.len();
    records.sort_by(|a, b| a.2.id.cmp(&b.2.id));
    // Per series, its (record, result) places, newest first.
    let mut series: BTreeMap<(String, String), Vec<(usize, usize)>> = BTreeMap::new();
    for (r, (_, _, record)) in records.iter().enumerate().rev() {
        for (i, result) in record.results.iter().enumerate() {
            series
                .entry(series_key(record, result))
                .or_default()
                .push((r, i));
        }
    }
    let mut marked: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for places in series.values() {
        for &(r, i) in places.iter().skip(keep_raw) {
            if has_raw(&records[r].2.results[i]) {
                marked.entry(r).or_default().push(i);
            }
        }
    }
    for (r, results) in marked {
        let (path, bytes, record) = &records[r];
        let mut pruned = record.clone();
        let mut changed = 0;
        for &i in &results {
            if let Some(result) = prune_result(&record.results[i], at) {
                report.trials_pruned += result.trials.len();
                pruned.results[i] = result;
                changed += 1;
            }
        }
        if changed == 0 {
            continue;
        }
        // Compact: a pruned record is kept for its figures, not read by people, and the
        // pretty-printed layout of its trials would cost more than the samples saved.
        let mut json = serde_json::to_vec(&pruned).context("serializing a pruned record")?;
        json.push(b'\n');
        check_same_figures(path, record, &json)?;
        report.records_pruned += 1;
        report.results_pruned += changed;
        report.bytes_before += bytes.len() as u64;
        report.bytes_after += json.len() as u64;
        if !dry_run {
            // `replace` adds the final newline, as `history::write` does.
            history::replace(path, bytes, &json[..json.len() - 1])
                .with_context(|| format!("pruning {}", path.display()))?;
        }
    }
    Ok(report)
}

/// The pruned copy parses as a record and gives every figure the original gave.
fn check_same_figures(path: &Path, original: &RunRecord, json: &[u8]) -> Result<()> {
    let text = std::str::from_utf8(json).context("a pruned record is UTF-8")?;
    let copy = RunRecord::from_json(text)
        .with_context(|| format!("reading back the pruned copy of {}", path.display()))?;
    for (before, after) in original.results.iter().zip(&copy.results) {
        let (figures_before, figures_after) = (figures(before), figures(after));
        if !same_figures(&figures_before, &figures_after) {
            bail!(
                "the pruned copy of {} would change a figure of {}/{} ({figures_before:?} \
                 became {figures_after:?}); the record is left as it is (a bug in versus: \
                 please report it)",
                path.display(),
                before.workload,
                before.variant
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
