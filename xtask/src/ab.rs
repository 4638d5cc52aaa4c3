//! `cargo xtask ab`: measure a change. Builds the base commit (in a git worktree) and the
//! head (the work tree, or another commit) with the same toolchains and flags, runs
//! their binaries side by side in the same rounds, and compares them as pairs.
//!
//! The protocol, in order:
//! 1. A pilot of a few rounds; in each, every series runs its base and its head trial
//!    back to back, in ABBA order (base first in even rounds, head first in odd ones) so
//!    that neither side always runs second, with the series shuffled.
//! 2. From the pilot's paired log-ratios, each series' noise, and from it the number of
//!    pairs that detects the `--detect` change with 95 % probability among all the
//!    comparisons of the suite (`compare::Settings::pairs_needed`). A series that would
//!    need more than its time cap gets what the cap allows; its verdict then says
//!    `inconclusive` with its interval rather than guessing.
//! 3. The remaining rounds, each series until it has its planned pairs. The number is
//!    fixed before any comparison is made: there is no re-running until significant.
//! 4. Two run records sharing one `protocol.session` id, so that `compare` pairs their
//!    trials by round; then the comparison, as Markdown or `versus.compare/1` JSON.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::cli::{Ab, CompareFormat};
use crate::compare;
use crate::plan::{self, Selection, Series};
use crate::process::Cmd;
use crate::record::{Protocol, RunRecord, Status, RUN_SCHEMA};
use crate::run::{self, Job, Prepared, Settings};
use crate::trial::Outcome;
use crate::{history, machine, source, stats, toolchains};

impl Ab {
    pub fn run(self, root: &Path) -> Result<()> {
        let started = time::OffsetDateTime::now_utc();
        let base_commit = resolve_commit(root, &self.base)?;
        let base_dir = worktree(root, &base_commit)?;
        let (head_dir, head_name) = match &self.head {
            Some(head) => {
                let commit = resolve_commit(root, head)?;
                (worktree(root, &commit)?, commit[..12].to_string())
            }
            None => (root.to_path_buf(), "the work tree".to_string()),
        };
        eprintln!(
            "A/B: base {} ({}) against head {head_name}",
            &base_commit[..12],
            self.base
        );

        // Each side's commit as it is built, before a long session lets the work tree
        // move.
        let sources = [source::detect(&base_dir), source::detect(&head_dir)];
        let sides = build_sides(
            root,
            &[&base_dir, &head_dir],
            &self.args.toolchains,
            self.args.instructions,
        )?;
        let series = run::select(&Selection::from_args(&self.args), &sides[0])?;
        let jobs = jobs(&series, &sides);
        let mut settings = Settings::from_args(root, &self.args, 0)?;
        settings.count_with(sides.iter().flatten());
        // Enough counted pairs for an instruction change to reach significance.
        settings.counted_rounds = run::COUNTED_PAIRS;
        let compare_settings = self.thresholds.settings()?;

        let mut outcomes: Vec<Vec<Outcome>> = Vec::new();
        let pilot = self.args.rounds.unwrap_or(self.pilot).max(2);
        let mut order = abba_rounds(&vec![pilot; series.len()], 0, settings.seed);
        run::run_jobs(&jobs, &order, 0, &settings, &mut outcomes);
        let targets = if self.args.rounds.is_some() {
            vec![pilot; series.len()]
        } else {
            let sides: Vec<(&[Outcome], &[Outcome])> = outcomes
                .chunks(2)
                .map(|pair| (pair[0].as_slice(), pair[1].as_slice()))
                .collect();
            let plans = plan_pairs(
                &series,
                &sides,
                pilot,
                &compare_settings,
                self.detect,
                self.cap,
                comparisons(&series, self.args.instructions),
            );
            for plan in &plans {
                eprintln!("{}", plan.describe());
            }
            plans.iter().map(|p| p.pairs).collect()
        };
        let more = abba_rounds(&targets, pilot, settings.seed ^ 0x5eed);
        if more.iter().any(|round| !round.is_empty()) {
            run::run_jobs(&jobs, &more, pilot, &settings, &mut outcomes);
        }
        order.extend(more);

        // Each side is assembled on its own, so that the elision check compares a
        // variant with its own side's honest variant.
        let (mut base_side, mut head_side) = (Vec::new(), Vec::new());
        for (index, (job, outcomes)) in jobs.iter().zip(outcomes).enumerate() {
            let side = if index % 2 == 0 {
                &mut base_side
            } else {
                &mut head_side
            };
            side.push((job.clone(), outcomes));
        }
        let assemble = |side: Vec<(Job, Vec<Outcome>)>| {
            let (jobs, outcomes): (Vec<Job>, Vec<Vec<Outcome>>) = side.into_iter().unzip();
            run::assemble(&jobs, outcomes)
        };
        let (base_results, head_results) = (assemble(base_side), assemble(head_side));
        let session = format!("ab-{}-{}", started.unix_timestamp(), &base_commit[..12]);
        let protocol = Protocol {
            rounds: order.len() as u32,
            order: "interleaved-abba".to_string(),
            session: Some(session.clone()),
            ..settings.protocol(&series)
        };
        let machine = machine::detect();
        let history_dir = history::resolve(root, self.args.history.clone());
        let mut records = Vec::new();
        let [base_source, head_source] = sources;
        for (side, (mut source, results, toolchains)) in [
            (base_source, base_results, &sides[0]),
            (head_source, head_results, &sides[1]),
        ]
        .into_iter()
        .enumerate()
        {
            if side == 0 {
                // The environment's ref and pull request describe the head.
                source.git_ref = None;
                source.pr = None;
            }
            let record = RunRecord {
                schema: RUN_SCHEMA.to_string(),
                id: String::new(),
                started_at: run::rfc3339(started),
                finished_at: run::rfc3339(time::OffsetDateTime::now_utc()),
                source,
                ci: source::ci_from_env(|key| std::env::var(key).ok()),
                machine: machine.clone(),
                protocol: protocol.clone(),
                toolchains: toolchains.iter().map(|t| t.record.clone()).collect(),
                results,
                calibration: None,
            };
            let path = run::write_record(&history_dir, record, started)?;
            eprintln!("run record: {}", path.display());
            records.push(history::read(&path)?);
        }
        let comparison = compare::compare(&records[..1], &records[1..], &compare_settings);
        let text = match self.format {
            CompareFormat::Md => compare::render_markdown(&comparison),
            CompareFormat::Json => serde_json::to_string_pretty(&comparison)? + "\n",
        };
        print!("{text}");
        run::fail_on_failed(records.iter().flat_map(|r| &r.results))?;
        Ok(())
    }
}

/// The full commit id of a ref, or an error that names it.
fn resolve_commit(root: &Path, reference: &str) -> Result<String> {
    let commit = Cmd::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ])
        .read()
        .with_context(|| {
            format!("{reference:?} is not a commit, branch or tag of this repository")
        })?;
    Ok(commit.trim().to_string())
}

/// A detached worktree of `commit` under target/versus/ab/, reused when it is already
/// there: its build directories then make the next A/B session against the same base
/// start in seconds.
fn worktree(root: &Path, commit: &str) -> Result<PathBuf> {
    let dir = root
        .join("target")
        .join("versus")
        .join("ab")
        .join(&commit[..12]);
    if dir.join(".git").exists() {
        let at = Cmd::new("git")
            .arg("-C")
            .arg(&dir)
            .args(["rev-parse", "HEAD"])
            .read();
        if at.is_ok_and(|at| at.trim() == commit) {
            return Ok(dir);
        }
        Cmd::new("git")
            .arg("-C")
            .arg(root)
            .args(["worktree", "remove", "--force"])
            .arg(&dir)
            .run()?;
    }
    Cmd::new("git")
        .arg("-C")
        .arg(root)
        .args(["worktree", "add", "--detach", "--force"])
        .arg(&dir)
        .arg(commit)
        .run()
        .with_context(|| format!("checking out {} in a worktree", &commit[..12]))?;
    Ok(dir)
}

/// One side's toolchain, built.
/// Builds every side with the same toolchains: the orchestrator's pins, found once. By
/// default one pin per language (the first found), since an A/B session asks what a
/// change did, not how toolchains differ.
pub fn build_sides(
    root: &Path,
    dirs: &[&PathBuf],
    wanted: &[String],
    counting: bool,
) -> Result<Vec<Vec<Prepared>>> {
    let pins = toolchains::load_pins(root)?;
    let discoveries = toolchains::discover(root, &pins)?;
    for id in wanted {
        match discoveries.iter().find(|d| &d.pin.id == id) {
            None => bail!(
                "--toolchains names {id:?}, which toolchains.toml does not pin; \
                 `cargo xtask doctor` lists the pins"
            ),
            Some(discovery) if discovery.usable().is_none() => bail!(
                "toolchain {id} is not installed here (or is below the workloads' minimum); \
                 `cargo xtask doctor` says how to install it"
            ),
            Some(_) => {}
        }
    }
    let mut chosen = Vec::new();
    for discovery in discoveries {
        let Some(found) = discovery.usable() else {
            continue;
        };
        let wanted_here = if wanted.is_empty() {
            !chosen
                .iter()
                .any(|f: &toolchains::Found| f.pin.lang == found.pin.lang)
        } else {
            wanted.contains(&found.pin.id)
        };
        if wanted_here {
            chosen.push(found.clone());
        }
    }
    if chosen.is_empty() {
        bail!("no pinned toolchain is installed; `cargo xtask doctor` says how to install one");
    }
    let mut sides = Vec::new();
    for dir in dirs {
        let mut side = Vec::new();
        for found in &chosen {
            eprintln!("building {} with {}", dir.display(), found.pin.id);
            side.push(run::build_prepared(dir, found, counting)?);
        }
        sides.push(side);
    }
    Ok(sides)
}

/// Jobs 2i and 2i+1 are series i's base and head.
fn jobs(series: &[Series], sides: &[Vec<Prepared>]) -> Vec<Job> {
    let binary = |side: &[Prepared], id: &str| {
        side.iter()
            .find(|t| t.record.id == id)
            .map(|t| t.binary.clone())
            .expect("every series' toolchain was built on both sides")
    };
    series
        .iter()
        .flat_map(|item| {
            [("base", &sides[0]), ("head", &sides[1])].map(|(tag, side)| Job {
                series: item.clone(),
                binary: binary(side, &item.toolchain),
                extra_args: Vec::new(),
                tag: Some(tag.to_string()),
            })
        })
        .collect()
}

/// Rounds `from..max(targets)`: each holds the series that still need pairs, shuffled,
/// each as its base and head job in ABBA order.
pub fn abba_rounds(targets: &[u32], from: u32, seed: u64) -> Vec<Vec<usize>> {
    let last = targets.iter().copied().max().unwrap_or(0);
    let shuffles = plan::interleave(targets.len(), last.saturating_sub(from), seed);
    (from..last)
        .zip(shuffles)
        .map(|(round, shuffled)| {
            shuffled
                .into_iter()
                .filter(|&series| targets[series] > round)
                .flat_map(|series| {
                    if round % 2 == 0 {
                        [2 * series, 2 * series + 1]
                    } else {
                        [2 * series + 1, 2 * series]
                    }
                })
                .collect()
        })
        .collect()
}

/// The plan of one series after the pilot.
#[derive(Debug, Clone, PartialEq)]
pub struct PairPlan {
    pub label: String,
    pub noise_sd_log: Option<f64>,
    pub needed: Option<usize>,
    pub cap: u32,
    pub pairs: u32,
}

impl PairPlan {
    pub fn describe(&self) -> String {
        let noise = self
            .noise_sd_log
            .map_or("unknown".to_string(), |n| format!("{:.2} %", n * 100.0));
        let needed = self.needed.map_or("-".to_string(), |n| n.to_string());
        let capped = if self.needed.is_some_and(|n| n as u32 > self.cap) {
            " (capped by time)"
        } else {
            ""
        };
        format!(
            "plan {}: paired noise {noise}, needs {needed} pairs, runs {}{capped}",
            self.label, self.pairs
        )
    }
}

/// Plans each series' pairs from its pilot (`sides[i]`: series i's base and head
/// outcomes): enough to detect a slowdown of `detect` % at the measured noise, when it
/// is the only change among `comparisons`, no more than `cap` seconds of measurement
/// (both sides' trials) allow, no fewer than the pilot ran.
pub fn plan_pairs(
    series: &[Series],
    sides: &[(&[Outcome], &[Outcome])],
    pilot: u32,
    settings: &compare::Settings,
    detect: f64,
    cap: f64,
    comparisons: usize,
) -> Vec<PairPlan> {
    series
        .iter()
        .zip(sides)
        .map(|(item, (base, head))| {
            let ok = |o: &&Outcome| o.status == Status::Ok;
            let log_ratios = crate::trial::paired_log_ratios(
                base.iter().filter(ok).map(|o| &o.trial),
                head.iter().filter(ok).map(|o| &o.trial),
            );
            let noise = (log_ratios.len() >= 2).then(|| stats::paired_noise(&log_ratios));
            let needed = noise
                .and_then(|noise| settings.pairs_needed(noise, 1.0 + detect / 100.0, comparisons));
            // The median trial, not the mean: a pilot of a few trials that met a busy
            // moment would otherwise cut the plan of a whole session.
            let walls: Vec<f64> = base
                .iter()
                .chain(head.iter())
                .map(|o| o.trial.wall_ns as f64 / 1e9)
                .collect();
            let pair_seconds = 2.0 * stats::median(&walls);
            let cap = (cap / pair_seconds.max(1e-3)).floor().min(u32::MAX as f64) as u32;
            let pairs = match needed {
                Some(needed) => (needed as u32).clamp(pilot, cap.max(pilot)),
                None => pilot,
            };
            PairPlan {
                label: item.label(),
                noise_sd_log: noise,
                needed,
                cap,
                pairs,
            }
        })
        .collect()
}

/// How many comparisons a suite of `series` makes, for planning: every series is
/// compared on time and max RSS; the workloads with latency histograms also on p50 and
/// p99, the counted ones also on instructions. Benjamini-Hochberg runs over all of them.
pub fn comparisons(series: &[Series], instructions: bool) -> usize {
    series
        .iter()
        .map(|item| {
            let latency = if matches!(item.workload.name, "actors" | "echo") {
                2
            } else {
                0
            };
            let counted = usize::from(instructions && item.workload.counts_instructions);
            2 + latency + counted
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abba_alternates_which_side_runs_first_and_stops_series_at_their_targets() {
        let rounds = abba_rounds(&[4, 2], 0, 9);
        assert_eq!(rounds.len(), 4);
        for (round, jobs) in rounds.iter().enumerate() {
            let expected_series = if round < 2 { 2 } else { 1 };
            assert_eq!(jobs.len(), 2 * expected_series, "round {round}: {jobs:?}");
            for pair in jobs.chunks(2) {
                assert_eq!(
                    pair[0] / 2,
                    pair[1] / 2,
                    "a series' two jobs run back to back"
                );
                let base_first = pair[0] % 2 == 0;
                assert_eq!(base_first, round % 2 == 0, "ABBA: round {round}: {pair:?}");
            }
        }
        assert!(rounds[2].iter().chain(&rounds[3]).all(|&job| job / 2 == 0));
        // Later rounds continue from where the pilot stopped.
        let more = abba_rounds(&[4, 2], 2, 9);
        assert_eq!(more.len(), 2);
        assert_eq!(
            more[0],
            [0, 1],
            "round 2 is even: base first, series 0 only"
        );
        assert_eq!(more[1], [1, 0], "round 3 is odd: head first");
    }
}
