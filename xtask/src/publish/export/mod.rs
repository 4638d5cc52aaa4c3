//! `cargo xtask export`: one run record in the formats other tools read — Go's
//! benchmark text (for `benchstat`), Bencher Metric Format JSON, github-action-benchmark's
//! custom JSON, and CSV.
//!
//! Each format is an `Exporter`: a pure function from a record to bytes, so tests feed it
//! a fixed record and compare with snapshots; `write` is the one function that puts the
//! bytes in a file or on standard output. What the formats share lives here, so that a
//! series reads the same in all of them: its name (`benchmark_name`), which results have
//! numbers worth publishing (`published`, `left_out`), and how its numbers are summarised
//! (`Spread`, `time_per_op`): the headline time per operation is the median over all the
//! samples of all trials, the number the site shows.

mod benchstat;
mod bmf;
mod csv;
mod gab;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::record::{ResultRecord, RunRecord, Status};

/// One export format: a run record in, the bytes of the export out.
pub trait Exporter {
    /// The format's name as on the command line, for messages.
    fn name(&self) -> &'static str;

    /// Renders `run`. The same record always gives the same bytes.
    fn export(&self, run: &RunRecord) -> Result<Vec<u8>>;

    /// Whether every result appears in the output, with numbers or not. Formats that
    /// carry only numbers leave out the results that have none worth publishing; the
    /// command names those on standard error instead of dropping them silently.
    fn lists_every_result(&self) -> bool {
        false
    }
}

/// The formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Go's benchmark text format, which `benchstat` reads.
    Benchstat,
    /// Bencher Metric Format JSON.
    Bmf,
    /// github-action-benchmark's custom JSON (customSmallerIsBetter).
    Gab,
    /// One row per trial.
    Csv,
}

/// The exporter of a format.
pub fn exporter(format: Format) -> &'static dyn Exporter {
    match format {
        Format::Benchstat => &benchstat::Benchstat,
        Format::Bmf => &bmf::Bmf,
        Format::Gab => &gab::Gab,
        Format::Csv => &csv::Csv,
    }
}

/// The name of a series in every export: `workload/variant/toolchain/key=value...`, with
/// the parameters in key order, e.g. `sum/iter/rust-1.95.0/size=1000000`. The toolchain
/// id names the language, so the language is not repeated.
pub fn benchmark_name(result: &ResultRecord) -> String {
    let mut parts = vec![
        result.workload.clone(),
        result.variant.clone(),
        result.toolchain.clone(),
    ];
    parts.extend(
        result
            .params
            .iter()
            .map(|(key, value)| format!("{key}={value}")),
    );
    parts.join("/")
}

/// A result that an export of numbers leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub name: String,
    pub why: String,
}

/// Why a result has no numbers worth publishing, or `None` when it has some. A series
/// that did not finish `ok` has no result (its surviving trials measured a run that
/// failed), and an implausible one measured elided work, which is never published.
fn unpublishable(result: &ResultRecord) -> Option<String> {
    if result.status != Status::Ok {
        let reason = result.reason.as_deref().unwrap_or("no reason was recorded");
        return Some(format!("{}: {reason}", result.status.as_str()));
    }
    if let Some(why) = &result.implausible {
        return Some(format!("implausible: {why}"));
    }
    if let Some(pruned) = result.pruned.as_ref().filter(|_| result.ops > 0) {
        return Some(format!(
            "ok, but its raw samples were pruned (`cargo xtask history prune`, {}); the CSV \
             export lists the medians kept",
            pruned.at
        ));
    }
    if result.ops == 0 || result.trials.iter().all(|trial| trial.samples.is_empty()) {
        return Some("ok, but no samples were recorded".to_string());
    }
    None
}

/// The results of `run` that the formats of numbers leave out, in record order.
pub fn left_out(run: &RunRecord) -> Vec<LeftOut> {
    run.results
        .iter()
        .filter_map(|result| {
            unpublishable(result).map(|why| LeftOut {
                name: benchmark_name(result),
                why,
            })
        })
        .collect()
}

/// The results of `run` with numbers to publish, in record order. Two results of one
/// name would be merged into one series by every reader of these formats, so they are
/// an error rather than a silent average.
fn published(run: &RunRecord) -> Result<Vec<&ResultRecord>> {
    let mut names = BTreeSet::new();
    let mut results = Vec::new();
    for result in &run.results {
        if unpublishable(result).is_some() {
            continue;
        }
        let name = benchmark_name(result);
        if !names.insert(name.clone()) {
            bail!(
                "run {} has two results named {name}: their numbers would be merged into one \
                 series",
                run.id
            );
        }
        results.push(result);
    }
    Ok(results)
}

/// Writes an export to `out`, or to standard output without one. A file is written
/// under a temporary name beside it and renamed over it, so a reader never sees half an
/// export; unlike history records, exports are derived data and may be replaced.
pub fn write(bytes: &[u8], out: Option<&Path>) -> Result<()> {
    let Some(path) = out else {
        let mut stdout = std::io::stdout().lock();
        return match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            // A reader that stops early (`| head`) is not a failure of the export.
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            result => result.context("writing the export to standard output"),
        };
    };
    let name = path
        .file_name()
        .with_context(|| format!("{} names no file", path.display()))?
        .to_string_lossy();
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let temporary = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)
            .with_context(|| format!("creating {}", temporary.display()))?;
        file.write_all(bytes)
            .with_context(|| format!("writing {}", temporary.display()))?;
        file.sync_all()
            .with_context(|| format!("flushing {}", temporary.display()))?;
        std::fs::rename(&temporary, path)
            .with_context(|| format!("moving {} to {}", temporary.display(), path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use expect_test::expect_file;

    use super::*;
    use crate::record::summary::time_per_op;
    use crate::record::{
        Cache, InstructionCount, Limits, Machine, Protocol, Source, ToolchainRecord, Trial,
    };

    /// A fixed run of every kind of result the exports handle: plain, with several
    /// parameters, with instruction counts, with latency percentiles, implausible,
    /// failed with an awkward reason, and skipped. `slowdown` scales every time, so two
    /// records make a base and a head; `rounds` is the number of trials per series.
    pub(super) fn record(id: &str, commit: &str, rounds: u32, slowdown: f64) -> RunRecord {
        let trials = |base_ns: u64, samples: usize, rss: u64| -> Vec<Trial> {
            (0..rounds)
                .map(|round| Trial {
                    round,
                    samples: (0..samples)
                        .map(|i| {
                            // A fixed wobble of up to 4 % between samples and rounds.
                            let wobble = ((round as usize * 7 + i * 3) % 5) as f64 / 100.0;
                            (base_ns as f64 * slowdown * (1.0 + wobble)).round() as u64
                        })
                        .collect(),
                    checksum: Some("42".into()),
                    extra: BTreeMap::new(),
                    histogram: None,
                    wall_ns: 3 * base_ns * samples as u64 + 1_000_000,
                    user_ns: 2 * base_ns * samples as u64,
                    sys_ns: 250_000,
                    max_rss_bytes: rss + u64::from(round) * 4096,
                    error: None,
                    instructions: None,
                    pruned: None,
                })
                .collect()
        };
        let result =
            |workload: &str, variant: &str, toolchain: &str, params: &[(&str, u64)]| ResultRecord {
                workload: workload.into(),
                variant: variant.into(),
                lang: toolchain.split('-').next().unwrap().into(),
                toolchain: toolchain.into(),
                params: params.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
                unit: "ns".into(),
                ops: params.iter().find(|(k, _)| *k == "size").unwrap().1,
                status: Status::Ok,
                reason: None,
                checksum: Some("42".into()),
                implausible: None,
                trials: Vec::new(),
                pruned: None,
                samples_per_trial: None,
                warmup: None,
            };
        let mut sum_iter = result("sum", "iter", "rust-1.95.0", &[("size", 1_000_000)]);
        sum_iter.trials = trials(245_000, 5, 2_621_440);
        for (round, trial) in sum_iter.trials.iter_mut().enumerate() {
            trial.instructions = Some(InstructionCount {
                per_sample: 3_000_120.0 + round as f64 * 8.0,
                tool: "perf".into(),
                environment: Default::default(),
                binary: None,
            });
        }
        let mut sum_range = result("sum", "range", "go-1.26.8", &[("size", 1_000_000)]);
        sum_range.trials = trials(330_000, 5, 4_194_304);
        let mut pingpong = result(
            "pingpong",
            "tokio-current",
            "rust-1.95.0",
            &[("size", 10_000), ("buffer", 1)],
        );
        pingpong.trials = trials(2_150_000, 5, 3_145_728);
        let mut echo = result(
            "echo",
            "net",
            "go-1.26.8",
            &[("size", 10), ("rounds", 10), ("message", 64)],
        );
        echo.ops = 100;
        echo.trials = trials(1_900_000, 3, 11_063_296);
        for (round, trial) in echo.trials.iter_mut().enumerate() {
            let round = round as u64;
            trial.extra = BTreeMap::from([
                ("p50_ns".to_string(), (126_527 + round * 512).into()),
                ("p99_ns".to_string(), (416_767 + round * 4096).into()),
                ("throughput_per_s".to_string(), 50731.137.into()),
            ]);
            trial.histogram = Some("HISTFAAAAHV42iSIIQ7CYBhDy1v5".into());
        }
        let mut elided = result("alloc", "box-elidable", "rust-1.95.0", &[("size", 100_000)]);
        elided.trials = trials(30_000, 5, 2_097_152);
        elided.implausible = Some(
            "median 0.300 ns per operation is below the physical floor of 2.5 ns for alloc".into(),
        );
        let mut crashed = result("spawn", "thread", "rust-1.95.0", &[("size", 1000)]);
        crashed.status = Status::Failed;
        let why = "spawn/thread (rust-1.95.0): crashed (signal 11); stderr: \"thread 'main' \
                   panicked, \\\"boom\\\"\nnote: run with RUST_BACKTRACE=1\"";
        crashed.reason = Some(why.into());
        crashed.checksum = None;
        crashed.trials = trials(80_000, 0, 1_048_576);
        crashed.trials.truncate(1);
        crashed.trials[0].error = Some(why.into());
        let mut skipped = result("sleepers", "tokio", "rust-1.95.0", &[("size", 1000)]);
        skipped.status = Status::Skipped;
        skipped.reason = Some(
            "sleepers/tokio (rust-1.95.0): skipped: needs 1000 threads, the limit is 512".into(),
        );
        skipped.checksum = None;
        RunRecord {
            schema: crate::record::RUN_SCHEMA.into(),
            id: id.into(),
            started_at: "2026-11-22T08:53:19Z".into(),
            finished_at: "2026-11-22T08:54:26Z".into(),
            source: Source {
                commit: Some(commit.into()),
                git_ref: Some("refs/heads/main".into()),
                subject: Some("A fixed run for the export tests".into()),
                committed_at: Some("2026-11-22T08:53:13+00:00".into()),
                dirty: false,
                pr: None,
            },
            ci: None,
            machine: Machine {
                fingerprint: "5156fff43357a589".into(),
                arch: "x86_64".into(),
                cpu_model: Some("AMD EPYC 9B14".into()),
                cpu_vendor: Some("AMD".into()),
                logical_cpus: Some(2),
                physical_cores: Some(2),
                cpu_flags: vec!["avx2".into()],
                caches: vec![Cache {
                    level: 1,
                    kind: "Data".into(),
                    size_bytes: Some(32768),
                    shared_by: Some(1),
                }],
                memory_bytes: Some(25_276_502_016),
                os: Some("Debian GNU/Linux 12 (bookworm)".into()),
                kernel: Some("6.18.44".into()),
                virtualization: Some("kvm".into()),
                cpu_quota: None,
                limits: Limits::default(),
                tuning: Default::default(),
            },
            protocol: Protocol {
                rounds,
                warmup: 2,
                samples_per_trial: 5,
                seed: 7,
                order: "interleaved".into(),
                quick: false,
                session: None,
                timeout_s: None,
            },
            toolchains: ["rust-1.95.0", "go-1.26.8"]
                .iter()
                .map(|id| ToolchainRecord {
                    id: id.to_string(),
                    lang: id.split('-').next().unwrap().into(),
                    version: id.split('-').nth(1).unwrap().into(),
                    detail: BTreeMap::new(),
                    flags: BTreeMap::new(),
                    lockfile_sha256: None,
                })
                .collect(),
            results: vec![
                sum_iter, sum_range, pingpong, echo, elided, crashed, skipped,
            ],
            calibration: None,
        }
    }

    pub(super) fn fixture() -> RunRecord {
        record(
            "20261122T085319Z-965e45726a17-5156fff4",
            "965e45726a17d6647e5ff22223772969f951ccec",
            3,
            1.0,
        )
    }

    fn exported(format: Format) -> String {
        String::from_utf8(exporter(format).export(&fixture()).unwrap()).unwrap()
    }

    #[test]
    fn benchstat_snapshot() {
        expect_file![concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/export/fixture.benchstat.txt"
        )]
        .assert_eq(&exported(Format::Benchstat));
    }

    #[test]
    fn bmf_snapshot() {
        expect_file![concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/export/fixture.bmf.json"
        )]
        .assert_eq(&exported(Format::Bmf));
    }

    #[test]
    fn gab_snapshot() {
        expect_file![concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/export/fixture.gab.json"
        )]
        .assert_eq(&exported(Format::Gab));
    }

    #[test]
    fn csv_snapshot() {
        // expect-test reads snapshot files with CRLF turned into LF; the CRLF endings
        // themselves are checked by the CSV parse test.
        expect_file![concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/export/fixture.csv"
        )]
        .assert_eq(&exported(Format::Csv).replace("\r\n", "\n"));
    }

    #[test]
    fn names_put_params_in_key_order_after_variant_and_toolchain() {
        let run = fixture();
        let names: Vec<String> = run.results.iter().map(benchmark_name).collect();
        assert_eq!(names[0], "sum/iter/rust-1.95.0/size=1000000");
        assert_eq!(
            names[2],
            "pingpong/tokio-current/rust-1.95.0/buffer=1/size=10000"
        );
        assert_eq!(names[3], "echo/net/go-1.26.8/message=64/rounds=10/size=10");
    }

    #[test]
    fn the_headline_time_is_the_sites_median() {
        for result in fixture().results {
            assert_eq!(
                time_per_op(&result).map(|spread| spread.median),
                crate::record::summary::median_ns_per_op(&result),
                "{}",
                benchmark_name(&result)
            );
        }
    }

    #[test]
    fn results_without_numbers_are_left_out_and_named() {
        let left_out = left_out(&fixture());
        let named: Vec<(&str, &str)> = left_out
            .iter()
            .map(|l| (l.name.as_str(), l.why.split(':').next().unwrap()))
            .collect();
        assert_eq!(
            named,
            [
                ("alloc/box-elidable/rust-1.95.0/size=100000", "implausible"),
                ("spawn/thread/rust-1.95.0/size=1000", "failed"),
                ("sleepers/tokio/rust-1.95.0/size=1000", "skipped"),
            ]
        );
        let published: Vec<String> = published(&fixture())
            .unwrap()
            .into_iter()
            .map(benchmark_name)
            .collect();
        assert_eq!(published.len(), 4);
        for format in [Format::Benchstat, Format::Bmf, Format::Gab] {
            let text = exported(format);
            assert!(
                !text.contains("box-elidable") && !text.contains("spawn"),
                "{format:?}"
            );
        }
    }

    #[test]
    fn two_results_of_one_name_are_an_error_not_an_average() {
        let mut run = fixture();
        run.results.push(run.results[0].clone());
        let error = exporter(Format::Bmf).export(&run).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("two results named sum/iter/rust-1.95.0/size=1000000"),
            "{error:#}"
        );
    }

    #[test]
    fn writing_a_file_replaces_it_whole_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out").join("run.csv");
        write(b"first, longer export\n", Some(&path)).unwrap();
        write(b"second\n", Some(&path)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second\n");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["run.csv"]);
    }
}
