//! The history store: one immutable JSON file per run record.
//!
//! A record is written to a temporary file in the same directory, flushed to disk, and
//! then hard-linked to its final name, which fails if that name exists: an existing
//! record is never overwritten or truncated, and a crash leaves at most a stray
//! temporary file, never a half-written record. Readers of the whole history (the
//! site) skip what is not a record and say so, rather than failing for one bad file.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::record::RunRecord;

/// The history directory: `--history`, else `VERSUS_HISTORY`, else `history/` at the root.
pub fn resolve(root: &Path, flag: Option<PathBuf>) -> PathBuf {
    resolve_with(root, flag, std::env::var_os("VERSUS_HISTORY"))
}

/// [`resolve`] with the variable's value given. A variable set to nothing
/// (`VERSUS_HISTORY= cargo xtask bench`) counts as unset: as a path it would put the
/// records in whatever directory the command ran from.
fn resolve_with(root: &Path, flag: Option<PathBuf>, variable: Option<OsString>) -> PathBuf {
    flag.or_else(|| variable.filter(|v| !v.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| root.join("history"))
}

/// Writes `record` as `<dir>/<id>.json` and returns the path. Fails, writing nothing,
/// if a file of that name already exists.
pub fn write(dir: &Path, record: &RunRecord) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the history directory {}", dir.display()))?;
    let json = serde_json::to_vec_pretty(record).context("serializing the run record")?;
    write_new(&dir.join(format!("{}.json", record.id)), &json)
}

/// Names `record` after its start time, commit and machine
/// (`20261122T085605Z-965e45726a17-5156fff4`), with a counter when another record of
/// that name exists (two runs started in the same second on one machine), and writes
/// it to `dir`; returns the path.
pub fn write_run(dir: &Path, mut record: RunRecord) -> Result<PathBuf> {
    let started = time::OffsetDateTime::parse(
        &record.started_at,
        &time::format_description::well_known::Rfc3339,
    )
    .with_context(|| format!("the record's started_at {:?}", record.started_at))?;
    let stamp = started
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .context("formatting the start time")?;
    let commit = record
        .source
        .commit
        .as_deref()
        .map_or("nocommit".to_string(), |c| c[..12.min(c.len())].to_string());
    let fingerprint = &record.machine.fingerprint[..record.machine.fingerprint.len().min(8)];
    let base = format!("{stamp}-{commit}-{fingerprint}");
    for attempt in 0..100 {
        record.id = if attempt == 0 {
            base.clone()
        } else {
            format!("{base}-{attempt}")
        };
        let path = dir.join(format!("{}.json", record.id));
        if path.exists() {
            continue;
        }
        match write(dir, &record) {
            Ok(path) => return Ok(path),
            // Another run took the name between the look and the link: the next one.
            Err(_) if path.exists() => continue,
            Err(error) => return Err(error),
        }
    }
    bail!(
        "100 run records named {base}* already exist in {}",
        dir.display()
    )
}

/// Stores a `versus.compare/1` comparison as `<history>/comparisons/<name>.json`, where
/// the site's Compare page finds it; a name already taken gets `-2`, `-3`, ... so that
/// no stored comparison is ever replaced.
pub fn write_comparison(history: &Path, name: &str, json: &str) -> Result<PathBuf> {
    let dir = history.join("comparisons");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    for attempt in 1..=100 {
        let file = if attempt == 1 {
            format!("{safe}.json")
        } else {
            format!("{safe}-{attempt}.json")
        };
        let path = dir.join(file);
        match write_new(&path, json.trim_end().as_bytes()) {
            Ok(path) => return Ok(path),
            Err(_) if path.exists() => continue,
            Err(error) => return Err(error),
        }
    }
    bail!(
        "100 comparisons named {safe}* already exist in {}",
        dir.display()
    )
}

/// Writes `bytes` to a path that must not exist yet, atomically.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    let temporary = write_temporary(path, bytes)?;
    // No check that `path` is free: link(2) is the check, and it cannot race.
    // link(2) refuses an existing destination, unlike rename(2): a concurrent writer of
    // the same name loses cleanly instead of replacing a record.
    let linked = std::fs::hard_link(&temporary, path).with_context(|| {
        if path.exists() {
            format!(
                "{} already exists; history files are never overwritten",
                path.display()
            )
        } else {
            format!("moving {} to {}", temporary.display(), path.display())
        }
    });
    let _ = std::fs::remove_file(&temporary);
    linked?;
    sync_directory(path);
    Ok(path.to_path_buf())
}

/// Replaces the record file at `path` with `bytes` in one rename(2), so that a reader
/// or a crash sees the old file or the new one, whole, never a mix — provided the file
/// still holds `expected` (what the caller read and derived `bytes` from); otherwise
/// nothing is changed. Only `history prune` replaces a record, with a pruned copy that
/// it has checked gives the same figures.
pub fn replace(path: &Path, expected: &[u8], bytes: &[u8]) -> Result<()> {
    let temporary = write_temporary(path, bytes)?;
    let replaced = (|| {
        let current =
            std::fs::read(path).with_context(|| format!("reading {} again", path.display()))?;
        if current != expected {
            bail!(
                "{} changed while it was being pruned; it is left as it is",
                path.display()
            );
        }
        std::fs::rename(&temporary, path)
            .with_context(|| format!("moving {} to {}", temporary.display(), path.display()))
    })();
    if replaced.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    replaced?;
    sync_directory(path);
    Ok(())
}

/// Writes `bytes` and a newline to a new hidden file beside `path` and flushes it to
/// disk; returns its path. The name holds the process and a counter: two threads (or
/// processes) writing at once never share a temporary file. Readers skip hidden files.
fn write_temporary(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    let dir = path.parent().context("a record path has a directory")?;
    let name = path
        .file_name()
        .context("a record path has a file name")?
        .to_string_lossy();
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let temporary = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    // create_new: a temporary file of that name belongs to someone else (or to a crashed
    // run with this pid) and is neither written nor removed here.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .with_context(|| format!("creating {}", temporary.display()))?;
    let written = (|| {
        file.write_all(bytes)
            .with_context(|| format!("writing {}", temporary.display()))?;
        file.write_all(b"\n")
            .with_context(|| format!("writing {}", temporary.display()))?;
        file.sync_all()
            .with_context(|| format!("flushing {}", temporary.display()))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written?;
    Ok(temporary)
}

/// Flushes a directory's entries, so that a new or renamed file survives a crash.
fn sync_directory(path: &Path) {
    if let Some(dir) = path.parent() {
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
}

/// A file in the history that could not be read as a record, and why.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub path: PathBuf,
    pub reason: String,
}

/// The record files of a history directory, sorted by name (ids sort by start time):
/// every `*.json` but hidden files (the temporary files of a write under way). A
/// missing directory is an empty history.
pub fn record_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => {
            return Err(error).with_context(|| format!("listing the history in {}", dir.display()))
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "json")
                && path
                    .file_stem()
                    .is_some_and(|n| !n.is_empty() && !n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    Ok(paths)
}

/// The ids of the records in a history directory, sorted: the file names, as
/// [`write`] names each file after its record's id.
fn record_ids(dir: &Path) -> Result<Vec<String>> {
    Ok(record_files(dir)?
        .iter()
        .filter_map(|path| Some(path.file_stem()?.to_string_lossy().into_owned()))
        .collect())
}

/// The record file that RUN names: a path to a record file, or a run id or a unique
/// prefix of one in the history directory.
pub fn resolve_run(run: &str, history: &Path) -> Result<PathBuf> {
    let as_path = Path::new(run);
    if as_path.is_file() {
        return Ok(as_path.to_path_buf());
    }
    if run.contains(std::path::MAIN_SEPARATOR) {
        bail!("{run} is not a file (a run id or prefix has no `/`)");
    }
    let prefix = run.strip_suffix(".json").unwrap_or(run);
    let ids = record_ids(history)?;
    if ids.iter().any(|id| id == prefix) {
        return Ok(history.join(format!("{prefix}.json")));
    }
    let matches: Vec<&String> = ids.iter().filter(|id| id.starts_with(prefix)).collect();
    match matches.as_slice() {
        [one] => Ok(history.join(format!("{one}.json"))),
        [] if ids.is_empty() => bail!(
            "{run:?} is neither a record file nor a run in {}, which holds no run records \
             (record one with `cargo xtask run`, or name another history with --history)",
            history.display()
        ),
        [] => bail!(
            "{run:?} is neither a record file nor the start of a run id in {}; the latest \
             runs there are:\n{}",
            history.display(),
            listing(&ids.iter().rev().take(5).collect::<Vec<_>>(), 5)
        ),
        several => bail!(
            "{run:?} is ambiguous: {} runs in {} start with it; give more of the id:\n{}",
            several.len(),
            history.display(),
            listing(several, 20)
        ),
    }
}

fn listing(ids: &[&String], limit: usize) -> String {
    let mut lines: Vec<String> = ids.iter().take(limit).map(|id| format!("  {id}")).collect();
    if ids.len() > limit {
        lines.push(format!("  … and {} more", ids.len() - limit));
    }
    lines.join("\n")
}

/// What [`check`] found.
#[derive(Debug, Default)]
pub struct Checked {
    /// Records that parse.
    pub good: usize,
    /// Each file that does not, with the reason (naming the bad field's path).
    pub bad: Vec<(PathBuf, String)>,
}

/// Reads every record of a history directory and reports each that does not parse.
pub fn check(dir: &Path) -> Result<Checked> {
    check_with(dir, |_| None)
}

/// [`check`], with a further test of each record that parses (`cargo xtask history
/// check` holds the workloads to the catalogue): a reason makes the record bad.
pub fn check_with(dir: &Path, further: impl Fn(&RunRecord) -> Option<String>) -> Result<Checked> {
    let mut checked = Checked::default();
    for path in record_files(dir)? {
        match read(&path) {
            Ok(record) => match further(&record) {
                None => checked.good += 1,
                Some(reason) => checked.bad.push((path, reason)),
            },
            Err(error) => checked.bad.push((path, format!("{error:#}"))),
        }
    }
    Ok(checked)
}

/// Reads the records a command was given several of (`compare`'s sides): a file that
/// is not a readable record is left out, with the reason, so that one bad record among
/// many does not stop the rest; with none readable, the first reason is the error.
pub fn read_each(paths: &[PathBuf]) -> Result<(Vec<RunRecord>, Vec<Unreadable>)> {
    let (mut records, mut unreadable) = (Vec::new(), Vec::new());
    for path in paths {
        match read(path) {
            Ok(record) => records.push(record),
            Err(error) => unreadable.push(Unreadable {
                path: path.clone(),
                reason: format!("{error:#}"),
            }),
        }
    }
    if records.is_empty() {
        if let Some(first) = unreadable.first() {
            bail!(
                "none of the {} record(s) given can be read; the first: {}",
                paths.len(),
                first.reason
            );
        }
    }
    Ok((records, unreadable))
}

/// Reads one record file.
pub fn read(path: &Path) -> Result<RunRecord> {
    read_with_bytes(path).map(|(_, record)| record)
}

/// Reads one record file, and keeps its bytes (`prune` replaces a file only if it
/// still holds them).
pub fn read_with_bytes(path: &Path) -> Result<(Vec<u8>, RunRecord)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = std::str::from_utf8(&bytes).map_err(|error| {
        anyhow::anyhow!(
            "reading {}: stream did not contain valid UTF-8 ({error})",
            path.display()
        )
    })?;
    let record = RunRecord::from_json(text)
        .with_context(|| format!("parsing the run record {}", path.display()))?;
    Ok((bytes, record))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn of_several_records_a_bad_one_is_left_out_with_its_reason_and_none_readable_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let record = crate::record::fixtures::record(
            "good",
            None,
            crate::record::fixtures::FINGERPRINT,
            Vec::new(),
        );
        let good = write(dir.path(), &record).unwrap();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\"schema\": \"versus.run/1\", \"id\": []}").unwrap();
        let (records, unreadable) = read_each(&[bad.clone(), good]).unwrap();
        assert_eq!(records, [record]);
        assert_eq!(unreadable.len(), 1);
        assert_eq!(unreadable[0].path, bad);
        assert!(
            unreadable[0].reason.contains("`id`"),
            "{}",
            unreadable[0].reason
        );
        let error = format!("{:#}", read_each(&[bad]).unwrap_err());
        assert!(
            error.contains("none of the 1") && error.contains("bad.json"),
            "{error}"
        );
    }

    #[test]
    fn the_flag_then_the_variable_then_the_root_name_the_history() {
        let root = Path::new("/repo");
        let flag = Some(PathBuf::from("/flag"));
        let var = Some(OsString::from("/var"));
        assert_eq!(
            resolve_with(root, flag.clone(), var.clone()),
            Path::new("/flag")
        );
        assert_eq!(resolve_with(root, None, var), Path::new("/var"));
        assert_eq!(resolve_with(root, None, None), Path::new("/repo/history"));
        let empty = Some(OsString::new());
        assert_eq!(resolve_with(root, None, empty), Path::new("/repo/history"));
    }

    #[test]
    fn a_comparison_is_stored_under_a_free_name_and_never_replaces_another() {
        let dir = tempfile::tempdir().unwrap();
        let first = write_comparison(dir.path(), "abc/../x", "{\"a\": 1}\n").unwrap();
        assert_eq!(first, dir.path().join("comparisons/abc-..-x.json"));
        let second = write_comparison(dir.path(), "abc/../x", "{\"a\": 2}").unwrap();
        assert_eq!(second, dir.path().join("comparisons/abc-..-x-2.json"));
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "{\"a\": 1}\n");
    }

    #[test]
    fn write_new_refuses_to_overwrite_and_leaves_the_original_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.json");
        write_new(&path, b"{\"first\": true}").unwrap();
        let error = write_new(&path, b"{\"second\": true}").unwrap_err();
        assert!(
            format!("{error:#}").contains("never overwritten"),
            "{error:#}"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"first\": true}\n"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["run.json"], "no temporary file is left behind");
    }

    #[test]
    fn a_stale_temporary_file_is_neither_used_nor_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.json");
        let temporary = dir
            .path()
            .join(format!(".run.json.tmp-{}", std::process::id()));
        std::fs::write(&temporary, "stale").unwrap();
        // A crashed run's temporary file is another name (the counter tells writes
        // apart): the write goes through beside it and leaves it as it was.
        write_new(&path, b"mine").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine\n");
        assert_eq!(std::fs::read_to_string(&temporary).unwrap(), "stale");
    }

    fn history_with(ids: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for id in ids {
            std::fs::write(dir.path().join(format!("{id}.json")), "{}").unwrap();
        }
        std::fs::write(dir.path().join(".20261122T0900Z-x.json.tmp-1"), "").unwrap();
        dir
    }

    #[test]
    fn a_run_is_named_by_id_prefix_or_path() {
        let ids = [
            "20261122T085319Z-965e4572-5156",
            "20261122T085605Z-965e4572-5156",
        ];
        let history = history_with(&ids);
        let dir = history.path();
        let full = resolve_run(ids[0], dir).unwrap();
        assert_eq!(full, dir.join(format!("{}.json", ids[0])));
        assert_eq!(
            resolve_run("20261122T0856", dir).unwrap(),
            dir.join(format!("{}.json", ids[1]))
        );
        assert_eq!(
            resolve_run(&format!("{}.json", ids[1]), dir).unwrap(),
            dir.join(format!("{}.json", ids[1]))
        );
        let by_path = full.to_str().unwrap();
        assert_eq!(
            resolve_run(by_path, Path::new("/nonexistent")).unwrap(),
            full
        );
    }

    #[test]
    fn an_ambiguous_or_unknown_run_lists_the_candidates() {
        let ids = [
            "20261122T085319Z-965e4572-5156",
            "20261122T085605Z-965e4572-5156",
        ];
        let history = history_with(&ids);
        let ambiguous = resolve_run("20261122", history.path())
            .unwrap_err()
            .to_string();
        assert!(ambiguous.contains("ambiguous: 2 runs"), "{ambiguous}");
        assert!(ids.iter().all(|id| ambiguous.contains(id)), "{ambiguous}");
        let unknown = resolve_run("2025", history.path()).unwrap_err().to_string();
        assert!(unknown.contains("latest runs there are"), "{unknown}");
        assert!(ids.iter().all(|id| unknown.contains(id)), "{unknown}");
        let empty = tempfile::tempdir().unwrap();
        let none = resolve_run("2026", empty.path()).unwrap_err().to_string();
        assert!(none.contains("holds no run records"), "{none}");
        let missing = resolve_run("no/such/record.json", empty.path())
            .unwrap_err()
            .to_string();
        assert!(missing.contains("is not a file"), "{missing}");
    }
}
