//! The chart library the site embeds, vendored in `site/vendor/uplot/` so that
//! rendering needs no Node and no network. `VENDOR.toml` records its npm version, the
//! package's integrity and each file's sha256; every build checks the files against
//! it, and `cargo xtask test` checks it against the package npm serves.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

/// What `VENDOR.toml` records.
#[derive(Debug, serde::Deserialize)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    /// The npm tarball's integrity (`npm view <name>@<version> dist.integrity`).
    pub integrity: String,
    /// File name → sha256, for the files taken from the package's `dist/`.
    pub files: std::collections::BTreeMap<String, String>,
}

fn dir(root: &Path) -> PathBuf {
    root.join("site/vendor/uplot")
}

/// Reads `site/vendor/uplot/VENDOR.toml`.
pub fn manifest(root: &Path) -> Result<Manifest> {
    let path = dir(root).join("VENDOR.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// A vendored file, checked against the hash `manifest` (its VENDOR.toml) records.
pub fn vendored(root: &Path, manifest: &Manifest, name: &str) -> Result<Vec<u8>> {
    let manifest_path = dir(root).join("VENDOR.toml");
    let expected = manifest
        .files
        .get(name)
        .with_context(|| format!("{} lists no hash for {name}", manifest_path.display()))?;
    let path = dir(root).join(name);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let actual = sha256(&bytes);
    if &actual != expected {
        bail!(
            "{} has sha256 {actual}, but {} records {expected}: restore the vendored file \
             (`npm pack uplot@<version>`) or record the new one",
            path.display(),
            manifest_path.display()
        );
    }
    Ok(bytes)
}

/// How the vendored files differ from an unpacked npm package (`package/` of the
/// tarball) whose integrity npm reported as `integrity`: one line per difference.
pub fn differences(root: &Path, integrity: &str, package: &Path) -> Result<Vec<String>> {
    let manifest = manifest(root)?;
    let mut differences = Vec::new();
    if integrity != manifest.integrity {
        differences.push(format!(
            "npm's {}@{} has integrity {integrity}, VENDOR.toml records {}",
            manifest.name, manifest.version, manifest.integrity
        ));
    }
    let mut files: Vec<(PathBuf, String)> = manifest
        .files
        .keys()
        .map(|name| (package.join("dist").join(name), name.clone()))
        .collect();
    files.push((package.join("LICENSE"), "LICENSE".to_string()));
    for (from_npm, name) in files {
        let npm = std::fs::read(&from_npm)
            .with_context(|| format!("reading {} of the npm package", from_npm.display()))?;
        let ours_path = dir(root).join(&name);
        let ours = std::fs::read(&ours_path)
            .with_context(|| format!("reading {}", ours_path.display()))?;
        if npm != ours {
            differences.push(format!(
                "site/vendor/uplot/{name} (sha256 {}) is not the npm package's (sha256 {})",
                sha256(&ours),
                sha256(&npm)
            ));
        }
        if let Some(recorded) = manifest.files.get(&name) {
            if recorded != &sha256(&npm) {
                differences.push(format!(
                    "VENDOR.toml records sha256 {recorded} for {name}, the npm package's is {}",
                    sha256(&npm)
                ));
            }
        }
    }
    Ok(differences)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
    }

    #[test]
    fn a_package_with_the_same_files_has_no_difference_and_a_changed_one_is_named() {
        let manifest = manifest(root()).unwrap();
        let package = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(package.path().join("dist")).unwrap();
        for name in manifest.files.keys() {
            std::fs::copy(
                dir(root()).join(name),
                package.path().join("dist").join(name),
            )
            .unwrap();
        }
        std::fs::copy(dir(root()).join("LICENSE"), package.path().join("LICENSE")).unwrap();
        let same = differences(root(), &manifest.integrity, package.path()).unwrap();
        assert!(same.is_empty(), "{same:?}");
        std::fs::write(package.path().join("dist/uPlot.min.css"), "changed").unwrap();
        let changed = differences(root(), "sha512-other", package.path()).unwrap();
        assert_eq!(changed.len(), 3, "{changed:?}");
        assert!(changed[0].contains("integrity sha512-other"));
        assert!(changed.iter().any(|d| d.contains("uPlot.min.css")));
    }
}
