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
//!    comparisons of the suite (`measure::plan::plan_pairs`). A series that would need
//!    more than its time cap gets what the cap allows; its verdict then says
//!    `inconclusive` with its interval rather than guessing.
//! 3. The remaining rounds, each series until it has its planned pairs. The number is
//!    fixed before any comparison is made: there is no re-running until significant.
//! 4. Two run records sharing one `protocol.session` id, so that `compare` pairs their
//!    trials by round; then the comparison, as Markdown or `versus.compare/1` JSON.

use std::path::Path;

use anyhow::{Context, Result};

use crate::analyse::compare;
use crate::cli::{Ab, CompareFormat};
use crate::measure::plan::{self, ArmOrder, PairPlanning};
use crate::measure::process::git_reader;
use crate::measure::runner::{
    self, binary_of, pilot_and_plan, Job, Jobs, Outcomes, Pilot, TrialSettings, COUNTED_PAIRS,
};
use crate::publish::github::{artifact, comment};
use crate::record::summary::require_ok;
use crate::record::{history, Protocol, Provenance, RunRecord};
use crate::toolchains;

/// GitHub's job summary takes 1 MiB per step.
const SUMMARY_LIMIT: usize = 1_000_000;

/// Appends `text` to a file (the job summary is shared by the job's steps).
fn append(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .with_context(|| format!("appending the comparison to {}", path.display()))
}

/// The two sides, as arms of the job grid.
const SIDES: [&str; 2] = ["base", "head"];

impl Ab {
    pub fn run(self, root: &Path) -> Result<()> {
        let head_commit = match &self.head {
            Some(head) => Some(toolchains::resolve_commit(root, head)?),
            None => None,
        };
        let mut base_commit = toolchains::resolve_commit(root, &self.base)?;
        if self.merge_base {
            let head = head_commit.as_deref().unwrap_or("HEAD");
            base_commit = toolchains::merge_base(root, &base_commit, head)?;
        }
        let base_dir = toolchains::worktree(root, &base_commit)?;
        let (head_dir, head_name) = match &head_commit {
            Some(commit) => (
                toolchains::worktree(root, commit)?,
                commit[..12].to_string(),
            ),
            None => (root.to_path_buf(), "the work tree".to_string()),
        };
        eprintln!(
            "A/B: base {} ({}) against head {head_name}",
            &base_commit[..12],
            self.base
        );

        // Each side's commit as it is built, before a long session lets the work tree
        // move.
        let mut base = Provenance::detect(git_reader(&base_dir));
        let head = Provenance::detect(git_reader(&head_dir));
        // The environment's ref and pull request describe the head.
        base.source.git_ref = None;
        base.source.pr = None;
        let mut sides = toolchains::build_sides(
            root,
            &[&base_dir, &head_dir],
            &self.args.toolchains,
            self.args.instructions,
        )?;
        // Both sides run from one folder, at paths of one length.
        toolchains::place_sides(root, &SIDES, &mut sides)?;
        let mut sides = sides.into_iter().map(toolchains::unzip);
        let (base_binaries, base_records) = sides.next().expect("the base was built");
        let (head_binaries, head_records) = sides.next().expect("the head was built");
        let series = runner::select(&self.args.selection(), &base_binaries)?;
        let binaries = [&base_binaries, &head_binaries];
        let mut jobs = Jobs::new(&series, SIDES.len(), |item, side| Job {
            tag: Some(SIDES[side].to_string()),
            ..Job::plain(item, binary_of(binaries[side], item).path.clone())
        });
        let launcher = toolchains::build_launcher(root)?;
        let mut settings = TrialSettings::new(&self.args.trial_options(), 0, launcher)?;
        for binary in base_binaries.iter().chain(&head_binaries) {
            settings.count_with(&binary.path, binary.counting.as_deref());
        }
        // Enough counted pairs for an instruction change to reach significance.
        settings.counted_rounds = COUNTED_PAIRS;
        let compare_settings = self.thresholds.settings()?;

        let mut outcomes = Outcomes::new(&jobs);
        let fixed = self.args.rounds;
        // A budget holds the whole session, pilot included: no round starts after it.
        let session_started = std::time::Instant::now();
        let pilot = Pilot {
            rounds: fixed.unwrap_or(self.pilot).max(2),
            arm_order: ArmOrder::Alternating,
            choose_shape: self.args.samples.is_none() && self.args.warmup.is_none(),
            planning: PairPlanning {
                minimum: fixed.unwrap_or(self.pilot).max(2),
                detect_percent: self.detect,
                cap_seconds: self.cap,
                comparisons: plan::comparisons(&series, self.args.instructions),
                budget_seconds: self.budget,
                trial_overhead_seconds: 0.0,
            },
        };
        let plans = if fixed.is_some() {
            // `--rounds N` fixes the pairs: the pilot is the whole session.
            let order = plan::rounds(
                &vec![pilot.rounds; series.len()],
                0,
                SIDES.len(),
                ArmOrder::Alternating,
                settings.seed,
            );
            runner::run_rounds(&jobs, &order, 0, &settings, &mut outcomes);
            None
        } else {
            Some(pilot_and_plan(
                &mut jobs,
                &pilot,
                &settings,
                &compare_settings,
                &mut outcomes,
            ))
        };
        let targets: Vec<u32> = match &plans {
            Some(planned) => planned.plans.iter().map(|p| p.pairs).collect(),
            None => vec![pilot.rounds; series.len()],
        };
        let more = plan::rounds(
            &targets,
            pilot.rounds,
            SIDES.len(),
            ArmOrder::Alternating,
            settings.seed ^ 0x5eed,
        );
        if more.iter().any(|round| !round.is_empty()) {
            // The counts after these rounds are paid from the budget too.
            let reserve = plans.as_ref().map_or(0.0, |p| p.counting_reserve_seconds);
            settings.deadline = self.budget.map(|budget| {
                session_started + std::time::Duration::from_secs_f64((budget - reserve).max(0.0))
            });
            runner::run_rounds(&jobs, &more, pilot.rounds, &settings, &mut outcomes);
        }
        let rounds = targets.iter().copied().max().unwrap_or(0).max(pilot.rounds);

        // Each side is assembled on its own, so that the elision check compares a
        // variant with its own side's honest variant.
        let session = format!(
            "ab-{}-{}",
            head.started_at.unix_timestamp(),
            &base_commit[..12]
        );
        let protocol = Protocol {
            rounds,
            order: "interleaved-abba".to_string(),
            session: Some(session),
            ..settings.protocol(&series)
        };
        let history_dir = history::resolve(root, self.args.history.clone());
        let mut records = Vec::new();
        for (side, (provenance, toolchain_records)) in [(base, base_records), (head, head_records)]
            .into_iter()
            .enumerate()
        {
            let record = RunRecord::new(
                provenance,
                time::OffsetDateTime::now_utc(),
                protocol.clone(),
                toolchain_records,
                runner::assemble(&jobs, &outcomes, side, &settings),
            );
            let path = history::write_run(&history_dir, record)?;
            eprintln!("run record: {}", path.display());
            records.push(history::read(&path)?);
        }
        let comparison = compare::compare(&records[..1], &records[1..], &compare_settings);
        let session = protocol.session.clone().unwrap_or_else(|| "ab".to_string());
        let stored = history::write_comparison(
            &history_dir,
            &session,
            &serde_json::to_string_pretty(&comparison)?,
        )?;
        eprintln!(
            "comparison: {} (on the site's Compare page)",
            stored.display()
        );
        let text = match self.format {
            CompareFormat::Md => compare::render_markdown(&comparison),
            CompareFormat::Json => serde_json::to_string_pretty(&comparison)? + "\n",
        };
        print!("{text}");
        // For the pull request: the comment as it will read, in full, in the job
        // summary; the comparison itself in the artifact for the commenting workflow.
        let full = comment::render(
            &comparison,
            &comment::Context {
                limit: Some(SUMMARY_LIMIT),
                ..comment::Context::default()
            },
        );
        if let Some(summary) = &self.summary {
            append(summary, &full)?;
        }
        if let (Some(dir), Some(pr), Some(head)) = (&self.artifact, self.pr, &head_commit) {
            artifact::write(dir, &comparison, &full, pr, head, &base_commit)?;
            eprintln!("pull request artifact: {}", dir.display());
        }
        require_ok(records.iter().flat_map(|r| &r.results))
    }
}
