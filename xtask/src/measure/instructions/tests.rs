//! Tests of the instruction count: the pure arithmetic and choices on fixed numbers;
//! one real count under Valgrind of the built workload binaries when both are present
//! (skipped, saying so, when not); and, ignored by default, the experiments whose
//! results docs/instructions.md reports. Run those one at a time, since they read the
//! CPU time of this process's children:
//!
//! ```text
//! cargo test -p xtask instructions::tests::experiment -- --ignored --nocapture --test-threads=1
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::*;

fn run(samples: u32, instructions: u64) -> Run {
    Run {
        samples,
        instructions,
        collections: 0,
    }
}

fn collected(samples: u32, instructions: u64, collections: u64) -> Run {
    Run {
        collections,
        ..run(samples, instructions)
    }
}

#[test]
fn setup_cancels_in_the_difference() {
    // 4 M of setup and 1.75 M per sample, as rust sum/iter at its quick size.
    let low = run(1, 4_000_000 + 1_750_000);
    let high = run(3, 4_000_000 + 3 * 1_750_000);
    assert_eq!(per_sample(&low, &high).unwrap(), 1_750_000.0);
}

#[test]
fn a_count_that_does_not_grow_is_an_error() {
    let message = format!("{:#}", per_sample(&run(1, 500), &run(3, 500)).unwrap_err());
    assert!(message.contains("did not grow"), "{message}");
    assert!(per_sample(&run(3, 5), &run(3, 9)).is_err());
}

#[test]
fn a_large_pilot_difference_is_used_as_it_is() {
    // sum at its full size: 175 M instructions per sample, 350 M in two.
    let samples = high_samples(&run(1, 1_000_000_000), &run(3, 1_350_000_000)).unwrap();
    assert_eq!(samples, PILOT_HIGH_SAMPLES);
}

#[test]
fn a_small_pilot_difference_asks_for_enough_samples_to_reach_the_target() {
    // go sum/range at its quick size: 4 M per sample, so 63 more samples than the low
    // run make 252 M.
    let samples = high_samples(&run(1, 10_000_000), &run(3, 18_000_000)).unwrap();
    assert_eq!(samples, 64);
    let difference = f64::from(samples - LOW_SAMPLES) * 4e6;
    assert!((TARGET_DIFFERENCE..TARGET_DIFFERENCE + 4e6).contains(&difference));
}

#[test]
fn a_sample_with_collections_aims_for_the_larger_target() {
    // go alloc/heap at its quick size: 94 M instructions and 33 collections per sample.
    let low = collected(1, 150_000_000, 40);
    let pilot = collected(3, 150_000_000 + 2 * 94_000_000, 106);
    let samples = high_samples(&low, &pilot).unwrap();
    assert_eq!(samples, 12);
    let difference = f64::from(samples - LOW_SAMPLES) * 94e6;
    assert!(difference >= COLLECTED_TARGET_DIFFERENCE, "{difference}");
    // The same counts without collections during the samples (the setup's own cycles
    // are in both runs) keep the ordinary target.
    let samples = high_samples(
        &collected(1, 150_000_000, 2),
        &collected(3, 150_000_000 + 2 * 94_000_000, 2),
    )
    .unwrap();
    assert_eq!(samples, 4);
}

#[test]
fn an_almost_empty_sample_runs_at_most_the_cap() {
    let samples = high_samples(&run(1, 1_000_000), &run(3, 1_000_200)).unwrap();
    assert_eq!(samples, MAX_SAMPLES);
}

#[test]
fn the_environment_keeps_a_godebug_already_set() {
    let env = environment_with(None);
    assert_eq!(
        env,
        [
            ("GOMAXPROCS".to_string(), "1".to_string()),
            ("GODEBUG".to_string(), "asyncpreemptoff=1".to_string())
        ]
    );
    assert_eq!(
        environment_with(Some("madvdontneed=1"))[1].1,
        "madvdontneed=1,asyncpreemptoff=1"
    );
    assert_eq!(environment_with(Some(" "))[1].1, "asyncpreemptoff=1");
}

#[test]
fn counted_commands_are_the_documented_lines() {
    let args = ["sum", "--variant", "iter"].map(String::from);
    let valgrind = Counter::Valgrind {
        program: PathBuf::from("valgrind"),
    };
    let line = valgrind.command(Path::new("versus-rs"), &args).to_string();
    assert!(
        line.ends_with(
            "valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
             versus-rs sum --variant iter"
        ),
        "{line}"
    );
    assert!(line.starts_with("GOMAXPROCS=1 GODEBUG="), "{line}");
    let perf = Counter::Perf {
        program: PathBuf::from("perf"),
    };
    let line = perf.command(Path::new("versus-go"), &args).to_string();
    assert!(
        line.ends_with("perf stat -x, -e instructions:u -- versus-go sum --variant iter"),
        "{line}"
    );
    assert_eq!((perf.tool(), valgrind.tool()), ("perf", "valgrind"));
}

#[test]
fn samples_and_warmup_are_refused_from_the_caller() {
    let counter = Counter::Valgrind {
        program: PathBuf::from("valgrind"),
    };
    for args in [&["sum", "--samples", "5"][..], &["sum", "--warmup=1"]] {
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        let error = count_per_sample(
            &counter,
            Path::new("versus-rs"),
            &args,
            Duration::from_secs(1),
            None,
        )
        .unwrap_err();
        let message = format!("{error:#}");
        assert!(message.contains("counting the instructions of `versus-rs sum"));
        assert!(
            message.contains("which the count chooses itself"),
            "{message}"
        );
    }
}

#[test]
fn detect_finds_the_counter_this_machine_has() {
    // perf is chosen only when its probe counted; otherwise Valgrind wherever installed.
    match Counter::detect() {
        Some(Counter::Perf { program }) => assert!(on_path(&program.to_string_lossy())),
        Some(Counter::Valgrind { .. }) => assert!(on_path("valgrind")),
        None => assert!(!on_path("valgrind")),
    }
}

#[test]
fn last_lines_keeps_the_end_of_a_long_stderr() {
    assert_eq!(last_lines("a\nb\nc\nd\n", 2), "c / d");
    assert_eq!(last_lines("only\n", 5), "only");
}

/// The Rust workload binary and Valgrind, or why a test that needs them cannot run:
/// skipped on a developer's machine, a failure under CI (`cargo xtask test` builds the
/// binary before it runs these tests, and `.ci/run` installs Valgrind).
fn rust_binary_and_valgrind() -> Option<(PathBuf, Counter)> {
    let skip = |why: String| {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "under CI: {why}"
        );
        eprintln!("skipped: {why}");
    };
    let binary = series()[0].binary();
    if !binary.is_file() {
        skip(format!(
            "{} is missing; build it with `cargo xtask run --quick --only noop --rounds 1`",
            binary.display()
        ));
        return None;
    }
    if !on_path("valgrind") {
        skip("valgrind is not installed (apt-get install valgrind)".to_string());
        return None;
    }
    Some((
        binary,
        Counter::Valgrind {
            program: PathBuf::from("valgrind"),
        },
    ))
}

#[test]
fn valgrind_counts_one_sample_of_sum() {
    let Some((binary, counter)) = rust_binary_and_valgrind() else {
        return;
    };
    let args = ["sum", "--variant", "iter", "--size", "1000000"].map(String::from);
    let count = count_per_sample(&counter, &binary, &args, Duration::from_secs(120), None)
        .unwrap()
        .0;
    assert_eq!(count.tool, "valgrind");
    // Whatever the vectorisation, summing a million numbers takes between a fraction of
    // an instruction and a few instructions per number.
    assert!(
        (100_000.0..10_000_000.0).contains(&count.per_sample),
        "{count:?}"
    );
}

#[test]
fn a_failing_workload_is_named_with_the_tool_and_its_stderr() {
    let Some((binary, counter)) = rust_binary_and_valgrind() else {
        return;
    };
    let args = ["sum", "--variant", "nope"].map(String::from);
    let error =
        count_per_sample(&counter, &binary, &args, Duration::from_secs(60), None).unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.contains("counting the instructions of") && message.contains("with valgrind"),
        "{message}"
    );
    assert!(message.contains("exit code 2"), "{message}");
    assert!(message.contains("unknown variant"), "{message}");
}

/// A workload series the experiments count.
struct Series {
    toolchain: &'static str,
    binary_name: &'static str,
    workload: &'static str,
    variant: &'static str,
    quick_size: u64,
    full_size: u64,
}

impl Series {
    fn binary(&self) -> PathBuf {
        crate::project_root()
            .join("target/versus")
            .join(self.toolchain)
            .join(self.binary_name)
    }

    fn args(&self, size: u64, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [self.workload, "--variant", self.variant, "--size"]
            .iter()
            .map(|arg| arg.to_string())
            .collect();
        args.push(size.to_string());
        args.extend(extra.iter().map(|arg| arg.to_string()));
        args
    }

    fn name(&self) -> String {
        format!("{} {}/{}", self.binary_name, self.workload, self.variant)
    }
}

fn series() -> [Series; 4] {
    let rust = |workload, variant, quick_size, full_size| Series {
        toolchain: "rust-1.95.0",
        binary_name: "versus-rs",
        workload,
        variant,
        quick_size,
        full_size,
    };
    let go = |workload, variant, quick_size, full_size| Series {
        toolchain: "go-1.26.8",
        binary_name: "versus-go",
        workload,
        variant,
        quick_size,
        full_size,
    };
    [
        rust("sum", "iter", 1_000_000, 100_000_000),
        go("sum", "range", 1_000_000, 100_000_000),
        rust("alloc", "box", 100_000, 10_000_000),
        go("alloc", "heap", 100_000, 10_000_000),
    ]
}

/// CPU time (user + system) of this process's waited-for children so far.
fn children_cpu() -> Duration {
    // SAFETY: rusage is plain old data for which all-zero bytes are a valid value, and
    // the pointer is to a live, writable local.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// One measurement with its cost: (low run, high run, wall time, CPU time).
fn measure_with_cost(series: &Series, args: &[String]) -> (Run, Run, Duration, Duration) {
    let counter = Counter::Valgrind {
        program: PathBuf::from("valgrind"),
    };
    let (cpu, wall) = (children_cpu(), Instant::now());
    let (low, high) = measure(
        &counter,
        &series.binary(),
        args,
        Duration::from_secs(1800),
        None,
    )
    .unwrap_or_else(|error| panic!("{}: {error:#}", series.name()));
    (low, high, wall.elapsed(), children_cpu() - cpu)
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn coefficient_of_variation(values: &[f64]) -> f64 {
    let m = mean(values);
    let variance =
        values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() as f64 - 1.0);
    variance.sqrt() / m
}

fn experiment_binaries_present() -> bool {
    let missing: Vec<String> = series()
        .iter()
        .filter(|series| !series.binary().is_file())
        .map(|series| series.binary().display().to_string())
        .collect();
    if !missing.is_empty() || !on_path("valgrind") {
        eprintln!("skipped: needs valgrind and {missing:?}");
        return false;
    }
    true
}

/// The A/A spread: 20 counts of each series at its quick size, nothing changed.
#[test]
#[ignore = "an experiment of several minutes; its results are in docs/instructions.md"]
fn experiment_a_a_spread() {
    if !experiment_binaries_present() {
        return;
    }
    const REPEATS: usize = 20;
    for series in series() {
        let args = series.args(series.quick_size, &[]);
        let mut counts = Vec::new();
        let (mut wall, mut cpu) = (Duration::ZERO, Duration::ZERO);
        let mut plan = None;
        for _ in 0..REPEATS {
            let (low, high, run_wall, run_cpu) = measure_with_cost(&series, &args);
            counts.push(per_sample(&low, &high).unwrap());
            wall += run_wall;
            cpu += run_cpu;
            plan = Some((low.samples, high.samples));
        }
        let (min, max) = counts
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), c| (lo.min(*c), hi.max(*c)));
        println!(
            "{:<24} per_sample {:>14.0}  CV {:.4}%  range {:.0}..{:.0}  samples {:?}  \
             per count: wall {:.2} s, CPU {:.2} s",
            series.name(),
            mean(&counts),
            100.0 * coefficient_of_variation(&counts),
            min,
            max,
            plan.unwrap(),
            wall.as_secs_f64() / REPEATS as f64,
            cpu.as_secs_f64() / REPEATS as f64,
        );
    }
}

/// What `--inject-pct` does to the count: three counts at each level.
#[test]
#[ignore = "an experiment of several minutes; its results are in docs/instructions.md"]
fn experiment_injected_slowdown() {
    if !experiment_binaries_present() {
        return;
    }
    const REPEATS: usize = 3;
    for series in series() {
        let mut baseline = None;
        for inject in ["0", "0.5", "1", "2"] {
            let args = series.args(series.quick_size, &["--inject-pct", inject]);
            let counts: Vec<f64> = (0..REPEATS)
                .map(|_| {
                    let (low, high, _, _) = measure_with_cost(&series, &args);
                    per_sample(&low, &high).unwrap()
                })
                .collect();
            let count = mean(&counts);
            let base = *baseline.get_or_insert(count);
            println!(
                "{:<24} inject {:>3}%  per_sample {:>14.0}  change {:+.3}%  CV {:.3}%",
                series.name(),
                inject,
                count,
                100.0 * (count / base - 1.0),
                100.0 * coefficient_of_variation(&counts),
            );
        }
    }
}

/// The cost of one count at the full sizes.
#[test]
#[ignore = "an experiment of several minutes; its results are in docs/instructions.md"]
fn experiment_full_size_cost() {
    if !experiment_binaries_present() {
        return;
    }
    for series in series() {
        let args = series.args(series.full_size, &[]);
        let (low, high, wall, cpu) = measure_with_cost(&series, &args);
        println!(
            "{:<24} size {:>10}  per_sample {:>14.0}  samples {}/{}  wall {:.1} s, CPU {:.1} s",
            series.name(),
            series.full_size,
            per_sample(&low, &high).unwrap(),
            low.samples,
            high.samples,
            wall.as_secs_f64(),
            cpu.as_secs_f64(),
        );
    }
}
