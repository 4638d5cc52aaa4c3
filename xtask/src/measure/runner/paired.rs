//! The pilot of a paired measurement (an A/B session, a calibration): a few rounds of
//! every job, from whose arms 0 and 1 each series' noise and trial time are measured,
//! and the pairs planned from them.

use super::{run_rounds, Counting, Jobs, Outcomes, TrialSettings};
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

/// A pilot's plans, and the seconds of instruction counting still to come after the
/// pilot's, which a budget's deadline for the timed rounds leaves free.
#[derive(Debug, Clone)]
pub struct Planned {
    pub plans: Vec<PairPlan>,
    pub counting_reserve_seconds: f64,
}

/// Runs the pilot's rounds over every job, then plans each series' pairs from its arms
/// 0 and 1 and prints each plan. Under a budget, the instruction counts are paid from
/// it: the pilot's own, and the rest of the counted rounds estimated at the pilot's
/// seconds per count; the pairs are planned for what is left.
pub fn pilot_and_plan(
    jobs: &Jobs,
    pilot: &Pilot,
    settings: &TrialSettings,
    compare_settings: &compare::Settings,
    outcomes: &mut Outcomes,
) -> Planned {
    let order = plan::rounds(
        &vec![pilot.rounds; jobs.series().len()],
        0,
        jobs.arms(),
        pilot.arm_order,
        settings.seed,
    );
    let started = std::time::Instant::now();
    let counting = run_rounds(jobs, &order, 0, settings, outcomes);
    // The counts ran after the timed rounds: not a cost of the trials.
    let elapsed = started.elapsed().as_secs_f64() - counting.seconds;
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
    let counted_jobs = match settings.instructions {
        Some(_) => jobs
            .slots()
            .filter(|&slot| jobs.get(slot).series.workload.counts_instructions)
            .count(),
        None => 0,
    };
    let rounds_left = settings.counted_rounds.saturating_sub(pilot.rounds);
    let counting_reserve_seconds = counting_to_come(&counting, counted_jobs, rounds_left);
    if let Some(budget) = planning.budget_seconds {
        let counts = counting.seconds + counting_reserve_seconds;
        if counts > 0.0 {
            eprintln!(
                "instruction counts take {:.0} s of the {budget:.0} s budget ({:.0} s in the \
                 pilot, about {counting_reserve_seconds:.0} s to come)",
                counts, counting.seconds
            );
        }
        planning.budget_seconds = Some(budget_for_pairs(
            budget,
            &counting,
            counting_reserve_seconds,
        ));
    }
    let plans = plan::plan_pairs(jobs.series(), &pilots, &planning, compare_settings);
    for plan in &plans {
        eprintln!("{}", plan.describe());
    }
    Planned {
        plans,
        counting_reserve_seconds,
    }
}

/// Seconds of counting after the pilot: `counted_jobs` jobs (series × arms) each
/// counted in `rounds_left` more rounds, at the pilot's seconds per count (the counts
/// run as many at a time as in the pilot).
fn counting_to_come(pilot: &Counting, counted_jobs: usize, rounds_left: u32) -> f64 {
    pilot.seconds_per_trial().map_or(0.0, |per_trial| {
        counted_jobs as f64 * rounds_left as f64 * per_trial
    })
}

/// What is left of a budget for the timed pairs once the pilot's counts and those to
/// come are paid: never below nothing (the plan then gives every series its minimum).
fn budget_for_pairs(budget: f64, pilot: &Counting, reserve: f64) -> f64 {
    (budget - pilot.seconds - reserve).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_pays_for_the_pilots_counts_and_those_to_come() {
        // 8 counted trials in 4 s: half a second each. 14 jobs (7 counted series × 2
        // sides) in 16 more rounds: 112 s to come.
        let pilot = Counting {
            trials: 8,
            seconds: 4.0,
        };
        let reserve = counting_to_come(&pilot, 14, 16);
        assert_eq!(reserve, 112.0);
        assert_eq!(budget_for_pairs(1200.0, &pilot, reserve), 1084.0);
        // Nothing counted, nothing reserved.
        assert_eq!(counting_to_come(&Counting::default(), 14, 16), 0.0);
        assert_eq!(counting_to_come(&pilot, 0, 16), 0.0);
        // Counts dearer than the budget leave the pairs nothing, not less.
        assert_eq!(budget_for_pairs(60.0, &pilot, reserve), 0.0);
    }
}
