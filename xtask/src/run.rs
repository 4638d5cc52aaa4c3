//! `cargo xtask run`: build the workloads with every pinned toolchain found, run their
//! trials as separate processes in randomized interleaved rounds, and write one
//! `versus.run/1` record to the history.
//!
//! Only this module and `process` start workload processes. A failing trial never stops
//! the run: it is recorded with its reason, later rounds of that series are not run
//! (they would fail the same way, or hang the same way), every other series goes on,
//! and the command exits non-zero at the end.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::catalogue::Lang;
use crate::cli::{Run, RunArgs};
use crate::plan::{self, Built, Selection, Series};
use crate::process::Cmd;
use crate::record::{
    InstructionCount, Protocol, ResultRecord, RunRecord, Status, ToolchainRecord, RUN_SCHEMA,
};
use crate::trial::{self, Outcome};
use crate::{history, instructions, machine, source, toolchains};

/// Default number of interleaved rounds.
pub const DEFAULT_ROUNDS: u32 = 3;

impl Run {
    pub fn run(self, root: &Path) -> Result<()> {
        let (path, record) = run_and_record(root, &self.args)?;
        finish(&path, &record)
    }
}

/// Builds, measures and writes the record; returns its path and the record.
pub fn run_and_record(root: &Path, args: &RunArgs) -> Result<(PathBuf, RunRecord)> {
    let history_dir = history::resolve(root, args.history.clone());
    let started = now();
    // The commit as it is built, before a long run gives anyone time to move HEAD.
    let source = source::detect(root);
    let prepared = prepare(root, &args.toolchains, args.instructions)?;
    let series = select(&Selection::from_args(args), &prepared)?;
    let binaries = prepared
        .iter()
        .map(|p| (p.record.id.clone(), p.binary.clone()))
        .collect();
    let mut settings =
        Settings::from_args(root, args, args.rounds.unwrap_or(DEFAULT_ROUNDS).max(1))?;
    settings.count_with(prepared.iter());
    let results = measure(&series, &binaries, &settings);
    let machine = machine::detect();
    let record = RunRecord {
        schema: RUN_SCHEMA.to_string(),
        id: String::new(),
        started_at: rfc3339(started),
        finished_at: rfc3339(now()),
        ci: source::ci_from_env(|key| std::env::var(key).ok()),
        protocol: settings.protocol(&series),
        toolchains: prepared.into_iter().map(|p| p.record).collect(),
        machine,
        source,
        results,
        calibration: None,
    };
    let path = write_record(&history_dir, record.clone(), started)?;
    let record = history::read(&path)?;
    Ok((path, record))
}

/// Prints the summary and turns failed results into a non-zero exit.
pub fn finish(path: &Path, record: &RunRecord) -> Result<()> {
    eprintln!("{}", summary(record));
    eprintln!("run record: {}", path.display());
    fail_on_failed(&record.results)
}

/// An error listing every result that failed, timed out or mismatched, if any did.
pub fn fail_on_failed<'a>(results: impl IntoIterator<Item = &'a ResultRecord>) -> Result<()> {
    let results: Vec<&ResultRecord> = results.into_iter().collect();
    let reasons: Vec<String> = results
        .iter()
        .filter(|r| {
            matches!(
                r.status,
                Status::Failed | Status::Timeout | Status::Mismatch
            )
        })
        .map(|r| format!("  {}", r.reason.as_deref().unwrap_or("no reason recorded")))
        .collect();
    if !reasons.is_empty() {
        bail!(
            "{} of {} results failed:\n{}",
            reasons.len(),
            results.len(),
            reasons.join("\n")
        );
    }
    Ok(())
}

/// A toolchain built and ready to run.
pub struct Prepared {
    pub lang: Lang,
    pub binary: PathBuf,
    /// The binary whose instructions are counted instead of `binary`, when the two must
    /// differ (`toolchains::build_counting`); built only when instructions are counted.
    pub count_binary: Option<PathBuf>,
    pub record: ToolchainRecord,
}

/// The series `selection` picks among the toolchains built.
pub fn select(selection: &Selection, prepared: &[Prepared]) -> Result<Vec<Series>> {
    let built: Vec<Built> = prepared
        .iter()
        .map(|p| Built {
            id: p.record.id.clone(),
            lang: p.lang,
        })
        .collect();
    plan::select(selection, &built)
}

/// Builds a pin's workloads: the trial binary, the counting binary when instructions
/// are counted, and the toolchain's record (which names the counting build).
pub fn build_prepared(root: &Path, found: &toolchains::Found, counting: bool) -> Result<Prepared> {
    let binary = toolchains::build(root, found)?;
    let count_binary = if counting {
        toolchains::build_counting(root, found)?
    } else {
        None
    };
    let mut record = toolchains::record(root, found)?;
    if count_binary.is_some() {
        if let Some(experiment) = toolchains::counting_experiment(&found.pin) {
            record
                .detail
                .insert("counting build GOEXPERIMENT".to_string(), experiment);
        }
    }
    Ok(Prepared {
        lang: found.pin.lang,
        binary,
        count_binary,
        record,
    })
}

/// Finds the pinned toolchains, keeps those asked for, builds each into its own
/// directory and records exactly what it is.
pub fn prepare(root: &Path, wanted: &[String], counting: bool) -> Result<Vec<Prepared>> {
    let pins = toolchains::load_pins(root)?;
    for id in wanted {
        if !pins.iter().any(|pin| &pin.id == id) {
            let ids: Vec<&str> = pins.iter().map(|p| p.id.as_str()).collect();
            bail!(
                "--toolchains names {id:?}, which toolchains.toml does not pin; the pins are {}",
                ids.join(", ")
            );
        }
    }
    let mut prepared = Vec::new();
    for discovery in toolchains::discover(root, &pins)? {
        let pin = &discovery.pin;
        if !wanted.is_empty() && !wanted.contains(&pin.id) {
            continue;
        }
        if let Some(minimum) = &discovery.below_minimum {
            if wanted.contains(&pin.id) {
                bail!(
                    "toolchain {} is below the workloads' minimum {minimum}: cannot build",
                    pin.id
                );
            }
            eprintln!(
                "warning: toolchain {} is below the workloads' minimum {minimum}: cannot build; \
                 it is left out of this run",
                pin.id
            );
            continue;
        }
        let Some(found) = discovery.found else {
            let seen: Vec<String> = discovery
                .rejected
                .iter()
                .map(|r| format!("{} is {}", r.path.display(), r.reported))
                .collect();
            let seen = if seen.is_empty() {
                String::new()
            } else {
                format!(" (found only: {})", seen.join("; "))
            };
            if wanted.contains(&pin.id) {
                bail!("toolchain {} is not installed{seen}; `cargo xtask doctor` says how to install it", pin.id);
            }
            eprintln!(
                "warning: toolchain {} is not installed{seen}; it is left out of this run",
                pin.id
            );
            continue;
        };
        eprintln!(
            "building the {} workloads with {} ({})",
            pin.lang, pin.id, found.source
        );
        prepared.push(build_prepared(root, &found, counting)?);
    }
    for lang in Lang::ALL {
        if !prepared.iter().any(|p| p.lang == lang)
            && (wanted.is_empty() || wanted.iter().any(|id| id.starts_with(lang.as_str())))
        {
            eprintln!(
                "warning: no pinned {lang} toolchain is installed, so no {lang} workload runs; \
                 `cargo xtask doctor` lists the pins and how to install them"
            );
        }
    }
    if prepared.is_empty() {
        bail!("none of the toolchains pinned in toolchains.toml is installed; `cargo xtask doctor` says how to install them");
    }
    Ok(prepared)
}

/// Builds `versus-launch` (release) and returns its path.
pub fn build_launcher(root: &Path) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
    Cmd::new(cargo)
        .args([
            "build",
            "--quiet",
            "--release",
            "--locked",
            "--package",
            "versus-launch",
        ])
        .dir(root)
        .run()
        .context("building versus-launch, through which every trial is started")?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    Ok(target.join("release").join("versus-launch"))
}

/// How trials are run.
#[derive(Debug, Clone)]
pub struct Settings {
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
    /// The binary counted in place of a trial binary, where the two differ
    /// (`toolchains::build_counting`); a trial binary not in the map is counted itself.
    pub counting_binaries: BTreeMap<PathBuf, PathBuf>,
}

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

/// The counter `--instructions` asks for, or an error saying what to install.
pub fn instruction_counter(wanted: bool) -> Result<Option<instructions::Counter>> {
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

impl Settings {
    /// The settings of the shared arguments, for `rounds` rounds, with the launcher
    /// built and the instruction counter found when asked for.
    pub fn from_args(root: &Path, args: &RunArgs, rounds: u32) -> Result<Settings> {
        Ok(Settings {
            rounds,
            samples: args.samples,
            warmup: args.warmup,
            seed: args.seed.unwrap_or_else(random_seed),
            timeout: args.timeout.map(Duration::from_secs_f64),
            quick: args.quick,
            launcher: Some(build_launcher(root)?),
            instructions: instruction_counter(args.instructions)?,
            counted_rounds: COUNTED_ROUNDS,
            counting_binaries: BTreeMap::new(),
        })
    }

    /// Counts these toolchains' trials with their counting binaries, where they have one.
    pub fn count_with<'a>(&mut self, prepared: impl IntoIterator<Item = &'a Prepared>) {
        for toolchain in prepared {
            if let Some(count_binary) = &toolchain.count_binary {
                self.counting_binaries
                    .insert(toolchain.binary.clone(), count_binary.clone());
            }
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
}

/// Runs every series for `rounds` interleaved rounds and assembles the results, in
/// the order of `series`.
pub fn measure(
    series: &[Series],
    binaries: &BTreeMap<String, PathBuf>,
    settings: &Settings,
) -> Vec<ResultRecord> {
    let jobs: Vec<Job> = series
        .iter()
        .map(|item| Job {
            series: item.clone(),
            binary: binaries[&item.toolchain].clone(),
            extra_args: Vec::new(),
            tag: None,
        })
        .collect();
    let order = plan::interleave(jobs.len(), settings.rounds, settings.seed);
    let mut outcomes = Vec::new();
    run_jobs(&jobs, &order, 0, settings, &mut outcomes);
    assemble(&jobs, outcomes)
}

/// One thing the runner runs in its rounds: a series, the binary that runs it, and any
/// arguments beyond the series' own (an A/B session's two builds, calibration's
/// injected slowdown).
#[derive(Debug, Clone)]
pub struct Job {
    pub series: Series,
    pub binary: PathBuf,
    pub extra_args: Vec<String>,
    /// How progress lines tell this job from another of the same series ("base", "+2%").
    pub tag: Option<String>,
}

impl Job {
    fn label(&self) -> String {
        match &self.tag {
            Some(tag) => format!("[{tag}] {}", self.series.label()),
            None => self.series.label(),
        }
    }
}

/// Runs `order[i]` (indices into `jobs`) as round `first_round + i`, one trial process
/// each, appending to every job's `outcomes`. A job whose trial failed, timed out or was
/// skipped (in this call or an earlier one) is not run again: it would fail or hang the
/// same way, and its first reason is kept. Round numbers continue across calls through
/// `first_round`, since trials are paired by them.
pub fn run_jobs(
    jobs: &[Job],
    order: &[Vec<usize>],
    first_round: u32,
    settings: &Settings,
    outcomes: &mut Vec<Vec<Outcome>>,
) {
    let total = order.iter().map(Vec::len).sum::<usize>() as u64;
    let progress = Progress::new(total);
    outcomes.resize(jobs.len(), Vec::new());
    let started = Instant::now();
    let mut overheads = Vec::new();
    let earlier: Vec<usize> = outcomes.iter().map(Vec::len).collect();
    for (round, indices) in order.iter().enumerate() {
        for &index in indices {
            let job = &jobs[index];
            if outcomes[index].iter().any(|o| o.status != Status::Ok) {
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
            overheads.push(elapsed.saturating_sub(outcome.trial.wall_ns));
            progress.finish(&describe(job, &outcome));
            outcomes[index].push(outcome);
        }
    }
    overheads.sort_unstable();
    let overhead = overheads.get(overheads.len() / 2).copied();
    progress.done(started.elapsed(), overheads.len() as u64, overhead);
    count_instructions(jobs, &earlier, settings, outcomes);
}

/// Each job's outcomes as its result, then the elision check across results.
pub fn assemble(jobs: &[Job], outcomes: Vec<Vec<Outcome>>) -> Vec<ResultRecord> {
    let mut results: Vec<ResultRecord> = jobs
        .iter()
        .zip(outcomes)
        .map(|(job, outcomes)| trial::assemble(&job.series, outcomes))
        .collect();
    trial::flag_against_honest_variants(&mut results);
    results
}

/// Counts the instructions of the trials this call of [`run_jobs`] ran (those after
/// `earlier[i]` in `outcomes[i]`) that are to be counted: CPU-bound workloads, `ok`, in
/// a counted round. Counting waits until every timed trial has run, since a counted
/// process keeps a CPU busy and would disturb the time of a trial beside it; then the
/// counts run on every CPU at once, because a count of instructions does not depend on
/// the machine's load. A count that fails is a warning: the trial's time stands.
fn count_instructions(
    jobs: &[Job],
    earlier: &[usize],
    settings: &Settings,
    outcomes: &mut [Vec<Outcome>],
) {
    let Some(counter) = &settings.instructions else {
        return;
    };
    let wanted: Vec<(usize, usize)> = outcomes
        .iter()
        .enumerate()
        .filter(|(index, _)| jobs[*index].series.workload.counts_instructions)
        .flat_map(|(index, list)| {
            (earlier.get(index).copied().unwrap_or(0)..list.len())
                .filter(move |&at| {
                    let outcome = &list[at];
                    outcome.status == Status::Ok && outcome.trial.round < settings.counted_rounds
                })
                .map(move |at| (index, at))
        })
        .collect();
    if wanted.is_empty() {
        return;
    }
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(wanted.len());
    eprintln!(
        "counting the instructions of {} trials with {}, {workers} at a time",
        wanted.len(),
        counter.tool()
    );
    let started = Instant::now();
    // The samples of a job's counted run, once a first count has found them: later
    // counts of the job skip the pilot run.
    let samples: Mutex<BTreeMap<usize, u32>> = Mutex::new(BTreeMap::new());
    let (next, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let rounds: Vec<u32> = wanted
        .iter()
        .map(|&(index, at)| outcomes[index][at].trial.round)
        .collect();
    let counts: Mutex<Vec<Option<InstructionCount>>> = Mutex::new(vec![None; wanted.len()]);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let item = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(index, _)) = wanted.get(item) else {
                    break;
                };
                let job = &jobs[index];
                let binary = settings
                    .counting_binaries
                    .get(&job.binary)
                    .unwrap_or(&job.binary);
                let timeout = settings
                    .timeout
                    .unwrap_or_else(|| job.series.workload.timeout(settings.quick));
                let known = samples
                    .lock()
                    .expect("no counter panicked")
                    .get(&index)
                    .copied();
                match instructions::count_per_sample(
                    counter,
                    binary,
                    &workload_args(job),
                    timeout,
                    known,
                ) {
                    Ok((count, high)) => {
                        samples
                            .lock()
                            .expect("no counter panicked")
                            .entry(index)
                            .or_insert(high);
                        let round = rounds[item];
                        eprintln!(
                            "[{}/{}] counted {} round {round}: {:.0} instructions per sample",
                            done.fetch_add(1, Ordering::Relaxed) + 1,
                            wanted.len(),
                            job.label(),
                            count.per_sample
                        );
                        counts.lock().expect("no counter panicked")[item] = Some(count);
                    }
                    Err(error) => eprintln!(
                        "[{}/{}] warning: {}: instructions not counted: {error:#}",
                        done.fetch_add(1, Ordering::Relaxed) + 1,
                        wanted.len(),
                        job.label()
                    ),
                }
            });
        }
    });
    let counts = counts.into_inner().expect("no counter panicked");
    let counted = counts.iter().flatten().count();
    eprintln!(
        "{counted} of {} trials counted in {:.1} s",
        wanted.len(),
        started.elapsed().as_secs_f64()
    );
    for ((index, at), count) in wanted.into_iter().zip(counts) {
        outcomes[index][at].trial.instructions = count;
    }
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

fn run_trial(job: &Job, round: u32, settings: &Settings) -> Outcome {
    let series = &job.series;
    let sampling = plan::sampling(series, settings.quick, settings.samples, settings.warmup);
    let timeout = settings
        .timeout
        .unwrap_or_else(|| series.workload.timeout(settings.quick));
    let cmd = Cmd::new(&job.binary)
        .args(workload_args(job))
        .args(["--samples".to_string(), sampling.samples.to_string()])
        .args(["--warmup".to_string(), sampling.warmup.to_string()]);
    match cmd.run_trial(timeout, settings.launcher.as_deref()) {
        Ok(process) => trial::interpret(series, round, sampling.samples, &process),
        Err(error) => {
            let reason = format!("{}: could not run the trial: {error:#}", series.label());
            Outcome {
                trial: crate::record::Trial {
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
                },
                status: Status::Failed,
                reason: Some(reason),
                output: None,
            }
        }
    }
}

fn describe(job: &Job, outcome: &Outcome) -> String {
    match outcome.status {
        Status::Ok => {
            let mut samples = outcome.trial.samples.clone();
            samples.sort_unstable();
            let ops = outcome.output.as_ref().map_or(1, |o| o.ops.max(1));
            let median = samples.get(samples.len() / 2).copied().unwrap_or(0) as f64 / ops as f64;
            format!(
                "ok    {} {} ns/op, max RSS {:.1} MiB",
                job.label(),
                format_ns(median),
                outcome.trial.max_rss_bytes as f64 / 1048576.0
            )
        }
        status => format!(
            "{:<5} {}",
            status.as_str(),
            outcome.reason.as_deref().unwrap_or("")
        ),
    }
}

pub fn format_ns(ns: f64) -> String {
    if ns >= 100.0 {
        format!("{ns:.0}")
    } else if ns >= 1.0 {
        format!("{ns:.2}")
    } else {
        format!("{ns:.4}")
    }
}

/// A progress bar on a terminal; plain log lines elsewhere (CI logs, pipes).
enum Progress {
    Bar(ProgressBar),
    Log {
        total: u64,
        done: std::cell::Cell<u64>,
    },
}

impl Progress {
    fn new(total: u64) -> Progress {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
        if std::io::stderr().is_terminal() && !ci {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {wide_msg}")
                    .expect("the progress template is valid")
                    .progress_chars("=> "),
            );
            Progress::Bar(bar)
        } else {
            Progress::Log {
                total,
                done: std::cell::Cell::new(0),
            }
        }
    }

    fn start(&self, what: &str) {
        if let Progress::Bar(bar) = self {
            bar.set_message(what.to_string());
        }
    }

    fn finish(&self, line: &str) {
        match self {
            Progress::Bar(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            Progress::Log { total, done } => {
                done.set(done.get() + 1);
                eprintln!("[{}/{}] {line}", done.get(), total);
            }
        }
    }

    fn skip(&self) {
        match self {
            Progress::Bar(bar) => bar.inc(1),
            Progress::Log { done, .. } => done.set(done.get() + 1),
        }
    }

    fn done(&self, elapsed: Duration, trials: u64, median_overhead_ns: Option<u64>) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
        let overhead = median_overhead_ns.map_or(String::new(), |ns| {
            format!(
                "; the runner's own overhead per trial, median {:.2} ms",
                ns as f64 / 1e6
            )
        });
        eprintln!(
            "{trials} trials in {:.1} s{overhead}",
            elapsed.as_secs_f64()
        );
    }
}

/// One line per result: status, median time per operation, max RSS.
pub fn summary(record: &RunRecord) -> String {
    let mut lines = vec![format!(
        "{:<9} {:<34} {:<14} {:>14} {:>12}",
        "status", "series", "toolchain", "ns/op", "max RSS MiB"
    )];
    for result in &record.results {
        let params: Vec<String> = result
            .params
            .iter()
            .map(|(k, v)| {
                if k == "size" {
                    v.to_string()
                } else {
                    format!("{k}={v}")
                }
            })
            .collect();
        let name = format!(
            "{}/{} {}",
            result.workload,
            result.variant,
            params.join(" ")
        );
        let median = trial::median_ns_per_op(result).map_or("-".to_string(), format_ns);
        let rss = result
            .trials
            .iter()
            .map(|t| t.max_rss_bytes)
            .max()
            .unwrap_or(0) as f64
            / 1048576.0;
        let status = if result.implausible.is_some() {
            "implaus."
        } else {
            result.status.as_str()
        };
        lines.push(format!(
            "{status:<9} {name:<34} {:<14} {median:>14} {rss:>12.1}",
            result.toolchain
        ));
    }
    lines.join("\n")
}

pub fn write_record(
    dir: &Path,
    mut record: RunRecord,
    started: time::OffsetDateTime,
) -> Result<PathBuf> {
    let commit = record
        .source
        .commit
        .as_deref()
        .map_or("nocommit".to_string(), |c| c[..12].to_string());
    let fingerprint = &record.machine.fingerprint[..record.machine.fingerprint.len().min(8)];
    let stamp = started
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .context("formatting the start time")?;
    let base = format!("{stamp}-{commit}-{fingerprint}");
    // Two runs started in the same second on the same machine get distinct ids.
    for attempt in 0..100 {
        record.id = if attempt == 0 {
            base.clone()
        } else {
            format!("{base}-{attempt}")
        };
        if dir.join(format!("{}.json", record.id)).exists() {
            continue;
        }
        return history::write(dir, &record);
    }
    bail!(
        "100 run records named {base}* already exist in {}",
        dir.display()
    )
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

pub fn rfc3339(at: time::OffsetDateTime) -> String {
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::catalogue;
    use crate::process::{ExitKind, TrialProcess};
    use crate::record::{Cache, Limits, Machine, Source};

    fn series(workload: &str, variant: &str, lang: Lang, toolchain: &str) -> Series {
        let workload = catalogue::find(workload).unwrap();
        let params = workload
            .quick
            .iter()
            .chain(
                workload
                    .variants
                    .iter()
                    .find(|v| v.name == variant)
                    .unwrap()
                    .params,
            )
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        Series {
            workload,
            variant: Box::leak(variant.to_string().into_boxed_str()),
            lang,
            toolchain: toolchain.into(),
            params,
        }
    }

    fn output(
        workload: &str,
        variant: &str,
        lang: &str,
        params: &str,
        checksum: &str,
        extra: &str,
    ) -> String {
        format!(
            r#"{{"workload":"{workload}","variant":"{variant}","lang":"{lang}","params":{params},"unit":"ns","ops":1000000,"samples":[310000,312000,309000,311000,315000],"checksum":"{checksum}","extra":{extra},"histogram":null,"skipped":null}}"#
        )
    }

    /// A workload binary that misbehaves in every way a real one can, by variant.
    fn fake_binary(dir: &Path, name: &str) -> PathBuf {
        let ok = output(
            "sum",
            "iter",
            "rust",
            r#"{"size":1000000}"#,
            "499999500000",
            "{}",
        );
        let wrong = output("alloc", "box", "rust", r#"{"size":100000}"#, "99999", "{}");
        let skipped = r#"{"workload":"alloc","variant":"heap","lang":"go","params":{"size":100000},"unit":"ns","ops":100000,"samples":[],"checksum":"","extra":{},"histogram":null,"skipped":"needs 1 TiB but MemAvailable is 23 GiB"}"#;
        let script = format!(
            "#!/bin/sh\n\
             case \"$1:$3\" in\n\
             sum:iter) echo '{ok}' ;;\n\
             sum:scalar) echo 'partial output' ; kill -SEGV $$ ;;\n\
             sum:range) sleep 30 ;;\n\
             sum:unrolled) echo 'Segmentation fault? no: just garbage {{' ;;\n\
             alloc:box) echo '{wrong}' ;;\n\
             alloc:heap) echo '{skipped}' ;;\n\
             spawn:thread) echo 'versus-rs spawn: unknown variant \"thread\"' >&2 ; exit 2 ;;\n\
             *) exit 99 ;;\n\
             esac\n"
        );
        let path = dir.join(name);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn every_failure_is_recorded_with_its_reason_and_the_run_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let rust = fake_binary(dir.path(), "versus-rs");
        let go = fake_binary(dir.path(), "versus-go");
        let binaries =
            BTreeMap::from([("rust-fake".to_string(), rust), ("go-fake".to_string(), go)]);
        let plan = vec![
            series("sum", "iter", Lang::Rust, "rust-fake"),
            series("sum", "scalar", Lang::Rust, "rust-fake"),
            series("sum", "range", Lang::Go, "go-fake"),
            series("sum", "unrolled", Lang::Go, "go-fake"),
            series("alloc", "box", Lang::Rust, "rust-fake"),
            series("alloc", "heap", Lang::Go, "go-fake"),
            series("spawn", "thread", Lang::Rust, "rust-fake"),
        ];
        let settings = Settings {
            rounds: 2,
            samples: None,
            warmup: None,
            seed: 3,
            // Long enough that a healthy fake (a shell printing a line) never reaches it
            // on a loaded machine; the hanging one sleeps 30 s.
            timeout: Some(Duration::from_secs(3)),
            quick: true,
            launcher: None,
            instructions: None,
            counted_rounds: COUNTED_ROUNDS,
            counting_binaries: BTreeMap::new(),
        };
        let results = measure(&plan, &binaries, &settings);
        let by_variant = |variant: &str| results.iter().find(|r| r.variant == variant).unwrap();

        let ok = by_variant("iter");
        assert_eq!(ok.status, Status::Ok);
        assert_eq!(ok.trials.len(), 2, "a healthy series runs every round");
        assert_eq!(ok.checksum.as_deref(), Some("499999500000"));

        let crashed = by_variant("scalar");
        assert_eq!(crashed.status, Status::Failed);
        let reason = crashed.reason.as_deref().unwrap();
        assert!(
            reason.starts_with("sum/scalar rust-fake size=1000000: crashed (signal 11 (SIGSEGV))"),
            "{reason}"
        );
        assert_eq!(crashed.trials.len(), 1, "a failed series is not run again");

        let hung = by_variant("range");
        assert_eq!(hung.status, Status::Timeout);
        assert!(
            hung.reason
                .as_deref()
                .unwrap()
                .contains("timed out after 3.0 s and was killed"),
            "{hung:?}"
        );

        let garbage = by_variant("unrolled");
        assert_eq!(garbage.status, Status::Failed);
        assert!(
            garbage
                .reason
                .as_deref()
                .unwrap()
                .contains("printed no valid result object"),
            "{garbage:?}"
        );

        let wrong = by_variant("box");
        assert_eq!(wrong.status, Status::Mismatch);
        assert!(wrong
            .reason
            .as_deref()
            .unwrap()
            .contains("checksum 99999 differs from the expected 100000"));

        let skipped = by_variant("heap");
        assert_eq!(skipped.status, Status::Skipped);
        assert!(skipped
            .reason
            .as_deref()
            .unwrap()
            .contains("MemAvailable is 23 GiB"));

        let refused = by_variant("thread");
        assert_eq!(refused.status, Status::Failed);
        assert!(refused.reason.as_deref().unwrap().contains("refused its arguments (exit code 2); stderr: \"versus-rs spawn: unknown variant \\\"thread\\\"\""), "{refused:?}");

        // The run as a whole fails, after writing its record.
        let history = tempfile::tempdir().unwrap();
        let mut record = golden_record(results);
        record.id = String::new();
        let path = write_record(
            history.path(),
            record,
            time::macros::datetime!(2026-11-22 08:00:00 UTC),
        )
        .unwrap();
        let error = finish(&path, &history::read(&path).unwrap()).unwrap_err();
        assert!(
            error.to_string().starts_with("5 of 7 results failed"),
            "{error}"
        );
    }

    #[test]
    fn unknown_toolchain_names_the_pins() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let error = prepare(root, &["rust-0.1.0".to_string()], false)
            .err()
            .unwrap();
        assert!(
            error.to_string().contains("toolchains.toml does not pin"),
            "{error}"
        );
    }

    fn process(stdout: &str, wall_ms: u64) -> TrialProcess {
        TrialProcess {
            exit: ExitKind::Code(0),
            timed_out: false,
            stdout: stdout.as_bytes().to_vec(),
            stderr: Vec::new(),
            wall_ns: wall_ms * 1_000_000,
            user_ns: wall_ms * 900_000,
            sys_ns: wall_ms * 50_000,
            max_rss_bytes: 12 * 1048576,
        }
    }

    fn golden_record(results: Vec<ResultRecord>) -> RunRecord {
        let mut machine = Machine {
            fingerprint: String::new(),
            arch: "x86_64".into(),
            cpu_model: Some("AMD EPYC 7763 64-Core Processor".into()),
            cpu_vendor: Some("AMD".into()),
            logical_cpus: Some(4),
            physical_cores: Some(2),
            cpu_flags: vec!["avx2".into(), "sse4_2".into()],
            caches: vec![Cache {
                level: 1,
                kind: "Data".into(),
                size_bytes: Some(32768),
                shared_by: Some(2),
            }],
            memory_bytes: Some(16 * 1024 * 1024 * 1024),
            os: Some("Ubuntu 24.04.1 LTS".into()),
            kernel: Some("6.8.0-1017-azure".into()),
            virtualization: Some("microsoft".into()),
            cpu_quota: None,
            limits: Limits {
                pid_max: Some(4194304),
                ..Limits::default()
            },
        };
        machine.fingerprint = machine::fingerprint(&machine);
        RunRecord {
            schema: RUN_SCHEMA.into(),
            id: "20261122T080000Z-0123456789ab-c90d059c".into(),
            started_at: "2026-11-22T08:00:00Z".into(),
            finished_at: "2026-11-22T08:00:05Z".into(),
            source: Source {
                commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
                git_ref: Some("refs/heads/main".into()),
                subject: Some("Measure sum".into()),
                committed_at: Some("2026-11-22T07:59:00Z".into()),
                dirty: false,
                pr: None,
            },
            ci: None,
            machine,
            protocol: Protocol {
                rounds: 2,
                warmup: 1,
                samples_per_trial: 5,
                seed: 42,
                order: "interleaved".into(),
                quick: true,
                session: None,
                timeout_s: None,
            },
            toolchains: vec![ToolchainRecord {
                id: "rust-1.95.0".into(),
                lang: "rust".into(),
                version: "1.95.0".into(),
                detail: BTreeMap::from([("rustc.release".into(), "1.95.0".into())]),
                flags: BTreeMap::from([("RUSTFLAGS".into(), None)]),
                lockfile_sha256: Some(
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
                ),
            }],
            results,
            calibration: None,
        }
    }

    #[test]
    fn golden_run_record_from_fixed_outputs() {
        let sum = series("sum", "iter", Lang::Rust, "rust-1.95.0");
        let ok = output(
            "sum",
            "iter",
            "rust",
            r#"{"size":1000000}"#,
            "499999500000",
            r#"{"allocator":"system"}"#,
        );
        let outcomes = vec![
            trial::interpret(&sum, 0, 5, &process(&ok, 40)),
            trial::interpret(&sum, 1, 5, &process(&ok, 41)),
        ];
        let elided = series("alloc", "box-elidable", Lang::Rust, "rust-1.95.0");
        let fast = r#"{"workload":"alloc","variant":"box-elidable","lang":"rust","params":{"size":100000},"unit":"ns","ops":100000,"samples":[20,21,20,22,20],"checksum":"100000","extra":{},"histogram":null,"skipped":null}"#;
        let elided_outcomes = vec![trial::interpret(&elided, 0, 5, &process(fast, 2))];
        let record = golden_record(vec![
            trial::assemble(&sum, outcomes),
            trial::assemble(&elided, elided_outcomes),
        ]);
        let json = serde_json::to_string_pretty(&record).unwrap() + "\n";
        expect_test::expect_file!["../tests/golden/run-record.json"].assert_eq(&json);
        // The golden file is a valid record that reads back to the same value.
        assert_eq!(RunRecord::from_json(&json).unwrap(), record);
        assert_eq!(record.results[0].status, Status::Ok);
        assert!(record.results[1]
            .implausible
            .as_deref()
            .unwrap()
            .contains("below the physical floor of 2.5 ns"));
    }
}
