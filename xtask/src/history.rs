//! The history store: one immutable JSON file per run record.
//!
//! A record is written to a temporary file in the same directory, flushed to disk, and
//! then hard-linked to its final name, which fails if that name exists: an existing
//! record is never overwritten or truncated, and a crash leaves at most a stray
//! temporary file, never a half-written record. Reading skips what is not a record
//! (and says so) rather than failing the whole history for one bad file.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

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

/// Writes `bytes` to a path that must not exist yet, atomically.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    let dir = path.parent().context("a record path has a directory")?;
    let name = path
        .file_name()
        .context("a record path has a file name")?
        .to_string_lossy();
    let temporary = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    // create_new: a temporary file of that name belongs to someone else (or to a crashed
    // run with this pid) and is neither written nor removed here.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .with_context(|| format!("creating {}", temporary.display()))?;
    // No check that `path` is free: link(2) below is the check, and it cannot race.
    let result = (|| {
        file.write_all(bytes)
            .with_context(|| format!("writing {}", temporary.display()))?;
        file.write_all(b"\n")?;
        file.sync_all()
            .with_context(|| format!("flushing {}", temporary.display()))?;
        // link(2) refuses an existing destination, unlike rename(2): a concurrent
        // writer of the same name loses cleanly instead of replacing a record.
        std::fs::hard_link(&temporary, path).with_context(|| {
            if path.exists() {
                format!(
                    "{} already exists; history files are never overwritten",
                    path.display()
                )
            } else {
                format!("moving {} to {}", temporary.display(), path.display())
            }
        })
    })();
    let _ = std::fs::remove_file(&temporary);
    result?;
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(path.to_path_buf())
}

/// The records of a history directory, and the files in it that are not records.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Oldest first: ids sort by start time.
    pub records: Vec<RunRecord>,
    pub unreadable: Vec<Unreadable>,
}

/// A file in the history that could not be read as a record, and why.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub path: PathBuf,
    pub reason: String,
}

/// Reads every record in `dir`. Files that are not records are reported with the
/// reason, never deleted or changed.
pub fn read_all(dir: &Path) -> Result<History> {
    let mut history = History::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(history),
        Err(error) => {
            return Err(error).with_context(|| format!("listing the history in {}", dir.display()))
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "json")
                && !path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    for path in paths {
        match read(&path) {
            Ok(record) => history.records.push(record),
            Err(error) => history.unreadable.push(Unreadable {
                path,
                reason: format!("{error:#}"),
            }),
        }
    }
    history.records.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(history)
}

/// Reads one record file.
pub fn read(path: &Path) -> Result<RunRecord> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    RunRecord::from_json(&text)
        .with_context(|| format!("parsing the run record {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(write_new(&path, b"mine").is_err());
        assert!(!path.exists());
        assert_eq!(std::fs::read_to_string(&temporary).unwrap(), "stale");
    }

    #[test]
    fn read_all_reports_bad_files_without_failing_or_touching_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("garbage.json"), "not json").unwrap();
        std::fs::write(
            dir.path().join("other.json"),
            "{\"schema\": \"versus.run/9\"}",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let history = read_all(dir.path()).unwrap();
        assert!(history.records.is_empty());
        assert_eq!(history.unreadable.len(), 2);
        assert!(history
            .unreadable
            .iter()
            .any(|file| file.reason.contains("versus.run/9")));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("garbage.json")).unwrap(),
            "not json"
        );
    }

    #[test]
    fn a_missing_history_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let history = read_all(&dir.path().join("absent")).unwrap();
        assert!(history.records.is_empty() && history.unreadable.is_empty());
    }
}
