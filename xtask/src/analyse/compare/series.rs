//! From run records to what the statistics need: series keys, and per metric one value
//! per trial, tagged with the round (and session) it ran in so that pairs can be found.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::record::summary::{series_label, trial_median};
use crate::record::{ResultRecord, RunRecord, Trial};

/// What identifies a series across runs (docs/glossary.md, "series"): results with different keys are
/// never compared as if alike.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeriesKey {
    pub fingerprint: String,
    pub workload: String,
    pub variant: String,
    pub lang: String,
    pub toolchain: String,
    pub params: BTreeMap<String, u64>,
}

/// A series key without its machine: what a series is, wherever it ran.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Identity {
    workload: String,
    variant: String,
    lang: String,
    toolchain: String,
    params: BTreeMap<String, u64>,
}

impl SeriesKey {
    pub fn identity(&self) -> Identity {
        Identity {
            workload: self.workload.clone(),
            variant: self.variant.clone(),
            lang: self.lang.clone(),
            toolchain: self.toolchain.clone(),
            params: self.params.clone(),
        }
    }

    /// `sum/iter rust-1.95.0 size=1000000`, as logs and the site write series.
    pub fn label(&self) -> String {
        series_label(&self.workload, &self.variant, &self.toolchain, &self.params)
    }
}

impl Identity {
    pub fn with_fingerprint(&self, fingerprint: &str) -> SeriesKey {
        SeriesKey {
            fingerprint: fingerprint.to_string(),
            workload: self.workload.clone(),
            variant: self.variant.clone(),
            lang: self.lang.clone(),
            toolchain: self.toolchain.clone(),
            params: self.params.clone(),
        }
    }
}

/// What is compared. Lower is better for every metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Median of a trial's samples divided by the operations per sample, in ns.
    TimePerOp,
    /// The trial process's maximum resident set size, in bytes.
    MaxRss,
    /// The median of the per-operation latency histogram of a trial, in ns.
    LatencyP50,
    /// The 99th percentile of the per-operation latency histogram of a trial, in ns.
    LatencyP99,
    /// Instructions retired per operation, counted by perf or Valgrind (CPU-bound
    /// workloads, when the run counted them): unlike time, it does not move with a
    /// neighbour's load.
    Instructions,
}

impl Metric {
    pub const ALL: [Metric; 5] = [
        Metric::TimePerOp,
        Metric::MaxRss,
        Metric::LatencyP50,
        Metric::LatencyP99,
        Metric::Instructions,
    ];

    pub fn unit(self) -> &'static str {
        match self {
            Metric::MaxRss => "bytes",
            Metric::TimePerOp | Metric::LatencyP50 | Metric::LatencyP99 => "ns",
            Metric::Instructions => "instructions",
        }
    }

    /// A short column label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Metric::TimePerOp => "time/op",
            Metric::MaxRss => "max RSS",
            Metric::LatencyP50 => "latency p50",
            Metric::LatencyP99 => "latency p99",
            Metric::Instructions => "instructions/op",
        }
    }

    /// The metric's value of one trial: `Ok(None)` when the trial does not carry it,
    /// `Err` when it carries it unreadably.
    fn of_trial(self, result: &ResultRecord, trial: &Trial) -> Result<Option<f64>, String> {
        match self {
            Metric::TimePerOp => {
                if result.ops == 0 {
                    return Ok(None);
                }
                Ok(trial_median(trial).map(|median| median / result.ops as f64))
            }
            Metric::MaxRss => Ok((trial.max_rss_bytes > 0).then_some(trial.max_rss_bytes as f64)),
            Metric::Instructions => Ok(trial
                .instructions
                .as_ref()
                .filter(|count| count.per_sample > 0.0 && result.ops > 0)
                .map(|count| count.per_sample / result.ops as f64)),
            Metric::LatencyP50 | Metric::LatencyP99 => {
                let key = if self == Metric::LatencyP50 {
                    "p50_ns"
                } else {
                    "p99_ns"
                };
                // A trial that `history prune` left without its histogram kept these.
                let kept = trial.pruned.as_ref().and_then(|p| p.latency_ns.get(key));
                let Some(encoded) = &trial.histogram else {
                    return Ok(kept.copied());
                };
                let quantile = if self == Metric::LatencyP50 {
                    0.5
                } else {
                    0.99
                };
                let histogram = crate::record::histogram::decode(encoded).map_err(|error| {
                    format!(
                        "the latency histogram of round {} is unreadable: {error:#}",
                        trial.round
                    )
                })?;
                Ok((!histogram.is_empty()).then(|| histogram.value_at_quantile(quantile) as f64))
            }
        }
    }
}

/// One result of a series, with the record it came from.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub record: &'a RunRecord,
    pub result: &'a ResultRecord,
}

/// Every series in a set of records, with its results (more than one when the set holds
/// several runs of it).
pub fn collect(records: &[RunRecord]) -> BTreeMap<SeriesKey, Vec<Source<'_>>> {
    let mut series: BTreeMap<SeriesKey, Vec<Source<'_>>> = BTreeMap::new();
    for record in records {
        for result in &record.results {
            let key = SeriesKey {
                fingerprint: record.machine.fingerprint.clone(),
                workload: result.workload.clone(),
                variant: result.variant.clone(),
                lang: result.lang.clone(),
                toolchain: result.toolchain.clone(),
                params: result.params.clone(),
            };
            series
                .entry(key)
                .or_default()
                .push(Source { record, result });
        }
    }
    series
}

/// One trial's value of a metric, and where it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The A/B session the trial ran in, or its record's id when the record is in no
    /// session: a record is trivially paired with itself.
    pub session: String,
    pub round: u32,
    pub value: f64,
}

/// The values of a metric over all trials of some results. Trials without the metric
/// contribute nothing; values of zero or less (which have no logarithm) are counted in
/// `unusable` and reported, never silently dropped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observations {
    pub values: Vec<Observation>,
    pub unusable: usize,
}

pub fn observations(sources: &[Source<'_>], metric: Metric) -> Result<Observations, String> {
    let mut observations = Observations::default();
    for source in sources {
        let session = source
            .record
            .protocol
            .session
            .clone()
            .unwrap_or_else(|| source.record.id.clone());
        for trial in &source.result.trials {
            if trial.error.is_some() {
                continue;
            }
            match metric.of_trial(source.result, trial)? {
                Some(value) if value > 0.0 && value.is_finite() => {
                    observations.values.push(Observation {
                        session: session.clone(),
                        round: trial.round,
                        value,
                    });
                }
                Some(_) => observations.unusable += 1,
                None => {}
            }
        }
    }
    Ok(observations)
}

/// Pairs base and head observations that ran in the same round of the same session,
/// as log-ratios `ln(head / base)`. A round with several trials on one side (a set of
/// records from repeated sessions) contributes the mean of their logarithms. Returns
/// the log-ratios and how many base and head observations found no partner.
pub fn pair(base: &[Observation], head: &[Observation]) -> (Vec<f64>, usize, usize) {
    fn by_round(observations: &[Observation]) -> BTreeMap<(&str, u32), Vec<f64>> {
        let mut rounds: BTreeMap<(&str, u32), Vec<f64>> = BTreeMap::new();
        for observation in observations {
            rounds
                .entry((observation.session.as_str(), observation.round))
                .or_default()
                .push(observation.value.ln());
        }
        rounds
    }
    let mean = |logs: &Vec<f64>| logs.iter().sum::<f64>() / logs.len() as f64;
    let base_rounds = by_round(base);
    let head_rounds = by_round(head);
    let mut log_ratios = Vec::new();
    let mut unmatched_base = 0;
    for (round, base_logs) in &base_rounds {
        match head_rounds.get(round) {
            Some(head_logs) => log_ratios.push(mean(head_logs) - mean(base_logs)),
            None => unmatched_base += base_logs.len(),
        }
    }
    let unmatched_head = head_rounds
        .iter()
        .filter(|(round, _)| !base_rounds.contains_key(*round))
        .map(|(_, logs)| logs.len())
        .sum();
    (log_ratios, unmatched_base, unmatched_head)
}

/// The median over one record's trials of one series' metric, or None when the record
/// does not have the series (or no trial of it has the metric): one point of a trend.
pub fn run_value(record: &RunRecord, key: &SeriesKey, metric: Metric) -> Option<f64> {
    if record.machine.fingerprint != key.fingerprint {
        return None;
    }
    let result = record.results.iter().find(|result| {
        result.workload == key.workload
            && result.variant == key.variant
            && result.lang == key.lang
            && result.toolchain == key.toolchain
            && result.params == key.params
    })?;
    let observations = observations(&[Source { record, result }], metric).ok()?;
    let values: Vec<f64> = observations.values.iter().map(|o| o.value).collect();
    (!values.is_empty()).then(|| crate::record::summary::median(&values))
}
