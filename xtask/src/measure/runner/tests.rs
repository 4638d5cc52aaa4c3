//! The runner against a fake workload binary that misbehaves in every way a real one
//! can, and the golden run record from fixed outputs.

use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::measure::catalogue::{self, Lang};
use crate::measure::process::{ExitKind, TrialProcess};
use crate::record::summary::require_ok;
use crate::record::{
    history, machine, Cache, Limits, Machine, RunRecord, Source, ToolchainRecord, RUN_SCHEMA,
};

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
         alloc:box-elidable) kill -ABRT $$ ;;\n\
         spawn:tokio) head -c 20000000 /dev/zero ;;\n\
         spawn:goroutine) exit 0 ;;\n\
         pingpong:std-thread) sleep 300 & echo $! > 'ORPHAN' ; sleep 30 ;;\n\
         *) exit 99 ;;\n\
         esac\n"
    );
    let path = dir.join(name);
    let script = script.replace("ORPHAN", &dir.join("orphan.pid").display().to_string());
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Settings for trials of the fake binaries, started directly, `rounds` rounds.
fn fake_settings(rounds: u32) -> TrialSettings {
    TrialSettings {
        rounds,
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
        emulator: None,
        memory_cgroups: None,
        pids_cgroups: None,
        deadline: None,
    }
}

#[test]
fn every_failure_is_recorded_with_its_reason_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let rust = fake_binary(dir.path(), "versus-rs");
    let go = fake_binary(dir.path(), "versus-go");
    let binary = |id: &str, lang, path| Binary {
        toolchain: ToolchainId {
            id: id.to_string(),
            lang,
        },
        path,
        counting: None,
    };
    let binaries = [
        binary("rust-fake", Lang::Rust, rust),
        binary("go-fake", Lang::Go, go),
    ];
    let plan = vec![
        series("sum", "iter", Lang::Rust, "rust-fake"),
        series("sum", "scalar", Lang::Rust, "rust-fake"),
        series("sum", "range", Lang::Go, "go-fake"),
        series("sum", "unrolled", Lang::Go, "go-fake"),
        series("alloc", "box", Lang::Rust, "rust-fake"),
        series("alloc", "heap", Lang::Go, "go-fake"),
        series("spawn", "thread", Lang::Rust, "rust-fake"),
        series("alloc", "box-elidable", Lang::Rust, "rust-fake"),
        series("spawn", "tokio", Lang::Rust, "rust-fake"),
        series("spawn", "goroutine", Lang::Go, "go-fake"),
        series("pingpong", "std-thread", Lang::Rust, "rust-fake"),
    ];
    let settings = TrialSettings {
        // Real pids groups where this machine allows them: every trial joins one.
        pids_cgroups: cgroup::Parent::of_this_process(cgroup::Controller::Pids),
        ..fake_settings(2)
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

    let aborted = by_variant("box-elidable");
    assert_eq!(aborted.status, Status::Failed);
    assert!(
        aborted
            .reason
            .as_deref()
            .unwrap()
            .contains("crashed (signal 6 (SIGABRT))"),
        "{aborted:?}"
    );

    let flood = by_variant("tokio");
    assert_eq!(flood.status, Status::Failed);
    assert!(
        flood
            .reason
            .as_deref()
            .unwrap()
            .contains("printed more than 16 MiB on stdout"),
        "{:?}",
        flood.reason
    );

    let silent = by_variant("goroutine");
    assert_eq!(silent.status, Status::Failed);
    assert!(
        silent
            .reason
            .as_deref()
            .unwrap()
            .contains("stdout was nothing"),
        "{:?}",
        silent.reason
    );

    // A hung workload's children die with it: the timeout kills the process group.
    let hung_with_child = by_variant("std-thread");
    assert_eq!(hung_with_child.status, Status::Timeout);
    let orphan = std::fs::read_to_string(dir.path().join("orphan.pid")).unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", orphan.trim()));
    // Gone, or a zombie waiting for a reaper that is not this test.
    assert!(
        stat.as_ref()
            .map_or(true, |s| s.split_whitespace().nth(2) == Some("Z")),
        "the hung workload's child {} is still alive: {stat:?}",
        orphan.trim()
    );

    // The run as a whole fails, after writing its record.
    let history = tempfile::tempdir().unwrap();
    let mut record = golden_record(results);
    record.id = String::new();
    let path = history::write_run(history.path(), record).unwrap();
    assert_eq!(
        path.file_name().unwrap(),
        "20261122T080000Z-0123456789ab-c90d059c.json",
        "a record is named after its start, commit and machine"
    );
    let error = require_ok(&history::read(&path).unwrap().results).unwrap_err();
    assert!(
        error.to_string().starts_with("9 of 11 results failed"),
        "{error}"
    );
}

fn process(stdout: &str, wall_ms: u64) -> TrialProcess {
    TrialProcess {
        exit: ExitKind::Code(0),
        timed_out: false,
        stdout: stdout.as_bytes().to_vec(),
        output_overflow: false,
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
        tuning: Default::default(),
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
    expect_test::expect_file![concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/run-record.json"
    )]
    .assert_eq(&json);
    // The golden file is a valid record that reads back to the same value.
    assert_eq!(RunRecord::from_json(&json).unwrap(), record);
    assert_eq!(record.results[0].status, Status::Ok);
    assert!(record.results[1]
        .implausible
        .as_deref()
        .unwrap()
        .contains("below the physical floor of 2.5 ns"));
}

/// A budget's deadline: the rounds after it are not started, the ones before it are
/// whole, and each result records its trial shape.
#[test]
fn no_round_starts_after_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let rust = fake_binary(dir.path(), "versus-rs");
    let binaries = [Binary {
        toolchain: ToolchainId {
            id: "rust-fake".to_string(),
            lang: Lang::Rust,
        },
        path: rust,
        counting: None,
    }];
    let plan = [series("sum", "iter", Lang::Rust, "rust-fake")];
    let mut settings = TrialSettings {
        deadline: Some(std::time::Instant::now()),
        ..fake_settings(50)
    };
    let results = measure(&plan, &binaries, &settings);
    assert_eq!(
        results[0].trials.len(),
        0,
        "a round started after the deadline"
    );
    settings.deadline = None;
    settings.rounds = 3;
    let results = measure(&plan, &binaries, &settings);
    assert_eq!(results[0].trials.len(), 3);
    let sampling = plan[0].workload.sampling(true);
    assert_eq!(
        (results[0].samples_per_trial, results[0].warmup),
        (Some(sampling.samples), Some(sampling.warmup))
    );
}
