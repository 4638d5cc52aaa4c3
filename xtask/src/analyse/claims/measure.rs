//! What one run record measured of each claim's tests.
//!
//! A test's side matches every result of its language and variant whose parameters
//! include the side's; each toolchain of one side is paired with each of the other's
//! (within one language, only the same toolchain: otherwise the ratio would compare
//! toolchains, not setups). The ratio is the loser's value over the winner's, round by
//! round: both sides ran in the same interleaved rounds, so the machine's drift cancels,
//! and [`versus::interval`] gives the 95 % interval as for the Rust-against-Go table.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Claims, Metric, Side, Test};
use crate::analyse::versus::{self, Ratio};
use crate::record::summary::{median, trial_latency_ns, trial_median};
use crate::record::{ResultRecord, RunRecord, Status, Trial};

/// One test in one run with one toolchain pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub claim: String,
    /// The test's index within its claim.
    pub test: usize,
    pub a_toolchain: String,
    pub b_toolchain: Option<String>,
    /// The median over trials of each side's value, scaled, in the metric's unit.
    pub a: Option<f64>,
    pub b: Option<f64>,
    /// The loser's value over the winner's as published, with its interval: above 1
    /// the published winner still wins. None for an absolute figure or under 2 rounds.
    pub factor: Option<Ratio>,
    /// Rounds in which both sides have a value.
    pub rounds: usize,
    /// Why a side is not usable: not `ok` (naming the limit that stopped it), or ran
    /// under its physical floor.
    pub problem: Option<String>,
    /// The problem is that a side ran under its physical floor.
    pub implausible: bool,
}

/// Why a run measured nothing of a test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Absent {
    pub claim: String,
    pub test: usize,
    pub reason: String,
}

/// Everything one run measured of the claims.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Measurements {
    pub measured: Vec<Measured>,
    pub absent: Vec<Absent>,
}

/// What `record` measured of every test of `claims`.
pub fn measure(claims: &Claims, record: &RunRecord) -> Measurements {
    let mut out = Measurements::default();
    for claim in &claims.claim {
        for (index, test) in claim.test.iter().enumerate() {
            let rows = measure_test(test, record);
            if rows.is_empty() {
                out.absent.push(Absent {
                    claim: claim.id.clone(),
                    test: index,
                    reason: absent_reason(test, record),
                });
            }
            for mut row in rows {
                row.claim = claim.id.clone();
                row.test = index;
                out.measured.push(row);
            }
        }
    }
    out
}

fn matches(result: &ResultRecord, workload: &str, side: &Side) -> bool {
    result.workload == workload
        && result.lang == side.lang
        && result.variant == side.variant
        && side
            .params
            .iter()
            .all(|(key, value)| result.params.get(key) == Some(value))
}

fn measure_test(test: &Test, record: &RunRecord) -> Vec<Measured> {
    let side = |side: &Side| -> Vec<&ResultRecord> {
        record
            .results
            .iter()
            .filter(|r| matches(r, &test.workload, side))
            .collect()
    };
    let a_results = side(&test.a);
    let Some(b_side) = &test.b else {
        return a_results
            .into_iter()
            .map(|a| {
                let mut row = empty(a, None);
                row.problem = problem(&[("a", a)], test);
                row.implausible = a.implausible.is_some();
                row.a = side_value(a, test);
                row
            })
            .collect();
    };
    let b_results = side(b_side);
    let mut rows = Vec::new();
    for a in &a_results {
        for b in &b_results {
            if test.a.lang == b_side.lang && a.toolchain != b.toolchain {
                continue;
            }
            let mut row = empty(a, Some(b));
            row.a = side_value(a, test);
            row.b = side_value(b, test);
            row.problem = problem(&[("a", a), ("b", b)], test);
            row.implausible = a.implausible.is_some() || b.implausible.is_some();
            let (winner, loser) = match test.winner {
                Some(super::Which::B) => (*b, *a),
                _ => (*a, *b),
            };
            let logs = paired_logs(winner, loser, test);
            row.rounds = logs.len();
            if logs.len() >= 2 {
                row.factor = versus::interval(&logs).0;
            }
            rows.push(row);
        }
    }
    rows
}

fn empty(a: &ResultRecord, b: Option<&ResultRecord>) -> Measured {
    Measured {
        claim: String::new(),
        test: 0,
        a_toolchain: a.toolchain.clone(),
        b_toolchain: b.map(|b| b.toolchain.clone()),
        a: None,
        b: None,
        factor: None,
        rounds: 0,
        problem: None,
        implausible: false,
    }
}

/// The first side that is not `ok`, or else the first that ran under its floor.
fn problem(sides: &[(&str, &ResultRecord)], test: &Test) -> Option<String> {
    let name = |which: &str| match which {
        "a" => test.a.name(test.b.as_ref()),
        _ => test
            .b
            .as_ref()
            .map_or_else(String::new, |b| b.name(Some(&test.a))),
    };
    for (which, result) in sides {
        if result.status != Status::Ok {
            return Some(format!(
                "{} ({}) {}: {}",
                name(which),
                result.toolchain,
                result.status.as_str(),
                result.reason.as_deref().unwrap_or("no reason recorded")
            ));
        }
    }
    sides.iter().find_map(|(which, result)| {
        let why = result.implausible.as_deref()?;
        Some(format!("{} ({}): {why}", name(which), result.toolchain))
    })
}

/// One trial's value of the test's metric, scaled.
fn trial_value(trial: &Trial, result: &ResultRecord, test: &Test) -> Option<f64> {
    if trial.error.is_some() {
        return None;
    }
    let value = match test.metric {
        Metric::TimePerOp => trial_median(trial).filter(|_| result.ops > 0)? / result.ops as f64,
        Metric::MaxRss => Some(trial.max_rss_bytes as f64).filter(|v| *v > 0.0)?,
        Metric::BytesPerTask => trial.extra.get("bytes_per_task")?.as_f64()?,
        Metric::TotalBytesPerTask => trial.extra.get("total_bytes_per_task")?.as_f64()?,
        Metric::LatencyP99 => trial_latency_ns(trial, "p99_ns")?,
        Metric::TotalNs => trial.extra.get("total_ns")?.as_f64()?,
    };
    (value.is_finite() && value > 0.0).then_some(value * test.scale)
}

fn side_value(result: &ResultRecord, test: &Test) -> Option<f64> {
    let values: Vec<f64> = result
        .trials
        .iter()
        .filter_map(|t| trial_value(t, result, test))
        .collect();
    (!values.is_empty()).then(|| median(&values))
}

/// `ln(loser / winner)` round by round.
fn paired_logs(winner: &ResultRecord, loser: &ResultRecord, test: &Test) -> Vec<f64> {
    let by_round = |result: &ResultRecord| -> BTreeMap<u32, f64> {
        result
            .trials
            .iter()
            .filter_map(|t| Some((t.round, trial_value(t, result, test)?)))
            .collect()
    };
    let winner = by_round(winner);
    by_round(loser)
        .into_iter()
        .filter_map(|(round, l)| Some((l / winner.get(&round)?).ln()))
        .filter(|d| d.is_finite())
        .collect()
}

/// Why this run has nothing for a test: the workload was not run, or not at this size,
/// or not this variant.
fn absent_reason(test: &Test, record: &RunRecord) -> String {
    let ran: Vec<&ResultRecord> = record
        .results
        .iter()
        .filter(|r| r.workload == test.workload)
        .collect();
    if ran.is_empty() {
        return format!("`{}` was not run", test.workload);
    }
    for side in std::iter::once(&test.a).chain(&test.b) {
        let variant: Vec<&&ResultRecord> = ran
            .iter()
            .filter(|r| r.lang == side.lang && r.variant == side.variant)
            .collect();
        if variant.is_empty() {
            let lang = if side.lang == "rust" { "Rust" } else { "Go" };
            return format!(
                "{lang} `{}` of `{}` was not run (no {lang} toolchain, or left out by --variants)",
                side.variant, test.workload
            );
        }
        let mut sizes: Vec<String> = variant
            .iter()
            .filter_map(|r| r.params.get("size").map(u64::to_string))
            .collect();
        sizes.sort();
        sizes.dedup();
        if !variant.iter().any(|r| matches(r, &test.workload, side)) {
            let wanted: Vec<String> = side
                .params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            return format!(
                "{} at {} was never run (this run's sizes: {})",
                side.name(None),
                wanted.join(" "),
                if sizes.is_empty() {
                    "none".to_string()
                } else {
                    sizes.join(", ")
                }
            );
        }
    }
    "no pair of toolchains ran both sides".to_string()
}
