//! The small trend a pull request comment draws beside each changed series: its value
//! in the last runs of the main branch on the same machine, as a line of Unicode blocks
//! (no hosted image, nothing fetched by the reader). Read from a history — on GitHub
//! Actions, the data branch checked out by the commenting workflow.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;

use crate::analyse::compare::{run_value, Comparison, Metric, SeriesKey};
use crate::record::history;

/// Points per trend at most: the last runs of the branch.
pub const POINTS: usize = 20;

/// Newest record files read at most, so that a history of years stays quick to scan.
const SCAN: usize = 400;

/// The trends of a comparison's changed entries.
#[derive(Debug, Default)]
pub struct Trends {
    by_entry: BTreeMap<(SeriesKey, Metric), Vec<f64>>,
    /// Records of the branch that were read.
    pub runs: usize,
    /// Records that could not be read, each named with the reason.
    pub warnings: Vec<String>,
}

impl Trends {
    /// The values of one entry's series and metric, oldest first; empty when the
    /// branch has no run of it on that machine.
    pub fn of(&self, series: &SeriesKey, metric: Metric) -> &[f64] {
        self.by_entry
            .get(&(series.clone(), metric))
            .map_or(&[], Vec::as_slice)
    }

    /// The trends of the changed entries of `comparison`, from the newest records of
    /// `branch` (runs of a pull request, or with uncommitted changes, are not the
    /// branch's) in `dir`. A record that cannot be read is skipped with a warning.
    pub fn from_history(dir: &Path, comparison: &Comparison, branch: &str) -> Result<Trends> {
        let mut trends = Trends::default();
        let wanted: Vec<(&SeriesKey, Metric)> = comparison
            .entries
            .iter()
            .filter(|e| e.verdict.is_change())
            .map(|e| (&e.series, e.metric))
            .collect();
        if wanted.is_empty() {
            return Ok(trends);
        }
        let full_ref = format!("refs/heads/{branch}");
        // (started_at, value) per wanted entry, newest records first. A record is read,
        // its values taken and dropped: a history of years never sits in memory, and
        // the scan stops once every entry has its points.
        let mut found: Vec<Vec<(String, f64)>> = vec![Vec::new(); wanted.len()];
        for path in history::record_files(dir)?.iter().rev().take(SCAN) {
            if found.iter().all(|values| values.len() >= POINTS) {
                break;
            }
            let record = match history::read(path) {
                Ok(record) => record,
                Err(error) => {
                    trends.warnings.push(format!(
                        "skipping {} in the trends: {error:#}",
                        path.display()
                    ));
                    continue;
                }
            };
            let on_branch = record
                .source
                .git_ref
                .as_deref()
                .is_some_and(|r| r == branch || r == full_ref);
            if !on_branch || record.source.pr.is_some() || record.source.dirty {
                continue;
            }
            trends.runs += 1;
            for ((series, metric), values) in wanted.iter().zip(&mut found) {
                if values.len() < POINTS {
                    if let Some(value) = run_value(&record, series, *metric) {
                        values.push((record.started_at.clone(), value));
                    }
                }
            }
        }
        for ((series, metric), mut values) in wanted.into_iter().zip(found) {
            if values.is_empty() {
                continue;
            }
            values.sort_by(|a, b| a.0.cmp(&b.0));
            trends.by_entry.insert(
                (series.clone(), metric),
                values.into_iter().map(|(_, value)| value).collect(),
            );
        }
        Ok(trends)
    }

    #[cfg(test)]
    pub fn insert(&mut self, series: SeriesKey, metric: Metric, values: Vec<f64>) {
        self.by_entry.insert((series, metric), values);
    }
}

/// `values` as a line of eight-level blocks, lowest value `▁`, highest `█`; a flat
/// series is a flat line. Non-finite values are left out.
pub fn sparkline(values: &[f64]) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (low, high) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    finite
        .iter()
        .map(|&value| {
            if high - low <= f64::EPSILON * high.abs() {
                BLOCKS[3]
            } else {
                let level = ((value - low) / (high - low) * 7.0).round() as usize;
                BLOCKS[level.min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::compare::{compare, Settings, Verdict};
    use crate::record::fixtures::{record, result, FINGERPRINT};

    #[test]
    fn sparklines_span_the_blocks() {
        assert_eq!(sparkline(&[1.0, 2.0, 3.0, 8.0]), "▁▂▃█");
        assert_eq!(sparkline(&[5.0, 5.0, 5.0]), "▄▄▄");
        assert_eq!(sparkline(&[1.0, f64::NAN, 2.0]), "▁█");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn trends_read_the_branch_runs_of_the_same_machine_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut written = Vec::new();
        for (hour, (value, git_ref, pr)) in [
            (0.30, Some("refs/heads/main"), None),
            (0.31, Some("main"), None),
            (0.90, Some("refs/heads/feature"), None),
            (0.95, Some("refs/pull/4/merge"), Some(4)),
            (0.32, Some("refs/heads/main"), None),
        ]
        .into_iter()
        .enumerate()
        {
            let id = format!("20261122T0{hour}0000Z-0123456789ab-c90d059{hour}");
            let mut run = record(
                &id,
                None,
                FINGERPRINT,
                vec![result("sum", "iter", &[value])],
            );
            run.started_at = format!("2026-11-22T0{hour}:00:00Z");
            run.source.git_ref = git_ref.map(str::to_string);
            run.source.pr = pr;
            history::write(dir.path(), &run).unwrap();
            written.push(run);
        }
        std::fs::write(dir.path().join("broken.json"), "{").unwrap();
        // A comparison in which sum/iter got slower.
        let slow = record(
            "20261123T000000Z-0123456789ab-c90d0590",
            None,
            FINGERPRINT,
            vec![result("sum", "iter", &[0.40, 0.41, 0.40, 0.42, 0.41, 0.40])],
        );
        let fast = record(
            "20261123T010000Z-0123456789ab-c90d0591",
            None,
            FINGERPRINT,
            vec![result("sum", "iter", &[0.30, 0.31, 0.30, 0.30, 0.31, 0.30])],
        );
        let comparison = compare(&[fast], &[slow], &Settings::default());
        let entry = comparison
            .entries
            .iter()
            .find(|e| e.metric == Metric::TimePerOp)
            .unwrap();
        assert_eq!(entry.verdict, Verdict::Slower, "{entry:?}");
        let trends = Trends::from_history(dir.path(), &comparison, "main").unwrap();
        assert_eq!(trends.runs, 3);
        assert_eq!(trends.warnings.len(), 1, "{:?}", trends.warnings);
        assert!(trends.warnings[0].contains("broken.json"));
        let values = trends.of(&entry.series, Metric::TimePerOp);
        assert_eq!(values.len(), 3, "{values:?}");
        assert!(values[0] < values[1] && values[1] < values[2], "{values:?}");
    }
}
