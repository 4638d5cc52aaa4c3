//! Discovery: finding an installed toolchain that is exactly each pin.
//!
//! A toolchain's version is always checked by running it (`rustc -vV`, `go version`),
//! never assumed from its path, and Go always runs with `GOTOOLCHAIN=local` so that
//! the go command never swaps itself for another version behind our back.
//!
//! Discovery looks in a fixed order, most specific first (rustup's toolchains; Debian's
//! and Ubuntu's packages; `VERSUS_GOROOTS`, golang.org/dl and the Go tarball; then
//! `PATH`), keeps the first candidate that reports exactly the pin's version and
//! remembers the others with what they reported, so that a missing pin can be
//! explained. The roots it searches are a value ([`SearchRoots`]), so that its tests
//! run against fake toolchains in a temporary directory instead of this machine's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::pins::{is_below, numeric_parts, Minimums, Pin};
use crate::measure::catalogue::Lang;
use crate::measure::process::Cmd;

/// An installed toolchain that was checked to be exactly its pin's version.
#[derive(Debug, Clone)]
pub struct Found {
    pub pin: Pin,
    /// rustc or go.
    pub compiler: PathBuf,
    /// cargo, for Rust; the go command itself for Go.
    pub driver: PathBuf,
    /// How it was installed: "rustup", "distribution package", "VERSUS_GOROOTS",
    /// "golang.org/dl", "tarball" or "PATH".
    pub source: String,
    /// The full version line(s) the compiler printed.
    pub version_text: String,
}

impl Found {
    /// The version as the tool reported it, short: `1.95.0`, `1.97.0-nightly
    /// (2026-05-19)`, `1.19.8`.
    pub fn reported(&self) -> String {
        match self.pin.lang {
            Lang::Rust => rust_reported(&self.version_text),
            Lang::Go => go_reported(&self.version_text),
        }
    }
}

/// A candidate that was looked at and refused because it is another version, kept so
/// that a missing pin can be explained: "/usr/bin/rustc reports 1.95.0".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The tool that reported another version: rustc, cargo or go.
    pub path: PathBuf,
    /// What it reported, in the form of [`Found::reported`], or why it reported nothing.
    pub reported: String,
}

/// The outcome of looking for one pin.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub pin: Pin,
    pub found: Option<Found>,
    /// Every candidate refused before the search ended, in the order looked at.
    pub rejected: Vec<Rejected>,
    /// The minimum version the workloads declare for this language, when the pin is
    /// below it (known from the pin for a release, from the found compiler for a dated
    /// channel). Such a pin is never built: its compiler would refuse the workloads.
    pub below_minimum: Option<String>,
}

impl Discovery {
    /// The toolchain to build with: found, and not below the workloads' minimum.
    pub fn usable(&self) -> Option<&Found> {
        self.found.as_ref().filter(|_| self.below_minimum.is_none())
    }
}

/// Where discovery looks, read from the environment in one place so that tests can
/// point it at a made-up machine in a temporary directory.
#[derive(Debug, Clone)]
pub struct SearchRoots {
    /// `$HOME`: rustup's `~/.rustup` (unless `rustup_home`) and golang.org/dl's
    /// `~/sdk/goX.Y.Z`.
    pub home: Option<PathBuf>,
    /// `$RUSTUP_HOME`, when set.
    pub rustup_home: Option<PathBuf>,
    /// The directories of `$PATH`, in order.
    pub path: Vec<PathBuf>,
    /// The system prefix, `/usr`: distribution packages under `lib/` and `bin/`, the Go
    /// tarball at `local/go`.
    pub usr: PathBuf,
    /// `$VERSUS_GOROOTS`, colon-separated GOROOTs, searched first and in order.
    pub goroots: Vec<PathBuf>,
}

impl SearchRoots {
    /// The real machine's roots.
    pub fn from_env() -> SearchRoots {
        let dir = |key: &str| {
            std::env::var_os(key)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
        };
        let dirs = |key: &str| -> Vec<PathBuf> {
            std::env::var_os(key)
                .map(|value| {
                    std::env::split_paths(&value)
                        .filter(|path| !path.as_os_str().is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        SearchRoots {
            home: dir("HOME"),
            rustup_home: dir("RUSTUP_HOME"),
            path: dirs("PATH"),
            usr: PathBuf::from("/usr"),
            goroots: dirs("VERSUS_GOROOTS"),
        }
    }
}

/// Looks for every pin on this machine, and marks those below the minimum versions the
/// checkout at `root` declares.
pub fn discover(root: &Path, pins: &[Pin]) -> Result<Vec<Discovery>> {
    let minimums = Minimums::read(root)?;
    Ok(discover_in(pins, &SearchRoots::from_env(), &minimums))
}

/// Looks for every pin under the given roots.
pub fn discover_in(pins: &[Pin], roots: &SearchRoots, minimums: &Minimums) -> Vec<Discovery> {
    pins.iter()
        .map(|pin| discover_one(pin, roots, minimums))
        .collect()
}

fn discover_one(pin: &Pin, roots: &SearchRoots, minimums: &Minimums) -> Discovery {
    let candidates = match pin.lang {
        Lang::Rust => rust_candidates(pin, roots),
        Lang::Go => go_candidates(pin, roots),
    };
    let mut rejected = Vec::new();
    let mut found = None;
    let mut seen = BTreeSet::new();
    for candidate in candidates {
        // The same binary is often reachable twice (/bin is /usr/bin, /usr/lib/go is a
        // link to go-1.NN, a rustup toolchain's bin may be on PATH): run it once.
        let Ok(canonical) = candidate.compiler.canonicalize() else {
            continue;
        };
        if !canonical.is_file() || !seen.insert(canonical) {
            continue;
        }
        // rustup's proxies pick a toolchain per directory and per environment
        // (rust-toolchain.toml, overrides, RUSTUP_TOOLCHAIN), so what one reports now
        // need not be what it builds with later; rustup's toolchains are searched
        // directly instead.
        if pin.lang == Lang::Rust
            && (is_rustup_proxy(&candidate.compiler) || is_rustup_proxy(&candidate.driver))
        {
            continue;
        }
        match check(pin, candidate) {
            Ok(matched) => {
                found = Some(matched);
                break;
            }
            Err(refused) => rejected.push(refused),
        }
    }
    // A release pin says its own version; a dated channel's version is known only from
    // its compiler, so a missing nightly cannot be judged.
    let version = if numeric_parts(&pin.version).is_some() {
        Some(pin.version.clone())
    } else {
        found
            .as_ref()
            .map(|found| rust_release(&found.version_text))
    };
    let minimum = minimums.of(pin.lang);
    let below_minimum = version
        .filter(|version| is_below(version, minimum))
        .map(|_| minimum.to_string());
    Discovery {
        pin: pin.clone(),
        found,
        rejected,
        below_minimum,
    }
}

/// A place that may hold a toolchain.
struct Candidate {
    source: &'static str,
    compiler: PathBuf,
    driver: PathBuf,
}

/// Rust candidates, most specific first: rustup, distribution packages, PATH.
fn rust_candidates(pin: &Pin, roots: &SearchRoots) -> Vec<Candidate> {
    let toolchain = |source, bin: PathBuf| Candidate {
        source,
        compiler: bin.join("rustc"),
        driver: bin.join("cargo"),
    };
    let mut candidates = Vec::new();
    let rustup_home = roots
        .rustup_home
        .clone()
        .or_else(|| roots.home.as_ref().map(|home| home.join(".rustup")));
    if let Some(toolchains) = rustup_home.map(|home| home.join("toolchains")) {
        // The toolchain named after the pin first (`1.95.0-<host>`,
        // `nightly-2026-05-20-<host>`), then the channels that may be that version
        // today (`stable-<host>`, `nightly-<host>`).
        let prefixes = rustup_prefixes(&pin.version);
        let mut names: Vec<(usize, String)> = dir_names(&toolchains)
            .into_iter()
            .filter_map(|name| {
                let rank = prefixes.iter().position(|p| name.starts_with(p.as_str()))?;
                Some((rank, name))
            })
            .collect();
        names.sort();
        for (_, name) in names {
            candidates.push(toolchain("rustup", toolchains.join(name).join("bin")));
        }
    }
    // Ubuntu's versioned rustc-1.NN and cargo-1.NN packages live in /usr/lib/rust-1.NN;
    // Debian's rustc-web and cargo-web (like its plain rustc and cargo) are
    // /usr/bin/rustc and /usr/bin/cargo.
    let lib = roots.usr.join("lib");
    for name in dir_names(&lib) {
        if name.starts_with("rust-") {
            candidates.push(toolchain(
                "distribution package",
                lib.join(name).join("bin"),
            ));
        }
    }
    candidates.push(toolchain("distribution package", roots.usr.join("bin")));
    for dir in &roots.path {
        candidates.push(toolchain("PATH", dir.clone()));
    }
    candidates
}

fn rustup_prefixes(version: &str) -> Vec<String> {
    match version.split_once('-') {
        Some((channel, _)) => vec![format!("{version}-"), format!("{channel}-")],
        None => {
            let minor: Vec<&str> = version.split('.').take(2).collect();
            vec![
                format!("{version}-"),
                format!("{}-", minor.join(".")),
                "stable-".to_string(),
            ]
        }
    }
}

/// Go candidates: VERSUS_GOROOTS in its order, distribution packages, golang.org/dl,
/// the official tarball, PATH.
fn go_candidates(pin: &Pin, roots: &SearchRoots) -> Vec<Candidate> {
    let go = |source, bin: PathBuf| Candidate {
        source,
        compiler: bin.join("go"),
        driver: bin.join("go"),
    };
    let mut candidates: Vec<Candidate> = roots
        .goroots
        .iter()
        .map(|goroot| go("VERSUS_GOROOTS", goroot.join("bin")))
        .collect();
    // Debian's and Ubuntu's golang-1.NN-go put a GOROOT per minor version in
    // /usr/lib/go-1.NN; /usr/lib/go is golang-go's link to the default one.
    let lib = roots.usr.join("lib");
    let minor: Vec<&str> = pin.version.split('.').take(2).collect();
    candidates.push(go(
        "distribution package",
        lib.join(format!("go-{}", minor.join("."))).join("bin"),
    ));
    candidates.push(go("distribution package", lib.join("go").join("bin")));
    if let Some(home) = &roots.home {
        let sdk = home.join("sdk").join(format!("go{}", pin.version));
        candidates.push(go("golang.org/dl", sdk.join("bin")));
    }
    candidates.push(go(
        "tarball",
        roots.usr.join("local").join("go").join("bin"),
    ));
    for dir in &roots.path {
        candidates.push(go("PATH", dir.clone()));
    }
    candidates
}

fn dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok())
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Whether `program` is one of rustup's proxies, which are links to rustup itself:
/// symbolic ones resolve to a file named `rustup`, hard ones share its inode.
fn is_rustup_proxy(program: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    if program
        .canonicalize()
        .is_ok_and(|target| target.file_name().is_some_and(|name| name == "rustup"))
    {
        return true;
    }
    match (
        std::fs::metadata(program),
        std::fs::metadata(program.with_file_name("rustup")),
    ) {
        (Ok(program), Ok(rustup)) => program.dev() == rustup.dev() && program.ino() == rustup.ino(),
        _ => false,
    }
}

/// Runs a candidate's tools and keeps it only if they are exactly the pin's version.
fn check(pin: &Pin, candidate: Candidate) -> std::result::Result<Found, Rejected> {
    let ran_not = |path: &Path, error: anyhow::Error| Rejected {
        path: path.to_path_buf(),
        reported: format!("no version: {}", first_line(&format!("{error:#}"))),
    };
    let version_text = match pin.lang {
        Lang::Rust => {
            let text = Cmd::new(&candidate.compiler)
                .arg("-vV")
                .env_remove("RUSTUP_TOOLCHAIN")
                .read()
                .map_err(|error| ran_not(&candidate.compiler, error))?;
            let reported = rust_reported(&text);
            if !rust_matches(&pin.version, &text) {
                return Err(Rejected {
                    path: candidate.compiler,
                    reported,
                });
            }
            // A toolchain is a rustc and a cargo of the same release: Debian ships them
            // as two packages, and a cargo of another release may sit beside a rustc.
            if !candidate.driver.is_file() {
                return Err(Rejected {
                    path: candidate.compiler,
                    reported: format!("{reported}, with no cargo beside it"),
                });
            }
            let cargo = Cmd::new(&candidate.driver)
                .arg("-V")
                .env_remove("RUSTUP_TOOLCHAIN")
                .read()
                .map_err(|error| ran_not(&candidate.driver, error))?;
            // "cargo 1.96.0 (30a34c682 2026-05-25)"
            let cargo_release = cargo.split_whitespace().nth(1).unwrap_or("unknown");
            if cargo_release != rust_release(&text) {
                return Err(Rejected {
                    path: candidate.driver,
                    reported: format!("{cargo_release}, beside rustc {reported}"),
                });
            }
            text
        }
        Lang::Go => {
            // GOROOT set in the environment would make this go use another version's
            // standard library; `go version` itself reports the binary's own version.
            let text = Cmd::new(&candidate.compiler)
                .arg("version")
                .env("GOTOOLCHAIN", "local")
                .env_remove("GOROOT")
                .read()
                .map_err(|error| ran_not(&candidate.compiler, error))?;
            if !go_matches(&pin.version, &text) {
                return Err(Rejected {
                    path: candidate.compiler,
                    reported: go_reported(&text),
                });
            }
            text
        }
    };
    Ok(Found {
        pin: pin.clone(),
        compiler: candidate.compiler,
        driver: candidate.driver,
        source: candidate.source.to_string(),
        version_text: version_text.trim().to_string(),
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

pub(super) fn rust_release(rustc_vv: &str) -> String {
    rustc_vv
        .lines()
        .find_map(|line| line.strip_prefix("release: "))
        .unwrap_or("unknown")
        .trim()
        .to_string()
}

fn rust_commit_date(rustc_vv: &str) -> &str {
    rustc_vv
        .lines()
        .find_map(|line| line.strip_prefix("commit-date: "))
        .unwrap_or("")
        .trim()
}

/// The release, and for a nightly or beta the date it was built from, which is what
/// tells two nightlies apart.
pub(super) fn rust_reported(rustc_vv: &str) -> String {
    let release = rust_release(rustc_vv);
    let date = rust_commit_date(rustc_vv);
    if release.contains('-') && !date.is_empty() {
        format!("{release} ({date})")
    } else {
        release
    }
}

pub(super) fn rust_matches(pin_version: &str, rustc_vv: &str) -> bool {
    let release = rust_release(rustc_vv);
    match pin_version.split_once('-') {
        // A dated channel: the release says nightly (or beta), and the compiler was
        // built from that day's commit or the day before (nightlies are cut overnight).
        Some((channel, date)) => {
            let commit_date = rust_commit_date(rustc_vv);
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

pub(super) fn go_matches(pin_version: &str, go_version: &str) -> bool {
    // "go version go1.26.8 linux/amd64"
    go_version.split_whitespace().nth(2) == Some(&format!("go{pin_version}"))
}

pub(super) fn go_reported(go_version: &str) -> String {
    match go_version.split_whitespace().nth(2) {
        Some(version) => version.strip_prefix("go").unwrap_or(version).to_string(),
        None => go_version.trim().to_string(),
    }
}
