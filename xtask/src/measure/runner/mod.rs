//! The runner: trials as separate processes, in the rounds a plan gives, with what the
//! kernel measured of each.
//!
//! A measurement is a grid of jobs ([`Jobs`]): every series in each of its arms (one
//! arm in a plain run; base and head in an A/B session; A, A′ and each slowdown in a
//! calibration). [`run_rounds`] runs the rounds of a plan over the grid, one trial
//! process per slot, and collects every job's outcomes ([`Outcomes`]); [`assemble`]
//! turns one arm's outcomes into results.
//!
//! A failing trial never stops a measurement: it is recorded with its reason, later
//! rounds of that job are not run (they would fail or hang the same way), every other
//! job goes on, and the command reports the failure at the end.

mod count;
mod jobs;
mod paired;
mod progress;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::plan::{self, Round, Selection, Series, Slot, ToolchainId};
use super::process::Cmd;
use super::trial::{self, Outcome};
use super::{catalogue, cgroup, instructions};
use crate::record::summary::{format_ns, mib, series_median_ns_per_op};
use crate::record::{
    Protocol, Provenance, ResultRecord, RunRecord, Status, ToolchainRecord, Trial,
};
use progress::Progress;

pub use count::Counting;
pub use jobs::{Binary, Job, Jobs, Outcomes};
pub use paired::{pilot_and_plan, Pilot};

/// Default number of interleaved rounds of a run.
pub const DEFAULT_ROUNDS: u32 = 3;

/// Rounds whose CPU-bound trials are also counted by `run` and `bench`. Counting runs
/// the workload two or three more times under the counter (under Valgrind several
/// times slower than natively), and counts barely vary from process to process, so a
/// few per side do; but two runs are compared unpaired, by the rank-sum test, whose
/// best p for n counts against n is 2/C(2n, n). With 5 that is 0.008, so even an exact
/// change of the count could never be significant; with 10 it is 1.1·10⁻⁵, below
/// α/m = 0.005/m for a suite of up to 450 comparisons.
pub const COUNTED_ROUNDS: u32 = 10;

/// Counted pairs of base and head that an instruction comparison needs to flag a change:
/// the rounds `ab --instructions` counts (of those it runs), and the pairs of each
/// experiment of `calibrate --instructions`. The signed-rank test of n pairs reaches at
/// best p = 2/2ⁿ, and a lone change among the m comparisons of a suite needs p ≤ α/m
/// (Benjamini–Hochberg at α = 0.005): 12 pairs (p = 0.0005) pass only when m ≤ 10,
/// while 20 leave room for pairs that moved the other way. Simulated at a count noise
/// of 0.19% (Go `alloc`), 20 pairs detect a 0.5% change with probability 0.999 against
/// α/12, 16 pairs 0.97 and 12 pairs never (docs/instructions.md).
pub const COUNTED_PAIRS: u32 = 20;

/// What a person asked of the trials, before anything is built or detected: the
/// command line's sampling, seed, time limit and counting options.
#[derive(Debug, Clone, Default)]
pub struct TrialOptions {
    pub samples: Option<u32>,
    pub warmup: Option<u32>,
    pub seed: Option<u64>,
    /// Seconds.
    pub timeout: Option<f64>,
    pub quick: bool,
    pub instructions: bool,
}

/// How trials are run.
#[derive(Debug, Clone)]
pub struct TrialSettings {
    pub rounds: u32,
    pub samples: Option<u32>,
    pub warmup: Option<u32>,
    pub seed: u64,
    pub timeout: Option<Duration>,
    pub quick: bool,
    /// `versus-launch`, through which trials are started so that their max RSS is their
    /// own; `None` starts them directly (tests of the runner's logic only).
    pub launcher: Option<PathBuf>,
    /// Count instructions for the CPU-bound workloads with this counter, in the rounds
    /// below `counted_rounds`.
    pub instructions: Option<instructions::Counter>,
    /// The CPU-bound trials of rounds below this are counted: [`COUNTED_ROUNDS`] in a
    /// run or an A/B session, every round in an instruction calibration.
    pub counted_rounds: u32,
    /// The binary counted in place of a trial binary, where the two differ (Go's
    /// counting build); a trial binary not in the map is counted itself.
    pub counting_binaries: BTreeMap<PathBuf, PathBuf>,
    /// A user-mode emulator every trial binary is started under (`qemu-aarch64-static`),
    /// to run another architecture's build: its checksums are checked, its times mean
    /// nothing.
    pub emulator: Option<PathBuf>,
    /// Where each trial of a workload that reports memory per task gets a memory cgroup
    /// of its own; `None` where this process cannot make one (the workloads then read
    /// `/proc/meminfo` deltas, and say so).
    pub memory_cgroups: Option<cgroup::Parent>,
    /// Where each trial gets a pids cgroup holding it to the tasks its workload needs
    /// (`catalogue::tasks_allowed`), so that a workload that forks without end cannot
    /// exhaust the machine; `None` where this process cannot make one.
    pub pids_cgroups: Option<cgroup::Parent>,
    /// No round starts after this (`ab --budget`): the rounds planned beyond it are not
    /// run, whatever the trials so far showed, so the test stays a fixed-size one.
    pub deadline: Option<Instant>,
}

impl TrialSettings {
    /// The settings of `options` for `rounds` rounds, trials started through
    /// `launcher`, with the instruction counter found when asked for.
    pub fn new(options: &TrialOptions, rounds: u32, launcher: PathBuf) -> Result<TrialSettings> {
        Ok(TrialSettings {
            rounds,
            samples: options.samples,
            warmup: options.warmup,
            seed: options.seed.unwrap_or_else(random_seed),
            timeout: options.timeout.map(Duration::from_secs_f64),
            quick: options.quick,
            launcher: Some(launcher),
            instructions: instruction_counter(options.instructions)?,
            counted_rounds: COUNTED_ROUNDS,
            counting_binaries: BTreeMap::new(),
            emulator: None,
            memory_cgroups: cgroup::Parent::of_this_process(cgroup::Controller::Memory)
                .filter(|parent| parent.create().is_ok()),
            pids_cgroups: cgroup::Parent::of_this_process(cgroup::Controller::Pids)
                .filter(|parent| parent.create().is_ok()),
            deadline: None,
        })
    }

    /// Counts trials of `binary` with `count_binary` instead, where a toolchain has one.
    pub fn count_with(&mut self, binary: &Path, count_binary: Option<&Path>) {
        if let Some(count_binary) = count_binary {
            self.counting_binaries
                .insert(binary.to_path_buf(), count_binary.to_path_buf());
        }
    }

    pub fn protocol(&self, series: &[Series]) -> Protocol {
        // The record states one sampling; when workloads use their own defaults, the
        // first series' is stated and each trial's sample count shows the rest.
        let first = series
            .first()
            .map(|s| plan::sampling(s, self.quick, self.samples, self.warmup));
        Protocol {
            rounds: self.rounds,
            warmup: first.map_or(0, |s| s.warmup),
            samples_per_trial: first.map_or(0, |s| s.samples),
            seed: self.seed,
            order: "interleaved".to_string(),
            quick: self.quick,
            session: None,
            timeout_s: self.timeout.map(|t| t.as_secs_f64()),
        }
    }

    /// The shape `job`'s trials run in: the one chosen for it from a pilot, else the
    /// command line's, else the catalogue's.
    pub fn sampling_of(&self, job: &Job) -> catalogue::Sampling {
        job.sampling
            .unwrap_or_else(|| plan::sampling(&job.series, self.quick, self.samples, self.warmup))
    }

    fn timeout_of(&self, series: &Series) -> Duration {
        self.timeout
            .unwrap_or_else(|| series.workload.timeout(self.quick))
    }
}

/// The counter `--instructions` asks for, or an error saying what to install.
fn instruction_counter(wanted: bool) -> Result<Option<instructions::Counter>> {
    if !wanted {
        return Ok(None);
    }
    let counter = instructions::Counter::detect().context(
        "--instructions needs perf with hardware counters or Valgrind, and this machine has \
         neither: apt-get install valgrind",
    )?;
    eprintln!(
        "counting instructions of the CPU-bound workloads with {}",
        counter.tool()
    );
    Ok(Some(counter))
}

/// A plain run: the series measured, how, and their results in series order.
#[derive(Debug, Clone)]
pub struct Measured {
    pub series: Vec<Series>,
    pub settings: TrialSettings,
    pub results: Vec<ResultRecord>,
}

impl Measured {
    pub fn protocol(&self) -> Protocol {
        self.settings.protocol(&self.series)
    }

    /// The run record of this measurement, finished now, of toolchains `toolchains`.
    pub fn into_record(
        self,
        provenance: Provenance,
        toolchains: Vec<ToolchainRecord>,
    ) -> RunRecord {
        let protocol = self.protocol();
        RunRecord::new(
            provenance,
            time::OffsetDateTime::now_utc(),
            protocol,
            toolchains,
            self.results,
        )
    }
}

/// The series `selection` picks among `binaries`' toolchains.
pub fn select(selection: &Selection, binaries: &[Binary]) -> Result<Vec<Series>> {
    let toolchains: Vec<ToolchainId> = binaries.iter().map(|b| b.toolchain.clone()).collect();
    plan::select(selection, &toolchains)
}

/// The binary of a series' toolchain among `binaries`.
pub fn binary_of<'a>(binaries: &'a [Binary], series: &Series) -> &'a Binary {
    binaries
        .iter()
        .find(|b| b.toolchain.id == series.toolchain)
        .expect("a series is selected only for a toolchain that was built")
}

/// A plain run: the series of `selection` among `binaries`, in `settings.rounds`
/// interleaved rounds, one arm each.
pub fn run(
    selection: &Selection,
    binaries: &[Binary],
    mut settings: TrialSettings,
) -> Result<Measured> {
    let series = select(selection, binaries)?;
    for binary in binaries {
        settings.count_with(&binary.path, binary.counting.as_deref());
    }
    let results = measure(&series, binaries, &settings);
    Ok(Measured {
        series,
        settings,
        results,
    })
}

/// Runs every series of a plain run for `settings.rounds` interleaved rounds and
/// assembles the results, in series order.
pub fn measure(
    series: &[Series],
    binaries: &[Binary],
    settings: &TrialSettings,
) -> Vec<ResultRecord> {
    let jobs = Jobs::new(series, 1, |item, _| {
        Job::plain(item, binary_of(binaries, item).path.clone())
    });
    let order = plan::interleave(series.len(), settings.rounds, settings.seed);
    let mut outcomes = Outcomes::new(&jobs);
    run_rounds(&jobs, &order, 0, settings, &mut outcomes);
    assemble(&jobs, &outcomes, 0, settings)
}

/// Runs `order[i]` as round `first_round + i`, one trial process per slot, appending to
/// `outcomes`. A job whose trial failed, timed out or was skipped (in this call or an
/// earlier one) is not run again: it would fail or hang the same way, and its first
/// reason is kept. Round numbers continue across calls through `first_round`, since
/// trials are paired by them. The instructions of this call's counted trials are
/// counted after its timed rounds; what that took is returned.
pub fn run_rounds(
    jobs: &Jobs,
    order: &[Round],
    first_round: u32,
    settings: &TrialSettings,
    outcomes: &mut Outcomes,
) -> Counting {
    let total = order.iter().map(Vec::len).sum::<usize>() as u64;
    let progress = Progress::new(total);
    let started = Instant::now();
    let mut overheads = Vec::new();
    let earlier: BTreeMap<Slot, usize> = jobs
        .slots()
        .map(|slot| (slot, outcomes.of(slot).len()))
        .collect();
    for (round, slots) in order.iter().enumerate() {
        if settings
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            let left: usize = order[round..].iter().map(Vec::len).sum();
            eprintln!(
                "the time budget is spent: rounds {}..{} ({left} trials) are not run",
                first_round as usize + round + 1,
                first_round as usize + order.len()
            );
            break;
        }
        for &slot in slots {
            let job = jobs.get(slot);
            if outcomes.of(slot).iter().any(|o| o.status != Status::Ok) {
                progress.skip();
                continue;
            }
            progress.start(&format!(
                "round {}/{} {}",
                round + 1,
                order.len(),
                job.label()
            ));
            let trial_started = Instant::now();
            let outcome = run_trial(job, first_round + round as u32, settings);
            // The runner's own share: everything but the workload process's own life
            // (launcher start, pipes, wait, parsing, bookkeeping).
            let elapsed = trial_started.elapsed().as_nanos() as u64;
            overheads.push(elapsed.saturating_sub(outcome.trial.wall_ns) as f64);
            progress.finish(&describe(job, &outcome));
            outcomes.of_mut(slot).push(outcome);
        }
    }
    let overhead =
        (!overheads.is_empty()).then(|| crate::record::summary::median(&overheads) as u64);
    progress.done(started.elapsed(), overheads.len() as u64, overhead);
    count::count_instructions(jobs, &earlier, settings, outcomes)
}

/// One arm's outcomes as its results, in series order, then the elision check across
/// them: a variant is compared with its own arm's honest variant.
/// Each result records the trial shape its series ran with.
pub fn assemble(
    jobs: &Jobs,
    outcomes: &Outcomes,
    arm: usize,
    settings: &TrialSettings,
) -> Vec<ResultRecord> {
    let mut results: Vec<ResultRecord> = jobs
        .series()
        .iter()
        .enumerate()
        .zip(outcomes.arm(arm))
        .map(|((index, series), outcomes)| {
            let mut result = trial::assemble(series, outcomes);
            let shape = settings.sampling_of(jobs.get(Slot { series: index, arm }));
            result.samples_per_trial = Some(shape.samples);
            result.warmup = Some(shape.warmup);
            result
        })
        .collect();
    trial::flag_against_honest_variants(&mut results);
    results
}

/// The command line of a job after its binary, but for `--samples` and `--warmup`.
fn workload_args(job: &Job) -> Vec<String> {
    let series = &job.series;
    let mut args = vec![
        series.workload.name.to_string(),
        "--variant".to_string(),
        series.variant.to_string(),
    ];
    for (key, value) in &series.params {
        match key.as_str() {
            "size" => args.extend(["--size".to_string(), value.to_string()]),
            _ => args.extend(["--param".to_string(), format!("{key}={value}")]),
        }
    }
    args.extend(job.extra_args.iter().cloned());
    args
}

fn run_trial(job: &Job, round: u32, settings: &TrialSettings) -> Outcome {
    let series = &job.series;
    let sampling = settings.sampling_of(job);
    let cmd = match &settings.emulator {
        Some(emulator) => Cmd::new(emulator).arg(&job.binary),
        None => Cmd::new(&job.binary),
    };
    let mut cmd = cmd
        .args(workload_args(job))
        .args(["--samples".to_string(), sampling.samples.to_string()])
        .args(["--warmup".to_string(), sampling.warmup.to_string()]);
    // Held until the trial has ended, then removed.
    let mut group = None;
    let per_task = series.workload.reports_memory_per_task;
    if let (true, Some(parent)) = (per_task, &settings.memory_cgroups) {
        // A group that cannot be made leaves the trial to /proc/meminfo, as on a
        // machine without cgroups; the result's memory_method says which it was.
        if let Ok(made) = parent.create() {
            cmd = cmd.env(cgroup::ENV, made.dir()).in_cgroup(made.procs());
            group = Some(made);
        }
    }
    let tasks = catalogue::tasks_allowed(series.workload, series.variant, &series.params);
    let mut pids_group = None;
    if let Some(parent) = &settings.pids_cgroups {
        match &group {
            // On cgroup v2 one group holds both controllers: the memory group is limited.
            Some(memory) if memory.dir().starts_with(&parent.dir) => {
                let _ = memory.limit_tasks(tasks);
            }
            _ => {
                if let Ok(made) = parent.create() {
                    if made.limit_tasks(tasks).is_ok() {
                        cmd = cmd.in_cgroup(made.procs());
                        pids_group = Some(made);
                    }
                }
            }
        }
    }
    let _pids_group = pids_group;
    match cmd.run_trial(settings.timeout_of(series), settings.launcher.as_deref()) {
        Ok(process) => {
            let mut outcome = trial::interpret(series, round, sampling.samples, &process);
            // The group's high-water mark: the whole trial process, kernel memory
            // included, beside its max RSS.
            if let Some(peak) = group.as_ref().and_then(cgroup::TrialCgroup::peak_bytes) {
                outcome
                    .trial
                    .extra
                    .insert("cgroup_peak_bytes".to_string(), peak.into());
            }
            outcome
        }
        Err(error) => {
            let reason = format!("{}: could not run the trial: {error:#}", series.label());
            Outcome {
                trial: Trial {
                    round,
                    samples: Vec::new(),
                    checksum: None,
                    extra: BTreeMap::new(),
                    histogram: None,
                    wall_ns: 0,
                    user_ns: 0,
                    sys_ns: 0,
                    max_rss_bytes: 0,
                    error: Some(reason.clone()),
                    instructions: None,
                    pruned: None,
                },
                status: Status::Failed,
                reason: Some(reason),
                output: None,
            }
        }
    }
}

/// The progress line of a finished trial.
fn describe(job: &Job, outcome: &Outcome) -> String {
    match outcome.status {
        Status::Ok => {
            let ops = outcome.output.as_ref().map_or(1, |o| o.ops.max(1));
            let median = series_median_ns_per_op(std::slice::from_ref(&outcome.trial), ops);
            format!(
                "ok    {} {} ns/op, max RSS {:.1} MiB",
                job.label(),
                median.map_or("-".to_string(), format_ns),
                mib(outcome.trial.max_rss_bytes)
            )
        }
        status => format!(
            "{:<5} {}",
            status.as_str(),
            outcome.reason.as_deref().unwrap_or("")
        ),
    }
}

pub fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}
