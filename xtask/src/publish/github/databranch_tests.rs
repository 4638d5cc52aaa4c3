//! Tests of the data branch against local bare repositories: concurrent publishers,
//! a rejected push, republishing, bad records and the token.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::record::fixtures::{record, result, FINGERPRINT};

fn git(dir: &Path, args: &[&str]) -> String {
    Cmd::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .read()
        .unwrap()
}

/// A bare repository as the remote, and a folder of `n` records starting at `first`.
fn records(dir: &Path, first: usize, n: usize) -> PathBuf {
    let out = dir.join(format!("records-{first}"));
    std::fs::create_dir_all(&out).unwrap();
    for i in first..first + n {
        let id = format!("20261122T{:02}0000Z-0123456789ab-c90d{:04}", i % 24, i);
        let run = record(&id, None, FINGERPRINT, vec![result("sum", "iter", &[0.3])]);
        history::write(&out, &run).unwrap();
    }
    out
}

fn bare(dir: &Path) -> String {
    let remote = dir.join("remote.git");
    Cmd::new("git")
        .args(["init", "-q", "--bare"])
        .arg(&remote)
        .read()
        .unwrap();
    remote.display().to_string()
}

fn publishing<'a>(remote: &'a str, work: &'a Path, records: &'a [PathBuf]) -> Publishing<'a> {
    Publishing {
        remote,
        branch: "bench-data",
        work,
        records,
        attempts: 8,
        backoff: Duration::from_millis(20),
        token: None,
    }
}

/// The record files on the remote's branch, by name, with their bytes.
fn on_branch(remote: &str, dir: &Path) -> Vec<(String, Vec<u8>)> {
    let check = dir.join("check");
    let _ = std::fs::remove_dir_all(&check);
    Cmd::new("git")
        .args(["clone", "-q", "--branch", "bench-data", remote])
        .arg(&check)
        .read()
        .unwrap();
    let checked = history::check(&check.join("history")).unwrap();
    assert!(checked.bad.is_empty(), "{:?}", checked.bad);
    history::record_files(&check.join("history"))
        .unwrap()
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

#[test]
fn two_publishers_at_once_both_land_and_nothing_is_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let remote = bare(dir.path());
    let a = [records(dir.path(), 0, 3)];
    let b = [records(dir.path(), 100, 2)];
    let barrier = std::sync::Barrier::new(2);
    let (work_a, work_b) = (dir.path().join("work-a"), dir.path().join("work-b"));
    let (first, second) = std::thread::scope(|scope| {
        let one = scope.spawn(|| {
            barrier.wait();
            publish(&publishing(&remote, &work_a, &a))
        });
        let two = scope.spawn(|| {
            barrier.wait();
            publish(&publishing(&remote, &work_b, &b))
        });
        (one.join().unwrap(), two.join().unwrap())
    });
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(first.added.len(), 3);
    assert_eq!(second.added.len(), 2);
    let files = on_branch(&remote, dir.path());
    assert_eq!(
        files.len(),
        5,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    // Each file is the publisher's bytes, unchanged.
    for folder in [&a[0], &b[0]] {
        for path in history::record_files(folder).unwrap() {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            let published = &files.iter().find(|f| f.0 == name).unwrap().1;
            assert_eq!(published, &bytes, "{name}");
        }
    }
    // The branch holds nothing but the records, and a linear history.
    let check = dir.path().join("check");
    let tracked = git(&check, &["ls-files"]);
    assert!(
        tracked.lines().all(|l| l.starts_with("history/")),
        "{tracked}"
    );
    let merges = git(&check, &["rev-list", "--merges", "HEAD"]);
    assert!(merges.trim().is_empty());
}

#[test]
fn a_rejected_push_is_fetched_rebased_and_retried() {
    let dir = tempfile::tempdir().unwrap();
    let remote = bare(dir.path());
    let first = [records(dir.path(), 0, 1)];
    publish(&publishing(&remote, &dir.path().join("work-a"), &first)).unwrap();
    // Publisher B's work folder is one record behind when it pushes: a pre-receive hook
    // lands another publisher's record just before B's push is refused once.
    let other = [records(dir.path(), 50, 1)];
    let hook = Path::new(&remote).join("hooks/pre-receive");
    let flag = dir.path().join("refuse-once");
    std::fs::write(&flag, "").unwrap();
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nif [ -e '{flag}' ]; then rm '{flag}'; echo 'simulated: ! [rejected] (fetch first)' >&2; exit 1; fi\n",
            flag = flag.display()
        ),
    )
    .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&hook).unwrap().permissions(),
        0o755,
    );
    Cmd::new("chmod").arg("755").arg(&hook).read().unwrap();
    let second = [records(dir.path(), 10, 1)];
    let published = publish(&publishing(&remote, &dir.path().join("work-b"), &second)).unwrap();
    assert_eq!(published.attempts, 2, "{published:?}");
    std::fs::remove_file(&hook).unwrap();
    publish(&publishing(&remote, &dir.path().join("work-c"), &other)).unwrap();
    assert_eq!(on_branch(&remote, dir.path()).len(), 3);
}

#[test]
fn publishing_again_changes_nothing_and_other_bytes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let remote = bare(dir.path());
    let folder = [records(dir.path(), 0, 2)];
    let work = dir.path().join("work");
    publish(&publishing(&remote, &work, &folder)).unwrap();
    let head = git(Path::new(&remote), &["rev-parse", "bench-data"]);
    let again = publish(&publishing(&remote, &work, &folder)).unwrap();
    assert!(again.added.is_empty());
    assert_eq!(again.already.len(), 2);
    assert_eq!(again.attempts, 0);
    assert_eq!(git(Path::new(&remote), &["rev-parse", "bench-data"]), head);

    // The same run id with other contents.
    let changed = dir.path().join("changed");
    std::fs::create_dir_all(&changed).unwrap();
    let path = history::record_files(&folder[0]).unwrap().remove(0);
    let mut run = history::read(&path).unwrap();
    run.results[0].trials[0].wall_ns += 1;
    history::write(&changed, &run).unwrap();
    let error = publish(&publishing(&remote, &dir.path().join("work-2"), &[changed]))
        .unwrap_err()
        .to_string();
    assert!(error.contains("never overwritten"), "{error}");
    assert_eq!(git(Path::new(&remote), &["rev-parse", "bench-data"]), head);
    assert_eq!(on_branch(&remote, dir.path()).len(), 2);
}

#[test]
fn a_bad_record_is_refused_before_anything_is_pushed() {
    let dir = tempfile::tempdir().unwrap();
    let remote = bare(dir.path());
    let folder = records(dir.path(), 0, 1);
    std::fs::write(
        folder.join("20261122T230000Z-bad.json"),
        r#"{"schema":"versus.run/1","id":3}"#,
    )
    .unwrap();
    let error = publish(&publishing(&remote, &dir.path().join("work"), &[folder])).unwrap_err();
    let text = format!("{error:#}");
    assert!(text.contains("20261122T230000Z-bad.json"), "{text}");
    let heads = git(Path::new(&remote), &["for-each-ref"]);
    assert!(heads.trim().is_empty(), "nothing was pushed: {heads}");
}

#[test]
fn bad_branch_names_are_refused() {
    for bad in ["", "-x", "a..b", "a b", "x.lock", "/x", "$(id)"] {
        assert!(check_branch(bad).is_err(), "{bad:?}");
    }
    check_branch("bench-data").unwrap();
    check_branch("data/x86").unwrap();
}

#[test]
fn the_token_reaches_git_but_no_message() {
    let dir = tempfile::tempdir().unwrap();
    let folder = [records(dir.path(), 0, 1)];
    let token = "ghs_PLANTEDtoken1234567890";
    let work = dir.path().join("work");
    // Nothing listens on port 9 of the loopback address: git fails at once.
    let error = publish(&Publishing {
        token: Some(token),
        attempts: 1,
        ..publishing("https://127.0.0.1:9/o/r.git", &work, &folder)
    })
    .unwrap_err();
    let text = format!("{error:#} {error:?}");
    assert!(!text.contains(token), "{text}");
    let base64 =
        base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
    assert!(!text.contains(&base64), "{text}");
    // Nor is it stored in the work folder's configuration.
    let config = std::fs::read_to_string(work.join(".git/config")).unwrap();
    assert!(!config.contains(token) && !config.contains(&base64));
}

#[test]
fn backoff_grows_and_is_capped() {
    let base = Duration::from_secs(1);
    assert!(backoff(base, 1) <= Duration::from_millis(1250));
    assert!(backoff(base, 3) >= Duration::from_secs(3));
    assert_eq!(backoff(base, 40), Duration::from_secs(30));
}

/// Set in a child: the directory of a publish under test, and the first record's number.
const PUBLISHER: &str = "VERSUS_TEST_PUBLISHER";
const FIRST: &str = "VERSUS_TEST_PUBLISH_FIRST";

#[test]
fn a_publish_killed_at_any_point_leaves_the_branch_whole_and_the_next_publish_lands() {
    use crate::measure::process::ExitKind;
    if let Ok(dir) = std::env::var(PUBLISHER) {
        let dir = Path::new(&dir);
        let first: usize = std::env::var(FIRST).unwrap().parse().unwrap();
        let remote = dir.join("remote.git").display().to_string();
        let folder = [dir.join(format!("records-{first}"))];
        publish(&publishing(&remote, &dir.join("work"), &folder)).unwrap();
        return;
    }
    let test = "publish::github::databranch::tests::a_publish_killed_at_any_point_leaves_the_branch_whole_and_the_next_publish_lands";
    let dir = tempfile::tempdir().unwrap();
    let remote = bare(dir.path());
    let run = |first: usize, limit: Duration| -> (bool, String) {
        let process = Cmd::new(std::env::current_exe().unwrap())
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(PUBLISHER, dir.path())
            .env(FIRST, first.to_string())
            .run_trial(limit, None)
            .unwrap();
        if !process.timed_out {
            assert!(
                matches!(process.exit, ExitKind::Code(0)),
                "publish {first} failed: {}",
                String::from_utf8_lossy(&process.stderr)
            );
        }
        (
            process.timed_out,
            String::from_utf8_lossy(&process.stderr).into_owned(),
        )
    };
    // A whole publish, timed, then kills spread over one.
    records(dir.path(), 0, 3);
    let started = std::time::Instant::now();
    assert!(!run(0, Duration::from_secs(120)).0);
    let whole = started.elapsed();
    let mut published = on_branch(&remote, dir.path());
    let (mut state, mut kills, mut stale) = (0x6a09_e667_f3bc_c908u64, 0, 0);
    for i in 1..=40 {
        let first = i * 10;
        records(dir.path(), first, 3);
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let limit = Duration::from_micros(1_000 + state % (whole.as_micros() as u64 * 5 / 4));
        kills += usize::from(run(first, limit).0);
        // The branch holds whole records only, every earlier one as it was.
        let now = on_branch(&remote, dir.path());
        for (name, bytes) in &published {
            let kept = now.iter().find(|(n, _)| n == name).map(|(_, b)| b);
            assert_eq!(kept, Some(bytes), "{name} after a kill at {limit:?}");
        }
        // What the kill left in the work folder, the next publish copes with.
        let (timed_out, said) = run(first, Duration::from_secs(120));
        assert!(!timed_out, "publish {first} again");
        stale += usize::from(said.contains("left by a publish that was killed"));
        published = on_branch(&remote, dir.path());
        assert_eq!(published.len(), 3 * (i + 1));
    }
    eprintln!("{kills} of 40 publishes killed (a whole one: {whole:?}); {stale} left git's locks");
    assert!(kills >= 20, "only {kills} of 40 publishes were killed");
}

#[test]
fn what_a_killed_publish_leaves_in_the_work_folder_is_cleared_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let remote = bare(dir.path());
    let work = dir.path().join("work");
    publish(&publishing(&remote, &work, &[records(dir.path(), 0, 2)])).unwrap();
    // A kill inside `git add`, inside a ref update and inside a rebase.
    std::fs::write(work.join(".git/index.lock"), b"").unwrap();
    std::fs::create_dir_all(work.join(".git/refs/heads")).unwrap();
    std::fs::write(work.join(".git/refs/heads/bench-data.lock"), b"").unwrap();
    std::fs::create_dir_all(work.join(".git/rebase-merge")).unwrap();
    let published = publish(&publishing(&remote, &work, &[records(dir.path(), 10, 2)])).unwrap();
    assert_eq!(published.added.len(), 2);
    assert_eq!(on_branch(&remote, dir.path()).len(), 4);
    assert!(!work.join(".git/index.lock").exists());
    assert!(!work.join(".git/rebase-merge").exists());
}

#[test]
fn a_work_folder_git_cannot_work_in_is_started_again() {
    let dir = tempfile::tempdir().unwrap();
    let remote = bare(dir.path());
    let work = dir.path().join("work");
    publish(&publishing(&remote, &work, &[records(dir.path(), 0, 2)])).unwrap();
    // A repository cut short: HEAD there, its object store gone.
    std::fs::remove_dir_all(work.join(".git/objects")).unwrap();
    let published = publish(&publishing(&remote, &work, &[records(dir.path(), 10, 2)])).unwrap();
    assert_eq!(published.added.len(), 2);
    assert_eq!(on_branch(&remote, dir.path()).len(), 4);
}
