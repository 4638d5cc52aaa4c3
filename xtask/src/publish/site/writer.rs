//! Writing the site's files: each only when its bytes change, with a memo of what each
//! data file was made from so that a rebuild can keep a month's files without making
//! them again, and the removal of files no build writes any more.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// What a build wrote under `data/` and `downloads/`.
#[derive(Debug, Default)]
pub struct Written {
    /// Every file of the build, relative to the site's root, with its size.
    pub files: BTreeMap<PathBuf, u64>,
    /// How many of them changed (were created or rewritten).
    pub changed: usize,
}

/// Writes files under `out`, each only if its bytes differ from what is there.
pub struct Writer<'a> {
    out: &'a Path,
    pub written: Written,
    /// The digest of the inputs each file of the last build was made from, and of
    /// this build's.
    memo_before: BTreeMap<PathBuf, String>,
    memo: BTreeMap<PathBuf, String>,
}

/// Raised with every change of what the data files hold or how they are named, so
/// that no file is kept from a build of another shape.
pub const DATA_VERSION: u32 = 1;

impl<'a> Writer<'a> {
    /// A writer into `out` that remembers, in `memo` (a file of the cache), what each
    /// data file was made from.
    pub fn new(out: &'a Path, memo: &Path) -> Writer<'a> {
        let memo_before = std::fs::read(memo)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Writer {
            out,
            written: Written::default(),
            memo_before,
            memo: BTreeMap::new(),
        }
    }

    /// Whether the files `paths`, made from inputs of digest `digest`, can be kept from
    /// the last build: made from the same inputs, and still there. Kept files are
    /// listed as written.
    pub fn keep(&mut self, paths: &[PathBuf], digest: &str) -> bool {
        let sizes: Option<Vec<u64>> = paths
            .iter()
            .map(|path| {
                (self.memo_before.get(path).map(String::as_str) == Some(digest))
                    .then(|| std::fs::metadata(self.out.join(path)).ok().map(|m| m.len()))
                    .flatten()
            })
            .collect();
        let Some(sizes) = sizes else { return false };
        for (path, size) in paths.iter().zip(sizes) {
            self.written.files.insert(path.clone(), size);
            self.memo.insert(path.clone(), digest.to_string());
        }
        true
    }

    /// Remembers that `paths` were made from inputs of digest `digest`.
    pub fn made(&mut self, paths: &[PathBuf], digest: &str) {
        for path in paths {
            self.memo.insert(path.clone(), digest.to_string());
        }
    }

    /// Saves what this build's files were made from.
    pub fn save_memo(&self, memo: &Path) {
        if let Ok(bytes) = serde_json::to_vec(&self.memo) {
            let temporary = memo.with_extension("tmp");
            if std::fs::write(&temporary, bytes).is_ok() {
                let _ = std::fs::rename(&temporary, memo);
            }
        }
    }

    /// Writes `bytes` to `relative` unless it already holds them.
    pub fn write(&mut self, relative: impl Into<PathBuf>, bytes: &[u8]) -> Result<()> {
        let relative = relative.into();
        let path = self.out.join(&relative);
        // A file of another size differs without being read.
        let same_size = std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64);
        if !same_size || std::fs::read(&path).ok().as_deref() != Some(bytes) {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            let temporary = path.with_extension("tmp");
            std::fs::write(&temporary, bytes)
                .and_then(|()| std::fs::rename(&temporary, &path))
                .with_context(|| format!("writing {}", path.display()))?;
            self.written.changed += 1;
        }
        self.written.files.insert(relative, bytes.len() as u64);
        Ok(())
    }

    /// Removes the files under `dirs` that this build did not write: data of a machine
    /// or month the history no longer has.
    pub fn remove_stale(&self, dirs: &[&str]) -> Result<()> {
        for dir in dirs {
            let mut stack = vec![self.out.join(dir)];
            while let Some(dir) = stack.pop() {
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                for entry in entries.flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        stack.push(path);
                        continue;
                    }
                    let relative = path.strip_prefix(self.out).expect("under out");
                    if !self.written.files.contains_key(relative) {
                        std::fs::remove_file(&path)
                            .with_context(|| format!("removing {}", path.display()))?;
                    }
                }
            }
        }
        Ok(())
    }
}
