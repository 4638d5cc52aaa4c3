//! `cargo xtask calibrate`: measure the harness on the machine it runs on, so that every
//! verdict can be read against this machine's measured power.
//!
//! For every series, each round runs trials of the same build as A and A′, and of A with
//! each injected slowdown (`--inject-pct P`: the workload spins for P % of each
//! sample's own time inside the timed region), back to back in a shuffled order, as an
//! A/B session runs base and head. The rounds are split into disjoint blocks, one block
//! per experiment; each experiment compares its block as a
//! paired A/B session would: A against A′ (every verdict other than `unchanged` or
//! `inconclusive` is a false alarm) and A against each slowdown (`slower` is a
//! detection). The figures go into the run record's `calibration` and onto the site.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Result};

use crate::ab;
use crate::cli::Calibrate;
use crate::compare::{self, Metric, Verdict};
use crate::plan::{self, Built, Selection, Series};
use crate::record::{
    Calibration, Protocol, ResultRecord, RunRecord, SeriesCalibration, Status, RUN_SCHEMA,
};
use crate::run::{self, Job, Settings};
use crate::{history, machine, source, stats};

impl Calibrate {
    pub fn run(self, root: &Path) -> Result<()> {
        let started = time::OffsetDateTime::now_utc();
        let sides = ab::build_sides(root, &[&root.to_path_buf()], &self.args.toolchains)?;
        let side = &sides[0];
        let built: Vec<Built> = side
            .iter()
            .map(|t| Built {
                id: t.record.id.clone(),
                lang: t.lang,
            })
            .collect();
        let selection = Selection::from_args(&self.args);
        let series = plan::select(&selection, &built)?;
        let arms = arms(&self.inject);
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
                    extra_args: arm.inject.map_or(Vec::new(), |p| {
                        vec!["--inject-pct".to_string(), p.to_string()]
                    }),
                    tag: Some(arm.name.clone()),
                })
            })
            .collect();
        let threshold = self.threshold / 100.0;
        let compare_settings = compare::Settings {
            threshold,
            ..compare::Settings::default()
        };
        // The design point of the harness: a 2 % slowdown on a series whose paired noise
        // is 3 %, among all the comparisons (time and max RSS per series) of the suite.
        let pairs = self.pairs.unwrap_or_else(|| {
            compare_settings
                .pairs_needed(0.03, 1.02, ab::comparisons(&series, settings_counts(&self)))
                .map_or(20, |n| n as u32)
        });
        let rounds = self.experiments * pairs;
        if rounds == 0 {
            bail!("--experiments and --pairs must both be at least 1");
        }
        eprintln!(
            "calibrating {} series: {} experiments of {pairs} pairs",
            series.len(),
            self.experiments
        );
        let settings = Settings::from_args(root, &self.args, rounds)?;
        let order = adjacent_arms(series.len(), arms.len(), rounds, settings.seed);
        let mut outcomes = Vec::new();
        run::run_jobs(&jobs, &order, 0, &settings, &mut outcomes);
        let results = run::assemble(&jobs, outcomes);

        let template = RunRecord {
            schema: RUN_SCHEMA.to_string(),
            id: String::new(),
            started_at: run::rfc3339(started),
            finished_at: run::rfc3339(time::OffsetDateTime::now_utc()),
            source: source::detect(root),
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
        let calibration = evaluate(
            &template,
            &series,
            &results,
            &arms,
            self.experiments,
            pairs,
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

/// The rounds: series in a shuffled order, and each series' arms back to back in an
/// order shuffled per round, as an A/B session runs base and head back to back. On a
/// machine whose slow phases last longer than a trial, only adjacent trials share them:
/// shuffling the arms across the whole round measured 19 to 59 % paired noise where
/// back-to-back pairs measure 1 to 2 %, and calibration must measure what `ab` does.
pub fn adjacent_arms(series: usize, arms: usize, rounds: u32, seed: u64) -> Vec<Vec<usize>> {
    let series_orders = plan::interleave(series, rounds, seed);
    let arm_orders = plan::interleave(arms, rounds, seed ^ 0x00a5_a5a5_a5a5_a5a5);
    series_orders
        .into_iter()
        .zip(arm_orders)
        .map(|(series_order, arm_order)| {
            series_order
                .into_iter()
                .flat_map(|s| arm_order.iter().map(move |a| s * arms + a))
                .collect()
        })
        .collect()
}

/// One kind of job calibration runs per series: the same build twice, then each slowdown.
#[derive(Debug, Clone)]
pub struct Arm {
    pub name: String,
    pub inject: Option<f64>,
}

fn settings_counts(calibrate: &Calibrate) -> bool {
    calibrate.args.instructions
}

fn arms(inject: &[f64]) -> Vec<Arm> {
    let mut inject = inject.to_vec();
    inject.sort_by(f64::total_cmp);
    inject.dedup();
    let mut arms = vec![
        Arm {
            name: "A".into(),
            inject: None,
        },
        Arm {
            name: "A'".into(),
            inject: None,
        },
    ];
    arms.extend(inject.into_iter().map(|p| Arm {
        name: format!("+{p}%"),
        inject: Some(p),
    }));
    arms
}

/// Splits the rounds into experiments and compares each as a paired session. Pure:
/// everything it needs is in the results.
pub fn evaluate(
    template: &RunRecord,
    series: &[Series],
    results: &[ResultRecord],
    arms: &[Arm],
    experiments: u32,
    pairs: u32,
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
        let rounds = experiment * pairs..(experiment + 1) * pairs;
        results
            .iter()
            .map(|result| {
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
    let mut false_alarms = vec![0u32; series.len()];
    let mut detections: Vec<BTreeMap<String, u32>> = vec![BTreeMap::new(); series.len()];
    let (mut total_alarms, mut total_aa) = (0, 0);
    for experiment in 0..experiments {
        // The session is what makes compare pair base and head trials by round.
        let session = format!("calibration-{}-{experiment}", template.started_at);
        let base_record = record(block(&base, experiment), session.clone());
        for (arm_index, arm) in arms.iter().enumerate().skip(1) {
            let head_record = record(block(&arm_results(arm_index), experiment), session.clone());
            let comparison =
                compare::compare(std::slice::from_ref(&base_record), &[head_record], settings);
            for (index, item) in series.iter().enumerate() {
                let entries = comparison.entries.iter().filter(|e| {
                    e.series.workload == item.workload.name
                        && e.series.variant == item.variant
                        && e.series.lang == item.lang.as_str()
                        && e.series.toolchain == item.toolchain
                        && e.series.params == item.params
                });
                match arm.inject {
                    None => {
                        let mut flagged = false;
                        // Incomparable entries (a failed trial) could not have raised an
                        // alarm, so they are not counted as comparisons.
                        for entry in entries.filter(|e| e.verdict != Verdict::Incomparable) {
                            total_aa += 1;
                            if matches!(entry.verdict, Verdict::Slower | Verdict::Faster) {
                                total_alarms += 1;
                                flagged = true;
                            }
                        }
                        false_alarms[index] += u32::from(flagged);
                    }
                    Some(_) => {
                        let detected = entries
                            .filter(|e| e.metric == Metric::TimePerOp)
                            .any(|e| e.verdict == Verdict::Slower);
                        *detections[index]
                            .entry(
                                arm.name
                                    .trim_start_matches('+')
                                    .trim_end_matches('%')
                                    .to_string(),
                            )
                            .or_default() += u32::from(detected);
                    }
                }
            }
        }
    }
    let a_prime = arm_results(1);
    let series = series
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let (a, twin) = (&base[index], &a_prime[index]);
            let log_ratios = if a.status == Status::Ok && twin.status == Status::Ok {
                crate::trial::paired_log_ratios(&a.trials, &twin.trials)
            } else {
                Vec::new()
            };
            let seconds: f64 = [&base[index], &a_prime[index]]
                .iter()
                .flat_map(|r| &r.trials)
                .map(|t| t.wall_ns as f64 / 1e9)
                .sum::<f64>()
                / experiments.max(1) as f64;
            SeriesCalibration {
                workload: item.workload.name.to_string(),
                variant: item.variant.to_string(),
                lang: item.lang.as_str().to_string(),
                toolchain: item.toolchain.clone(),
                params: item.params.clone(),
                paired_noise: (log_ratios.len() >= 2).then(|| stats::paired_noise(&log_ratios)),
                seconds_per_experiment: seconds,
                false_alarm_rate: false_alarms[index] as f64 / experiments.max(1) as f64,
                detection: detections[index]
                    .iter()
                    .map(|(pct, hits)| (pct.clone(), *hits as f64 / experiments.max(1) as f64))
                    .collect(),
            }
        })
        .collect();
    Calibration {
        experiments,
        pairs_per_experiment: pairs,
        threshold: settings.threshold,
        false_alarms: total_alarms,
        aa_comparisons: total_aa,
        series,
    }
}

/// The table calibration prints.
pub fn describe(calibration: &Calibration) -> String {
    let mut percents: Vec<&String> = calibration
        .series
        .iter()
        .flat_map(|s| s.detection.keys())
        .collect();
    percents.sort_by(|a, b| {
        a.parse::<f64>()
            .unwrap_or(0.0)
            .total_cmp(&b.parse::<f64>().unwrap_or(0.0))
    });
    percents.dedup();
    let mut lines = vec![format!(
        "{:<48} {:>7} {:>6} {:>8} {:>6} {}",
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
        let params: Vec<String> = s.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let name = format!(
            "{}/{} {} {}",
            s.workload,
            s.variant,
            s.toolchain,
            params.join(" ")
        );
        let noise = s
            .paired_noise
            .map_or("-".to_string(), |n| format!("{:.2}%", n * 100.0));
        let detection: String = percents
            .iter()
            .map(|p| {
                format!(
                    "{:>7}",
                    s.detection
                        .get(*p)
                        .map_or("-".to_string(), |d| format!("{:.0}%", d * 100.0))
                )
            })
            .collect();
        lines.push(format!(
            "{name:<48} {noise:>7} {:>6} {:>8.1} {:>5.0}% {detection}",
            calibration.pairs_per_experiment,
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
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_series_runs_its_arms_back_to_back() {
        let order = adjacent_arms(3, 5, 4, 11);
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
