//! Instructions per measured sample, beside wall time, for the CPU-bound workloads
//! (`sum`, `alloc`). Unlike time, an instruction count barely moves with a neighbour's
//! load, so it shows a small change in the work itself on a noisy shared machine.
//!
//! The count comes from `perf stat` where the machine exposes the hardware counter, and
//! otherwise from Valgrind's cachegrind, which counts the instructions it translates.
//! Either tool counts the whole process, setup included (filling an 800 MB array,
//! starting the Go runtime), so the workload runs twice under the counter with
//! different numbers of samples and no warm-up, and the difference of the two counts
//! divided by the difference of the samples is the count of one sample: the setup, the
//! same in both runs, cancels. docs/instructions.md gives the method and the measured
//! spreads and costs behind the constants here.

mod parse;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::measure::process::{on_path, Cmd, ExitKind};
use crate::record::{InstructionCount, WorkloadOutput};

/// Samples of the run whose count is subtracted. One, not zero: the workloads require
/// at least one sample, and with one the setup's own after-effects (the Go collector
/// finishing the cycle that the input's allocation started) fall into both runs alike.
const LOW_SAMPLES: u32 = 1;

/// Samples of the first run whose count the low one is subtracted from. At full sizes
/// two samples already differ by more than [`TARGET_DIFFERENCE`], so two runs suffice.
const PILOT_HIGH_SAMPLES: u32 = 3;

/// The difference between the two counts that the measurement aims for. What does not
/// cancel between two runs of a Go binary (the collector, sysmon and the scheduler act
/// on wall-clock time, which Valgrind dilates unevenly) is about 10^5 instructions per
/// run, whatever the size; a difference of 2.5·10^8 makes that about 0.05% of the
/// result. Measured: docs/instructions.md.
const TARGET_DIFFERENCE: f64 = 2.5e8;

/// The target when the collector ran during the samples (the workload's `gc_cycles`
/// grew with them), as in Go `alloc`. Its marking work then depends on when the
/// collector's worker got the P, which follows time, so what does not cancel grows with
/// the cycles: Go `alloc/heap` at its quick size (94 M instructions and 33 cycles per
/// sample) spread by 0.27% per sample at b = 4, 0.19% at b = 9 and 0.13% at b = 30
/// (docs/instructions.md). 10^9 makes b = 12 there, about 0.17%.
const COLLECTED_TARGET_DIFFERENCE: f64 = 1e9;

/// The most samples a counted run asks for, so that a workload whose sample executes
/// almost nothing does not run for ever trying to reach [`TARGET_DIFFERENCE`].
const MAX_SAMPLES: u32 = 1000;

/// A way to count the instructions a process executes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counter {
    /// `perf stat -e instructions:u`: the CPU's own counter, user space only, at native
    /// speed.
    Perf { program: PathBuf },
    /// `valgrind --tool=cachegrind --cache-sim=no`: instructions as Valgrind executes
    /// them, on any machine; a sample of `sum` or `alloc` takes 4 to 15 times as long as
    /// natively, and each run pays Valgrind's start-up of about a second.
    Valgrind { program: PathBuf },
}

impl Counter {
    /// perf if it reports a count for `instructions:u` here (many virtual machines and
    /// containers hide the counters, and perf then prints `<not supported>`), else
    /// Valgrind if it is installed, else None.
    pub fn detect() -> Option<Counter> {
        if on_path("perf") {
            let perf = Counter::Perf {
                program: PathBuf::from("perf"),
            };
            let probe = perf
                .command(Path::new("true"), &[])
                .run_trial(Duration::from_secs(30), None);
            if let Ok(probe) = probe {
                let counted = parse::perf_instructions(&String::from_utf8_lossy(&probe.stderr));
                if probe.exit == ExitKind::Code(0) && counted.is_ok_and(|count| count > 0) {
                    return Some(perf);
                }
            }
        }
        on_path("valgrind").then(|| Counter::Valgrind {
            program: PathBuf::from("valgrind"),
        })
    }

    /// The name recorded in `InstructionCount.tool`.
    pub fn tool(&self) -> &'static str {
        match self {
            Counter::Perf { .. } => "perf",
            Counter::Valgrind { .. } => "valgrind",
        }
    }

    /// `binary args` under the counter, with the counting environment.
    fn command(&self, binary: &Path, args: &[String]) -> Cmd {
        let cmd = match self {
            Counter::Perf { program } => {
                Cmd::new(program).args(["stat", "-x,", "-e", parse::PERF_EVENT, "--"])
            }
            // Without the cache simulation cachegrind only counts, which makes it the
            // fastest of Valgrind's tools that report a total; its per-function output
            // file is not needed.
            Counter::Valgrind { program } => Cmd::new(program).args([
                "--tool=cachegrind",
                "--cache-sim=no",
                "--cachegrind-out-file=/dev/null",
            ]),
        };
        let mut cmd = cmd.arg(binary).args(args);
        for (key, value) in environment() {
            cmd = cmd.env(key, value);
        }
        cmd
    }

    fn parse(&self, stderr: &str) -> Result<u64> {
        match self {
            Counter::Perf { .. } => parse::perf_instructions(stderr),
            Counter::Valgrind { .. } => parse::cachegrind_instructions(stderr),
        }
    }
}

/// The environment every counted process gets, to be recorded with the counts.
///
/// It matters only to Go (a Rust binary ignores it). `GOMAXPROCS=1`: Valgrind runs one
/// thread at a time anyway, and with more than one P the Go runtime's idle collector
/// workers and spinning threads execute instructions in proportion to elapsed time,
/// not to work: the count of one `sum` sample had a coefficient of variation of 20%
/// between runs with two Ps, and of 2% with one.
/// `asyncpreemptoff=1`: the preemption signal arrives at a time-dependent point, and
/// Valgrind's callgrind cannot follow Go's signal return at all. Any `GODEBUG` already
/// set is kept.
pub fn environment() -> Vec<(String, String)> {
    environment_with(std::env::var("GODEBUG").ok().as_deref())
}

fn environment_with(godebug: Option<&str>) -> Vec<(String, String)> {
    const NO_ASYNC_PREEMPTION: &str = "asyncpreemptoff=1";
    let godebug = match godebug.map(str::trim).filter(|value| !value.is_empty()) {
        Some(existing) => format!("{existing},{NO_ASYNC_PREEMPTION}"),
        None => NO_ASYNC_PREEMPTION.to_string(),
    };
    vec![
        ("GOMAXPROCS".to_string(), "1".to_string()),
        ("GODEBUG".to_string(), godebug),
    ]
}

/// Instructions per measured sample of the workload `binary workload_args`, where
/// `workload_args` is the command line after the binary without `--samples` and
/// `--warmup` (this function chooses them), and the samples of the high run, which a
/// later count of the same workload can pass back as `high_samples` to skip the pilot.
/// `timeout` limits each counted process, of which there are two or three; under
/// Valgrind each takes several times as long as the trial it describes
/// (docs/instructions.md gives the measured costs).
pub fn count_per_sample(
    counter: &Counter,
    binary: &Path,
    workload_args: &[String],
    timeout: Duration,
    high_samples: Option<u32>,
) -> Result<(InstructionCount, u32)> {
    let runs = measure(counter, binary, workload_args, timeout, high_samples);
    let per_sample = runs
        .and_then(|(low, high)| Ok((per_sample(&low, &high)?, high.samples)))
        .with_context(|| {
            format!(
                "counting the instructions of `{} {}` with {}",
                binary.display(),
                workload_args.join(" "),
                counter.tool()
            )
        })?;
    let (per_sample, high_samples) = per_sample;
    Ok((
        InstructionCount {
            per_sample,
            tool: counter.tool().to_string(),
            environment: environment().into_iter().collect(),
            binary: binary
                .file_name()
                .map(|name| name.to_string_lossy().into_owned()),
        },
        high_samples,
    ))
}

/// One counted process.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Run {
    samples: u32,
    instructions: u64,
    /// The workload's `extra.gc_cycles`: collections in the whole process, 0 for a
    /// workload without a collector.
    collections: u64,
}

impl Run {
    /// The difference to aim for above `self`, the low run, given `pilot`.
    fn target_above(&self, pilot: &Run) -> f64 {
        if pilot.collections > self.collections {
            COLLECTED_TARGET_DIFFERENCE
        } else {
            TARGET_DIFFERENCE
        }
    }
}

/// The two counted runs whose difference is the count of one sample: the low one, then
/// a pilot, then, when the pilot's difference is too small to be precise, a third run
/// with enough samples (see [`high_samples`]); or, when an earlier count of the same
/// workload found them (`known_high`), the low run and one of that many samples.
fn measure(
    counter: &Counter,
    binary: &Path,
    workload_args: &[String],
    timeout: Duration,
    known_high: Option<u32>,
) -> Result<(Run, Run)> {
    if let Some(flag) = workload_args.iter().find(|arg| {
        ["--samples", "--warmup"]
            .iter()
            .any(|flag| arg.as_str() == *flag || arg.starts_with(&format!("{flag}=")))
    }) {
        bail!("the workload arguments already set {flag}, which the count chooses itself");
    }
    let low = run_counted(counter, binary, workload_args, LOW_SAMPLES, timeout)?;
    if let Some(samples) = known_high.filter(|&samples| samples > LOW_SAMPLES) {
        let high = run_counted(counter, binary, workload_args, samples, timeout)?;
        return Ok((low, high));
    }
    let pilot = run_counted(counter, binary, workload_args, PILOT_HIGH_SAMPLES, timeout)?;
    let high_samples = high_samples(&low, &pilot)?;
    let high = if high_samples == pilot.samples {
        pilot
    } else {
        run_counted(counter, binary, workload_args, high_samples, timeout)?
    };
    Ok((low, high))
}

/// Runs the workload once under the counter with `samples` samples and no warm-up.
fn run_counted(
    counter: &Counter,
    binary: &Path,
    workload_args: &[String],
    samples: u32,
    timeout: Duration,
) -> Result<Run> {
    let mut args = workload_args.to_vec();
    args.extend([
        "--samples".to_string(),
        samples.to_string(),
        "--warmup".to_string(),
        "0".to_string(),
    ]);
    let cmd = counter.command(binary, &args);
    let process = cmd.run_trial(timeout, None)?;
    let stderr = String::from_utf8_lossy(&process.stderr);
    if process.timed_out {
        bail!("`{cmd}` passed its time limit of {timeout:?}");
    }
    if process.exit != ExitKind::Code(0) {
        bail!(
            "`{cmd}` ended with {}; stderr: {}",
            process.exit,
            last_lines(&stderr, 5)
        );
    }
    let output: WorkloadOutput = serde_json::from_slice(&process.stdout)
        .with_context(|| format!("`{cmd}` printed no workload result object"))?;
    if let Some(reason) = output.skipped {
        bail!("`{cmd}` skipped the workload: {reason}");
    }
    if output.samples.len() != samples as usize {
        bail!(
            "`{cmd}` printed {} samples, not {samples}",
            output.samples.len()
        );
    }
    let instructions = counter
        .parse(&stderr)
        .with_context(|| format!("reading the count of `{cmd}`"))?;
    let collections = output
        .extra
        .get("gc_cycles")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    Ok(Run {
        samples,
        instructions,
        collections,
    })
}

/// The samples of the run to subtract `low` from: the pilot's when its difference
/// already reaches the target ([`TARGET_DIFFERENCE`], or
/// [`COLLECTED_TARGET_DIFFERENCE`] when the collector ran during the pilot's samples),
/// else enough to reach it by the pilot's estimate of one sample, at most
/// [`MAX_SAMPLES`].
fn high_samples(low: &Run, pilot: &Run) -> Result<u32> {
    let estimate = per_sample(low, pilot)?;
    let target = low.target_above(pilot);
    if estimate * f64::from(pilot.samples - low.samples) >= target {
        return Ok(pilot.samples);
    }
    let needed = (target / estimate).ceil();
    Ok((f64::from(low.samples) + needed)
        .min(f64::from(MAX_SAMPLES))
        .max(f64::from(pilot.samples)) as u32)
}

/// `(count_high − count_low) / (samples_high − samples_low)`; an error when the count
/// did not grow with the samples, which no workload that does work can produce.
fn per_sample(low: &Run, high: &Run) -> Result<f64> {
    let extra_samples = high.samples.saturating_sub(low.samples);
    if extra_samples == 0 {
        bail!(
            "runs of {} and {} samples cannot be subtracted",
            low.samples,
            high.samples
        );
    }
    if high.instructions <= low.instructions {
        bail!(
            "{} samples executed {} instructions and {} samples {}: the count did not grow \
             with the samples",
            low.samples,
            low.instructions,
            high.samples,
            high.instructions
        );
    }
    Ok((high.instructions - low.instructions) as f64 / f64::from(extra_samples))
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.trim().lines().collect();
    lines[lines.len().saturating_sub(count)..].join(" / ")
}

#[cfg(test)]
mod tests;
