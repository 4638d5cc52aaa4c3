//! How many pairs a paired measurement runs per series, planned from its pilot: enough
//! to detect a given slowdown with 95 % probability among all the comparisons of the
//! suite, no more than a time cap allows. The number is fixed before any comparison is
//! made: there is no re-running until significant.

use super::Series;
use crate::analyse::compare;
use crate::analyse::stats;
use crate::measure::trial::Outcome;
use crate::record::summary::paired_log_ratios;
use crate::record::Status;

/// What a plan aims for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairPlanning {
    /// The fewest pairs any series gets.
    pub minimum: u32,
    /// The change, in percent, that the planned pairs detect with 95 % probability.
    pub detect_percent: f64,
    /// Seconds of measurement (both arms' trials) per series at most.
    pub cap_seconds: f64,
    /// The comparisons of the suite, over which Benjamini–Hochberg runs (`comparisons`).
    pub comparisons: usize,
    /// Seconds of measurement for the whole suite, pilot included (`ab --budget`): the
    /// pairs then go where they buy the most detection ([`budget_pairs`]), and
    /// `detect_percent` and `cap_seconds` are not used.
    pub budget_seconds: Option<f64>,
    /// Seconds each trial costs beyond its own wall time (starting the process, the
    /// runner's bookkeeping), measured over the pilot; a budget counts them.
    pub trial_overhead_seconds: f64,
}

/// The plan of one series after the pilot.
#[derive(Debug, Clone, PartialEq)]
pub struct PairPlan {
    pub label: String,
    pub noise_sd_log: Option<f64>,
    pub needed: Option<usize>,
    pub cap: u32,
    pub pairs: u32,
    /// The change, in percent, that the planned pairs detect with 95 % probability at
    /// the pilot's noise; `None` with unknown noise or too few pairs.
    pub detectable_percent: Option<f64>,
    /// Seconds one pair takes, from the pilot.
    pub pair_seconds: f64,
}

impl PairPlan {
    pub fn describe(&self) -> String {
        let noise = self
            .noise_sd_log
            .map_or("unknown".to_string(), |n| format!("{:.2} %", n * 100.0));
        let needed = match (self.needed, self.detectable_percent) {
            (Some(n), _) => format!("needs {n} pairs, "),
            // A budget's plan: the pairs follow from the budget, not a target.
            (None, Some(_)) => String::new(),
            (None, None) => "needs - pairs, ".to_string(),
        };
        let capped = if self.needed.is_some_and(|n| n as u32 > self.cap) {
            " (capped by time)"
        } else {
            ""
        };
        let detects = self
            .detectable_percent
            .map_or(String::new(), |d| format!(", detects ±{d:.1} %"));
        format!(
            "plan {}: paired noise {noise}, {needed}runs {}{capped}{detects} in {:.0} s",
            self.label,
            self.pairs,
            self.pairs as f64 * self.pair_seconds
        )
    }
}

/// Plans each series' pairs from its pilot (`pilots[i]`: series i's outcomes in its two
/// compared arms): enough to detect a slowdown of `detect_percent` at the measured
/// noise, when it is the only change among the suite's comparisons, no more than
/// `cap_seconds` of measurement allow, no fewer than `minimum`.
pub fn plan_pairs(
    series: &[Series],
    pilots: &[(&[Outcome], &[Outcome])],
    planning: &PairPlanning,
    settings: &compare::Settings,
) -> Vec<PairPlan> {
    let detection = settings.detection(planning.comparisons);
    let mut robust: Vec<Option<f64>> = Vec::new();
    let mut plans: Vec<PairPlan> = series
        .iter()
        .zip(pilots)
        .map(|(item, (base, head))| {
            let ok = |o: &&Outcome| o.status == Status::Ok;
            let log_ratios = paired_log_ratios(
                base.iter().filter(ok).map(|o| &o.trial),
                head.iter().filter(ok).map(|o| &o.trial),
            );
            let noise = (log_ratios.len() >= 2).then(|| stats::paired_noise(&log_ratios));
            robust.push(robust_noise(&log_ratios));
            let needed = noise.and_then(|noise| {
                settings.pairs_needed(
                    noise,
                    1.0 + planning.detect_percent / 100.0,
                    planning.comparisons,
                )
            });
            // The median trial, not the mean: a pilot of a few trials that met a busy
            // moment would otherwise cut the plan of a whole session.
            let walls: Vec<f64> = base
                .iter()
                .chain(head.iter())
                .map(|o| o.trial.wall_ns as f64 / 1e9)
                .collect();
            let pair_seconds = 2.0 * (stats::median(&walls) + planning.trial_overhead_seconds);
            let cap = (planning.cap_seconds / pair_seconds.max(1e-3))
                .floor()
                .min(u32::MAX as f64) as u32;
            let minimum = planning.minimum;
            let pairs = match needed {
                Some(needed) => (needed as u32).clamp(minimum, cap.max(minimum)),
                None => minimum,
            };
            PairPlan {
                label: item.label(),
                noise_sd_log: noise,
                needed,
                cap,
                pairs,
                detectable_percent: None,
                pair_seconds,
            }
        })
        .collect();
    if let Some(budget) = planning.budget_seconds {
        // A robust scale here, unlike the capped plan's: one far-out pair among a
        // pilot's few would otherwise send most of the budget to one series, which the
        // rank test, robust itself, does not need.
        let items: Vec<(Option<f64>, f64)> = plans
            .iter()
            .zip(&robust)
            .map(|(p, robust)| (robust.or(p.noise_sd_log), p.pair_seconds))
            .collect();
        let pairs = super::budget::budget_pairs(&items, budget, planning.minimum, &detection);
        for (plan, pairs) in plans.iter_mut().zip(pairs) {
            plan.pairs = pairs;
            plan.cap = pairs;
            plan.needed = None;
        }
    }
    // The detectable change at the noise the plan used: the robust one under a budget.
    for (plan, robust) in plans.iter_mut().zip(&robust) {
        let noise = match planning.budget_seconds {
            Some(_) => robust.or(plan.noise_sd_log),
            None => plan.noise_sd_log,
        };
        plan.detectable_percent = noise
            .and_then(|noise| detection.paired(noise, plan.pairs as usize))
            .map(|d| d.exp_m1() * 100.0);
    }
    plans
}

/// How many comparisons a suite of `series` makes, for planning: every series is
/// compared on time and max RSS; the workloads with latency histograms also on p50 and
/// p99, the counted ones also on instructions. Benjamini-Hochberg runs over all of them.
pub fn comparisons(series: &[Series], instructions: bool) -> usize {
    series
        .iter()
        .map(|item| {
            let latency = if item.workload.reports_latency { 2 } else { 0 };
            let counted = usize::from(instructions && item.workload.counts_instructions);
            2 + latency + counted
        })
        .sum()
}

/// The noise of log-ratios as a robust scale: 1.4826 × their median absolute deviation
/// (the standard deviation, for normal noise), where there are at least four.
fn robust_noise(log_ratios: &[f64]) -> Option<f64> {
    if log_ratios.len() < 4 {
        return None;
    }
    let center = stats::median(log_ratios);
    let deviations: Vec<f64> = log_ratios.iter().map(|r| (r - center).abs()).collect();
    let scale = 1.4826 * stats::median(&deviations);
    (scale > 0.0).then_some(scale)
}
