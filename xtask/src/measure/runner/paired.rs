//! The pilot of a paired measurement (an A/B session, a calibration): a few rounds of
//! every job, from whose arms 0 and 1 each series' noise and trial time are measured,
//! and the pairs planned from them.

use super::{run_rounds, Jobs, Outcomes, TrialSettings};
use crate::analyse::compare;
use crate::measure::plan::{self, ArmOrder, PairPlan, PairPlanning, Slot};
use crate::measure::trial::Outcome;

/// How a pilot runs and what its plan aims for.
#[derive(Debug, Clone, Copy)]
pub struct Pilot {
    /// Rounds `0..rounds` are the pilot's.
    pub rounds: u32,
    pub arm_order: ArmOrder,
    pub planning: PairPlanning,
}

/// Runs the pilot's rounds over every job, then plans each series' pairs from its arms
/// 0 and 1 and prints each plan.
pub fn pilot_and_plan(
    jobs: &Jobs,
    pilot: &Pilot,
    settings: &TrialSettings,
    compare_settings: &compare::Settings,
    outcomes: &mut Outcomes,
) -> Vec<PairPlan> {
    let order = plan::rounds(
        &vec![pilot.rounds; jobs.series().len()],
        0,
        jobs.arms(),
        pilot.arm_order,
        settings.seed,
    );
    let started = std::time::Instant::now();
    run_rounds(jobs, &order, 0, settings, outcomes);
    let elapsed = started.elapsed().as_secs_f64();
    let pilots: Vec<(&[Outcome], &[Outcome])> = (0..jobs.series().len())
        .map(|series| {
            (
                outcomes.of(Slot { series, arm: 0 }),
                outcomes.of(Slot { series, arm: 1 }),
            )
        })
        .collect();
    // What a trial costs beyond its own wall time, over the whole pilot.
    let trials: Vec<&Outcome> = (0..jobs.series().len())
        .flat_map(|series| (0..jobs.arms()).map(move |arm| Slot { series, arm }))
        .flat_map(|slot| outcomes.of(slot))
        .collect();
    let walls: f64 = trials.iter().map(|o| o.trial.wall_ns as f64 / 1e9).sum();
    let mut planning = pilot.planning;
    if !trials.is_empty() {
        planning.trial_overhead_seconds = ((elapsed - walls) / trials.len() as f64).max(0.0);
    }
    let plans = plan::plan_pairs(jobs.series(), &pilots, &planning, compare_settings);
    for plan in &plans {
        eprintln!("{}", plan.describe());
    }
    plans
}
