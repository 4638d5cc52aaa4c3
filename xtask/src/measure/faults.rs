//! The history under faults (here because only `measure` starts processes): writers killed with SIGKILL at random points, and two
//! processes writing to one history at once. Each test re-runs this test binary as the
//! writer (selected by an environment variable), so that the kill hits a real process
//! in the middle of real writes.

use std::path::Path;
use std::time::Duration;

use super::process::{Cmd, ExitKind};
use crate::record::fixtures::{record, result, FINGERPRINT};
use crate::record::{history, rfc3339, RunRecord};

/// Set in a child: the history directory it writes to, and how.
const WRITER: &str = "VERSUS_TEST_HISTORY_WRITER";
const MODE: &str = "VERSUS_TEST_HISTORY_MODE";

/// A record of realistic size (tens of results, hundreds of samples each: about 1 MB),
/// so that a write takes long enough to be killed in its middle.
fn big_record(started_at: &str) -> RunRecord {
    let samples: Vec<f64> = (0..400).map(|i| 10.0 + (i % 7) as f64).collect();
    let results = (0..40)
        .map(|i| {
            let mut r = result("sum", "iter", &samples);
            r.params.insert("size".to_string(), 1000 + i);
            r
        })
        .collect();
    let mut record = record("", None, FINGERPRINT, results);
    record.started_at = started_at.to_string();
    record
}

/// What a child does: `forever` writes records named after ever later start times
/// until it is killed; `same` writes 20 records that all start in the same second.
fn child(dir: &Path, mode: &str) {
    match mode {
        "forever" => {
            for n in 0u64.. {
                let at = time::OffsetDateTime::UNIX_EPOCH
                    + time::Duration::seconds((std::process::id() as i64) * 100_000 + n as i64);
                history::write_run(dir, big_record(&rfc3339(at))).unwrap();
            }
        }
        "same" => {
            for _ in 0..20 {
                history::write_run(dir, big_record("2026-12-02T04:00:00Z")).unwrap();
            }
        }
        other => panic!("unknown mode {other}"),
    }
}

/// Runs this test as a child in `mode` against `dir`, killed after `limit`.
fn spawn_child(test: &str, dir: &Path, mode: &str, limit: Duration) -> bool {
    let exe = std::env::current_exe().expect("the test binary");
    let process = Cmd::new(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(WRITER, dir)
        .env(MODE, mode)
        .run_trial(limit, None)
        .expect("starting the child");
    if !process.timed_out {
        assert!(
            matches!(process.exit, ExitKind::Code(0)),
            "the child failed: {}\n{}",
            process.exit,
            String::from_utf8_lossy(&process.stderr)
        );
    }
    process.timed_out
}

/// Every record file of `dir` not in `seen` parses (and is added); returns how many
/// record files there are.
fn all_parse(dir: &Path, seen: &mut std::collections::BTreeSet<std::path::PathBuf>) -> usize {
    let files = history::record_files(dir).unwrap();
    for path in &files {
        if seen.insert(path.clone()) {
            history::read(path).unwrap_or_else(|error| panic!("{}: {error:#}", path.display()));
        }
    }
    files.len()
}

#[test]
fn a_writer_killed_at_any_point_leaves_only_complete_records() {
    if let Ok(dir) = std::env::var(WRITER) {
        return child(Path::new(&dir), &std::env::var(MODE).unwrap());
    }
    let dir = tempfile::tempdir().unwrap();
    let test = "measure::faults::a_writer_killed_at_any_point_leaves_only_complete_records";
    // A fixed sequence of kill times from 5 to 250 ms: before the first write, inside
    // writes and between them (a write of this record takes a few milliseconds here).
    let mut kills = 0;
    let mut seen = std::collections::BTreeSet::new();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..60 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let limit = Duration::from_micros(5_000 + state % 245_000);
        if spawn_child(test, dir.path(), "forever", limit) {
            kills += 1;
        }
        // Every file parses after every kill, not only at the end.
        all_parse(dir.path(), &mut seen);
    }
    assert!(kills >= 50, "only {kills} of 60 children were killed");
    let records = all_parse(dir.path(), &mut seen);
    eprintln!("{kills} kills, {records} complete records");
    assert!(records > 0, "no child got as far as one record");
    // What a kill leaves behind is hidden (never read as a record).
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            name.ends_with(".json") || name.starts_with('.'),
            "a kill left {name}"
        );
    }
}

#[test]
fn two_processes_writing_one_history_at_once_both_land() {
    if let Ok(dir) = std::env::var(WRITER) {
        return child(Path::new(&dir), &std::env::var(MODE).unwrap());
    }
    let dir = tempfile::tempdir().unwrap();
    let test = "measure::faults::two_processes_writing_one_history_at_once_both_land";
    let path = dir.path().to_path_buf();
    let other = std::thread::spawn(move || {
        spawn_child(test, &path, "same", Duration::from_secs(120));
    });
    spawn_child(test, dir.path(), "same", Duration::from_secs(120));
    other.join().unwrap();
    // 40 records that all started in the same second on one machine: none replaced.
    assert_eq!(all_parse(dir.path(), &mut Default::default()), 40);
}

/// Processes of this machine whose command line is exactly `sleep <seconds>`.
fn sleeping(seconds: &str) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| std::fs::read(entry.ok()?.path().join("cmdline")).ok())
        .filter(|cmdline| *cmdline == format!("sleep\0{seconds}\0").into_bytes())
        .count()
}

#[test]
fn a_fork_bomb_is_held_by_its_pids_group_and_killed_with_it() {
    use super::cgroup::{Controller, Parent};
    let Some(parent) = Parent::of_this_process(Controller::Pids) else {
        eprintln!("skipped: this machine has no pids cgroup this process may use");
        return;
    };
    let Ok(group) = parent.create() else {
        eprintln!("skipped: no right to make a pids cgroup (run the tests as root)");
        return;
    };
    group.limit_tasks(64).unwrap();
    // Forks without end: each `sleep 4243` stays, until a fork fails.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("bomb.sh");
    std::fs::write(&script, "#!/bin/sh\nwhile true; do sleep 4243 & done\n").unwrap();
    let process = Cmd::new("/bin/sh")
        .arg(&script)
        .in_cgroup(group.procs())
        .run_trial(Duration::from_secs(2), None)
        .unwrap();
    // The shell gives up when a fork is refused (dash exits), or runs to its limit.
    assert!(
        process.timed_out || process.exit != ExitKind::Code(0),
        "the bomb ended well: {}",
        process.exit
    );
    let events = std::fs::read_to_string(group.dir().join("pids.events")).unwrap_or_default();
    let refused: u64 = events
        .lines()
        .find_map(|l| l.strip_prefix("max "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(refused > 0, "no fork was refused by pids.max: {events:?}");
    // Killed with its process group: nothing it forked is left.
    let mut left = sleeping("4243");
    for _ in 0..50 {
        if left == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        left = sleeping("4243");
    }
    assert_eq!(left, 0, "the bomb's children outlived it");
    eprintln!(
        "fork bomb held at 64 tasks: {refused} forks refused, ended by {}",
        if process.timed_out {
            "the time limit".to_string()
        } else {
            process.exit.to_string()
        }
    );
}
