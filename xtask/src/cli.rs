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
    /// Measure a change: build base and head, run them paired in the same rounds, compare.
    Ab(Ab),
    /// Measure the harness on this machine: false alarms of A/A and detection of injected
    /// slowdowns, per series.
    Calibrate(Calibrate),
    /// Write a run record as benchstat text, Bencher Metric Format, github-action-benchmark
    /// JSON or CSV.
    Export(Export),
    /// Work with a history as a whole: write a synthetic one, for measuring the site.
    History(History),
}

#[derive(Debug, Args)]
pub struct History {
    #[command(subcommand)]
    pub command: HistoryCommand,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Write a synthetic history shaped like a real one (every workload at its full
    /// sizes, raw trials, histograms), from a seeded generator: to measure the site at
    /// the scale of years of CI runs.
    Generate(Generate),
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
    #[arg(long, value_enum, default_value = "md")]
    pub format: CompareFormat,
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
    #[arg(long)]
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
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
