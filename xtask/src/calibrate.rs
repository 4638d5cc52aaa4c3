//! `cargo xtask calibrate`: measure the harness on the machine it runs on, so that every
//! verdict can be read against this machine's measured power (`analyse::calibration`
//! states the method).
//!
//! A pilot measures each series' noise and trial time, and each series then gets the
//! pairs `ab` would plan for it (enough to detect `--detect` % within `--cap` seconds
//! per comparison), in `--experiments` disjoint blocks of rounds. The record holds the A
//! arm as an ordinary run, and the calibration beside it.

use std::path::Path;

use anyhow::{bail, Result};

use crate::analyse::calibration::{arms, evaluate, Blocks, Injection};
use crate::cli::Calibrate;
use crate::measure::plan::{self, ArmOrder, PairPlanning};
use crate::measure::process::git_reader;
use crate::measure::runner::{
    self, binary_of, pilot_and_plan, Job, Jobs, Outcomes, Pilot, TrialSettings, COUNTED_PAIRS,
};
use crate::record::summary::calibration_text;
use crate::record::{history, Protocol, Provenance, RunRecord};
use crate::toolchains;

impl Calibrate {
    pub fn run(self, root: &Path) -> Result<()> {
        if self.experiments == 0 || self.pairs == Some(0) {
            bail!("--experiments and --pairs must both be at least 1");
        }
        // The commit as it is built, before an hour of calibration lets HEAD move.
        let provenance = Provenance::detect(git_reader(root));
        let counting = self.args.instructions;
        let side = toolchains::build_sides(
            root,
            &[&root.to_path_buf()],
            &self.args.toolchains,
            counting,
        )?
        .into_iter()
        .next()
        .expect("one side was built");
        let (binaries, toolchain_records) = toolchains::unzip(side);
        let series = runner::select(&self.args.selection(), &binaries)?;
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
        let mut jobs = Jobs::new(&series, arms.len(), |item, arm| Job {
            extra_args: arms[arm].args(),
            tag: Some(arms[arm].name.clone()),
            ..Job::plain(item, binary_of(&binaries, item).path.clone())
        });
        let compare_settings = self.thresholds.settings()?;
        let launcher = toolchains::build_launcher(root)?;
        let mut settings = TrialSettings::new(&self.args.trial_options(), 0, launcher)?;
        for binary in &binaries {
            settings.count_with(&binary.path, binary.counting.as_deref());
        }
        let mut outcomes = Outcomes::new(&jobs);

        // The pilot, unless the pairs are given: instruction counts need no plan.
        let fixed = self.pairs.or(counting.then_some(COUNTED_PAIRS));
        let pilot_rounds = if fixed.is_some() {
            0
        } else {
            self.pilot.max(2)
        };
        let pairs: Vec<u32> = match fixed {
            Some(pairs) => vec![pairs; series.len()],
            None => {
                eprintln!(
                    "calibrating {} series: a pilot of {pilot_rounds} rounds",
                    series.len()
                );
                let pilot = Pilot {
                    rounds: pilot_rounds,
                    arm_order: ArmOrder::Shuffled,
                    choose_shape: self.args.samples.is_none() && self.args.warmup.is_none(),
                    planning: PairPlanning {
                        minimum: 2,
                        detect_percent: self.detect,
                        cap_seconds: self.cap,
                        comparisons: plan::comparisons(&series, counting),
                        budget_seconds: self.budget,
                        trial_overhead_seconds: 0.0,
                    },
                };
                pilot_and_plan(
                    &mut jobs,
                    &pilot,
                    &settings,
                    &compare_settings,
                    &mut outcomes,
                )
                .plans
                .iter()
                .map(|plan| plan.pairs)
                .collect()
            }
        };
        if counting {
            // Every round of an instruction calibration is counted: each experiment
            // needs counts of its own.
            settings.counted_rounds = u32::MAX;
        }
        let targets: Vec<u32> = pairs
            .iter()
            .map(|p| pilot_rounds + p * self.experiments)
            .collect();
        settings.rounds = targets.iter().copied().max().unwrap_or(pilot_rounds);
        eprintln!(
            "calibrating {} series: {} experiments of {} pairs",
            series.len(),
            self.experiments,
            describe_pairs(&pairs)
        );
        let order = plan::rounds(
            &targets,
            pilot_rounds,
            arms.len(),
            ArmOrder::Shuffled,
            settings.seed ^ 0x00ca_11b7,
        );
        runner::run_rounds(&jobs, &order, pilot_rounds, &settings, &mut outcomes);
        let results: Vec<_> = (0..arms.len())
            .map(|arm| runner::assemble(&jobs, &outcomes, arm, &settings))
            .collect();

        // No session: a calibration record is not one side of an A/B session, and must
        // not pair with another record by round.
        let protocol = Protocol {
            session: None,
            ..settings.protocol(&series)
        };
        let mut record = RunRecord::new(
            provenance,
            time::OffsetDateTime::now_utc(),
            protocol,
            toolchain_records,
            Vec::new(),
        );
        let blocks: Vec<Blocks> = pairs
            .iter()
            .map(|&pairs| Blocks {
                first_round: pilot_rounds,
                pairs,
            })
            .collect();
        let calibration = evaluate(
            &record,
            &results,
            &arms,
            self.experiments,
            &blocks,
            &compare_settings,
        );
        eprintln!("{}", calibration_text(&calibration));
        record.results = results.into_iter().next().unwrap_or_default();
        record.calibration = Some(calibration);
        let history_dir = history::resolve(root, self.args.history.clone());
        let path = history::write_run(&history_dir, record)?;
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
