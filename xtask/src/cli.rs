//! The whole command line of `cargo xtask`, in one place. Each subcommand is a struct
//! whose `run` lives in the module of the same name; `main` only dispatches. The
//! arguments that several commands share turn into the groups' own values here
//! (`RunArgs::selection`, `RunArgs::trial_options`, `Thresholds::settings`), so that no
//! group knows the command line and no command imports another.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand};

use crate::analyse::compare;
use crate::measure::plan::Selection;
use crate::measure::runner::{TrialOptions, DEFAULT_ROUNDS};
pub use crate::publish::export::Format as ExportFormat;

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "versus: Rust and Go, measured fairly and reproducibly",
    after_help = "Start with `cargo xtask bench --quick`, then `cargo xtask bench`."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build, run, record and render the site: the main job.
    Bench(Bench),
    /// Build the workloads and run them into one run record in history/.
    Run(Run),
    /// Run every test: both Cargo workspaces, go vet and go test, tidy checks.
    Test(Test),
    /// Render the site from the history into target/site/.
    Site(Site),
    /// List the workloads, their variants and sizes.
    List(List),
    /// Which pinned toolchains are installed, where, and how to install the others.
    Doctor(Doctor),
    /// The pinned toolchains; with --json, in the form a GitHub Actions workflow reads.
    Toolchains(Toolchains),
    /// Compare two run records (or two sets): what changed, with the statistics to trust it.
    Compare(Compare),
    /// Judge every published claim (claims.toml) on every machine and toolchain in the
    /// history: reproduced, a different size, reversed, an artifact, or not measured.
    Claims(Claims),
    /// Measure a change: build base and head, run them paired in the same rounds, compare.
    Ab(Ab),
    /// Measure the harness on this machine: false alarms of A/A and detection of injected
    /// slowdowns, per series.
    Calibrate(Calibrate),
    /// Write a run record as benchstat text, Bencher Metric Format, github-action-benchmark
    /// JSON or CSV.
    Export(Export),
    /// Work with a history as a whole: check every record, or write a synthetic history.
    History(History),
    /// Add run records to the data branch (a new file each, retried on a rejected push)
    /// and render the site from it.
    Publish(Publish),
    /// Post or update versus's comment on a pull request (GitHub's REST API).
    Comment(Comment),
}

/// A pull request number on the command line: a positive integer.
fn parse_pr(text: &str) -> Result<u64, String> {
    crate::publish::github::artifact::parse_number(text).map_err(|error| format!("{error:#}"))
}

#[derive(Debug, Args)]
pub struct Publish {
    /// The run records to publish: record files, or folders whose `*.json` records are
    /// all taken (comma-separated or repeated).
    #[arg(long, required = true, value_delimiter = ',')]
    pub records: Vec<PathBuf>,
    /// The git repository that holds the data branch: a URL or a path [default: the
    /// checkout's `origin`].
    #[arg(long)]
    pub remote: Option<String>,
    /// The data branch.
    #[arg(long, default_value = "bench-data")]
    pub branch: String,
    /// The work folder the data branch is checked out into (reused when it is a clone
    /// of the same remote).
    #[arg(long, default_value = "target/versus/bench-data")]
    pub work: PathBuf,
    /// Where the site is rendered from the data branch's history.
    #[arg(long, default_value = "target/site")]
    pub out: PathBuf,
    /// Push attempts before giving up: a rejected push is fetched, rebased and retried
    /// after a growing wait.
    #[arg(long, default_value_t = 6)]
    pub attempts: u32,
    /// Publish the records only; render no site.
    #[arg(long)]
    pub no_site: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["compare", "body", "artifact"])))]
pub struct Comment {
    /// The pull request to comment on [with --artifact: the artifact's, which must match].
    #[arg(long, value_parser = parse_pr, required_unless_present = "artifact")]
    pub pr: Option<u64>,
    /// A comparison (`versus.compare/1`) to render and post.
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// A Markdown file to post as it is (versus's marker is added when it lacks it).
    #[arg(long)]
    pub body: Option<PathBuf>,
    /// The pull request artifact of the benchmark job (comparison.json and
    /// pull-request.json), read as untrusted; needs --head-sha.
    #[arg(long, requires = "head_sha")]
    pub artifact: Option<PathBuf>,
    /// The head commit the benchmark run measured, from the trusted event
    /// (`github.event.workflow_run.head_sha`): the artifact must name it, and GitHub
    /// must list the pull request for it.
    #[arg(long)]
    pub head_sha: Option<String>,
    /// A history to draw each changed series' trend from (the data branch, checked out).
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// The branch whose runs the trends show.
    #[arg(long, default_value = "main")]
    pub branch: String,
    /// The workflow run that measured the change, linked from the comment.
    #[arg(long)]
    pub run_url: Option<String>,
    /// The published site, linked from the comment.
    #[arg(long, env = "VERSUS_SITE_URL")]
    pub site_url: Option<String>,
    /// Print the comment and post nothing (needs no token).
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct History {
    #[command(subcommand)]
    pub command: HistoryCommand,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Read every record of a history and report each bad one, with the reason and the
    /// path of the bad field; exits non-zero if any is bad.
    Check(HistoryCheck),
    /// Write a synthetic history shaped like a real one (every workload at its full
    /// sizes, raw trials, histograms), from a seeded generator: to measure the site at
    /// the scale of years of CI runs.
    Generate(Generate),
    /// Drop the raw samples and histograms of all but the newest N runs of every series,
    /// keeping the figures computed from them (the site and `compare` still show them).
    /// Each record is replaced in one rename, after the pruned copy is checked to give
    /// the same figures; a killed prune leaves every record whole.
    Prune(HistoryPrune),
}

#[derive(Debug, Args)]
pub struct HistoryPrune {
    /// The history directory [default: $VERSUS_HISTORY, else history/].
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// How many of each series' newest runs keep their raw samples and histograms.
    #[arg(long, value_name = "N")]
    pub keep_raw: usize,
    /// Say what would be pruned, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct HistoryCheck {
    /// The history directory [default: $VERSUS_HISTORY, else history/].
    #[arg(long)]
    pub history: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct Generate {
    /// The directory to write the records into (created; it must not hold records of
    /// the same names).
    #[arg(long)]
    pub out: PathBuf,
    /// How many runs, over all machines.
    #[arg(long, default_value_t = 10_000)]
    pub runs: usize,
    /// How many machines the runs alternate between.
    #[arg(long, default_value_t = 2)]
    pub machines: usize,
    /// Seed of the generator: the same arguments write the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Hours between two runs of one machine.
    #[arg(long, default_value_t = 3)]
    pub hours_apart: u32,
    /// Trials per series.
    #[arg(long, default_value_t = 3)]
    pub rounds: u32,
    /// Only these workloads (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
}

#[derive(Debug, Args)]
pub struct Doctor {}

/// How the claims table is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClaimsFormat {
    /// For a terminal.
    Text,
    /// A Markdown table, for a README or an article to quote.
    Md,
    /// Every row as JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct Claims {
    #[arg(long, value_enum, default_value = "text")]
    pub format: ClaimsFormat,
    /// The history directory [default: $VERSUS_HISTORY, else history/].
    #[arg(long)]
    pub history: Option<PathBuf>,
}

/// How a comparison is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    /// The table a pull request comment shows.
    Md,
    /// `versus.compare/1`.
    Json,
}

#[derive(Debug, Args)]
pub struct Compare {
    /// The base: a run record file or run id (or unique id prefix); several,
    /// comma-separated, for a set.
    pub base: String,
    /// The head, in the same form.
    pub head: String,
    #[arg(long, value_enum, default_value = "md")]
    pub format: CompareFormat,
    #[command(flatten)]
    pub thresholds: Thresholds,
    /// The history directory [default: $VERSUS_HISTORY, else history/].
    #[arg(long)]
    pub history: Option<PathBuf>,
}

/// The smallest changes worth a verdict, shared by `compare`, `ab` and `calibrate`.
#[derive(Debug, Clone, Copy, Args)]
pub struct Thresholds {
    /// The smallest change worth a verdict, in percent, for time and memory.
    #[arg(long, default_value_t = 1.0)]
    pub threshold: f64,
    /// The smallest change in instructions per operation worth a verdict, in percent.
    /// Counts vary far less than time, so a smaller change is still a real one.
    #[arg(long, default_value_t = 0.25)]
    pub instructions_threshold: f64,
}

#[derive(Debug, Args)]
pub struct Ab {
    /// The base: a commit, branch or tag, built in a git worktree.
    #[arg(long)]
    pub base: String,
    /// The head [default: the work tree as it is, uncommitted changes included].
    #[arg(long)]
    pub head: Option<String>,
    /// What to run; here `--rounds N` fixes the pairs per series instead of planning them.
    #[command(flatten)]
    pub args: RunArgs,
    /// Pairs of the pilot that measures each series' noise.
    #[arg(long, default_value_t = 4)]
    pub pilot: u32,
    /// The change, in percent, that the planned pairs detect with 95 % probability.
    #[arg(long, default_value_t = 2.0)]
    pub detect: f64,
    #[command(flatten)]
    pub thresholds: Thresholds,
    /// Seconds of measurement per series at most; a series that would need more is
    /// reported `inconclusive` with its interval.
    #[arg(long, default_value_t = 60.0)]
    pub cap: f64,
    /// A time for the whole suite's measurement, pilot included (`20m`, `90s`, `1h`):
    /// the pairs are planned from the pilot so that every series detects the same
    /// smallest change, as small as the budget allows (`--detect` and `--cap` are then
    /// not used); each series' planned detectable change is printed.
    #[arg(long, value_parser = crate::measure::plan::parse_duration, value_name = "DURATION")]
    pub budget: Option<f64>,
    #[arg(long, value_enum, default_value = "md")]
    pub format: CompareFormat,
    /// Measure against the merge base of `--base` and the head instead of `--base`
    /// itself: what a pull request changed, not what the base branch did meanwhile.
    #[arg(long)]
    pub merge_base: bool,
    /// The pull request the comparison is for.
    #[arg(long, env = "VERSUS_PR", value_parser = parse_pr)]
    pub pr: Option<u64>,
    /// Also write the pull request artifact into this folder (comparison.json,
    /// comparison.md, pull-request.json), for the commenting workflow; needs --pr and
    /// --head.
    #[arg(long, requires_all = ["pr", "head"])]
    pub artifact: Option<PathBuf>,
    /// Append the comparison, rendered as the pull request comment is but in full, to
    /// this file (on GitHub Actions, the job summary).
    #[arg(long, env = "GITHUB_STEP_SUMMARY")]
    pub summary: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct Calibrate {
    /// What to run (quick sizes are the usual choice); `--rounds` is not used. With
    /// `--instructions`, every trial of sum and alloc is counted, and the calibration
    /// measures the instruction metric too.
    #[command(flatten)]
    pub args: RunArgs,
    /// Independent experiments, each a disjoint block of rounds.
    #[arg(long, default_value_t = 20)]
    pub experiments: u32,
    /// Pairs per experiment, the same for every series [default: planned per series from
    /// the pilot, as `ab` plans; with --instructions, 20].
    #[arg(long)]
    pub pairs: Option<u32>,
    /// Pairs of the pilot that measures each series' noise and trial time; they belong
    /// to no experiment.
    #[arg(long, default_value_t = 5)]
    pub pilot: u32,
    /// The slowdown, in percent, that the planned pairs detect with 95 % probability.
    #[arg(long, default_value_t = 2.0)]
    pub detect: f64,
    /// Seconds of measurement (both sides' trials) per series and comparison at most.
    #[arg(long, default_value_t = 60.0)]
    pub cap: f64,
    /// Each experiment as an A/B session of this whole-suite budget (`20m`, `90s`): the
    /// pairs planned as `ab --budget` plans them, so that the calibration measures what
    /// a budgeted pull request run detects.
    #[arg(long, value_parser = crate::measure::plan::parse_duration, value_name = "DURATION")]
    pub budget: Option<f64>,
    /// Slowdowns to inject as time, in percent of each sample's own time
    /// (`--inject-pct`) [default: 1,2,5, unless --inject-work is given].
    #[arg(long, value_delimiter = ',')]
    pub inject: Vec<f64>,
    /// Slowdowns to inject as work, in percent more operations per sample
    /// (`--inject-work-pct`; sum, membw and alloc only): what instruction counts see.
    #[arg(long, value_delimiter = ',')]
    pub inject_work: Vec<f64>,
    #[command(flatten)]
    pub thresholds: Thresholds,
}

#[derive(Debug, Args)]
pub struct Export {
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// A run record: a file path, or a run id (or unique prefix) in the history.
    pub run: String,
    /// The history directory [default: $VERSUS_HISTORY, else history/].
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct Toolchains {
    /// Print JSON (schema versus.toolchains/1) for workflows.
    #[arg(long)]
    pub json: bool,
    /// Install every pin that is not found: Rust pins with rustup, Go pins from go.dev's
    /// release archives (checked against their published SHA-256) into ~/sdk. On
    /// GitHub Actions, the first Go pin's bin folder is also added to $GITHUB_PATH.
    #[arg(long)]
    pub install: bool,
}

/// What to run and how: shared by `run` and `bench`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Quick sizes: the same code in well under a second per trial.
    #[arg(long)]
    pub quick: bool,
    /// Only these workloads (comma-separated), e.g. `spawn,alloc`.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Only these variants (comma-separated), as `name` or `lang:name`, e.g. `go:heap`.
    #[arg(long, value_delimiter = ',')]
    pub variants: Vec<String>,
    /// Only these values of `size` (comma-separated), e.g. `10000`.
    #[arg(long, value_delimiter = ',')]
    pub sizes: Vec<u64>,
    /// Only these toolchain pins (comma-separated ids), default every pin found.
    #[arg(long, value_delimiter = ',')]
    pub toolchains: Vec<String>,
    /// Interleaved rounds: each round runs one trial process of every series.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub rounds: Option<u32>,
    /// Measured samples per trial, instead of each workload's default.
    #[arg(long)]
    pub samples: Option<u32>,
    /// Warm-up samples per trial, instead of each workload's default.
    #[arg(long)]
    pub warmup: Option<u32>,
    /// Seed of the interleaving order (default: random, and recorded), to replay an order.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Time limit of one trial in seconds, instead of each workload's default.
    #[arg(long)]
    pub timeout: Option<f64>,
    /// The history directory [default: $VERSUS_HISTORY, else history/].
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// Also count instructions per operation of the CPU-bound workloads (sum, alloc) in
    /// the first rounds, with perf where the machine exposes counters, else Valgrind.
    #[arg(long)]
    pub instructions: bool,
}

impl RunArgs {
    /// Takes what the flags leave unset from VERSUS_ONLY, VERSUS_TOOLCHAINS,
    /// VERSUS_ROUNDS and VERSUS_QUICK: how a workflow passes its inputs without writing
    /// them into a shell line. An empty variable is unset (a workflow's empty input);
    /// anything else is checked here, naming the variable.
    pub fn with_environment(mut self) -> Result<RunArgs> {
        self.apply_environment(|name| std::env::var(name).ok())?;
        Ok(self)
    }

    fn apply_environment(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<()> {
        let get = |name: &str| get(name).filter(|value| !value.trim().is_empty());
        let list = |value: String| -> Vec<String> {
            value
                .split(',')
                .map(|item| item.trim().to_string())
                .collect()
        };
        if let (true, Some(value)) = (self.only.is_empty(), get("VERSUS_ONLY")) {
            self.only = list(value);
        }
        if let (true, Some(value)) = (self.toolchains.is_empty(), get("VERSUS_TOOLCHAINS")) {
            self.toolchains = list(value);
        }
        if let (None, Some(value)) = (self.rounds, get("VERSUS_ROUNDS")) {
            match value.trim().parse::<u32>() {
                Ok(rounds) if (1..=1000).contains(&rounds) => self.rounds = Some(rounds),
                _ => bail!("VERSUS_ROUNDS is {value:?}; it must be a whole number from 1 to 1000"),
            }
        }
        if let Some(value) = get("VERSUS_QUICK") {
            match value.trim() {
                "true" | "1" => self.quick = true,
                "false" | "0" => {}
                _ => bail!("VERSUS_QUICK is {value:?}; it must be true or false"),
            }
        }
        for (name, items) in [
            ("VERSUS_ONLY", &self.only),
            ("VERSUS_TOOLCHAINS", &self.toolchains),
        ] {
            if let Some(bad) = items.iter().find(|item| {
                item.is_empty()
                    || !item
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
            }) {
                bail!(
                    "{name} (or its flag) names {bad:?}, which is not a workload or toolchain id"
                );
            }
        }
        // Before anything is built: an unknown workload is a typo, not an empty run.
        if let Some(bad) = self
            .only
            .iter()
            .find(|name| crate::measure::catalogue::find(name).is_none())
        {
            bail!(
                "unknown workload {bad:?} in --only (or VERSUS_ONLY); the workloads are: {}",
                crate::measure::catalogue::names()
            );
        }
        Ok(())
    }

    /// The interleaved rounds of a plain run.
    pub fn rounds(&self) -> u32 {
        self.rounds.unwrap_or(DEFAULT_ROUNDS).max(1)
    }

    /// The series these arguments select.
    pub fn selection(&self) -> Selection {
        Selection {
            only: self.only.clone(),
            variants: self.variants.clone(),
            sizes: self.sizes.clone(),
            quick: self.quick,
        }
    }

    /// What these arguments ask of every trial.
    pub fn trial_options(&self) -> TrialOptions {
        TrialOptions {
            samples: self.samples,
            warmup: self.warmup,
            seed: self.seed,
            timeout: self.timeout,
            quick: self.quick,
            instructions: self.instructions,
        }
    }
}

impl Thresholds {
    /// The verdict settings these thresholds give, or an error naming the flag that is
    /// not a percentage between 0 and 100.
    pub fn settings(&self) -> Result<compare::Settings> {
        for (flag, value) in [
            ("--threshold", self.threshold),
            ("--instructions-threshold", self.instructions_threshold),
        ] {
            if !(value > 0.0 && value < 100.0) {
                bail!("{flag} is a percentage between 0 and 100, not {value}");
            }
        }
        Ok(compare::Settings {
            threshold: self.threshold / 100.0,
            instructions_threshold: self.instructions_threshold / 100.0,
            ..compare::Settings::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct Run {
    #[command(flatten)]
    pub args: RunArgs,
}

#[derive(Debug, Args)]
pub struct Bench {
    #[command(flatten)]
    pub args: RunArgs,
    /// Where to write the site.
    #[arg(long, default_value = "target/site")]
    pub site: PathBuf,
}

#[derive(Debug, Args)]
pub struct Test {
    /// Skip the slow cross-language run of every workload at its quick size.
    #[arg(long)]
    pub no_workloads: bool,
    /// Run only the checks whose name contains this text (e.g. `--only Chromium`).
    #[arg(long, value_name = "TEXT")]
    pub only: Option<String>,
}

#[derive(Debug, Args)]
pub struct Site {
    /// The history directory [default: $VERSUS_HISTORY, else history/].
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// Where to write the site.
    #[arg(long, default_value = "target/site")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct List {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    #[test]
    fn the_cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    fn run_args(args: &[&str], env: &[(&str, &str)]) -> Result<RunArgs> {
        let mut all = vec!["cargo xtask", "run"];
        all.extend(args);
        let Command::Run(run) = Cli::try_parse_from(all)?.command else {
            unreachable!()
        };
        let mut args = run.args;
        args.apply_environment(|name| {
            env.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, v)| v.to_string())
        })?;
        Ok(args)
    }

    #[test]
    fn workflow_inputs_arrive_through_the_environment_and_are_checked() {
        let empty = [
            ("VERSUS_ONLY", ""),
            ("VERSUS_TOOLCHAINS", ""),
            ("VERSUS_ROUNDS", ""),
            ("VERSUS_QUICK", "false"),
        ];
        let args = run_args(&[], &empty).unwrap();
        assert!(args.only.is_empty() && args.rounds.is_none() && !args.quick);
        let given = [
            ("VERSUS_ONLY", "sum, alloc"),
            ("VERSUS_TOOLCHAINS", "rust-1.95.0"),
            ("VERSUS_ROUNDS", "7"),
            ("VERSUS_QUICK", "true"),
        ];
        let args = run_args(&[], &given).unwrap();
        assert_eq!(args.only, ["sum", "alloc"]);
        assert_eq!(args.rounds, Some(7));
        assert!(args.quick);
        // The flags win.
        let args = run_args(&["--only", "spawn", "--rounds", "2"], &given).unwrap();
        assert_eq!(
            (args.only, args.rounds),
            (vec!["spawn".to_string()], Some(2))
        );
        for (name, value) in [
            ("VERSUS_ROUNDS", "0"),
            ("VERSUS_ROUNDS", "ten"),
            ("VERSUS_ROUNDS", "5; rm -rf ~"),
            ("VERSUS_QUICK", "yes please"),
            ("VERSUS_ONLY", "sum;id"),
            ("VERSUS_TOOLCHAINS", "$(id)"),
        ] {
            let error = run_args(&[], &[(name, value)]).unwrap_err().to_string();
            assert!(error.contains(name), "{name}={value}: {error}");
        }
    }
}
