//! The history as run summaries, each record read once: a summary is cached under the
//! sha256 of its record file's bytes, so that a rebuild after one new run parses only
//! that run. Record files are immutable, so a file whose size and modification time
//! are those of the last build keeps its hash without being read again.
//!
//! The cache is derived data: a missing or unreadable cache file only costs a parse,
//! and nothing here writes to the history.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::summary::{RunSummary, SUMMARY_VERSION};
use crate::record::history::{self, Unreadable};
use crate::record::RunRecord;

/// How a history was read: how many runs, and the files that are not records.
#[derive(Debug, Default)]
pub struct Loaded {
    pub runs: usize,
    pub unreadable: Vec<Unreadable>,
    /// Records parsed in this build (the others came from the cache).
    pub parsed: usize,
}

/// What the last build knew of each file: its size, modification time and hash.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    version: u32,
    files: BTreeMap<String, Known>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Known {
    size: u64,
    modified_ns: u128,
    sha256: String,
}

/// Reads every record of `history_dir`, through the cache in `cache_dir`, and hands
/// each summary to `ingest` as soon as it is read (in no particular order), so that
/// the summaries of a whole history never need to be held at once.
pub fn load(
    history_dir: &Path,
    cache_dir: &Path,
    ingest: impl FnMut(RunSummary) + Send,
) -> Result<Loaded> {
    let files = history::record_files(history_dir)?;
    std::fs::create_dir_all(cache_dir)
        .with_context(|| format!("creating the site's cache {}", cache_dir.display()))?;
    let index_path = cache_dir.join("index.json");
    let index: Index = std::fs::read(&index_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .filter(|index: &Index| index.version == SUMMARY_VERSION)
        .unwrap_or_default();
    let next = AtomicUsize::new(0);
    let parsed = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Option<Outcome>>> =
        Mutex::new((0..files.len()).map(|_| None).collect());
    let ingest = Mutex::new(ingest);
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(files.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let at = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(at) else { break };
                let (summary, known) = summarise(path, cache_dir, &index, &parsed);
                let summary = summary.map(|summary| {
                    (ingest.lock().expect("no loader panicked"))(summary);
                });
                outcomes.lock().expect("no loader panicked")[at] = Some((summary, known));
            });
        }
    });
    let mut loaded = Loaded {
        parsed: parsed.into_inner(),
        ..Loaded::default()
    };
    let mut known = Index {
        version: SUMMARY_VERSION,
        files: BTreeMap::new(),
    };
    for (path, outcome) in files
        .iter()
        .zip(outcomes.into_inner().expect("no loader panicked"))
    {
        let (summary, file) = outcome.expect("every file was looked at");
        if let Some(file) = file {
            known.files.insert(path.display().to_string(), file);
        }
        match summary {
            Ok(()) => loaded.runs += 1,
            Err(reason) => loaded.unreadable.push(Unreadable {
                path: path.clone(),
                reason,
            }),
        }
    }
    if let Ok(bytes) = serde_json::to_vec(&known) {
        write_replacing(&index_path, &bytes);
    }
    Ok(loaded)
}

/// Whether a file was a record (its summary handed over), or why not, and what is known
/// of the file.
type Outcome = (Result<(), String>, Option<Known>);

/// One file's summary, from the cache or parsed, and what is known of the file.
fn summarise(
    path: &Path,
    cache_dir: &Path,
    index: &Index,
    parsed: &AtomicUsize,
) -> (Result<RunSummary, String>, Option<Known>) {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) => return (Err(format!("reading {}: {error}", path.display())), None),
    };
    let modified_ns = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let size = metadata.len();
    let remembered = index
        .files
        .get(&path.display().to_string())
        .filter(|known| known.size == size && known.modified_ns == modified_ns);
    let mut bytes = None;
    let sha256 = match remembered {
        Some(known) => known.sha256.clone(),
        None => match std::fs::read(path) {
            Ok(read) => {
                let hash = format!("{:x}", Sha256::digest(&read));
                bytes = Some(read);
                hash
            }
            Err(error) => return (Err(format!("reading {}: {error}", path.display())), None),
        },
    };
    let known = Known {
        size,
        modified_ns,
        sha256: sha256.clone(),
    };
    let cached = cache_path(cache_dir, &sha256);
    if let Some(summary) = std::fs::read(&cached)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<RunSummary>(&bytes).ok())
    {
        return (Ok(summary), Some(known));
    }
    let bytes = match bytes {
        Some(bytes) => bytes,
        None => match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) => return (Err(format!("reading {}: {error}", path.display())), None),
        },
    };
    parsed.fetch_add(1, Ordering::Relaxed);
    let summary = std::str::from_utf8(&bytes)
        .map_err(|error| anyhow::anyhow!("not UTF-8: {error}"))
        .and_then(RunRecord::from_json)
        .and_then(|record| RunSummary::of(&record));
    match summary {
        Ok(summary) => {
            if let Ok(json) = serde_json::to_vec(&summary) {
                write_replacing(&cached, &json);
            }
            (Ok(summary), Some(known))
        }
        // A bad file is not remembered: it is reported again at every build.
        Err(error) => (Err(format!("{error:#}")), None),
    }
}

/// A summary holds what its record measured of the claims, so a change of claims.toml
/// makes other summaries: the file name carries the claims' digest too.
fn cache_path(cache_dir: &Path, sha256: &str) -> PathBuf {
    static CLAIMS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let claims = CLAIMS.get_or_init(|| {
        let digest = format!("{:x}", Sha256::digest(crate::analyse::claims::CLAIMS_TOML));
        digest[..12].to_string()
    });
    cache_dir.join(format!("summary-{SUMMARY_VERSION}-{claims}-{sha256}.json"))
}

/// Writes a cache file through a temporary file and a rename, so that a reader never
/// sees half of one. A cache that cannot be written only costs the next build a parse.
fn write_replacing(path: &Path, bytes: &[u8]) {
    static WRITES: AtomicUsize = AtomicUsize::new(0);
    let temporary = path.with_extension(format!(
        "tmp-{}-{}",
        std::process::id(),
        WRITES.fetch_add(1, Ordering::Relaxed)
    ));
    if std::fs::write(&temporary, bytes).is_ok() && std::fs::rename(&temporary, path).is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::fixtures::{record, result, FINGERPRINT};

    #[test]
    fn a_second_build_parses_only_the_new_record_and_bad_files_are_reported() {
        let history = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let run = |id: &str| {
            let mut run = record(id, None, FINGERPRINT, vec![result("sum", "iter", &[0.3])]);
            run.id = id.to_string();
            run
        };
        history::write(history.path(), &run("20261122T080000Z-a")).unwrap();
        history::write(history.path(), &run("20261122T090000Z-b")).unwrap();
        std::fs::write(history.path().join("broken.json"), "{\"schema\":").unwrap();
        let mut ids = Vec::new();
        let first = load(history.path(), cache.path(), |s: RunSummary| ids.push(s.id)).unwrap();
        assert_eq!(
            (first.runs, first.parsed),
            (2, 3),
            "the broken file is read too"
        );
        assert_eq!(first.unreadable.len(), 1);
        assert!(first.unreadable[0].path.ends_with("broken.json"));
        history::write(history.path(), &run("20261122T100000Z-c")).unwrap();
        let mut again = Vec::new();
        let second = load(history.path(), cache.path(), |s: RunSummary| {
            again.push(s.id)
        })
        .unwrap();
        assert_eq!(
            (second.runs, second.parsed),
            (3, 2),
            "only the new one, and the broken file again"
        );
        again.sort();
        ids.sort();
        assert_eq!(again[..2], ids[..]);
        assert_eq!(second.unreadable.len(), 1, "still reported");
    }

    #[test]
    fn bad_files_are_reported_without_failing_or_being_touched() {
        let dir = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("garbage.json"), "not json").unwrap();
        std::fs::write(
            dir.path().join("other.json"),
            "{\"schema\": \"versus.run/9\"}",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let loaded = load(dir.path(), cache.path(), |_| {}).unwrap();
        assert_eq!(loaded.runs, 0);
        assert_eq!(loaded.unreadable.len(), 2);
        assert!(loaded
            .unreadable
            .iter()
            .any(|file| file.reason.contains("versus.run/9")));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("garbage.json")).unwrap(),
            "not json"
        );
        let absent = load(&dir.path().join("absent"), cache.path(), |_| {}).unwrap();
        assert!(absent.runs == 0 && absent.unreadable.is_empty());
    }
}
