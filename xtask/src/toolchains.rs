//! Pinned toolchains: reading `toolchains.toml`, finding an installed toolchain that is
//! exactly each pin, building the workloads with it, and recording what was used.
//!
//! A toolchain's version is always checked by running it (`rustc -vV`, `go version`),
//! never assumed from its path, and Go always runs with `GOTOOLCHAIN=local` so that
//! the go command never swaps itself for another version behind our back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::catalogue::Lang;
use crate::process::Cmd;
use crate::record::ToolchainRecord;

/// One pinned toolchain version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// `rust-1.95.0`, `go-1.19.8`, `rust-nightly-2026-11-01`.
    pub id: String,
    pub lang: Lang,
    pub version: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PinEntry {
    version: toml::Spanned<String>,
}

/// Reads the pins from `toolchains.toml` text; `file` names it in errors.
pub fn parse_pins(text: &str, file: &Path) -> Result<Vec<Pin>> {
    // Spanned values keep their position in the text, so every error names its line.
    let table: BTreeMap<toml::Spanned<String>, Vec<PinEntry>> =
        toml::from_str(text).with_context(|| {
            format!(
                "reading the pins in {}: each pin is a [[rust]] or [[go]] table with exactly \
                 one key, `version = \"...\"`",
                file.display()
            )
        })?;
    let line_of = |offset: usize| text[..offset.min(text.len())].lines().count().max(1);
    let mut pins: Vec<Pin> = Vec::new();
    let mut lines: BTreeMap<String, usize> = BTreeMap::new();
    for (key, entries) in table {
        let key_line = line_of(key.span().start + 1);
        let key = key.into_inner();
        let Some(lang) = Lang::parse(&key) else {
            bail!(
                "{}:{key_line}: unknown language {key:?}: the languages are `rust` and `go`, \
                 each pin written as [[rust]] or [[go]] with a `version`",
                file.display(),
            );
        };
        for entry in entries {
            let line = line_of(entry.version.span().start);
            let version = entry.version.into_inner();
            check_version(lang, &version)
                .with_context(|| format!("{}:{line}: malformed {key} pin", file.display()))?;
            let id = format!("{}-{version}", lang.as_str());
            if let Some(first) = lines.get(&id) {
                bail!(
                    "{}:{line}: pin {id} is listed twice (first on line {first})",
                    file.display()
                );
            }
            lines.insert(id.clone(), line);
            pins.push(Pin { id, lang, version });
        }
    }
    if pins.is_empty() {
        bail!(
            "{} pins no toolchain: add a [[rust]] and a [[go]] version",
            file.display()
        );
    }
    // The file's own order, so that output follows what the person wrote.
    pins.sort_by_key(|pin| lines[&pin.id]);
    Ok(pins)
}

fn check_version(lang: Lang, version: &str) -> Result<()> {
    let numeric = |v: &str| {
        let parts: Vec<&str> = v.split('.').collect();
        (2..=3).contains(&parts.len())
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let ok = match lang {
        Lang::Rust => {
            numeric(version)
                || version.strip_prefix("nightly-").is_some_and(is_date)
                || version.strip_prefix("beta-").is_some_and(is_date)
        }
        Lang::Go => numeric(version),
    };
    if !ok {
        let expected = match lang {
            Lang::Rust => {
                "a release like \"1.95.0\" or a dated channel like \"nightly-2026-11-01\""
            }
            Lang::Go => "a release like \"1.26.8\"",
        };
        bail!("version {version:?} is not {expected}");
    }
    Ok(())
}

fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && [4, 2, 2]
            .iter()
            .zip(&parts)
            .all(|(len, p)| p.len() == *len && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Reads `toolchains.toml` at the root of the project.
pub fn load_pins(root: &Path) -> Result<Vec<Pin>> {
    let file = root.join("toolchains.toml");
    let text = std::fs::read_to_string(&file).with_context(|| {
        format!(
            "reading {}: every checkout has one at its root",
            file.display()
        )
    })?;
    parse_pins(&text, &file)
}

/// An installed toolchain that was checked to be exactly its pin's version.
#[derive(Debug, Clone)]
pub struct Found {
    pub pin: Pin,
    /// rustc or go.
    pub compiler: PathBuf,
    /// cargo, for Rust; the go command itself for Go.
    pub driver: PathBuf,
    /// Where it was found: "rustup", "PATH", "GOROOT /usr/lib/go-1.19", ...
    pub source: String,
    /// The full version line(s) the tool printed.
    pub version_text: String,
}

/// A candidate that was looked at but is another version, for diagnostics.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub path: PathBuf,
    pub reported: String,
}

/// The outcome of looking for one pin.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub pin: Pin,
    pub found: Option<Found>,
    pub rejected: Vec<Rejected>,
}

/// Looks for every pin among the installed toolchains.
pub fn discover(pins: &[Pin]) -> Vec<Discovery> {
    pins.iter().map(discover_one).collect()
}

fn discover_one(pin: &Pin) -> Discovery {
    let mut rejected = Vec::new();
    let mut seen = BTreeSet::new();
    for (source, bin_dir) in candidate_dirs(pin) {
        let Ok(canonical) = bin_dir.canonicalize() else {
            continue;
        };
        if !seen.insert(canonical) {
            continue;
        }
        match pin.lang {
            Lang::Rust => {
                let (rustc, cargo) = (bin_dir.join("rustc"), bin_dir.join("cargo"));
                if !rustc.is_file() || !cargo.is_file() {
                    continue;
                }
                let Ok(text) = Cmd::new(&rustc)
                    .arg("-vV")
                    .env_remove("RUSTUP_TOOLCHAIN")
                    .read()
                else {
                    continue;
                };
                if rust_matches(&pin.version, &text) {
                    return Discovery {
                        pin: pin.clone(),
                        found: Some(Found {
                            pin: pin.clone(),
                            compiler: rustc,
                            driver: cargo,
                            source,
                            version_text: text.trim().to_string(),
                        }),
                        rejected,
                    };
                }
                rejected.push(Rejected {
                    path: rustc,
                    reported: rust_release(&text),
                });
            }
            Lang::Go => {
                let go = bin_dir.join("go");
                if !go.is_file() {
                    continue;
                }
                let Ok(text) = Cmd::new(&go)
                    .arg("version")
                    .env("GOTOOLCHAIN", "local")
                    .read()
                else {
                    continue;
                };
                if go_matches(&pin.version, &text) {
                    return Discovery {
                        pin: pin.clone(),
                        found: Some(Found {
                            pin: pin.clone(),
                            compiler: go.clone(),
                            driver: go,
                            source,
                            version_text: text.trim().to_string(),
                        }),
                        rejected,
                    };
                }
                rejected.push(Rejected {
                    path: go,
                    reported: text.trim().to_string(),
                });
            }
        }
    }
    Discovery {
        pin: pin.clone(),
        found: None,
        rejected,
    }
}

/// Directories that may hold a toolchain's binaries, most specific first.
fn candidate_dirs(pin: &Pin) -> Vec<(String, PathBuf)> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut dirs = Vec::new();
    match pin.lang {
        Lang::Rust => {
            let rustup_home = std::env::var_os("RUSTUP_HOME")
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".rustup")));
            if let Some(toolchains) = rustup_home.map(|h| h.join("toolchains")) {
                let prefix = format!("{}-", pin.version);
                for entry in read_dir_sorted(&toolchains) {
                    let name = entry.file_name().map(|n| n.to_string_lossy().into_owned());
                    if name.is_some_and(|n| {
                        n.starts_with(&prefix)
                            || n.starts_with("stable-")
                            || n.starts_with("nightly-")
                            || n.starts_with("beta-")
                    }) {
                        dirs.push(("rustup".to_string(), entry.join("bin")));
                    }
                }
            }
            // Distribution packages that install a second Rust beside the default one
            // (Debian's rustc-web and cargo-web) keep it under /usr/lib.
            for entry in read_dir_sorted(Path::new("/usr/lib")) {
                let name = entry
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if name.starts_with("rust-") || name == "rust" {
                    dirs.push((format!("package {}", entry.display()), entry.join("bin")));
                }
            }
            dirs.extend(
                path_dirs_with("rustc")
                    .into_iter()
                    .map(|d| ("PATH".to_string(), d)),
            );
        }
        Lang::Go => {
            for root in std::env::var("VERSUS_GOROOTS")
                .unwrap_or_default()
                .split(':')
            {
                if !root.is_empty() {
                    dirs.push((
                        format!("VERSUS_GOROOTS {root}"),
                        Path::new(root).join("bin"),
                    ));
                }
            }
            // Debian's golang-1.NN-go packages, golang.org/dl's ~/sdk/goX.Y.Z, the
            // official tarball's /usr/local/go.
            for entry in read_dir_sorted(Path::new("/usr/lib")) {
                let name = entry
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if name.starts_with("go-") {
                    dirs.push((format!("GOROOT {}", entry.display()), entry.join("bin")));
                }
            }
            if let Some(home) = &home {
                let sdk = home.join("sdk").join(format!("go{}", pin.version));
                dirs.push((format!("GOROOT {}", sdk.display()), sdk.join("bin")));
            }
            dirs.push((
                "GOROOT /usr/local/go".to_string(),
                PathBuf::from("/usr/local/go/bin"),
            ));
            dirs.extend(
                path_dirs_with("go")
                    .into_iter()
                    .map(|d| ("PATH".to_string(), d)),
            );
        }
    }
    dirs
}

fn read_dir_sorted(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

fn path_dirs_with(program: &str) -> Vec<PathBuf> {
    std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .filter(|dir| dir.join(program).is_file())
                .collect()
        })
        .unwrap_or_default()
}

fn rust_release(rustc_vv: &str) -> String {
    rustc_vv
        .lines()
        .find_map(|line| line.strip_prefix("release: "))
        .unwrap_or("unknown")
        .trim()
        .to_string()
}

fn rust_matches(pin_version: &str, rustc_vv: &str) -> bool {
    let release = rust_release(rustc_vv);
    match pin_version.split_once('-') {
        // A dated channel: the release says nightly (or beta), and the compiler was
        // built from that day's commit or the day before (nightlies are cut overnight).
        Some((channel, date)) => {
            let commit_date = rustc_vv
                .lines()
                .find_map(|line| line.strip_prefix("commit-date: "))
                .unwrap_or("")
                .trim();
            release.contains(channel) && (commit_date == date || is_day_before(commit_date, date))
        }
        None => release == pin_version,
    }
}

fn is_day_before(earlier: &str, later: &str) -> bool {
    let parse = |text: &str| {
        time::Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()
    };
    matches!((parse(earlier), parse(later)), (Some(a), Some(b)) if a.next_day() == Some(b))
}

fn go_matches(pin_version: &str, go_version: &str) -> bool {
    // "go version go1.26.8 linux/amd64"
    go_version.split_whitespace().nth(2) == Some(&format!("go{pin_version}"))
}

/// Where a pin's binaries are built.
pub fn build_dir(root: &Path, pin: &Pin) -> PathBuf {
    root.join("target").join("versus").join(&pin.id)
}

/// The path of a pin's workload binary.
pub fn binary_path(root: &Path, pin: &Pin) -> PathBuf {
    build_dir(root, pin).join(pin.lang.binary())
}

/// Builds the workloads with one toolchain, in release mode, into its own directory.
pub fn build(root: &Path, found: &Found) -> Result<PathBuf> {
    let dir = build_dir(root, &found.pin);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let binary = binary_path(root, &found.pin);
    match found.pin.lang {
        Lang::Rust => {
            let target_dir = dir.join("cargo-target");
            // The toolchain's own cargo with its own rustc: calling the rustup proxy
            // would build with whichever toolchain happens to be the default.
            Cmd::new(&found.driver)
                .args(["build", "--release", "--locked", "--manifest-path"])
                .arg(root.join("workloads").join("Cargo.toml"))
                .arg("--target-dir")
                .arg(&target_dir)
                .env("RUSTC", &found.compiler)
                .env_remove("RUSTUP_TOOLCHAIN")
                .run()
                .with_context(|| format!("building the Rust workloads with {}", found.pin.id))?;
            let built = target_dir.join("release").join("versus-rs");
            std::fs::copy(&built, &binary)
                .with_context(|| format!("copying {} to {}", built.display(), binary.display()))?;
        }
        Lang::Go => {
            Cmd::new(&found.driver)
                .args(["build", "-trimpath", "-mod=readonly", "-o"])
                .arg(&binary)
                .arg(".")
                .dir(root.join("go"))
                .env("GOTOOLCHAIN", "local")
                .run()
                .with_context(|| format!("building the Go workloads with {}", found.pin.id))?;
        }
    }
    Ok(binary)
}

/// Environment variables that change generated code or runtime behaviour, recorded
/// with every toolchain so that no setting is silently in force.
const RUST_FLAGS: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUST_MIN_STACK",
];
const GO_FLAGS: &[&str] = &[
    "GOAMD64",
    "GOARM64",
    "GOARM",
    "GOMAXPROCS",
    "GOGC",
    "GOMEMLIMIT",
    "GODEBUG",
    "GOFLAGS",
    "CGO_ENABLED",
    "GOEXPERIMENT",
];
const GO_ENV: &[&str] = &[
    "GOVERSION",
    "GOROOT",
    "GOOS",
    "GOARCH",
    "GOAMD64",
    "GOARM64",
    "CGO_ENABLED",
    "GOFLAGS",
    "GOEXPERIMENT",
    "GOTOOLCHAIN",
];

/// What was used, exactly: the tool's own version output, the settings in force and
/// the sha256 of the lockfile it built from.
pub fn record(root: &Path, found: &Found) -> Result<ToolchainRecord> {
    let mut detail = BTreeMap::new();
    let (flags, lockfile, version) = match found.pin.lang {
        Lang::Rust => {
            for line in found.version_text.lines() {
                if let Some((key, value)) = line.split_once(": ") {
                    detail.insert(format!("rustc.{key}"), value.trim().to_string());
                }
            }
            let cargo = Cmd::new(&found.driver)
                .arg("-V")
                .env("RUSTC", &found.compiler)
                .read()?;
            detail.insert("cargo".to_string(), cargo.trim().to_string());
            detail.insert(
                "rustc.path".to_string(),
                found.compiler.display().to_string(),
            );
            (
                RUST_FLAGS,
                root.join("workloads").join("Cargo.lock"),
                rust_release(&found.version_text),
            )
        }
        Lang::Go => {
            detail.insert("go version".to_string(), found.version_text.clone());
            let env = Cmd::new(&found.driver)
                .arg("env")
                .args(GO_ENV.iter().copied())
                .env("GOTOOLCHAIN", "local")
                .dir(root.join("go"))
                .read()
                .with_context(|| format!("reading `go env` of {}", found.pin.id))?;
            for (key, value) in GO_ENV.iter().zip(env.lines()) {
                detail.insert(format!("go env {key}"), value.to_string());
            }
            let version = found.pin.version.clone();
            (GO_FLAGS, root.join("go").join("go.sum"), version)
        }
    };
    let flags = flags
        .iter()
        .map(|key| (key.to_string(), std::env::var(key).ok()))
        .collect();
    Ok(ToolchainRecord {
        id: found.pin.id.clone(),
        lang: found.pin.lang.as_str().to_string(),
        version,
        detail,
        flags,
        lockfile_sha256: sha256_file(&lockfile).ok(),
    })
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(format!("{:x}", Sha256::digest(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Pin>> {
        parse_pins(text, Path::new("toolchains.toml"))
    }

    #[test]
    fn pins_have_ids_in_file_order() {
        let pins = parse(
            "[[go]]\nversion = \"1.26.8\"\n[[rust]]\nversion = \"1.95.0\"\n\
             [[rust]]\nversion = \"nightly-2026-11-01\"\n[[go]]\nversion = \"1.19.8\"\n",
        )
        .unwrap();
        let ids: Vec<&str> = pins.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "go-1.26.8",
                "rust-1.95.0",
                "rust-nightly-2026-11-01",
                "go-1.19.8"
            ]
        );
    }

    #[test]
    fn bad_pins_are_errors_with_their_line() {
        let error = parse("[[rust]]\nversion = \"1.95.0\"\n\n[[rust]]\nversion = \"1.95.0\"\n")
            .unwrap_err();
        assert_eq!(
            format!("{error:#}"),
            "toolchains.toml:5: pin rust-1.95.0 is listed twice (first on line 2)"
        );
        let error =
            parse("[[rust]]\nversion = \"1.95\"\n[[go]]\nversion = \"latest\"\n").unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.starts_with("toolchains.toml:4: malformed go pin"),
            "{message}"
        );
        let error =
            parse("[[rust]]\nversion = \"1.95.0\"\n[[zig]]\nversion = \"0.13.0\"\n").unwrap_err();
        assert!(format!("{error:#}").starts_with("toolchains.toml:3: unknown language \"zig\""));
        let error = parse("[[rust]]\nversion = \"1.95.0\"\nchannel = \"x\"\n").unwrap_err();
        assert!(
            format!("{error:#}").contains("exactly one key"),
            "{error:#}"
        );
        assert!(parse("[[rust]]\nversion = \n").is_err(), "invalid TOML");
        assert!(parse("").is_err(), "no pins at all");
    }

    #[test]
    fn versions_are_matched_exactly() {
        let vv = "rustc 1.95.0 (59807616e 2026-04-14)\nbinary: rustc\nrelease: 1.95.0\ncommit-date: 2026-04-14\n";
        assert!(rust_matches("1.95.0", vv));
        assert!(!rust_matches("1.95.1", vv));
        assert!(!rust_matches("1.9", vv));
        let nightly = "rustc 1.97.0-nightly\nrelease: 1.97.0-nightly\ncommit-date: 2026-10-31\n";
        assert!(rust_matches("nightly-2026-11-01", nightly));
        assert!(rust_matches("nightly-2026-10-31", nightly));
        assert!(!rust_matches("nightly-2026-11-02", nightly));
        assert!(!rust_matches("beta-2026-11-01", nightly));
        assert!(go_matches("1.26.8", "go version go1.26.8 linux/amd64"));
        assert!(!go_matches("1.26.8", "go version go1.26.80 linux/amd64"));
        assert!(!go_matches("1.19.8", "go version go1.19 linux/amd64"));
    }
}
