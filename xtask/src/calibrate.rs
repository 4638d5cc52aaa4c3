//! `cargo xtask calibrate`: measure the harness on the machine it runs on, so that every
//! verdict can be read against this machine's measured power.
//!
//! For every series, each round runs trials of the same build as A and A′, and of A with
//! each injected slowdown, back to back in a shuffled order, as an A/B session runs base
//! and head. A slowdown is injected as time (`--inject-pct P`: the workload spins for
//! P % of each sample's own time inside the timed region) or as work
//! (`--inject-work-pct P`: each sample does P % more operations), which is what an
//! instruction count sees. A pilot measures each series' noise and trial time, and each
//! series then gets the pairs `ab` would plan for it (enough to detect `--detect` %
//! within `--cap` seconds per comparison). After the pilot the rounds are split into
//! disjoint blocks, one block per experiment and series; each experiment compares its
//! block as a paired A/B session would: A against A′ (every verdict other than
//! `unchanged` or `inconclusive` is a false alarm) and A against each slowdown (`slower`
//! is a detection: of time for a time injection, of instructions for a work
//! injection). The figures go into the run record's `calibration` and onto the site.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Result};

use crate::ab;
use crate::cli::Calibrate;
use crate::compare::{self, Metric, Verdict};
use crate::plan::{self, Selection, Series};
use crate::record::{
    Calibration, Protocol, ResultRecord, RunRecord, SeriesCalibration, Status, RUN_SCHEMA,
};
use crate::run::{self, Job, Settings};
use crate::trial::Outcome;
use crate::{history, machine, source, stats};

impl Calibrate {
    pub fn run(self, root: &Path) -> Result<()> {
        let started = time::OffsetDateTime::now_utc();
        // The commit as it is built, before an hour of calibration lets HEAD move.
        let source = source::detect(root);
        let counting = self.args.instructions;
        let sides = ab::build_sides(
            root,
            &[&root.to_path_buf()],
            &self.args.toolchains,
            counting,
        )?;
        let side = &sides[0];
        let series = run::select(&Selection::from_args(&self.args), side)?;
        let arms = arms(&self.inject, &self.inject_work);
        if arms.iter().any(|arm| arm.injection == Injection::Work)
            && series
                .iter()
                .any(|s| !s.workload.counts_instructions && s.workload.name != "membw")
        {
            bail!(
                "--inject-work applies to sum, membw and alloc only; add `--only sum,alloc` \
                 to calibrate with it"
            );
        }
        let jobs: Vec<Job> = series
            .iter()
            .flat_map(|item| {
                let binary = side
                    .iter()
                    .find(|t| t.record.id == item.toolchain)
                    .map(|t| t.binary.clone())
                    .expect("every series' toolchain was built");
                arms.iter().map(move |arm| Job {
                    series: item.clone(),
                    binary: binary.clone(),
                    extra_args: arm.args(),
                    tag: Some(arm.name.clone()),
                })
            })
            .collect();
        let compare_settings = self.thresholds.settings()?;
        if self.experiments == 0 || self.pairs == Some(0) {
            bail!("--experiments and --pairs must both be at least 1");
        }
        let mut settings = Settings::from_args(root, &self.args, 0)?;
        settings.count_with(side.iter());
        let mut outcomes: Vec<Vec<Outcome>> = Vec::new();

        // The pilot, unless the pairs are given: instruction counts need no plan.
        let fixed = self.pairs.or(counting.then_some(run::COUNTED_PAIRS));
        let pilot = if fixed.is_some() {
            0
        } else {
            self.pilot.max(2)
        };
        let pairs: Vec<u32> = match fixed {
            Some(pairs) => vec![pairs; series.len()],
            None => {
                eprintln!(
                    "calibrating {} series: a pilot of {pilot} rounds",
                    series.len()
                );
                let order = adjacent_arms(&vec![pilot; series.len()], 0, arms.len(), settings.seed);
                run::run_jobs(&jobs, &order, 0, &settings, &mut outcomes);
                let sides: Vec<(&[Outcome], &[Outcome])> = outcomes
                    .chunks(arms.len())
                    .map(|arms| (arms[0].as_slice(), arms[1].as_slice()))
                    .collect();
                let plans = ab::plan_pairs(
                    &series,
                    &sides,
                    2,
                    &compare_settings,
                    self.detect,
                    self.cap,
                    ab::comparisons(&series, counting),
                );
                for plan in &plans {
                    eprintln!("{}", plan.describe());
                }
                plans.iter().map(|plan| plan.pairs).collect()
            }
        };
        if counting {
            // Every round of an instruction calibration is counted: each experiment
            // needs counts of its own.
            settings.counted_rounds = u32::MAX;
        }
        let targets: Vec<u32> = pairs.iter().map(|p| pilot + p * self.experiments).collect();
        let last = targets.iter().copied().max().unwrap_or(pilot);
        settings.rounds = last;
        eprintln!(
            "calibrating {} series: {} experiments of {} pairs",
            series.len(),
            self.experiments,
            describe_pairs(&pairs)
        );
        let order = adjacent_arms(&targets, pilot, arms.len(), settings.seed ^ 0x00ca_11b7);
        run::run_jobs(&jobs, &order, pilot, &settings, &mut outcomes);
        let results = run::assemble(&jobs, outcomes);

        let template = RunRecord {
            schema: RUN_SCHEMA.to_string(),
            id: String::new(),
            started_at: run::rfc3339(started),
            finished_at: run::rfc3339(time::OffsetDateTime::now_utc()),
            source,
            ci: source::ci_from_env(|key| std::env::var(key).ok()),
            machine: machine::detect(),
            // No session: a calibration record is not one side of an A/B session, and
            // must not pair with another record by round.
            protocol: Protocol {
                session: None,
                ..settings.protocol(&series)
            },
            toolchains: side.iter().map(|t| t.record.clone()).collect(),
            results: Vec::new(),
            calibration: None,
        };
        let blocks: Vec<Blocks> = pairs
            .iter()
            .map(|&pairs| Blocks {
                first_round: pilot,
                pairs,
            })
            .collect();
        let calibration = evaluate(
            &template,
            &series,
            &results,
            &arms,
            self.experiments,
            &blocks,
            &compare_settings,
        );
        eprintln!("{}", describe(&calibration));
        // The record holds the A arm as an ordinary run, and the calibration beside it.
        let mut record = template;
        record.results = results.into_iter().step_by(arms.len()).collect();
        record.calibration = Some(calibration);
        let history_dir = history::resolve(root, self.args.history.clone());
        let path = run::write_record(&history_dir, record, started)?;
        eprintln!("run record: {}", path.display());
        Ok(())
    }
}

fn describe_pairs(pairs: &[u32]) -> String {
    let (low, high) = (
        pairs.iter().min().copied().unwrap_or(0),
        pairs.iter().max().copied().unwrap_or(0),
    );
    if low == high {
        low.to_string()
    } else {
        format!("{low} to {high} (per series)")
    }
}

/// Rounds `from..max(targets)`: series (those whose target is beyond the round) in a
/// shuffled order, and each series' arms back to back in an order shuffled per round,
/// as an A/B session runs base and head back to back. On a machine whose slow phases
/// last longer than a trial, only adjacent trials share them: shuffling the arms across
/// the whole round measured 19 to 59 % paired noise where back-to-back pairs measure 1
/// to 2 %, and calibration must measure what `ab` does.
pub fn adjacent_arms(targets: &[u32], from: u32, arms: usize, seed: u64) -> Vec<Vec<usize>> {
    let last = targets.iter().copied().max().unwrap_or(0);
    let count = last.saturating_sub(from);
    let series_orders = plan::interleave(targets.len(), count, seed);
    let arm_orders = plan::interleave(arms, count, seed ^ 0x00a5_a5a5_a5a5_a5a5);
    (from..last)
        .zip(series_orders.into_iter().zip(arm_orders))
        .map(|(round, (series_order, arm_order))| {
            series_order
                .into_iter()
                .filter(|&s| targets[s] > round)
                .flat_map(|s| arm_order.iter().map(move |a| s * arms + a))
                .collect()
        })
        .collect()
}

/// How a slowdown is injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injection {
    /// None: the A and A′ arms.
    None,
    /// Spinning for P % of each sample's time (`--inject-pct`).
    Time,
    /// P % more operations in each sample (`--inject-work-pct`).
    Work,
}

/// One kind of job calibration runs per series: the same build twice, then each slowdown.
#[derive(Debug, Clone)]
pub struct Arm {
    pub name: String,
    pub injection: Injection,
    pub percent: f64,
}

impl Arm {
    fn args(&self) -> Vec<String> {
        let flag = match self.injection {
            Injection::None => return Vec::new(),
            Injection::Time => "--inject-pct",
            Injection::Work => "--inject-work-pct",
        };
        vec![flag.to_string(), self.percent.to_string()]
    }

    /// The key of this arm's detection rate: the percentage as text, "2" or "0.5".
    fn key(&self) -> String {
        self.percent.to_string()
    }
}

fn arms(inject: &[f64], inject_work: &[f64]) -> Vec<Arm> {
    let sorted = |values: &[f64]| {
        let mut values = values.to_vec();
        values.sort_by(f64::total_cmp);
        values.dedup();
        values
    };
    let time = if inject.is_empty() && inject_work.is_empty() {
        vec![1.0, 2.0, 5.0]
    } else {
        sorted(inject)
    };
    let mut arms = vec![
        Arm {
            name: "A".into(),
            injection: Injection::None,
            percent: 0.0,
        },
        Arm {
            name: "A'".into(),
            injection: Injection::None,
            percent: 0.0,
        },
    ];
    arms.extend(time.into_iter().map(|p| Arm {
        name: format!("+{p}%"),
        injection: Injection::Time,
        percent: p,
    }));
    arms.extend(sorted(inject_work).into_iter().map(|p| Arm {
        name: format!("+{p}% work"),
        injection: Injection::Work,
        percent: p,
    }));
    arms
}

/// Where one series' experiments lie: experiment `e` is rounds
/// `first_round + e·pairs .. first_round + (e+1)·pairs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocks {
    pub first_round: u32,
    pub pairs: u32,
}

impl Blocks {
    fn rounds(&self, experiment: u32) -> std::ops::Range<u32> {
        let start = self.first_round + experiment * self.pairs;
        start..start + self.pairs
    }
}

/// Per series: A/A flags and detections by metric, counted over the experiments.
#[derive(Debug, Clone, Default)]
struct Tally {
    false_alarms: u32,
    instruction_false_alarms: u32,
    detections: BTreeMap<String, u32>,
    instruction_detections: BTreeMap<String, u32>,
}

/// Splits the rounds into experiments and compares each as a paired session. Pure:
/// everything it needs is in the results (`results[s·arms + a]`: series s, arm a).
pub fn evaluate(
    template: &RunRecord,
    series: &[Series],
    results: &[ResultRecord],
    arms: &[Arm],
    experiments: u32,
    blocks: &[Blocks],
    settings: &compare::Settings,
) -> Calibration {
    let arm_results = |arm: usize| -> Vec<ResultRecord> {
        results
            .iter()
            .skip(arm)
            .step_by(arms.len())
            .cloned()
            .collect()
    };
    let block = |results: &[ResultRecord], experiment: u32| -> Vec<ResultRecord> {
        results
            .iter()
            .zip(blocks)
            .map(|(result, blocks)| {
                let rounds = blocks.rounds(experiment);
                let mut result = result.clone();
                result.trials.retain(|t| rounds.contains(&t.round));
                result
            })
            .collect()
    };
    let record = |results: Vec<ResultRecord>, session: String| {
        let mut record = template.clone();
        record.protocol.session = Some(session);
        record.results = results;
        record
    };
    let base = arm_results(0);
    let mut tallies = vec![Tally::default(); series.len()];
    let (mut total_alarms, mut total_aa) = (0, 0);
    let (mut instruction_alarms, mut instruction_aa) = (0, 0);
    for experiment in 0..experiments {
        // The session is what makes compare pair base and head trials by round.
        let session = format!("calibration-{}-{experiment}", template.started_at);
        let base_record = record(block(&base, experiment), session.clone());
        for (arm_index, arm) in arms.iter().enumerate().skip(1) {
            let head_record = record(block(&arm_results(arm_index), experiment), session.clone());
            let comparison =
                compare::compare(std::slice::from_ref(&base_record), &[head_record], settings);
            for (item, tally) in series.iter().zip(tallies.iter_mut()) {
                let entries: Vec<&compare::Entry> = comparison
                    .entries
                    .iter()
                    .filter(|e| {
                        e.series.workload == item.workload.name
                            && e.series.variant == item.variant
                            && e.series.lang == item.lang.as_str()
                            && e.series.toolchain == item.toolchain
                            && e.series.params == item.params
                    })
                    .collect();
                let slower = |metric: Metric| {
                    entries
                        .iter()
                        .any(|e| e.metric == metric && e.verdict == Verdict::Slower)
                };
                match arm.injection {
                    Injection::None => {
                        // Incomparable entries (a failed trial) could not have raised an
                        // alarm, so they are not counted as comparisons.
                        let compared: Vec<&compare::Entry> = entries
                            .iter()
                            .copied()
                            .filter(|e| e.verdict != Verdict::Incomparable)
                            .collect();
                        let changed = |e: &compare::Entry| {
                            matches!(e.verdict, Verdict::Slower | Verdict::Faster)
                        };
                        let alarms = compared.iter().filter(|e| changed(e)).count() as u32;
                        total_aa += compared.len() as u32;
                        total_alarms += alarms;
                        tally.false_alarms += u32::from(alarms > 0);
                        let counted: Vec<&compare::Entry> = compared
                            .iter()
                            .copied()
                            .filter(|e| e.metric == Metric::Instructions)
                            .collect();
                        let counted_alarms = counted.iter().filter(|e| changed(e)).count() as u32;
                        instruction_aa += counted.len() as u32;
                        instruction_alarms += counted_alarms;
                        tally.instruction_false_alarms += u32::from(counted_alarms > 0);
                    }
                    Injection::Time => {
                        *tally.detections.entry(arm.key()).or_default() +=
                            u32::from(slower(Metric::TimePerOp));
                    }
                    Injection::Work => {
                        *tally.instruction_detections.entry(arm.key()).or_default() +=
                            u32::from(slower(Metric::Instructions));
                    }
                }
            }
        }
    }
    let rate = |hits: u32| hits as f64 / experiments.max(1) as f64;
    let a_prime = arm_results(1);
    let series = series
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let (a, twin) = (&base[index], &a_prime[index]);
            let both_ok = a.status == Status::Ok && twin.status == Status::Ok;
            let log_ratios = if both_ok {
                crate::trial::paired_log_ratios(&a.trials, &twin.trials)
            } else {
                Vec::new()
            };
            let instruction_ratios = |other: &ResultRecord| {
                if a.status == Status::Ok && other.status == Status::Ok {
                    instruction_log_ratios(a, other)
                } else {
                    Vec::new()
                }
            };
            let twin_counts = instruction_ratios(twin);
            let counted = !twin_counts.is_empty();
            let tally = &tallies[index];
            let seconds: f64 = [a, twin]
                .iter()
                .flat_map(|r| &r.trials)
                .filter(|t| t.round >= blocks[index].first_round)
                .map(|t| t.wall_ns as f64 / 1e9)
                .sum::<f64>()
                / experiments.max(1) as f64;
            let instruction_change = arms
                .iter()
                .enumerate()
                .filter(|(_, arm)| arm.injection == Injection::Work)
                .filter_map(|(arm_index, arm)| {
                    let ratios = instruction_ratios(&results[index * arms.len() + arm_index]);
                    (!ratios.is_empty()).then(|| (arm.key(), stats::median(&ratios).exp()))
                })
                .collect();
            SeriesCalibration {
                workload: item.workload.name.to_string(),
                variant: item.variant.to_string(),
                lang: item.lang.as_str().to_string(),
                toolchain: item.toolchain.clone(),
                params: item.params.clone(),
                paired_noise: (log_ratios.len() >= 2).then(|| stats::paired_noise(&log_ratios)),
                seconds_per_experiment: seconds,
                false_alarm_rate: rate(tally.false_alarms),
                detection: tally
                    .detections
                    .iter()
                    .map(|(k, v)| (k.clone(), rate(*v)))
                    .collect(),
                pairs: Some(blocks[index].pairs),
                instruction_noise: (twin_counts.len() >= 2)
                    .then(|| stats::paired_noise(&twin_counts)),
                instruction_false_alarm_rate: counted.then(|| rate(tally.instruction_false_alarms)),
                instruction_detection: tally
                    .instruction_detections
                    .iter()
                    .map(|(k, v)| (k.clone(), rate(*v)))
                    .collect(),
                instruction_change,
            }
        })
        .collect::<Vec<_>>();
    let counted = instruction_aa > 0;
    Calibration {
        experiments,
        pairs_per_experiment: blocks.iter().map(|b| b.pairs).max().unwrap_or(0),
        threshold: settings.threshold,
        instructions_threshold: counted.then_some(settings.instructions_threshold),
        false_alarms: total_alarms,
        aa_comparisons: total_aa,
        instruction_false_alarms: counted.then_some(instruction_alarms),
        instruction_aa_comparisons: counted.then_some(instruction_aa),
        series,
    }
}

/// ln(other/a) of instructions per sample, round by round, where both were counted.
fn instruction_log_ratios(a: &ResultRecord, other: &ResultRecord) -> Vec<f64> {
    let counts = |result: &ResultRecord| -> BTreeMap<u32, f64> {
        result
            .trials
            .iter()
            .filter_map(|t| Some((t.round, t.instructions.as_ref()?.per_sample)))
            .filter(|(_, count)| *count > 0.0)
            .collect()
    };
    let (first, second) = (counts(a), counts(other));
    first
        .iter()
        .filter_map(|(round, count)| Some((second.get(round)? / count).ln()))
        .collect()
}

/// The table calibration prints: time first, then instructions when they were counted.
pub fn describe(calibration: &Calibration) -> String {
    let sorted_keys = |keys: Vec<&String>| {
        let mut keys: Vec<String> = keys.into_iter().cloned().collect();
        keys.sort_by(|a, b| {
            a.parse::<f64>()
                .unwrap_or(0.0)
                .total_cmp(&b.parse::<f64>().unwrap_or(0.0))
        });
        keys.dedup();
        keys
    };
    let percents = sorted_keys(
        calibration
            .series
            .iter()
            .flat_map(|s| s.detection.keys())
            .collect(),
    );
    let work = sorted_keys(
        calibration
            .series
            .iter()
            .flat_map(|s| s.instruction_detection.keys())
            .collect(),
    );
    let rate =
        |value: Option<&f64>| value.map_or("-".to_string(), |d| format!("{:.0}%", d * 100.0));
    let mut lines = vec![format!(
        "{:<42} {:>7} {:>6} {:>7} {:>5}{}",
        "series",
        "noise",
        "pairs",
        "s/exp",
        "A/A",
        percents
            .iter()
            .map(|p| format!("{:>7}", format!("+{p}%")))
            .collect::<String>()
    )];
    for s in &calibration.series {
        let noise = s
            .paired_noise
            .map_or("-".to_string(), |n| format!("{:.2}%", n * 100.0));
        let detection: String = percents
            .iter()
            .map(|p| format!("{:>7}", rate(s.detection.get(p))))
            .collect();
        lines.push(format!(
            "{:<42} {noise:>7} {:>6} {:>7.1} {:>4.0}%{detection}",
            series_name(s),
            s.pairs.unwrap_or(calibration.pairs_per_experiment),
            s.seconds_per_experiment,
            s.false_alarm_rate * 100.0
        ));
    }
    lines.push(format!(
        "A/A: {} of {} series-metric comparisons flagged ({:.2} %) over {} experiments",
        calibration.false_alarms,
        calibration.aa_comparisons,
        100.0 * calibration.false_alarms as f64 / calibration.aa_comparisons.max(1) as f64,
        calibration.experiments
    ));
    if let (Some(alarms), Some(compared)) = (
        calibration.instruction_false_alarms,
        calibration.instruction_aa_comparisons,
    ) {
        lines.push(format!(
            "{:<42} {:>8} {:>5}{}",
            "instructions per operation",
            "noise",
            "A/A",
            work.iter()
                .map(|p| format!("{:>24}", format!("+{p}% work (measured)")))
                .collect::<String>()
        ));
        for s in calibration
            .series
            .iter()
            .filter(|s| s.instruction_noise.is_some())
        {
            let noise = s
                .instruction_noise
                .map_or("-".to_string(), |n| format!("{:.3}%", n * 100.0));
            let detection: String = work
                .iter()
                .map(|p| {
                    let change = s
                        .instruction_change
                        .get(p)
                        .map_or(String::new(), |c| format!(" ({:+.3}%)", (c - 1.0) * 100.0));
                    format!(
                        "{:>24}",
                        format!("{}{change}", rate(s.instruction_detection.get(p)))
                    )
                })
                .collect();
            lines.push(format!(
                "{:<42} {noise:>8} {:>5}{detection}",
                series_name(s),
                rate(s.instruction_false_alarm_rate.as_ref()),
            ));
        }
        lines.push(format!(
            "A/A of instructions: {alarms} of {compared} comparisons flagged"
        ));
    }
    lines.join("\n")
}

fn series_name(s: &SeriesCalibration) -> String {
    let params: Vec<String> = s.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(
        "{}/{} {} {}",
        s.workload,
        s.variant,
        s.toolchain,
        params.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{self, Lang};
    use crate::compare::fixtures::{around, record, result, FINGERPRINT};
    use crate::record::InstructionCount;

    /// `sum/iter` trials of `rounds` rounds at a paired time noise of about 15 % (as at
    /// quick sizes on the development VM), each counted at `per_sample` × `jitter[i]`.
    fn counted(rounds: usize, time_scale: f64, per_sample: f64, jitter: &[f64]) -> ResultRecord {
        let times: Vec<f64> = around(310.0, 0.15, rounds)
            .iter()
            .map(|t| t * time_scale)
            .collect();
        let mut result = result("sum", "iter", &times);
        for (trial, factor) in result.trials.iter_mut().zip(jitter.iter().cycle()) {
            trial.instructions = Some(InstructionCount {
                per_sample: per_sample * factor,
                tool: "valgrind".into(),
                environment: Default::default(),
                binary: None,
            });
        }
        result
    }

    #[test]
    fn work_injection_is_detected_in_instructions_and_a_twin_raises_no_alarm() {
        let (experiments, pairs) = (4u32, 12u32);
        let rounds = (experiments * pairs) as usize;
        let jitter = around(1.0, 0.0002, rounds);
        let shifted: Vec<f64> = jitter.iter().rev().copied().collect();
        let arms = arms(&[], &[0.5]);
        assert_eq!(
            arms.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
            ["A", "A'", "+0.5% work"]
        );
        assert_eq!(arms[2].args(), ["--inject-work-pct", "0.5"]);
        // A and A′ the same build (the same counts but for jitter, the same times in a
        // different order), the work arm 0.5 % more instructions and 0.5 % more time.
        let results = vec![
            counted(rounds, 1.0, 1.75e6, &jitter),
            counted(rounds, 1.0, 1.75e6, &shifted),
            counted(rounds, 1.005, 1.75e6 * 1.005, &shifted),
        ];
        let series = vec![Series {
            workload: catalogue::find("sum").unwrap(),
            variant: "iter",
            lang: Lang::Rust,
            toolchain: "rust-1.95.0".into(),
            params: results[0].params.clone(),
        }];
        let template = record("calibration", None, FINGERPRINT, Vec::new());
        let blocks = [Blocks {
            first_round: 0,
            pairs,
        }];
        let settings = compare::Settings::default();
        let calibration = evaluate(
            &template,
            &series,
            &results,
            &arms,
            experiments,
            &blocks,
            &settings,
        );
        let sum = &calibration.series[0];
        assert_eq!(sum.instruction_detection["0.5"], 1.0, "{sum:#?}");
        assert_eq!(sum.instruction_false_alarm_rate, Some(0.0));
        assert!(
            (sum.instruction_change["0.5"] - 1.005).abs() < 0.0005,
            "{sum:#?}"
        );
        assert!(sum.instruction_noise.unwrap() < 0.001);
        assert!(
            sum.detection.is_empty(),
            "no time injection, no time detection"
        );
        assert_eq!(sum.pairs, Some(pairs));
        assert_eq!(calibration.instruction_false_alarms, Some(0));
        // Per experiment, A against A′ compares time, max RSS and instructions.
        assert_eq!(calibration.instruction_aa_comparisons, Some(experiments));
        assert_eq!(calibration.aa_comparisons, 3 * experiments);
        assert_eq!(calibration.instructions_threshold, Some(0.0025));
    }

    #[test]
    fn series_with_fewer_pairs_leave_the_later_rounds() {
        let order = adjacent_arms(&[7, 3], 2, 2, 5);
        assert_eq!(order.len(), 5, "rounds 2..7");
        for (offset, round) in order.iter().enumerate() {
            let mut sorted = round.clone();
            sorted.sort_unstable();
            let expected: Vec<usize> = if offset < 1 {
                vec![0, 1, 2, 3]
            } else {
                vec![0, 1]
            };
            assert_eq!(sorted, expected, "round {}", offset + 2);
        }
        let blocks = Blocks {
            first_round: 2,
            pairs: 3,
        };
        assert_eq!(blocks.rounds(0), 2..5);
        assert_eq!(blocks.rounds(1), 5..8);
    }

    #[test]
    fn each_series_runs_its_arms_back_to_back() {
        let order = adjacent_arms(&[4, 4, 4], 0, 5, 11);
        assert_eq!(order.len(), 4);
        for round in &order {
            let mut sorted = round.clone();
            sorted.sort_unstable();
            assert_eq!(
                sorted,
                (0..15).collect::<Vec<_>>(),
                "every job once per round"
            );
            for block in round.chunks(5) {
                assert!(block.iter().all(|job| job / 5 == block[0] / 5), "{round:?}");
            }
        }
        assert_ne!(
            order[0][..5],
            order[1][..5],
            "orders change from round to round"
        );
    }
}
