//! `versus.compare/1`: what changed between two run records (or two sets of them), per
//! series and metric, with the statistics to trust it. docs/statistics.md states the
//! method and its formulas; this module applies it.
//!
//! The unit of replication is the trial — one process — because samples inside a
//! process share its luck (code placement, page layout, frequency) and so understate
//! the noise that matters. Each trial is summarised by one number per metric; when
//! base and head ran in the same interleaved rounds of one A/B session, trials of the
//! same round are paired and the analysis works on their log-ratios. Everything here
//! is a pure function of the records and the settings.

mod analysis;
mod decide;
mod disagree;
mod markdown;
mod series;
mod verdict;

#[cfg(test)]
mod simulation;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::analyse::stats::{self, Detection};
use crate::record::RunRecord;

pub use analysis::percent_label;
pub use decide::{decide, deciding, summarise, Decision};
pub use markdown::{quantity, render_markdown, table_rows, TableRow, MARKER};
pub use series::{run_value, Metric, SeriesKey};
pub use verdict::{signed_percent, unsigned_percent};

/// The schema tag of a comparison.
pub const COMPARE_SCHEMA: &str = "versus.compare/1";

/// The knobs of the verdict. The defaults keep A/A false alarms under 1 % of
/// comparisons and detect a 2 % change with 95 % probability when the pairs were
/// planned with `pairs_needed` (docs/statistics.md shows why).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The smallest relative change worth a verdict of `faster` or `slower`, and the
    /// margin within which a series is `unchanged`: 0.01 is 1 %.
    pub threshold: f64,
    /// The same for instructions per operation, which vary far less than time: a
    /// change of a quarter of a percent in the work is real where time could not show
    /// it. Absent from comparisons written before it existed, which used `threshold`.
    #[serde(default = "default_instructions_threshold")]
    pub instructions_threshold: f64,
    /// The false discovery rate: a change needs a Benjamini–Hochberg q-value of at most
    /// this, across every comparison of the suite.
    pub alpha: f64,
    /// The confidence of every reported interval.
    pub confidence: f64,
    /// The probability with which the reported detectable change would be detected.
    pub power: f64,
}

fn default_instructions_threshold() -> f64 {
    Settings::default().instructions_threshold
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            threshold: 0.01,
            instructions_threshold: 0.0025,
            alpha: 0.005,
            confidence: 0.95,
            power: 0.95,
        }
    }
}

impl Settings {
    /// The smallest change worth a verdict for `metric`.
    pub fn threshold_of(&self, metric: Metric) -> f64 {
        match metric {
            Metric::Instructions => self.instructions_threshold,
            _ => self.threshold,
        }
    }

    /// The detection criteria of one comparison of time among `comparisons`: a lone
    /// change among `m` comparisons needs `p ≤ α/m` to reach `q ≤ α`.
    pub fn detection(&self, comparisons: usize) -> Detection {
        self.detection_of(Metric::TimePerOp, comparisons)
    }

    /// The detection criteria of one comparison of `metric` among `comparisons`.
    pub fn detection_of(&self, metric: Metric, comparisons: usize) -> Detection {
        Detection {
            alpha: self.alpha / comparisons.max(1) as f64,
            power: self.power,
            threshold_log: (1.0 + self.threshold_of(metric)).ln(),
        }
    }

    /// The pairs an A/B session needs for a change of `effect_ratio` to be `slower` (or
    /// `faster`) with probability `power`, at the measured paired noise
    /// `noise_sd_log` (`stats::paired_noise` of a pilot's log-ratios), when it is the
    /// only change among `comparisons` (series × metrics) of the suite. `None` when the
    /// effect is not beyond the threshold.
    pub fn pairs_needed(
        &self,
        noise_sd_log: f64,
        effect_ratio: f64,
        comparisons: usize,
    ) -> Option<usize> {
        self.detection(comparisons)
            .pairs_needed(noise_sd_log, effect_ratio)
    }
}

/// The comparison of head against base: `versus.compare/1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub schema: String,
    /// Ids of the base run records.
    pub base: Vec<String>,
    /// Ids of the head run records.
    pub head: Vec<String>,
    pub settings: Settings,
    pub summary: Summary,
    /// One entry per series and metric, ordered by series and then metric.
    pub entries: Vec<Entry>,
    /// The machines the entries were measured on, one per fingerprint: where the
    /// numbers come from, for a reader of the comparison alone. Added after the first
    /// comparisons were stored, which have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub machines: Vec<MachineBrief>,
    /// The commits of base and head, when their records name one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commits: Option<Commits>,
    /// One verdict per series, read from the metric that decides it: the instruction
    /// count where both sides have one, else time per operation (`decide`). Added after
    /// the first comparisons were stored; readers derive it from `entries` alike.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<Decision>,
}

/// A machine in a few words: enough to say where a comparison ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineBrief {
    pub fingerprint: String,
    pub arch: String,
    pub cpu_model: Option<String>,
    pub logical_cpus: Option<u64>,
    pub os: Option<String>,
    /// The CI runner image, when the run was on one (e.g. "ubuntu24").
    pub runner_image: Option<String>,
}

/// Base's and head's commits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commits {
    pub base: Commit,
    pub head: Commit,
}

/// One side's commit: the first record's of the side that names one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Commit {
    pub commit: Option<String>,
    pub subject: Option<String>,
    /// Uncommitted changes were built too.
    #[serde(default)]
    pub dirty: bool,
}

/// How many entries got each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub slower: usize,
    pub faster: usize,
    pub unchanged: usize,
    pub inconclusive: usize,
    pub incomparable: usize,
}

/// The outcome of one comparison, declared in order of interest: the Markdown lists
/// changes first and folds the unchanged away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Slower,
    Faster,
    Incomparable,
    Inconclusive,
    Unchanged,
}

impl Verdict {
    /// A change was found: faster or slower.
    pub fn is_change(self) -> bool {
        matches!(self, Verdict::Slower | Verdict::Faster)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Slower => "slower",
            Verdict::Faster => "faster",
            Verdict::Incomparable => "incomparable",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Unchanged => "unchanged",
        }
    }
}

/// One side's estimate of a metric: the median over its trials, with the
/// distribution-free interval of the median.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Trials that contributed a value.
    pub n: usize,
}

/// The change, as head / base: above 1 is slower (or bigger), below 1 faster.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ratio {
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// One series and metric compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub series: SeriesKey,
    pub metric: Metric,
    /// Unit of `base` and `head`: "ns" or "bytes".
    pub unit: String,
    pub base: Option<Estimate>,
    pub head: Option<Estimate>,
    pub ratio: Option<Ratio>,
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg adjusted across every entry of the comparison with a p-value.
    pub q_value: Option<f64>,
    /// The smallest change (as a ratio above 1, either direction) that this series
    /// detects with probability `settings.power` at its measured noise; null when its
    /// trials are too few to reach `settings.alpha` at all.
    pub mde_ratio: Option<f64>,
    /// Standard deviation of the paired log-ratios, or the pooled one of the log values
    /// when unpaired.
    pub noise_sd_log: Option<f64>,
    /// Base and head trials were paired by round.
    pub paired: bool,
    /// Number of pairs, when paired.
    pub pairs: Option<usize>,
    /// "wilcoxon-signed-rank" (paired) or "mann-whitney-u" (unpaired).
    pub method: Option<String>,
    pub verdict: Verdict,
    /// Why the verdict is `incomparable` or `inconclusive`.
    pub reason: Option<String>,
    /// "unstable" (bimodal), "outliers" (far-out trials, kept), "unpaired",
    /// "implausible" (faster than the physical floor), "added", "removed".
    pub flags: Vec<String>,
    /// Sentences explaining the flags and anything else a reader should know.
    pub notes: Vec<String>,
}

/// Compares head against base: every series of either side, every metric it has.
pub fn compare(base: &[RunRecord], head: &[RunRecord], settings: &Settings) -> Comparison {
    let base_series = series::collect(base);
    let head_series = series::collect(head);
    let mut pending: Vec<analysis::Pending> = Vec::new();

    // Series are matched on everything but the fingerprint first, so that a series
    // measured on another machine is reported as incomparable rather than as removed
    // and added.
    let mut by_identity: BTreeMap<series::Identity, (BTreeSet<String>, BTreeSet<String>)> =
        BTreeMap::new();
    for key in base_series.keys() {
        by_identity
            .entry(key.identity())
            .or_default()
            .0
            .insert(key.fingerprint.clone());
    }
    for key in head_series.keys() {
        by_identity
            .entry(key.identity())
            .or_default()
            .1
            .insert(key.fingerprint.clone());
    }
    for (identity, (base_prints, head_prints)) in &by_identity {
        for fingerprint in base_prints.intersection(head_prints) {
            let key = identity.with_fingerprint(fingerprint);
            pending.extend(analysis::analyse_series(
                &key,
                &base_series[&key],
                &head_series[&key],
                settings,
            ));
        }
        let base_only: Vec<&String> = base_prints.difference(head_prints).collect();
        let head_only: Vec<&String> = head_prints.difference(base_prints).collect();
        if !base_only.is_empty() && !head_only.is_empty() {
            for fingerprint in &head_only {
                let key = identity.with_fingerprint(fingerprint);
                let reason = format!(
                    "measured on different machines: base fingerprint {}, head fingerprint \
                     {fingerprint}",
                    join(&base_only)
                );
                pending.push(analysis::incomparable(
                    &key,
                    base_only
                        .first()
                        .map(|print| &base_series[&identity.with_fingerprint(print)][..]),
                    Some(&head_series[&key]),
                    reason,
                    None,
                    settings,
                ));
            }
        } else {
            for fingerprint in &head_only {
                let key = identity.with_fingerprint(fingerprint);
                pending.push(analysis::incomparable(
                    &key,
                    None,
                    Some(&head_series[&key]),
                    "added: not in base".to_string(),
                    Some("added"),
                    settings,
                ));
            }
            for fingerprint in &base_only {
                let key = identity.with_fingerprint(fingerprint);
                pending.push(analysis::incomparable(
                    &key,
                    Some(&base_series[&key]),
                    None,
                    "removed: not in head".to_string(),
                    Some("removed"),
                    settings,
                ));
            }
        }
    }

    let p_values: Vec<f64> = pending.iter().filter_map(|p| p.entry.p_value).collect();
    let mut q_values = stats::bh::q_values(&p_values).into_iter();
    for item in &mut pending {
        if item.entry.p_value.is_some() {
            item.entry.q_value = q_values.next();
        }
    }
    let mut entries: Vec<Entry> = pending
        .into_iter()
        .map(|item| verdict::decide(item, settings))
        .collect();
    entries.sort_by(|a, b| a.series.cmp(&b.series).then(a.metric.cmp(&b.metric)));
    mark_disagreements(&mut entries);

    let mut summary = Summary::default();
    for entry in &entries {
        *match entry.verdict {
            Verdict::Slower => &mut summary.slower,
            Verdict::Faster => &mut summary.faster,
            Verdict::Unchanged => &mut summary.unchanged,
            Verdict::Inconclusive => &mut summary.inconclusive,
            Verdict::Incomparable => &mut summary.incomparable,
        } += 1;
    }
    let decisions = decide::decide(&entries);
    Comparison {
        schema: COMPARE_SCHEMA.to_string(),
        base: base.iter().map(|r| r.id.clone()).collect(),
        head: head.iter().map(|r| r.id.clone()).collect(),
        settings: *settings,
        summary,
        entries,
        machines: machines_of(base.iter().chain(head)),
        commits: Some(Commits {
            base: commit_of(base),
            head: commit_of(head),
        }),
        decisions,
    }
}

/// Every machine of the records, once per fingerprint, in fingerprint order.
fn machines_of<'a>(records: impl Iterator<Item = &'a RunRecord>) -> Vec<MachineBrief> {
    let mut machines: BTreeMap<&str, MachineBrief> = BTreeMap::new();
    for record in records {
        let machine = &record.machine;
        machines
            .entry(machine.fingerprint.as_str())
            .or_insert_with(|| MachineBrief {
                fingerprint: machine.fingerprint.clone(),
                arch: machine.arch.clone(),
                cpu_model: machine.cpu_model.clone(),
                logical_cpus: machine.logical_cpus,
                os: machine.os.clone(),
                runner_image: record.ci.as_ref().and_then(|ci| ci.runner_image.clone()),
            });
    }
    machines.into_values().collect()
}

fn commit_of(records: &[RunRecord]) -> Commit {
    records
        .iter()
        .find(|record| record.source.commit.is_some())
        .map(|record| Commit {
            commit: record.source.commit.clone(),
            subject: record.source.subject.clone(),
            dirty: record.source.dirty,
        })
        .unwrap_or_default()
}

/// Marks a series whose time and instruction count tell different stories (one moved
/// and the other did not, or they moved apart): the time change is then more likely the
/// machine's than the code's, or the code's change is in memory rather than work.
fn mark_disagreements(entries: &mut [Entry]) {
    let ratio = |entry: &Entry| entry.ratio.map(|r| (r.estimate, (r.ci_low, r.ci_high)));
    let mut marked = Vec::new();
    for (index, time) in entries.iter().enumerate() {
        if time.metric != Metric::TimePerOp {
            continue;
        }
        let Some(instructions) = entries
            .iter()
            .position(|e| e.series == time.series && e.metric == Metric::Instructions)
        else {
            continue;
        };
        if let (Some((tr, tci)), Some((ir, ici))) = (ratio(time), ratio(&entries[instructions])) {
            if disagree::disagree(tr, tci, ir, ici) {
                marked.push(index);
                marked.push(instructions);
            }
        }
    }
    for index in marked {
        let entry = &mut entries[index];
        entry.flags.push("time-instructions-disagree".to_string());
        entry.notes.push(
            "wall time and instruction count disagree for this series: read the time change \
             against the machine's noise"
                .to_string(),
        );
    }
}

fn join(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
