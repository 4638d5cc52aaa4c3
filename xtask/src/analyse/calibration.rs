//! Calibration: what the harness can detect on the machine it runs on, measured by
//! comparing a build with itself and with known slowdowns.
//!
//! For every series, each round runs trials of the same build as A and A′, and of A with
//! each injected slowdown, back to back (`measure::plan::rounds`), as an A/B session runs
//! base and head. A slowdown is injected as time (`--inject-pct P`: the workload spins
//! for P % of each sample's own time inside the timed region) or as work
//! (`--inject-work-pct P`: each sample does P % more operations), which is what an
//! instruction count sees. After the pilot the rounds are split into disjoint blocks,
//! one block per experiment and series; each experiment compares its block as a paired
//! A/B session would: A against A′ (every verdict other than `unchanged` or
//! `inconclusive` is a false alarm) and A against each slowdown (`slower` is a
//! detection: of time for a time injection, of instructions for a work injection).
//! [`evaluate`] is a pure function of the results; the figures go into the run record's
//! `calibration` and onto the site.

use std::collections::BTreeMap;

use super::compare::{self, Metric, Verdict};
use super::stats;
use crate::record::summary::paired_log_ratios;
use crate::record::{Calibration, ResultRecord, RunRecord, SeriesCalibration, Status};

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
    /// The workload arguments that inject this arm's slowdown.
    pub fn args(&self) -> Vec<String> {
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

/// The arms of a calibration: A and A′, then each time injection (1, 2 and 5 % unless
/// given, or unless only work is injected), then each work injection.
pub fn arms(inject: &[f64], inject_work: &[f64]) -> Vec<Arm> {
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
    pub fn rounds(&self, experiment: u32) -> std::ops::Range<u32> {
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
/// everything it needs is in the results (`results[a][s]`: arm a's result of series s,
/// the series in the same order in every arm) and `blocks[s]`.
pub fn evaluate(
    template: &RunRecord,
    results: &[Vec<ResultRecord>],
    arms: &[Arm],
    experiments: u32,
    blocks: &[Blocks],
    settings: &compare::Settings,
) -> Calibration {
    assert_eq!(results.len(), arms.len(), "one list of results per arm");
    let arm_results = |arm: usize| -> Vec<ResultRecord> { results[arm].clone() };
    let series: &[ResultRecord] = &results[0];
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
                        e.series.workload == item.workload
                            && e.series.variant == item.variant
                            && e.series.lang == item.lang
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
                        let changed = |e: &compare::Entry| e.verdict.is_change();
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
                paired_log_ratios(&a.trials, &twin.trials)
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
                    let ratios = instruction_ratios(&results[arm_index][index]);
                    (!ratios.is_empty()).then(|| (arm.key(), stats::median(&ratios).exp()))
                })
                .collect();
            SeriesCalibration {
                workload: item.workload.clone(),
                variant: item.variant.clone(),
                lang: item.lang.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::fixtures::{around, record, result, FINGERPRINT};
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
            vec![counted(rounds, 1.0, 1.75e6, &jitter)],
            vec![counted(rounds, 1.0, 1.75e6, &shifted)],
            vec![counted(rounds, 1.005, 1.75e6 * 1.005, &shifted)],
        ];
        let template = record("calibration", None, FINGERPRINT, Vec::new());
        let blocks = [Blocks {
            first_round: 0,
            pairs,
        }];
        let settings = compare::Settings::default();
        let calibration = evaluate(&template, &results, &arms, experiments, &blocks, &settings);
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
    fn each_experiment_is_its_own_block_of_rounds() {
        let blocks = Blocks {
            first_round: 2,
            pairs: 3,
        };
        assert_eq!(blocks.rounds(0), 2..5);
        assert_eq!(blocks.rounds(1), 5..8);
    }
}
