//! Bad run records, one of each kind a history can meet: each is refused with a message
//! that names the file and the field (or the place in the text), and the file is left
//! exactly as it was.

use super::fixtures::{record, result, FINGERPRINT};
use super::history;

/// A valid record's JSON, to break.
fn valid() -> String {
    let record = record(
        "r",
        None,
        FINGERPRINT,
        vec![result("sum", "iter", &[0.3, 0.31])],
    );
    serde_json::to_string_pretty(&record).unwrap()
}

/// Writes `bytes` as a record file, reads it, and returns the error; checks the file
/// is unchanged.
fn refused(name: &str, bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.json"));
    std::fs::write(&path, bytes).unwrap();
    let error = format!("{:#}", history::read(&path).expect_err(name));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "{name}: the file changed"
    );
    assert!(
        error.contains(&path.display().to_string()),
        "{name}: the error does not name the file: {error}"
    );
    // The history check reports it too, with the same reason.
    let checked = history::check(dir.path()).unwrap();
    assert_eq!(checked.bad.len(), 1, "{name}");
    error
}

#[test]
fn each_kind_of_bad_record_is_refused_naming_the_file_and_field() {
    let valid = valid();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "malformed",
            valid.replacen("\"id\": \"r\"", "\"id\": ", 1).into_bytes(),
            "invalid at `id`",
        ),
        (
            "truncated",
            valid.as_bytes()[..valid.len() / 2].to_vec(),
            "truncated at",
        ),
        (
            // The new user's case: an object where a list belongs.
            "wrong-type",
            valid
                .replacen("\"results\": [", "\"results\": {\"x\": [", 1)
                .replacen("\n  ],\n  \"calibration\"", "\n  ]},\n  \"calibration\"", 1)
                .into_bytes(),
            "invalid at `results`: invalid type: map, expected a sequence",
        ),
        (
            "huge-number",
            valid
                .replacen("\"ops\": 1000", "\"ops\": 184467440737095516160", 1)
                .into_bytes(),
            "invalid at `results[0].ops`",
        ),
        (
            "nan",
            valid
                .replacen("\"ops\": 1000", "\"ops\": NaN", 1)
                .into_bytes(),
            "invalid at `results[0].ops`",
        ),
        (
            "negative-timing",
            valid.replacen("300", "-300", 1).into_bytes(),
            "invalid at `results[0].trials[0].samples[0]`",
        ),
        (
            "zero-timing",
            valid
                .replacen(
                    "\"samples\": [\n            300",
                    "\"samples\": [\n            0",
                    1,
                )
                .into_bytes(),
            "invalid at `results[0].trials[0].samples[0]`: 0 ns",
        ),
        (
            "zero-ops",
            valid
                .replacen("\"ops\": 1000", "\"ops\": 0", 1)
                .into_bytes(),
            "invalid at `results[0].ops`: 0 for an ok result",
        ),
        (
            "negative-ops",
            valid
                .replacen("\"ops\": 1000", "\"ops\": -1", 1)
                .into_bytes(),
            "invalid at `results[0].ops`",
        ),
        (
            "non-utf8",
            {
                let mut bytes = valid.clone().into_bytes();
                let at = valid.find("Measure").unwrap();
                bytes[at] = 0xff;
                bytes
            },
            "UTF-8",
        ),
        (
            "newer-schema",
            valid
                .replacen("versus.run/1", "versus.run/2", 1)
                .into_bytes(),
            "this build reads \"versus.run/1\" (a newer versus",
        ),
        ("empty", Vec::new(), "truncated at"),
        (
            "text-after",
            format!("{valid}\n{{}}").into_bytes(),
            "text after the JSON value",
        ),
    ];
    assert!(
        cases.iter().all(|(_, bytes, _)| bytes != valid.as_bytes()),
        "every case breaks it"
    );
    for (name, bytes, expected) in cases {
        let error = refused(name, &bytes);
        assert!(
            error.contains(expected),
            "{name}: expected {expected:?} in: {error}"
        );
    }
}

#[test]
fn the_valid_record_itself_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.json");
    std::fs::write(&path, valid()).unwrap();
    history::read(&path).unwrap();
}

/// A small tmpfs mounted for one test (root only), unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// None where this process may not mount (not root, or no tmpfs).
    fn mount(options: &str, read_only: bool) -> Option<SmallDisk> {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().ok()?;
        let target = CString::new(dir.path().as_os_str().as_bytes()).ok()?;
        let (source, fstype) = (CString::new("tmpfs").ok()?, CString::new("tmpfs").ok()?);
        let data = CString::new(options).ok()?;
        let flags = if read_only { libc::MS_RDONLY } else { 0 };
        // SAFETY: every pointer is a live NUL-terminated string for the call's length.
        let mounted = unsafe {
            libc::mount(
                source.as_ptr(),
                target.as_ptr(),
                fstype.as_ptr(),
                flags,
                data.as_ptr().cast(),
            )
        };
        (mounted == 0).then_some(SmallDisk { dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        use std::os::unix::ffi::OsStrExt;
        if let Ok(target) = std::ffi::CString::new(self.dir.path().as_os_str().as_bytes()) {
            // SAFETY: as in mount.
            unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
        }
    }
}

#[test]
fn a_full_disk_refuses_the_write_naming_it_and_keeps_every_record_whole() {
    let Some(disk) = SmallDisk::mount("size=256k", false) else {
        eprintln!("skipped: mounting a small tmpfs needs root (run the tests as root)");
        return;
    };
    let record = |i: usize| {
        let samples: Vec<f64> = (0..300).map(|k| 1.0 + (k % 5) as f64).collect();
        let mut r = record("", None, FINGERPRINT, vec![result("sum", "iter", &samples)]);
        r.started_at = format!("2026-12-02T04:{:02}:{:02}Z", i / 60, i % 60);
        r
    };
    let mut written = 0;
    let error = loop {
        match history::write_run(disk.dir.path(), record(written)) {
            Ok(_) => written += 1,
            Err(error) => break format!("{error:#}"),
        }
        assert!(written < 1000, "a 256 KiB disk took 1000 records");
    };
    assert!(written > 0, "not one record fit: {error}");
    assert!(error.contains("No space left on device"), "{error}");
    assert!(
        error.contains(&disk.dir.path().display().to_string()),
        "the error names the place: {error}"
    );
    let checked = history::check(disk.dir.path()).unwrap();
    assert_eq!((checked.good, checked.bad.len()), (written, 0));
    // The failed write left no temporary file behind.
    let names: Vec<String> = std::fs::read_dir(disk.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[test]
fn a_read_only_history_refuses_the_write_naming_it() {
    let Some(disk) = SmallDisk::mount("size=64k", true) else {
        eprintln!("skipped: mounting a read-only tmpfs needs root (run the tests as root)");
        return;
    };
    let error = format!(
        "{:#}",
        history::write_run(
            disk.dir.path(),
            record("", None, FINGERPRINT, vec![result("sum", "iter", &[0.3])])
        )
        .unwrap_err()
    );
    assert!(error.contains("Read-only file system"), "{error}");
    assert!(
        error.contains(&disk.dir.path().display().to_string()),
        "{error}"
    );
}

/// The golden records of earlier builds (xtask/tests/golden/older, each named after the
/// commit that wrote it) read through the one migration, with the fields added since
/// at their defaults.
#[test]
fn records_written_by_earlier_builds_read_through_the_migration() {
    let older = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/older");
    let mut read = 0;
    for entry in std::fs::read_dir(&older).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let record = super::migrate(super::RUN_SCHEMA, &text)
            .unwrap_or_else(|error| panic!("{}: {error:#}", path.display()));
        assert_eq!(record, history::read(&path).unwrap());
        // Added since: the machine's tuning, each result's pruned summary.
        assert_eq!(record.machine.tuning, Default::default());
        assert!(record.results.iter().all(|r| r.pruned.is_none()));
        read += 1;
    }
    assert_eq!(read, 3);
    assert_eq!(super::READS.last(), Some(&super::RUN_SCHEMA));
    let error = super::migrate("versus.run/0", "{}")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("this build reads \"versus.run/1\""),
        "{error}"
    );
}

/// A result's trial shape round-trips through the record, and a result without one
/// (as older builds wrote it) writes no such field.
#[test]
fn a_results_trial_shape_round_trips_and_is_absent_where_unknown() {
    let mut shaped = result("alloc", "heap", &[30.0, 31.0]);
    shaped.samples_per_trial = Some(1);
    shaped.warmup = Some(0);
    let plain = result("sum", "iter", &[0.3, 0.31]);
    let record = record("r", None, FINGERPRINT, vec![shaped, plain]);
    let json = serde_json::to_string_pretty(&record).unwrap();
    let read = super::RunRecord::from_json(&json).unwrap();
    assert_eq!(read, record);
    assert_eq!(
        (read.results[0].samples_per_trial, read.results[0].warmup),
        (Some(1), Some(0))
    );
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(value["results"][1].get("samples_per_trial").is_none());
    assert!(value["results"][1].get("warmup").is_none());
}
