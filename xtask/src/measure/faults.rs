//! The history under faults (here because only `measure` starts processes): writers
//! and `history prune` killed with SIGKILL at random points, and two processes writing
//! to one history at once. Each test re-runs this test binary as the
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
        "prune" => {
            crate::record::prune::prune(dir, 2, PRUNED_AT, false).unwrap();
        }
        other => panic!("unknown mode {other}"),
    }
}

/// The time a prune under test records.
const PRUNED_AT: &str = "2026-12-02T12:00:00Z";

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

/// A file of the history as it was, and as a whole prune leaves it.
type States = std::collections::BTreeMap<std::path::PathBuf, (Vec<u8>, Vec<u8>)>;

#[test]
fn a_prune_killed_at_any_point_leaves_every_record_whole_as_it_was_or_pruned() {
    if let Ok(dir) = std::env::var(WRITER) {
        return child(Path::new(&dir), &std::env::var(MODE).unwrap());
    }
    let test = "measure::faults::a_prune_killed_at_any_point_leaves_every_record_whole_as_it_was_or_pruned";
    let dir = tempfile::tempdir().unwrap();
    for n in 0..6 {
        history::write_run(dir.path(), big_record(&format!("2026-12-01T00:00:{n:02}Z"))).unwrap();
    }
    let originals: Vec<(std::path::PathBuf, Vec<u8>)> = history::record_files(dir.path())
        .unwrap()
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    let restore = || {
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for (path, bytes) in &originals {
            std::fs::write(path, bytes).unwrap();
        }
    };
    // A whole prune here, timed: the kills fall anywhere in one.
    let started = std::time::Instant::now();
    let pruned = crate::record::prune::prune(dir.path(), 2, PRUNED_AT, false).unwrap();
    let whole = started.elapsed();
    assert_eq!(pruned.records_pruned, 4);
    let states: States = originals
        .iter()
        .map(|(path, bytes)| (path.clone(), (bytes.clone(), std::fs::read(path).unwrap())))
        .collect();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let (mut kills, mut partly) = (0, 0);
    for _ in 0..24 {
        restore();
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        // From 2 ms to a little more than a whole prune, the child's start-up included.
        let limit = Duration::from_micros(2_000 + state % (whole.as_micros() as u64 * 6 / 5 + 1));
        if spawn_child(test, dir.path(), "prune", limit) {
            kills += 1;
        }
        let mut done = 0;
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue; // a temporary file the kill left: never read as a record
            }
            let (before, after) = states
                .get(&path)
                .unwrap_or_else(|| panic!("a kill left {name}"));
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                &bytes == before || &bytes == after,
                "{name} is neither as it was nor pruned after a kill at {limit:?}"
            );
            history::read(&path).unwrap();
            done += usize::from(&bytes == after && before != after);
        }
        partly += usize::from(done > 0 && done < 4);
        // What a killed prune left, a second prune finishes.
        crate::record::prune::prune(dir.path(), 2, PRUNED_AT, false).unwrap();
        for (path, (_, after)) in &states {
            assert_eq!(&std::fs::read(path).unwrap(), after, "{}", path.display());
        }
    }
    eprintln!("{kills} kills of a {whole:?} prune, {partly} in its middle");
    assert!(kills >= 12, "only {kills} of 24 prunes were killed");
    assert!(partly >= 1, "no kill fell between two records");
}
