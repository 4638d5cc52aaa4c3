//! Verdicts: for each claim's test and each machine × toolchain pair, the newest run
//! that measured it, and what that measurement says of the published figure.
//!
//! The rules (docs/claims.md): only ratios and directions are judged, never absolute
//! times, since other hardware cannot reproduce them. With `f` the loser's value over
//! the winner's as the article ranked them and `[lo, hi]` its 95 % interval:
//! - `lo > 1`: the same direction; `reproduced` when the published ratio lies within
//!   `[lo / tolerance, hi × tolerance]`, else `same direction, different size`;
//! - `hi < 1`: `reversed`;
//! - otherwise `no clear difference`;
//! - a side under its physical floor: `artifact` (the compiler removed the work);
//! - a published setup whose interval and the fair test's do not overlap: `artifact`
//!   (its unequal work, not the languages, makes the difference);
//! - a side not `ok`, fewer than 2 rounds, or no run at all: `not measured here`, with
//!   the reason;
//! - an absolute figure: `shown`, the measured value beside it, not judged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::measure::{Measured, Measurements};
use super::{Claims, Test};
use crate::analyse::versus::Ratio;

/// What a run contributes: where and when it ran, and what it measured.
#[derive(Debug, Clone)]
pub struct RunClaims {
    pub run: String,
    /// Seconds since the epoch, to find the newest.
    pub started: i64,
    pub machine: String,
    pub machine_label: String,
    pub measurements: Measurements,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Reproduced,
    DifferentSize,
    Reversed,
    NoClearDifference,
    Artifact,
    Shown,
    NotMeasured,
}

impl Verdict {
    pub const ALL: [Verdict; 7] = [
        Verdict::Reproduced,
        Verdict::DifferentSize,
        Verdict::Reversed,
        Verdict::NoClearDifference,
        Verdict::Artifact,
        Verdict::Shown,
        Verdict::NotMeasured,
    ];

    pub fn text(self) -> &'static str {
        match self {
            Verdict::Reproduced => "reproduced",
            Verdict::DifferentSize => "same direction, different size",
            Verdict::Reversed => "reversed",
            Verdict::NoClearDifference => "no clear difference",
            Verdict::Artifact => "artifact",
            Verdict::Shown => "shown, not judged",
            Verdict::NotMeasured => "not measured here",
        }
    }

    /// The CSS class and JSON id.
    pub fn id(self) -> &'static str {
        match self {
            Verdict::Reproduced => "reproduced",
            Verdict::DifferentSize => "different-size",
            Verdict::Reversed => "reversed",
            Verdict::NoClearDifference => "no-clear-difference",
            Verdict::Artifact => "artifact",
            Verdict::Shown => "shown",
            Verdict::NotMeasured => "not-measured",
        }
    }
}

/// One line of the claims table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub claim: String,
    pub article: String,
    pub test: usize,
    pub label: String,
    pub workload: String,
    pub published_setup: bool,
    /// The machine's fingerprint and label, the run and toolchains; None when nothing
    /// was measured.
    pub machine: Option<String>,
    pub machine_label: Option<String>,
    pub run: Option<String>,
    pub toolchains: Option<String>,
    /// "Go 12x faster [11x, 13x]", or the values of an absolute figure.
    pub measured: String,
    /// The two sides' values: "Rust thread 34.1 µs, Go goroutine 1.05 µs".
    pub values: String,
    /// The published figure this test judges, as a ratio or value.
    pub published: String,
    pub verdict: Verdict,
    /// Why: the sizes, the evidence of an artifact, the reason it was not measured.
    pub detail: String,
}

/// Every row, claim by claim in the file's order.
#[derive(Debug, Clone, Serialize)]
pub struct Judged {
    pub rows: Vec<Row>,
    pub machines: usize,
    pub runs: usize,
}

/// The verdicts of every test of `claims` over `runs`.
pub fn judge(claims: &Claims, runs: &[RunClaims]) -> Judged {
    let mut order: Vec<&RunClaims> = runs.iter().collect();
    // Newest first, so the first measurement of a key is the one that stands.
    order.sort_by(|a, b| b.started.cmp(&a.started).then(b.run.cmp(&a.run)));
    let mut rows = Vec::new();
    for claim in &claims.claim {
        for (index, test) in claim.test.iter().enumerate() {
            let mut newest: BTreeMap<(String, String, Option<String>), (&RunClaims, &Measured)> =
                BTreeMap::new();
            for run in &order {
                for measured in run.measurements.measured.iter() {
                    if measured.claim == claim.id && measured.test == index {
                        let key = (
                            run.machine.clone(),
                            measured.a_toolchain.clone(),
                            measured.b_toolchain.clone(),
                        );
                        newest.entry(key).or_insert((run, measured));
                    }
                }
            }
            let base = Row {
                claim: claim.id.clone(),
                article: claim.article.clone(),
                test: index,
                label: test.label.clone(),
                workload: test.workload.clone(),
                published_setup: test.published_setup,
                machine: None,
                machine_label: None,
                run: None,
                toolchains: None,
                measured: "—".to_string(),
                values: String::new(),
                published: published(test),
                verdict: Verdict::NotMeasured,
                detail: String::new(),
            };
            if newest.is_empty() {
                let reason = order
                    .iter()
                    .find_map(|run| {
                        run.measurements
                            .absent
                            .iter()
                            .find(|a| a.claim == claim.id && a.test == index)
                            .map(|a| format!("{} (newest run {})", a.reason, run.run))
                    })
                    .unwrap_or_else(|| "the history has no run records".to_string());
                rows.push(Row {
                    detail: reason,
                    ..base
                });
                continue;
            }
            for ((machine, _, _), (run, measured)) in newest {
                let mut row = Row {
                    machine: Some(machine),
                    machine_label: Some(run.machine_label.clone()),
                    run: Some(run.run.clone()),
                    toolchains: Some(match &measured.b_toolchain {
                        Some(b) if *b != measured.a_toolchain => {
                            format!("{} / {b}", measured.a_toolchain)
                        }
                        _ => measured.a_toolchain.clone(),
                    }),
                    values: values(test, measured),
                    ..base.clone()
                };
                let fair = fair_factor(claim, run, measured);
                verdict(&mut row, claims.tolerance, test, measured, fair);
                rows.push(row);
            }
        }
    }
    Judged {
        rows,
        machines: {
            let mut machines: Vec<&str> = runs.iter().map(|r| r.machine.as_str()).collect();
            machines.sort();
            machines.dedup();
            machines.len()
        },
        runs: runs.len(),
    }
}

/// The factor of the claim's first fair test in the same run with the same toolchains,
/// for a published setup to be set beside.
fn fair_factor(claim: &super::Claim, run: &RunClaims, measured: &Measured) -> Option<Ratio> {
    let fair = claim.test.iter().position(|t| !t.published_setup)?;
    run.measurements
        .measured
        .iter()
        .find(|m| {
            m.claim == claim.id
                && m.test == fair
                && m.a_toolchain == measured.a_toolchain
                && m.b_toolchain == measured.b_toolchain
        })
        .and_then(|m| m.factor)
}

fn verdict(row: &mut Row, tolerance: f64, test: &Test, measured: &Measured, fair: Option<Ratio>) {
    let better = test.metric.better();
    if let Some(problem) = &measured.problem {
        if measured.implausible {
            row.verdict = Verdict::Artifact;
            row.measured = "under the physical floor".to_string();
            row.detail = format!(
                "{problem}: the compiler removed the work, so a figure measured this way does not time what the claim names"
            );
        } else {
            row.verdict = Verdict::NotMeasured;
            row.detail = problem.clone();
        }
        return;
    }
    let Some((winner, loser)) = test.ranked() else {
        // An absolute figure.
        row.verdict = Verdict::Shown;
        row.measured = measured
            .a
            .map_or("—".to_string(), |v| quantity(v, test.metric.is_bytes()));
        row.detail =
            "an absolute figure from other hardware: shown beside the measured one, not judged"
                .to_string();
        return;
    };
    let Some(factor) = measured.factor else {
        row.verdict = Verdict::NotMeasured;
        row.detail = format!(
            "{} paired round{}: an interval needs 2 or more (cargo xtask run --rounds 3)",
            measured.rounds,
            if measured.rounds == 1 { "" } else { "s" }
        );
        return;
    };
    let (winner, loser) = (winner.name(Some(loser)), loser.name(Some(winner)));
    row.measured = if factor.estimate >= 1.0 {
        format!(
            "{winner} {} {better} [{}, {}]",
            times(factor.estimate),
            times(factor.low),
            times(factor.high)
        )
    } else {
        format!(
            "{loser} {} {better} [{}, {}]",
            times(1.0 / factor.estimate),
            times(1.0 / factor.high),
            times(1.0 / factor.low)
        )
    };
    let interval = format!(
        "{} [{}, {}]",
        times(factor.estimate),
        times(factor.low),
        times(factor.high)
    );
    if let (true, Some(unequal), Some(fair)) = (test.published_setup, &test.unequal_work, fair) {
        if factor.low > fair.high || factor.high < fair.low {
            row.verdict = Verdict::Artifact;
            row.detail = format!(
                "{unequal}: at the published setup {interval}, at equal counts {} [{}, {}]",
                times(fair.estimate),
                times(fair.low),
                times(fair.high)
            );
            return;
        }
    }
    if factor.low > 1.0 {
        match test.ratio {
            Some(ratio) if ratio >= factor.low / tolerance && ratio <= factor.high * tolerance => {
                row.verdict = Verdict::Reproduced;
                row.detail = format!("published {}, measured {interval}", times(ratio));
            }
            Some(ratio) => {
                row.verdict = Verdict::DifferentSize;
                row.detail = format!("published {}, measured {interval}", times(ratio));
            }
            None => {
                row.verdict = Verdict::Reproduced;
                row.detail = format!("the same direction: {winner} {better}, {interval}");
            }
        }
    } else if factor.high < 1.0 {
        row.verdict = Verdict::Reversed;
        row.detail = format!(
            "published: {winner} {better}{}; measured: {loser} {better}",
            test.ratio
                .map_or(String::new(), |r| format!(" by {}", times(r)))
        );
    } else {
        row.verdict = Verdict::NoClearDifference;
        row.detail =
            format!("the interval {interval} holds 1: neither side is clearly {better} here");
    }
}

/// The published figure a test judges.
fn published(test: &Test) -> String {
    match (test.ranked(), test.ratio, test.value) {
        (Some((winner, loser)), Some(ratio), _) => format!(
            "{} {} {}",
            winner.name(Some(loser)),
            times(ratio),
            test.metric.better()
        ),
        (Some((winner, loser)), None, _) => {
            format!("{} {}", winner.name(Some(loser)), test.metric.better())
        }
        (None, _, Some(value)) => quantity(value, test.metric.is_bytes()),
        _ => "—".to_string(),
    }
}

fn values(test: &Test, measured: &Measured) -> String {
    let bytes = test.metric.is_bytes();
    let show = |v: Option<f64>| v.map_or("—".to_string(), |v| quantity(v, bytes));
    match &test.b {
        Some(b) => format!(
            "{} {}, {} {}",
            test.a.name(Some(b)),
            show(measured.a),
            b.name(Some(&test.a)),
            show(measured.b)
        ),
        None => format!("{} {}", test.a.name(None), show(measured.a)),
    }
}

/// "195x", "12x", "3.5x", "1.18x".
pub fn times(ratio: f64) -> String {
    if ratio >= 100.0 {
        format!("{ratio:.0}x")
    } else if ratio >= 10.0 {
        format!("{ratio:.1}x")
    } else {
        format!("{ratio:.2}x")
    }
}

/// A value with its unit: bytes as KB/MB (decimal), times as ns/µs/ms/s.
pub fn quantity(value: f64, bytes: bool) -> String {
    if bytes {
        match value {
            v if v >= 1e9 => format!("{:.2} GB", v / 1e9),
            v if v >= 1e6 => format!("{:.1} MB", v / 1e6),
            v if v >= 1e3 => format!("{:.1} KB", v / 1e3),
            v => format!("{v:.0} B"),
        }
    } else {
        let (scaled, unit) = match value {
            v if v >= 1e9 => (v / 1e9, "s"),
            v if v >= 1e6 => (v / 1e6, "ms"),
            v if v >= 1e3 => (v / 1e3, "µs"),
            v => (v, "ns"),
        };
        let digits = if scaled >= 100.0 {
            0
        } else if scaled >= 10.0 {
            1
        } else {
            2
        };
        format!("{scaled:.digits$} {unit}")
    }
}
