//! The pilot of a paired measurement (an A/B session, a calibration): a few rounds of
//! every job, from whose arms 0 and 1 each series' noise and trial time are measured,
//! and the pairs planned from them.

use super::{run_rounds, Counting, Jobs, Outcomes, TrialSettings};
use crate::analyse::{compare, stats};
use crate::measure::plan::{self, ArmOrder, PairPlan, PairPlanning, PilotTrial, Slot};
use crate::measure::trial::Outcome;
use crate::record::summary::paired_log_ratios;
use crate::record::Status;

/// How a pilot runs and what its plan aims for.
#[derive(Debug, Clone, Copy)]
pub struct Pilot {
    /// Rounds `0..rounds` are the pilot's.
    pub rounds: u32,
    pub arm_order: ArmOrder,
    pub planning: PairPlanning,
    /// Choose each series' trial shape from the pilot (`plan::shape`); false when the
    /// person set the samples or warm-up.
    pub choose_shape: bool,
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
    jobs: &mut Jobs,
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
    let mut counting = run_rounds(jobs, &order, 0, settings, outcomes);
    // What a trial costs beyond its own wall time (the counts ran after the timed
    // rounds: not a cost of the trials).
    let overhead = overhead_per_trial(
        jobs,
        outcomes,
        started.elapsed().as_secs_f64() - counting.seconds,
    );
    if pilot.choose_shape {
        // The series whose shape changes run their pilot again in it: the trials of
        // the old shape measured something else and are not kept.
        let changed = choose_shapes(jobs, settings, outcomes, overhead);
        if !changed.is_empty() {
            let targets: Vec<u32> = (0..jobs.series().len())
                .map(|series| {
                    if changed.contains(&series) {
                        pilot.rounds
                    } else {
                        0
                    }
                })
                .collect();
            let again = plan::rounds(&targets, 0, jobs.arms(), pilot.arm_order, settings.seed);
            let more = run_rounds(jobs, &again, 0, settings, outcomes);
            counting.trials += more.trials;
            counting.seconds += more.seconds;
        }
    }
    let pilots: Vec<(&[Outcome], &[Outcome])> = (0..jobs.series().len())
        .map(|series| {
            (
                outcomes.of(Slot { series, arm: 0 }),
                outcomes.of(Slot { series, arm: 1 }),
            )
        })
        .collect();
    let mut planning = pilot.planning;
    planning.trial_overhead_seconds = overhead;
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

/// What a trial costs beyond its own wall time, over the trials of `outcomes`, which
/// took `elapsed` seconds to run.
fn overhead_per_trial(jobs: &Jobs, outcomes: &Outcomes, elapsed: f64) -> f64 {
    let trials: Vec<&Outcome> = jobs.slots().flat_map(|slot| outcomes.of(slot)).collect();
    let walls: f64 = trials.iter().map(|o| o.trial.wall_ns as f64 / 1e9).sum();
    if trials.is_empty() {
        return 0.0;
    }
    ((elapsed - walls) / trials.len() as f64).max(0.0)
}

/// Chooses the trial shape of every series the pilot can tell about (not those whose
/// latency histogram or memory per task spans the samples), from its arms 0 and 1;
/// sets the changed ones' jobs to it, forgets their pilot trials, and returns them.
fn choose_shapes(
    jobs: &mut Jobs,
    settings: &TrialSettings,
    outcomes: &mut Outcomes,
    overhead: f64,
) -> Vec<usize> {
    let mut changed = Vec::new();
    for index in 0..jobs.series().len() {
        let workload = jobs.series()[index].workload;
        if workload.reports_latency || workload.reports_memory_per_task {
            continue;
        }
        let ok = |o: &&Outcome| o.status == Status::Ok;
        let arms = [
            Slot {
                series: index,
                arm: 0,
            },
            Slot {
                series: index,
                arm: 1,
            },
        ];
        let [base, head] = arms.map(|slot| outcomes.of(slot));
        let log_ratios = paired_log_ratios(
            base.iter().filter(ok).map(|o| &o.trial),
            head.iter().filter(ok).map(|o| &o.trial),
        );
        if log_ratios.len() < 2 {
            continue;
        }
        let trials: Vec<PilotTrial> = base
            .iter()
            .chain(head)
            .filter(ok)
            .map(|o| PilotTrial {
                samples: &o.trial.samples,
                wall_ns: o.trial.wall_ns,
            })
            .collect();
        let current = settings.sampling_of(jobs.get(arms[0]));
        let Some(choice) =
            plan::choose_shape(&trials, stats::paired_noise(&log_ratios), current, overhead)
        else {
            continue;
        };
        eprintln!(
            "shape {}: {} → {} samples per trial after {} warm-up ({:.1}× the measurement \
             per second by the pilot: process noise {:.1} %, within a trial {:.1} %, \
             {:.1} ms per process and {:.2} ms per sample); its pilot runs again",
            jobs.series()[index].label(),
            current.samples,
            choice.sampling.samples,
            choice.sampling.warmup,
            choice.gain,
            choice.process_sd * 100.0,
            choice.within_sd * 100.0,
            choice.fixed_seconds * 1e3,
            choice.sample_seconds * 1e3,
        );
        jobs.set_sampling(index, choice.sampling);
        outcomes.clear_series(index);
        changed.push(index);
    }
    changed
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
