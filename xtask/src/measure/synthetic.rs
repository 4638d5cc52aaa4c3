//! Synthetic histories, for measuring what reads histories (the site, above all) at a
//! scale no machine here records: records shaped like real ones — every workload of the
//! catalogue at its full sizes, with each language's toolchains, raw trials, samples,
//! checksums, latency histograms and `extra` — from a seeded generator, so that the same
//! arguments always write the same files.
//!
//! The numbers are made up but behave like measured ones: each series has a level, a
//! small drift, 2 % noise between trials and 1 % between samples, and steps at known
//! runs (a 5 % slowdown of Rust `sum/iter` a third of the way in, a 3 % speed-up of Go
//! `alloc/heap` two thirds of the way in), so that change points have something to
//! find; toolchains are upgraded over time, as pins are, so that the release charts
//! have several versions to show.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use base64::Engine;
use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::catalogue::{Lang, Workload, WORKLOADS};
use crate::record::{
    history, Ci, Limits, Machine, Protocol, ResultRecord, RunRecord, Source, Status,
    ToolchainRecord, Trial, RUN_SCHEMA,
};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Synthetic {
    pub runs: usize,
    pub machines: usize,
    pub seed: u64,
    /// Hours between two runs of one machine.
    pub hours_apart: u32,
    pub rounds: u32,
    /// Only these workloads (every one when empty).
    pub only: Vec<String>,
}

/// Writes `synthetic.runs` records into `dir`, on every CPU; returns their number.
pub fn generate(synthetic: &Synthetic, dir: &Path) -> Result<usize> {
    let machines: Vec<Machine> = (0..synthetic.machines.max(1)).map(machine).collect();
    let workloads: Vec<&Workload> = WORKLOADS
        .iter()
        .filter(|w| !w.reference)
        .filter(|w| synthetic.only.is_empty() || synthetic.only.iter().any(|o| o == w.name))
        .collect();
    // Encoding a histogram costs about as much as the rest of a record, so each run
    // draws its histograms from a pool made once.
    let mut pool_rng = ChaCha8Rng::seed_from_u64(synthetic.seed ^ 0x9e37_79b9);
    let pool: Vec<String> = (0..64)
        .map(|_| latency_histogram(&mut pool_rng, 1000.0))
        .collect();
    // Echo's checksum formula walks every byte of every round trip: compute each once.
    let checksums: BTreeMap<(&str, BTreeMap<String, u64>), Option<String>> = workloads
        .iter()
        .flat_map(|w| {
            w.full.iter().flat_map(move |size| {
                w.variants.iter().map(move |v| {
                    let params: BTreeMap<String, u64> = size
                        .iter()
                        .chain(v.params)
                        .map(|(k, n)| (k.to_string(), *n))
                        .collect();
                    ((w.name, params.clone()), (w.expected_checksum)(&params))
                })
            })
        })
        .collect();
    let context = Context {
        machines: &machines,
        workloads: &workloads,
        pool: &pool,
        checksums: &checksums,
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failure: std::sync::Mutex<Option<anyhow::Error>> = std::sync::Mutex::new(None);
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if index >= synthetic.runs {
                    break;
                }
                let record = run(synthetic, index, &context);
                if let Err(error) = history::write_run(dir, record).with_context(|| {
                    format!("writing synthetic run {index} into {}", dir.display())
                }) {
                    failure
                        .lock()
                        .expect("no writer panicked")
                        .get_or_insert(error);
                    break;
                }
            });
        }
    });
    match failure.into_inner().expect("no writer panicked") {
        Some(error) => Err(error),
        None => Ok(synthetic.runs),
    }
}

/// What every run is made from.
struct Context<'a> {
    machines: &'a [Machine],
    workloads: &'a [&'a Workload],
    pool: &'a [String],
    checksums: &'a BTreeMap<(&'a str, BTreeMap<String, u64>), Option<String>>,
}

/// Run `index` of the history: its own generator, seeded from the seed and the index,
/// so that the records do not depend on which thread wrote them.
fn run(synthetic: &Synthetic, index: usize, context: &Context) -> RunRecord {
    let Context {
        machines,
        workloads,
        pool,
        checksums,
    } = *context;
    let mut rng =
        ChaCha8Rng::seed_from_u64(synthetic.seed.wrapping_mul(0x1000_0000_01b3) ^ index as u64);
    let start = time::macros::datetime!(2025-01-06 02:00 UTC);
    {
        let machine = &machines[index % machines.len()];
        let step = (index / machines.len()) as i64;
        let started = start
            + time::Duration::hours(step * i64::from(synthetic.hours_apart))
            + time::Duration::minutes((index % machines.len()) as i64 * 7);
        let progress = index as f64 / synthetic.runs.max(1) as f64;
        let toolchains = toolchains(progress);
        let mut results = Vec::new();
        for workload in workloads {
            for size in workload.full {
                for variant in workload.variants {
                    for toolchain in toolchains
                        .iter()
                        .filter(|t| t.lang == variant.lang.as_str())
                    {
                        let params: BTreeMap<String, u64> = size
                            .iter()
                            .chain(variant.params)
                            .map(|(k, v)| (k.to_string(), *v))
                            .collect();
                        let checksum = checksums[&(workload.name, params.clone())].clone();
                        results.push(result(
                            &mut rng,
                            pool,
                            checksum,
                            workload,
                            variant.name,
                            variant.lang,
                            toolchain,
                            params,
                            progress,
                            synthetic.rounds,
                        ));
                    }
                }
            }
        }
        let commit = {
            use sha2::Digest;
            format!(
                "{:x}",
                sha2::Sha256::digest(format!("{}:{index}", synthetic.seed))
            )[..40]
                .to_string()
        };
        RunRecord {
            schema: RUN_SCHEMA.to_string(),
            id: String::new(),
            started_at: crate::record::rfc3339(started),
            finished_at: crate::record::rfc3339(started + time::Duration::minutes(40)),
            source: Source {
                commit: Some(commit),
                git_ref: Some("refs/heads/main".into()),
                subject: Some(format!(
                    "Change {index}: {}",
                    SUBJECTS[index % SUBJECTS.len()]
                )),
                committed_at: Some(crate::record::rfc3339(started - time::Duration::minutes(5))),
                dirty: false,
                pr: None,
            },
            ci: Some(Ci {
                provider: "github-actions".into(),
                repository: Some("versus-bench/versus".into()),
                run_id: Some((1_000_000 + index).to_string()),
                run_attempt: Some("1".into()),
                workflow: Some("bench".into()),
                job: Some("run".into()),
                runner_name: Some(format!("GitHub Actions {}", index % 20)),
                runner_image: Some("ubuntu24".into()),
                runner_image_version: Some("20261110.1".into()),
            }),
            machine: machine.clone(),
            protocol: Protocol {
                rounds: synthetic.rounds,
                warmup: 1,
                samples_per_trial: 10,
                seed: rng.random(),
                order: "interleaved".into(),
                quick: false,
                session: None,
                timeout_s: None,
            },
            toolchains,
            results,
            calibration: None,
        }
    }
}

const SUBJECTS: &[&str] = &[
    "Measure the echo server's tail latency",
    "Fix the pilot's trial count",
    "Pin Go 1.26.8",
    "Plan pairs from the median pilot trial",
    "Report memory per task",
    "Refactor the runner's job grid",
];

fn machine(index: usize) -> Machine {
    let arm = index % 2 == 1;
    let mut machine = Machine {
        fingerprint: String::new(),
        arch: if arm { "aarch64" } else { "x86_64" }.into(),
        cpu_model: Some(if arm {
            "Arm Neoverse N2".into()
        } else {
            "AMD EPYC 7763 64-Core Processor".into()
        }),
        cpu_vendor: Some(if arm { "ARM" } else { "AuthenticAMD" }.into()),
        logical_cpus: Some(4),
        physical_cores: Some(if arm { 4 } else { 2 }),
        cpu_flags: vec!["fp".into(), "asimd".into()],
        caches: Vec::new(),
        memory_bytes: Some(16 << 30),
        os: Some("Ubuntu 24.04.1 LTS".into()),
        kernel: Some("6.8.0-1017-azure".into()),
        virtualization: Some("microsoft".into()),
        cpu_quota: None,
        limits: Limits {
            pid_max: Some(4_194_304),
            max_map_count: Some(65_530),
            ..Limits::default()
        },
        tuning: crate::record::Tuning {
            libc: Some("glibc 2.39".into()),
            thp_enabled: Some("madvise".into()),
            thp_defrag: Some("madvise".into()),
            cpu_governor: None,
            smt: Some(if arm { "notsupported" } else { "on" }.into()),
        },
    };
    if index >= 2 {
        machine.cpu_model = Some(format!("Synthetic CPU {index}"));
    }
    machine.fingerprint = crate::record::machine::fingerprint(&machine);
    machine
}

/// The four toolchains of a run `progress` of the way through the history: a Rust
/// stable pin upgraded every release, a dated nightly, a current Go upgraded every
/// release, and an old Go that stays.
fn toolchains(progress: f64) -> Vec<ToolchainRecord> {
    let rust_stable = format!("1.{}.0", 90 + (progress * 6.0).floor() as u32);
    let go_current = format!(
        "1.{}.{}",
        24 + (progress * 3.0).floor() as u32,
        2 + (progress * 12.0) as u32 % 4
    );
    let toolchain = |lang: &str, version: &str| ToolchainRecord {
        id: format!("{lang}-{version}"),
        lang: lang.into(),
        version: version.into(),
        detail: BTreeMap::from([("synthetic".to_string(), "true".to_string())]),
        flags: BTreeMap::new(),
        lockfile_sha256: None,
    };
    vec![
        toolchain("rust", &rust_stable),
        toolchain("rust", "nightly-2026-05-20"),
        toolchain("go", &go_current),
        toolchain("go", "1.19.8"),
    ]
}

/// A level per workload and variant, in ns per operation, near what this machine sees.
fn level(workload: &str, variant: &str) -> f64 {
    match (workload, variant) {
        ("sum", "iter") => 0.28,
        ("sum", "scalar") => 0.40,
        ("sum", "range") => 0.36,
        ("sum", "unrolled") => 0.35,
        ("spawn", "thread") => 9_000.0,
        ("spawn", "tokio") => 450.0,
        ("spawn", _) => 310.0,
        ("alloc", "box") => 23.0,
        ("alloc", "box-elidable") => 1.1,
        ("alloc", _) => 330.0,
        ("pingpong", "std-thread") => 20_000.0,
        ("pingpong", v) if v.starts_with("tokio") => 220.0,
        ("pingpong", _) => 180.0,
        ("sleepers", "thread") => 14_000.0,
        ("sleepers", _) => 600.0,
        ("actors", "tokio") => 190.0,
        ("actors", _) => 110.0,
        ("echo", "thread") => 14_000.0,
        ("echo", _) => 8_000.0,
        _ => 100.0,
    }
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller: two uniforms give one standard normal.
    let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random());
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

#[allow(clippy::too_many_arguments)]
fn result(
    rng: &mut ChaCha8Rng,
    pool: &[String],
    checksum: Option<String>,
    workload: &Workload,
    variant: &str,
    lang: Lang,
    toolchain: &ToolchainRecord,
    params: BTreeMap<String, u64>,
    progress: f64,
    rounds: u32,
) -> ResultRecord {
    let ops = params.get("size").copied().unwrap_or(1).max(1)
        * params.get("rounds").copied().unwrap_or(1);
    let mut ns = level(workload.name, variant);
    if toolchain.version.starts_with("nightly") {
        ns *= 0.98;
    }
    if toolchain.version == "1.19.8" {
        ns *= 1.08;
    }
    ns *= 1.0 + 0.01 * (progress * 6.0).sin();
    if (workload.name, variant) == ("sum", "iter") && progress > 1.0 / 3.0 {
        ns *= 1.05;
    }
    if (workload.name, variant) == ("alloc", "heap") && progress > 2.0 / 3.0 {
        ns *= 0.97;
    }
    let sampling = workload.full_sampling;
    let trials = (0..rounds)
        .map(|round| {
            let trial_ns = ns * (1.0 + 0.02 * normal(rng));
            let samples: Vec<u64> = (0..sampling.samples)
                .map(|_| (trial_ns * (1.0 + 0.01 * normal(rng)) * ops as f64).max(1.0) as u64)
                .collect();
            let mut extra = BTreeMap::new();
            let mut histogram = None;
            if workload.reports_latency {
                histogram = Some(pool[rng.random_range(0..pool.len())].clone());
                extra.insert(
                    "throughput_per_s".to_string(),
                    serde_json::json!(1e9 / trial_ns),
                );
            }
            if workload.name == "sleepers" {
                let per_task = if variant == "thread" { 9_800.0 } else { 900.0 };
                let user = (per_task * (1.0 + 0.01 * normal(rng))) as i64;
                // The kernel's share, as measured on Linux: ~28 KiB a thread (kernel
                // stack, page tables, task struct), next to nothing for a task.
                let kernel = if variant == "thread" { 28_500 } else { 20 };
                extra.insert("bytes_per_task".to_string(), serde_json::json!(user));
                extra.insert(
                    "total_bytes_per_task".to_string(),
                    serde_json::json!(user + kernel),
                );
            }
            if lang == Lang::Go {
                extra.insert(
                    "gc_cycles".to_string(),
                    serde_json::json!(rng.random_range(0..40)),
                );
            }
            Trial {
                round,
                samples,
                checksum: checksum.clone(),
                extra,
                histogram,
                wall_ns: (trial_ns * ops as f64 * f64::from(sampling.samples + sampling.warmup))
                    as u64
                    + 2_000_000,
                user_ns: (trial_ns * ops as f64) as u64,
                sys_ns: 1_000_000,
                max_rss_bytes: (12u64 << 20) + rng.random_range(0..(1u64 << 20)),
                error: None,
                instructions: None,
                pruned: None,
            }
        })
        .collect();
    let implausible = (variant == "box-elidable").then(|| {
        "median 1.100 ns per operation is below the physical floor of 2.5 ns for alloc: the \
         compiler has probably removed the work, so this is not a result"
            .to_string()
    });
    ResultRecord {
        workload: workload.name.to_string(),
        variant: variant.to_string(),
        lang: lang.as_str().to_string(),
        toolchain: toolchain.id.clone(),
        params,
        unit: "ns".into(),
        ops,
        status: Status::Ok,
        reason: None,
        checksum,
        implausible,
        trials,
        pruned: None,
        samples_per_trial: Some(sampling.samples),
        warmup: Some(sampling.warmup),
    }
}

/// A latency distribution around `median_ns` with a long tail, in the workloads' V2
/// deflate encoding.
fn latency_histogram(rng: &mut ChaCha8Rng, median_ns: f64) -> String {
    let mut histogram =
        Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("valid histogram bounds");
    for _ in 0..400 {
        let value = median_ns
            * (0.4 * normal(rng)).exp()
            * if rng.random::<f64>() < 0.01 { 8.0 } else { 1.0 };
        histogram.saturating_record(value.max(1.0) as u64);
    }
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(&histogram, &mut bytes)
        .expect("a histogram serializes");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_arguments_write_the_same_records_with_valid_checksums() {
        let synthetic = Synthetic {
            runs: 4,
            machines: 2,
            seed: 7,
            hours_apart: 6,
            rounds: 3,
            // Not echo: its checksum walks every byte of every round trip, seconds in a
            // debug build.
            only: vec!["sum".into(), "actors".into()],
        };
        let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        generate(&synthetic, first.path()).unwrap();
        generate(&synthetic, second.path()).unwrap();
        let files = history::record_files(first.path()).unwrap();
        assert_eq!(files.len(), 4);
        for path in &files {
            let other = second.path().join(path.file_name().unwrap());
            assert_eq!(std::fs::read(path).unwrap(), std::fs::read(other).unwrap());
            let record = history::read(path).unwrap();
            for result in &record.results {
                let workload = crate::measure::catalogue::find(&result.workload).unwrap();
                assert_eq!(
                    result.checksum,
                    (workload.expected_checksum)(&result.params)
                );
                assert_eq!(result.trials.len(), 3);
            }
            let actors = record
                .results
                .iter()
                .find(|r| r.workload == "actors")
                .unwrap();
            let histogram = actors.trials[0].histogram.as_deref().unwrap();
            assert!(crate::record::histogram::decode(histogram).is_ok());
        }
        let machines: std::collections::BTreeSet<String> = files
            .iter()
            .map(|p| history::read(p).unwrap().machine.fingerprint)
            .collect();
        assert_eq!(machines.len(), 2);
    }
}
