//! What the site keeps of one run: per series and metric one point (the value, its
//! interval and the number of trials), the Rust-against-Go ratios, and the run's
//! provenance. Raw samples and histograms are read once, here, and never again: the
//! summary is what the cache holds and what the pages and data files are built from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analyse::claims::{self, Claims, Measurements};
use crate::analyse::stats;
use crate::analyse::versus::{self, Versus};
use crate::measure::catalogue::PAIRINGS;
use crate::record::summary::{median_ns_per_op, trial_median, trial_percentiles};
use crate::record::{Calibration, Machine, ResultRecord, RunRecord, Status, Trial};

/// The version of the summary's shape; a change of it invalidates every cached summary.
pub const SUMMARY_VERSION: u32 = 7;

/// One metric the site charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    TimePerOp,
    MaxRss,
    BytesPerTask,
    TotalBytesPerTask,
    LatencyP50,
    LatencyP99,
    LatencyP999,
}

impl Metric {
    pub const ALL: [Metric; 7] = [
        Metric::TimePerOp,
        Metric::MaxRss,
        Metric::BytesPerTask,
        Metric::TotalBytesPerTask,
        Metric::LatencyP50,
        Metric::LatencyP99,
        Metric::LatencyP999,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Metric::TimePerOp => "time_per_op",
            Metric::MaxRss => "max_rss",
            Metric::BytesPerTask => "bytes_per_task",
            Metric::TotalBytesPerTask => "total_bytes_per_task",
            Metric::LatencyP50 => "latency_p50",
            Metric::LatencyP99 => "latency_p99",
            Metric::LatencyP999 => "latency_p999",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::TimePerOp => "time per operation",
            Metric::MaxRss => "peak resident memory",
            Metric::BytesPerTask => "resident memory per task",
            Metric::TotalBytesPerTask => "memory per task, kernel's share included",
            Metric::LatencyP50 => "latency p50",
            Metric::LatencyP99 => "latency p99",
            Metric::LatencyP999 => "latency p99.9",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Metric::MaxRss | Metric::BytesPerTask | Metric::TotalBytesPerTask => "bytes",
            _ => "ns",
        }
    }

    /// The value of one trial, where it has one; `latency` is the trial's p50, p99 and
    /// p99.9, read once from its histogram.
    fn of_trial(self, trial: &Trial, ops: u64, latency: Option<&[u64; 3]>) -> Option<f64> {
        let quantile = |at: usize| latency.map(|l| l[at] as f64);
        let value = match self {
            Metric::TimePerOp => trial_median(trial).filter(|_| ops > 0)? / ops as f64,
            Metric::MaxRss => trial.max_rss_bytes as f64,
            Metric::BytesPerTask => trial.extra.get("bytes_per_task")?.as_f64()?,
            Metric::TotalBytesPerTask => trial.extra.get("total_bytes_per_task")?.as_f64()?,
            Metric::LatencyP50 => quantile(0)?,
            Metric::LatencyP99 => quantile(1)?,
            Metric::LatencyP999 => quantile(2)?,
        };
        (value.is_finite() && value > 0.0).then_some(value)
    }
}

/// One value with its interval and the number of trials behind it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub v: f64,
    pub lo: f64,
    pub hi: f64,
    pub n: u32,
}

/// One series of a run: identity, status and its points. A cache file holds some
/// seventy of these per run, and a rebuild reads ten thousand files: the short names
/// halve what it parses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesSummary {
    #[serde(rename = "w")]
    pub workload: String,
    #[serde(rename = "v")]
    pub variant: String,
    #[serde(rename = "l")]
    pub lang: String,
    #[serde(rename = "t")]
    pub toolchain: String,
    #[serde(rename = "p")]
    pub params: BTreeMap<String, u64>,
    #[serde(rename = "s")]
    pub status: Status,
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(rename = "i", default, skip_serializing_if = "Option::is_none")]
    pub implausible: Option<String>,
    /// The headline figures of the run's table: the median over all samples, and the
    /// largest max RSS of the trials.
    #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
    pub median_ns: Option<f64>,
    #[serde(rename = "x")]
    pub peak_rss_bytes: u64,
    #[serde(rename = "o")]
    pub points: BTreeMap<Metric, Point>,
    /// `history prune` dropped this result's raw samples and histograms; its figures are
    /// the summaries it kept.
    #[serde(rename = "z", default, skip_serializing_if = "std::ops::Not::not")]
    pub pruned: bool,
    /// The trial shape, (samples, warm-up) per trial, where the result records it.
    #[serde(rename = "h", default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<(u32, u32)>,
}

/// A toolchain of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolchainSummary {
    pub id: String,
    pub lang: String,
    pub version: String,
}

/// What the site keeps of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: String,
    pub started_at: String,
    /// Seconds since the epoch.
    pub started: i64,
    pub commit: Option<String>,
    pub subject: Option<String>,
    pub git_ref: Option<String>,
    pub dirty: bool,
    pub pr: Option<u64>,
    /// `owner/name` of the CI run's repository, where known.
    pub repository: Option<String>,
    pub machine: Machine,
    pub quick: bool,
    pub rounds: u32,
    pub session: Option<String>,
    pub toolchains: Vec<ToolchainSummary>,
    pub series: Vec<SeriesSummary>,
    pub versus: Vec<Versus>,
    pub calibration: Option<Calibration>,
    /// The calibration's trial shape: samples per trial and warm-up samples.
    pub samples_per_trial: u32,
    pub warmup: u32,
    /// What this run measured of the published claims (`analyse::claims`).
    pub claims: Measurements,
}

impl RunSummary {
    /// The summary of a record. A record whose start time is unreadable is refused: its
    /// runs could not be placed in time.
    pub fn of(record: &RunRecord) -> anyhow::Result<RunSummary> {
        let started = time::OffsetDateTime::parse(
            &record.started_at,
            &time::format_description::well_known::Rfc3339,
        )
        .map_err(|error| {
            anyhow::anyhow!(
                "started_at {:?} is not RFC 3339: {error}",
                record.started_at
            )
        })?
        .unix_timestamp();
        Ok(RunSummary {
            id: record.id.clone(),
            started_at: record.started_at.clone(),
            started,
            commit: record.source.commit.clone(),
            subject: record.source.subject.clone(),
            git_ref: record.source.git_ref.clone(),
            dirty: record.source.dirty,
            pr: record.source.pr,
            repository: record.ci.as_ref().and_then(|ci| ci.repository.clone()),
            machine: record.machine.clone(),
            quick: record.protocol.quick,
            rounds: record.protocol.rounds,
            session: record.protocol.session.clone(),
            toolchains: record
                .toolchains
                .iter()
                .map(|t| ToolchainSummary {
                    id: t.id.clone(),
                    lang: t.lang.clone(),
                    version: t.version.clone(),
                })
                .collect(),
            series: record.results.iter().map(series).collect(),
            versus: versus::versus(record, PAIRINGS),
            calibration: record.calibration.clone(),
            samples_per_trial: record.protocol.samples_per_trial,
            warmup: record.protocol.warmup,
            claims: claims::measure(Claims::shared(), record),
        })
    }
}

fn series(result: &ResultRecord) -> SeriesSummary {
    let ok = result.status == Status::Ok;
    let histograms: Vec<Option<[u64; 3]>> = result.trials.iter().map(trial_percentiles).collect();
    let points = Metric::ALL
        .into_iter()
        .filter(|_| ok)
        .filter_map(|metric| Some((metric, point(result, metric, &histograms)?)))
        .collect();
    SeriesSummary {
        workload: result.workload.clone(),
        variant: result.variant.clone(),
        lang: result.lang.clone(),
        toolchain: result.toolchain.clone(),
        params: result.params.clone(),
        status: result.status,
        reason: result.reason.clone(),
        implausible: result.implausible.clone(),
        median_ns: median_ns_per_op(result),
        peak_rss_bytes: crate::record::summary::peak_rss_bytes(result),
        points,
        pruned: result.pruned.is_some(),
        shape: result.samples_per_trial.zip(result.warmup),
    }
}

/// A metric's point: the distribution-free 95 % interval of the median of the trials'
/// values (their range with fewer than 6 trials). The time per operation's value is the
/// headline median over all samples, the figure the terminal and the exports show; it
/// lies within the trials' range, and the interval is widened to hold it.
fn point(result: &ResultRecord, metric: Metric, histograms: &[Option<[u64; 3]>]) -> Option<Point> {
    let values: Vec<f64> = result
        .trials
        .iter()
        .zip(histograms)
        .filter(|(t, _)| t.error.is_none())
        .filter_map(|(t, h)| metric.of_trial(t, result.ops, h.as_ref()))
        .collect();
    if values.is_empty() {
        return None;
    }
    let interval = stats::median_interval(&values, 0.95);
    let v = match metric {
        Metric::TimePerOp => median_ns_per_op(result)?,
        _ => interval.estimate,
    };
    Some(Point {
        v,
        lo: interval.low.min(v),
        hi: interval.high.max(v),
        n: values.len() as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::fixtures::{record, result, FINGERPRINT};

    #[test]
    fn a_point_holds_the_headline_median_and_the_interval_of_the_trials() {
        let sum = result("sum", "iter", &[0.30, 0.31, 0.32]);
        let run = record("20261122T080000Z-x", None, FINGERPRINT, vec![sum]);
        let summary = RunSummary::of(&run).unwrap();
        let point = summary.series[0].points[&Metric::TimePerOp];
        assert_eq!(point.n, 3);
        assert_eq!((point.lo, point.v, point.hi), (0.30, 0.31, 0.32));
        assert_eq!(summary.series[0].median_ns, Some(0.31));
        assert!(summary.series[0].points.contains_key(&Metric::MaxRss));
        assert!(!summary.series[0].points.contains_key(&Metric::LatencyP50));
    }

    #[test]
    fn failed_series_have_no_points_and_a_bad_start_time_is_refused() {
        let mut failed = result("sum", "iter", &[0.3]);
        failed.status = Status::Failed;
        let mut run = record("r", None, FINGERPRINT, vec![failed]);
        assert!(RunSummary::of(&run).unwrap().series[0].points.is_empty());
        run.started_at = "yesterday".into();
        assert!(RunSummary::of(&run).is_err());
    }
}
