//! Reads the small text files of /proc, /sys and /etc below a chosen root directory.
//!
//! Detection reads everything through `Root`, so a test can lay out a fake machine in a
//! temporary directory and point detection at it. Every read is allowed to fail: a file
//! that is missing, unreadable or not UTF-8 reads as None, because a machine that does
//! not expose something is normal (containers, macOS, hardened kernels), not an error.

use std::fs;
use std::path::{Path, PathBuf};

/// The directory that stands for `/`.
#[derive(Debug, Clone)]
pub struct Root {
    base: PathBuf,
}

impl Root {
    /// The real machine.
    pub fn system() -> Root {
        Root::at(Path::new("/"))
    }

    /// A directory laid out like `/`, e.g. a test's temporary tree.
    pub fn at(base: &Path) -> Root {
        Root {
            base: base.to_path_buf(),
        }
    }

    /// Where an absolute path such as `/proc/cpuinfo` lives below this root.
    pub fn path(&self, absolute: &str) -> PathBuf {
        self.base.join(absolute.trim_start_matches('/'))
    }

    /// The file's text, or None when it cannot be read.
    pub fn read(&self, absolute: &str) -> Option<String> {
        fs::read_to_string(self.path(absolute)).ok()
    }

    /// The file's text without surrounding white space, or None when that is empty.
    pub fn read_trimmed(&self, absolute: &str) -> Option<String> {
        let text = self.read(absolute)?;
        let trimmed = text.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    }

    /// The names in a directory, sorted so that detection is deterministic; empty when
    /// the directory cannot be listed.
    pub fn list(&self, absolute: &str) -> Vec<String> {
        let Ok(entries) = fs::read_dir(self.path(absolute)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .collect();
        names.sort();
        names
    }
}
