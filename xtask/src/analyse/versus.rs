//! Rust against Go within one run: for each comparison the catalogue names (tokio tasks
//! against goroutines, `iter` against `range`, …), the ratio of the Rust variant's time
//! per operation to the Go variant's, with its 95 % interval, and who wins.
//!
//! Both languages ran in the same interleaved rounds of one run, so their trials are
//! paired by round: each round gives `d = ln(rust) − ln(go)` of the two trials' medians,
//! and the drift of a noisy machine, which hit both trials of a round, cancels. With at
//! least 6 rounds the estimate is the Hodges–Lehmann estimate of the `d`s with the
//! interval that inverts the signed-rank test, as `compare` uses; with 2 to 5 rounds,
//! where no distribution-free interval reaches 95 %, it is their mean with Student's t
//! interval; one round gives an estimate and no interval. The ratio is `exp` of it:
//! below 1 Rust is faster, above 1 Go is, and an interval that holds 1 is "no clear
//! winner". A result faster than its physical floor (implausible) is never a win.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::stats::{self, wilcoxon};
use crate::record::summary::{median_ns_per_op, trial_median};
use crate::record::{ResultRecord, RunRecord, Status};

/// One comparison a workload names: a Rust variant and a Go variant, each with the
/// parameters that make it what it is (pingpong's `buffer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pairing {
    pub workload: &'static str,
    pub rust: (&'static str, &'static [(&'static str, u64)]),
    pub go: (&'static str, &'static [(&'static str, u64)]),
}

/// Who is faster in one comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "why")]
pub enum Outcome {
    RustFaster,
    GoFaster,
    /// The interval holds 1, or there is no interval.
    NoClearWinner,
    /// One side ran under its physical floor: the compiler removed the work.
    Implausible(String),
    /// One side is missing or did not finish `ok`.
    NotMeasured(String),
}

/// How the interval was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Hodges–Lehmann with the signed-rank interval: 6 rounds or more.
    HodgesLehmann,
    /// The mean with Student's t interval: 2 to 5 rounds.
    StudentT,
    /// One round: an estimate, no interval.
    OneRound,
}

/// One comparison in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Versus {
    pub workload: String,
    pub rust_variant: String,
    pub go_variant: String,
    /// The parameters the two share (the size), without the variants' own.
    pub params: BTreeMap<String, u64>,
    pub rust_toolchain: String,
    pub go_toolchain: String,
    /// The median time per operation of each side, in ns.
    pub rust_ns: Option<f64>,
    pub go_ns: Option<f64>,
    /// Rust / Go, with its interval, when there are paired rounds.
    pub ratio: Option<Ratio>,
    pub rounds: usize,
    pub method: Option<Method>,
    pub outcome: Outcome,
}

/// A ratio with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ratio {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// Every comparison of `pairings` that `record` measured at some size, with the first
/// toolchain of each language in the record's order (the pins' own order) that has both
/// results. Comparisons whose workload the record did not run are left out.
pub fn versus(record: &RunRecord, pairings: &[Pairing]) -> Vec<Versus> {
    let mut rows: Vec<Versus> = Vec::new();
    for pairing in pairings {
        let go_results = matching(record, pairing.workload, pairing.go, "go");
        for rust in matching(record, pairing.workload, pairing.rust, "rust") {
            let shared = shared_params(&rust.params, pairing.rust.1);
            // One row per comparison and size: the first toolchains in the record's
            // order, which is the pins' own.
            let done = rows.iter().any(|row| {
                row.workload == pairing.workload
                    && row.rust_variant == pairing.rust.0
                    && row.go_variant == pairing.go.0
                    && row.params == shared
            });
            let go = go_results
                .iter()
                .find(|go| shared_params(&go.params, pairing.go.1) == shared);
            if let (false, Some(go)) = (done, go) {
                rows.push(compare_pair(pairing, rust, go, shared));
            }
        }
    }
    rows
}

fn is_variant(
    result: &ResultRecord,
    workload: &str,
    (variant, params): (&str, &[(&str, u64)]),
    lang: &str,
) -> bool {
    result.workload == workload
        && result.variant == variant
        && result.lang == lang
        && params
            .iter()
            .all(|(key, value)| result.params.get(*key) == Some(value))
}

/// The results of one side of a pairing, in the order of the record's toolchains.
fn matching<'a>(
    record: &'a RunRecord,
    workload: &str,
    variant: (&str, &[(&str, u64)]),
    lang: &str,
) -> Vec<&'a ResultRecord> {
    let order: Vec<&str> = record
        .toolchains
        .iter()
        .filter(|t| t.lang == lang)
        .map(|t| t.id.as_str())
        .collect();
    let mut results: Vec<&ResultRecord> = record
        .results
        .iter()
        .filter(|r| is_variant(r, workload, variant, lang))
        .collect();
    results.sort_by_key(|r| {
        order
            .iter()
            .position(|id| *id == r.toolchain)
            .unwrap_or(usize::MAX)
    });
    results
}

/// A result's parameters without its variant's own.
fn shared_params(params: &BTreeMap<String, u64>, own: &[(&str, u64)]) -> BTreeMap<String, u64> {
    params
        .iter()
        .filter(|(key, _)| !own.iter().any(|(own_key, _)| own_key == key))
        .map(|(key, value)| (key.clone(), *value))
        .collect()
}

fn compare_pair(
    pairing: &Pairing,
    rust: &ResultRecord,
    go: &ResultRecord,
    params: BTreeMap<String, u64>,
) -> Versus {
    let mut row = Versus {
        workload: pairing.workload.to_string(),
        rust_variant: pairing.rust.0.to_string(),
        go_variant: pairing.go.0.to_string(),
        params,
        rust_toolchain: rust.toolchain.clone(),
        go_toolchain: go.toolchain.clone(),
        rust_ns: median_ns_per_op(rust),
        go_ns: median_ns_per_op(go),
        ratio: None,
        rounds: 0,
        method: None,
        outcome: Outcome::NoClearWinner,
    };
    for (side, result) in [("Rust", rust), ("Go", go)] {
        if result.status != Status::Ok {
            row.outcome = Outcome::NotMeasured(format!(
                "{side} {}: {}",
                result.status.as_str(),
                result.reason.as_deref().unwrap_or("no reason recorded")
            ));
            return row;
        }
    }
    let logs = paired_log_ratios(rust, go);
    row.rounds = logs.len();
    let (interval, method) = interval(&logs);
    row.method = method;
    row.ratio = interval;
    for (side, result) in [("Rust", rust), ("Go", go)] {
        if let Some(why) = &result.implausible {
            row.outcome = Outcome::Implausible(format!("{side} {}: {why}", result.variant));
            return row;
        }
    }
    row.outcome = match interval {
        Some(ratio) if row.rounds >= 2 && ratio.high < 1.0 => Outcome::RustFaster,
        Some(ratio) if row.rounds >= 2 && ratio.low > 1.0 => Outcome::GoFaster,
        _ => Outcome::NoClearWinner,
    };
    row
}

/// `ln(rust) − ln(go)` of the trials' time per operation, round by round.
fn paired_log_ratios(rust: &ResultRecord, go: &ResultRecord) -> Vec<f64> {
    let per_op = |result: &ResultRecord| -> BTreeMap<u32, f64> {
        result
            .trials
            .iter()
            .filter(|t| t.error.is_none() && result.ops > 0)
            .filter_map(|t| Some((t.round, trial_median(t)? / result.ops as f64)))
            .filter(|(_, v)| *v > 0.0)
            .collect()
    };
    let go = per_op(go);
    per_op(rust)
        .into_iter()
        .filter_map(|(round, r)| Some((r / go.get(&round)?).ln()))
        .filter(|d| d.is_finite())
        .collect()
}

/// Student's t quantile at 0.975 for 1 to 5 degrees of freedom (exact to four places).
const T_975: [f64; 5] = [12.7062, 4.3027, 3.1824, 2.7764, 2.5706];

/// The ratio and its 95 % interval from the paired log-ratios, and the method used.
pub fn interval(logs: &[f64]) -> (Option<Ratio>, Option<Method>) {
    let n = logs.len();
    let ratio = |estimate: f64, low: f64, high: f64| Ratio {
        estimate: estimate.exp(),
        low: low.exp(),
        high: high.exp(),
    };
    match n {
        0 => (None, None),
        1 => (
            Some(ratio(logs[0], logs[0], logs[0])),
            Some(Method::OneRound),
        ),
        2..=5 => {
            let mean = logs.iter().sum::<f64>() / n as f64;
            let half = T_975[n - 2] * stats::standard_deviation(logs) / (n as f64).sqrt();
            (
                Some(ratio(mean, mean - half, mean + half)),
                Some(Method::StudentT),
            )
        }
        _ => {
            let hl = wilcoxon::hodges_lehmann(logs, 0.95);
            (
                Some(ratio(hl.estimate, hl.low, hl.high)),
                Some(Method::HodgesLehmann),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::fixtures::{record, result, FINGERPRINT};
    use crate::record::ToolchainRecord;

    const SUM: Pairing = Pairing {
        workload: "sum",
        rust: ("iter", &[]),
        go: ("range", &[]),
    };

    fn go(mut result: ResultRecord, toolchain: &str) -> ResultRecord {
        result.lang = "go".into();
        result.toolchain = toolchain.into();
        result
    }

    fn toolchain(id: &str, lang: &str) -> ToolchainRecord {
        ToolchainRecord {
            id: id.into(),
            lang: lang.into(),
            version: id.rsplit('-').next().unwrap().into(),
            detail: BTreeMap::new(),
            flags: BTreeMap::new(),
            lockfile_sha256: None,
        }
    }

    #[test]
    fn a_clear_difference_in_every_round_is_a_win_with_an_interval_below_one() {
        let rust = result("sum", "iter", &[0.28, 0.29, 0.28, 0.30, 0.28, 0.29, 0.28]);
        let range = go(
            result("sum", "range", &[0.36, 0.37, 0.36, 0.38, 0.35, 0.37, 0.36]),
            "go-1.26.8",
        );
        let rows = versus(&record("r", None, FINGERPRINT, vec![rust, range]), &[SUM]);
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.outcome, Outcome::RustFaster);
        assert_eq!(row.method, Some(Method::HodgesLehmann));
        assert_eq!(row.rounds, 7);
        let ratio = row.ratio.unwrap();
        assert!(ratio.high < 1.0 && ratio.low < ratio.estimate, "{ratio:?}");
        assert!((ratio.estimate - 0.78).abs() < 0.02, "{ratio:?}");
    }

    #[test]
    fn an_interval_that_holds_one_is_no_clear_winner_and_few_rounds_use_student_t() {
        let rust = result("sum", "iter", &[0.30, 0.36, 0.33]);
        let range = go(result("sum", "range", &[0.33, 0.33, 0.33]), "go-1.26.8");
        let row = &versus(&record("r", None, FINGERPRINT, vec![rust, range]), &[SUM])[0];
        assert_eq!(row.method, Some(Method::StudentT));
        assert_eq!(row.outcome, Outcome::NoClearWinner);
        let ratio = row.ratio.unwrap();
        assert!(ratio.low < 1.0 && ratio.high > 1.0, "{ratio:?}");
    }

    #[test]
    fn three_consistent_rounds_are_enough_for_a_large_difference() {
        let rust = result("sum", "iter", &[0.280, 0.282, 0.281]);
        let range = go(result("sum", "range", &[0.360, 0.365, 0.362]), "go-1.26.8");
        let row = &versus(&record("r", None, FINGERPRINT, vec![rust, range]), &[SUM])[0];
        assert_eq!(row.outcome, Outcome::RustFaster, "{row:?}");
    }

    #[test]
    fn implausible_and_failed_sides_are_never_a_win() {
        let mut rust = result("sum", "iter", &[0.01, 0.01, 0.01]);
        rust.implausible = Some("below the floor".into());
        let range = go(result("sum", "range", &[0.36, 0.37, 0.36]), "go-1.26.8");
        let row = &versus(
            &record("r", None, FINGERPRINT, vec![rust, range.clone()]),
            &[SUM],
        )[0];
        assert!(matches!(&row.outcome, Outcome::Implausible(why) if why.contains("Rust iter")));
        let mut failed = result("sum", "iter", &[]);
        failed.status = Status::Failed;
        failed.reason = Some("crashed".into());
        let row = &versus(&record("r", None, FINGERPRINT, vec![failed, range]), &[SUM])[0];
        assert!(matches!(&row.outcome, Outcome::NotMeasured(why) if why.contains("crashed")));
        assert_eq!(row.ratio, None);
    }

    #[test]
    fn the_first_pins_are_compared_and_variant_params_are_matched() {
        const PINGPONG: Pairing = Pairing {
            workload: "pingpong",
            rust: ("tokio-current", &[("buffer", 4096)]),
            go: ("buffered", &[("buffer", 4096)]),
        };
        let with = |mut r: ResultRecord, buffer: u64| {
            r.params.insert("buffer".into(), buffer);
            r
        };
        let rust_one = with(result("pingpong", "tokio-current", &[200.0, 201.0]), 1);
        let rust = with(result("pingpong", "tokio-current", &[100.0, 101.0]), 4096);
        let old_go = go(
            with(result("pingpong", "buffered", &[90.0, 91.0]), 4096),
            "go-1.19.8",
        );
        let new_go = go(
            with(result("pingpong", "buffered", &[80.0, 81.0]), 4096),
            "go-1.26.8",
        );
        let mut run = record("r", None, FINGERPRINT, vec![rust_one, rust, old_go, new_go]);
        run.toolchains = vec![
            toolchain("rust-1.95.0", "rust"),
            toolchain("go-1.26.8", "go"),
            toolchain("go-1.19.8", "go"),
        ];
        let rows = versus(&run, &[PINGPONG]);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].go_toolchain, "go-1.26.8", "the first Go pin");
        assert_eq!(rows[0].params, BTreeMap::from([("size".to_string(), 1000)]));
        assert_eq!(rows[0].rust_ns, Some(100.5));
    }
}
