//! Pinned toolchains: reading `toolchains.toml`, finding an installed toolchain that is
//! exactly each pin, building the workloads with it, and recording what was used.
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
    let numbers: Option<Vec<u64>> = version
        .split('.')
        .map(|part| {
            if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        })
        .collect();
    let parts = numbers.as_deref().unwrap_or(&[]);
    match lang {
        // rustc reports three numbers, so a pin names all three: "1.95" would match
        // nothing, or a different 1.95.x on each machine.
        Lang::Rust if parts.len() == 3 => Ok(()),
        Lang::Rust
            if ["nightly-", "beta-"]
                .iter()
                .any(|channel| version.strip_prefix(channel).is_some_and(is_date)) =>
        {
            Ok(())
        }
        Lang::Rust if parts.len() == 2 => bail!(
            "version {version:?} is not one release: write all three numbers, like \
             \"{version}.0\""
        ),
        Lang::Rust => bail!(
            "version {version:?} is not a release like \"1.95.0\" or a dated channel like \
             \"nightly-2026-11-01\""
        ),
        Lang::Go if parts.len() == 3 => Ok(()),
        // Before Go 1.21 the first release of a minor version was called go1.N; since
        // then go1.N is only a language version and the release is go1.N.0.
        Lang::Go if parts.len() == 2 && parts[1] < 21 => Ok(()),
        Lang::Go if parts.len() == 2 => bail!(
            "version {version:?} is a language version, not a release: the first release of \
             Go {version} is \"{version}.0\""
        ),
        Lang::Go => bail!("version {version:?} is not a release like \"1.26.8\""),
    }
}

/// Whether `text` is a real calendar date written as YYYY-MM-DD.
fn is_date(text: &str) -> bool {
    text.len() == 10
        && time::Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_ok()
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

/// The oldest versions the workloads say they build with: `rust-version` in
/// `workloads/Cargo.toml` and the `go` directive in `go/go.mod`. Pins below them are
/// reported and never built, instead of failing halfway through a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minimums {
    pub rust: String,
    pub go: String,
}

impl Minimums {
    /// Reads both declarations from a checkout.
    pub fn read(root: &Path) -> Result<Minimums> {
        let read = |path: PathBuf| {
            std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))
                .map(|text| (text, path))
        };
        let (cargo_toml, cargo_path) = read(root.join("workloads").join("Cargo.toml"))?;
        let (go_mod, go_path) = read(root.join("go").join("go.mod"))?;
        Ok(Minimums {
            rust: rust_minimum(&cargo_toml, &cargo_path)?,
            go: go_minimum(&go_mod, &go_path)?,
        })
    }

    pub fn of(&self, lang: Lang) -> &str {
        match lang {
            Lang::Rust => &self.rust,
            Lang::Go => &self.go,
        }
    }
}

/// The `rust-version` of a manifest's package, or of its workspace's `[workspace.package]`
/// when the package inherits it.
pub fn rust_minimum(cargo_toml: &str, file: &Path) -> Result<String> {
    let manifest: toml::Table =
        toml::from_str(cargo_toml).with_context(|| format!("reading {}", file.display()))?;
    let rust_version = |table: Option<&toml::Value>| {
        table
            .and_then(|table| table.get("rust-version"))
            .and_then(|value| value.as_str())
            .map(str::to_string)
    };
    let version = rust_version(manifest.get("package")).or_else(|| {
        rust_version(
            manifest
                .get("workspace")
                .and_then(|workspace| workspace.get("package")),
        )
    });
    let Some(version) = version else {
        bail!(
            "{} declares no `rust-version`: the workloads must say which Rust they need, so \
             that pins too old to build them are left out instead of failing the build",
            file.display()
        );
    };
    if numeric_parts(&version).is_none_or(|parts| !(2..=3).contains(&parts.len())) {
        bail!(
            "{}: rust-version {version:?} is not a version like \"1.85\"",
            file.display()
        );
    }
    Ok(version)
}

/// The version of a go.mod's `go` directive.
pub fn go_minimum(go_mod: &str, file: &Path) -> Result<String> {
    let directive = go_mod.lines().find_map(|line| {
        let line = line.split("//").next().unwrap_or("").trim();
        line.strip_prefix("go ")
            .map(|version| version.trim().to_string())
    });
    match directive {
        Some(version) if numeric_parts(&version).is_some() => Ok(version),
        Some(version) => bail!(
            "{}: the go directive {version:?} is not a version like \"1.19\"",
            file.display()
        ),
        None => bail!(
            "{} has no `go` directive: the workloads must say which Go they need",
            file.display()
        ),
    }
}

/// The numbers of a version, ignoring what follows them: `1.97.0-nightly` is [1, 97, 0]
/// and `1.21rc1` is [1, 21]. None if it does not start with a number.
fn numeric_parts(version: &str) -> Option<Vec<u64>> {
    let numbers = version.split(['-', ' ']).next().unwrap_or("");
    let mut parts = Vec::new();
    for part in numbers.split('.') {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        parts.push(digits.parse().ok()?);
        if digits.len() != part.len() {
            break;
        }
    }
    Some(parts)
}

/// Whether `version` is older than `minimum`, missing parts counting as zero, so that
/// 1.19.8 is not below the go directive 1.19 and 1.84.1 is below rust-version 1.85.
fn is_below(version: &str, minimum: &str) -> bool {
    let (Some(mut version), Some(mut minimum)) = (numeric_parts(version), numeric_parts(minimum))
    else {
        return false;
    };
    let len = version.len().max(minimum.len());
    version.resize(len, 0);
    minimum.resize(len, 0);
    version < minimum
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

fn rust_release(rustc_vv: &str) -> String {
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
fn rust_reported(rustc_vv: &str) -> String {
    let release = rust_release(rustc_vv);
    let date = rust_commit_date(rustc_vv);
    if release.contains('-') && !date.is_empty() {
        format!("{release} ({date})")
    } else {
        release
    }
}

fn rust_matches(pin_version: &str, rustc_vv: &str) -> bool {
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

fn go_matches(pin_version: &str, go_version: &str) -> bool {
    // "go version go1.26.8 linux/amd64"
    go_version.split_whitespace().nth(2) == Some(&format!("go{pin_version}"))
}

fn go_reported(go_version: &str) -> String {
    match go_version.split_whitespace().nth(2) {
        Some(version) => version.strip_prefix("go").unwrap_or(version).to_string(),
        None => go_version.trim().to_string(),
    }
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
                .env("CARGO_ENCODED_RUSTFLAGS", remapped_rustflags(root))
                .env_remove("RUSTFLAGS")
                .env_remove("RUSTUP_TOOLCHAIN")
                .run()
                .with_context(|| format!("building the Rust workloads with {}", found.pin.id))?;
            let built = target_dir.join("release").join("versus-rs");
            std::fs::copy(&built, &binary)
                .with_context(|| format!("copying {} to {}", built.display(), binary.display()))?;
        }
        Lang::Go => go_build(root, found, &binary, None)
            .with_context(|| format!("building the Go workloads with {}", found.pin.id))?,
    }
    Ok(binary)
}

/// The Go experiment a counting build switches off: from Go 1.26 the runtime places its
/// heap at a random base address in every process, and the page allocator's search
/// costs a different number of instructions for each base, so the instruction count of
/// one `alloc` sample varies by 1.3 % from process to process (0.27 % without it).
/// docs/instructions.md has the measurements.
pub const GO_COUNTING_EXPERIMENT: &str = "norandomizedheapbase64";

/// The first Go release that knows [`GO_COUNTING_EXPERIMENT`]; older ones refuse it
/// (and have no randomised heap base to switch off).
const GO_COUNTING_SINCE: &str = "1.26";

/// The path of a pin's counting binary (see [`build_counting`]).
pub fn counting_binary_path(root: &Path, pin: &Pin) -> PathBuf {
    build_dir(root, pin).join(format!("{}-count", pin.lang.binary()))
}

/// The `GOEXPERIMENT` a counting build of `pin` gets, or None when the trial binary is
/// counted as it is (Rust, whose counts are already deterministic; Go before 1.26).
pub fn counting_experiment(pin: &Pin) -> Option<String> {
    if pin.lang != Lang::Go || is_below(&pin.version, GO_COUNTING_SINCE) {
        return None;
    }
    // Any experiment the person set stays in force, as it does for the trial binary.
    Some(match std::env::var("GOEXPERIMENT") {
        Ok(existing) if !existing.trim().is_empty() => {
            format!("{},{GO_COUNTING_EXPERIMENT}", existing.trim())
        }
        _ => GO_COUNTING_EXPERIMENT.to_string(),
    })
}

/// Builds the binary whose instructions are counted in place of the trial binary, when
/// it must differ: the same source and toolchain, with the Go runtime's per-process heap
/// randomisation switched off so that a count measures the work and not where the heap
/// landed. None when the trial binary itself is counted.
pub fn build_counting(root: &Path, found: &Found) -> Result<Option<PathBuf>> {
    let Some(experiment) = counting_experiment(&found.pin) else {
        return Ok(None);
    };
    let binary = counting_binary_path(root, &found.pin);
    go_build(root, found, &binary, Some(&experiment)).with_context(|| {
        format!(
            "building the Go counting binary (GOEXPERIMENT={experiment}) with {}",
            found.pin.id
        )
    })?;
    Ok(Some(binary))
}

/// `go build` of the workloads into `binary` with the pin's own go, with `experiment` as
/// GOEXPERIMENT when given (else the person's, if any).
fn go_build(root: &Path, found: &Found, binary: &Path, experiment: Option<&str>) -> Result<()> {
    let mut cmd = Cmd::new(&found.driver)
        .args(["build", "-trimpath", "-mod=readonly", "-o"])
        .arg(binary)
        .arg(".")
        .dir(root.join("go"))
        .env("GOTOOLCHAIN", "local")
        // A GOROOT from the environment would pair this go with another version's
        // standard library.
        .env_remove("GOROOT");
    if let Some(experiment) = experiment {
        cmd = cmd.env("GOEXPERIMENT", experiment);
    }
    cmd.run()
}

/// The person's RUSTFLAGS (or CARGO_ENCODED_RUSTFLAGS), plus a remapping of the checkout's
/// path: rustc embeds source paths in the binary (panic locations, line tables), so two
/// checkouts of the same commit at different paths, as an A/B session's worktree and
/// work tree are, would otherwise build binaries of different sizes and resident sets.
fn remapped_rustflags(root: &Path) -> String {
    let mut flags: Vec<String> = match std::env::var("CARGO_ENCODED_RUSTFLAGS") {
        Ok(encoded) if !encoded.is_empty() => encoded.split('\x1f').map(String::from).collect(),
        _ => std::env::var("RUSTFLAGS")
            .unwrap_or_default()
            .split_whitespace()
            .map(String::from)
            .collect(),
    };
    flags.push(format!("--remap-path-prefix={}=/versus", root.display()));
    flags.join("\x1f")
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
                .env_remove("GOROOT")
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
    let mut flags: BTreeMap<String, Option<String>> = flags
        .iter()
        .map(|key| (key.to_string(), std::env::var(key).ok()))
        .collect();
    if found.pin.lang == Lang::Rust {
        // What the build was actually given: the person's flags plus the path remap,
        // in cargo's encoding (arguments separated by 0x1f), shown with spaces.
        flags.insert(
            "effective rustflags".to_string(),
            Some(remapped_rustflags(root).replace('\x1f', " ")),
        );
    }
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
            parse("[[rust]]\nversion = \"1.95.0\"\n[[go]]\nversion = \"latest\"\n").unwrap_err();
        assert_eq!(
            format!("{error:#}"),
            "toolchains.toml:4: malformed go pin: version \"latest\" is not a release like \
             \"1.26.8\""
        );
        let error = parse("[[rust]]\nversion = \"1.95\"\n").unwrap_err();
        assert_eq!(
            format!("{error:#}"),
            "toolchains.toml:2: malformed rust pin: version \"1.95\" is not one release: \
             write all three numbers, like \"1.95.0\""
        );
        let error =
            parse("[[go]]\nversion = \"1.19.8\"\n[[go]]\nversion = \"1.22\"\n").unwrap_err();
        assert!(
            format!("{error:#}").starts_with(
                "toolchains.toml:4: malformed go pin: version \"1.22\" is a language version"
            ),
            "{error:#}"
        );
        let error = parse("[[rust]]\nversion = \"nightly-2026-13-01\"\n").unwrap_err();
        assert!(
            format!("{error:#}").starts_with("toolchains.toml:2: malformed rust pin"),
            "{error:#}"
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
        // Go releases before 1.21 were called go1.N, so those pins are well formed.
        assert!(parse("[[go]]\nversion = \"1.19\"\n").is_ok());
    }

    #[test]
    fn versions_are_matched_exactly() {
        let vv = include_str!("../tests/fixtures/toolchains/rustc-vV-1.95.0-rustup.txt");
        assert!(rust_matches("1.95.0", vv));
        assert!(!rust_matches("1.95.1", vv));
        assert!(!rust_matches("1.9", vv));
        let nightly = include_str!("../tests/fixtures/toolchains/rustc-vV-nightly-2026-05-19.txt");
        assert!(rust_matches("nightly-2026-05-20", nightly));
        assert!(rust_matches("nightly-2026-05-19", nightly));
        assert!(!rust_matches("nightly-2026-05-21", nightly));
        assert!(!rust_matches("nightly-2026-05-18", nightly));
        assert!(!rust_matches("beta-2026-05-20", nightly));
        assert!(!rust_matches("1.97.0", nightly));
        assert_eq!(rust_reported(nightly), "1.97.0-nightly (2026-05-19)");
        assert!(go_matches("1.26.8", "go version go1.26.8 linux/amd64"));
        assert!(!go_matches("1.26.8", "go version go1.26.80 linux/amd64"));
        assert!(!go_matches("1.19.8", "go version go1.19 linux/amd64"));
        assert_eq!(go_reported("go version go1.19.8 linux/amd64\n"), "1.19.8");
    }

    const RUSTC_1_95: &str =
        include_str!("../tests/fixtures/toolchains/rustc-vV-1.95.0-rustup.txt");
    const CARGO_1_95: &str = include_str!("../tests/fixtures/toolchains/cargo-V-1.95.0-rustup.txt");
    const RUSTC_1_96: &str =
        include_str!("../tests/fixtures/toolchains/rustc-vV-1.96.0-debian.txt");
    const CARGO_1_96: &str = include_str!("../tests/fixtures/toolchains/cargo-V-1.96.0-debian.txt");
    const RUSTC_NIGHTLY: &str =
        include_str!("../tests/fixtures/toolchains/rustc-vV-nightly-2026-05-19.txt");
    const CARGO_NIGHTLY: &str =
        include_str!("../tests/fixtures/toolchains/cargo-V-nightly-2026-05-19.txt");
    const GO_1_19: &str = include_str!("../tests/fixtures/toolchains/go-version-1.19.8-debian.txt");
    const GO_1_26: &str = include_str!("../tests/fixtures/toolchains/go-version-1.26.8.txt");
    const HOST: &str = "x86_64-unknown-linux-gnu";

    /// A made-up machine in a temporary directory, with `home/` and `usr/` in it and
    /// fake rustc, cargo and go that print what the test says they are.
    struct Machine {
        dir: tempfile::TempDir,
        script: PathBuf,
        path: Vec<PathBuf>,
        goroots: Vec<PathBuf>,
    }

    impl Machine {
        fn new() -> Machine {
            let dir = tempfile::tempdir().unwrap();
            // One script, hard-linked as every fake tool: written once, before anything
            // runs it, and each link prints the file beside it (`rustc.out`).
            let script = dir.path().join("fake-tool");
            std::fs::write(&script, "#!/bin/sh\nexec cat \"$0.out\"\n").unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
            Machine {
                dir,
                script,
                path: Vec::new(),
                goroots: Vec::new(),
            }
        }

        fn at(&self, relative: &str) -> PathBuf {
            self.dir.path().join(relative)
        }

        /// A fake tool at `relative` that prints `output`; returns its path.
        fn tool(&self, relative: &str, output: &str) -> PathBuf {
            let path = self.at(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::hard_link(&self.script, &path).unwrap();
            let mut out = path.clone().into_os_string();
            out.push(".out");
            std::fs::write(out, output).unwrap();
            path
        }

        /// rustc and cargo in the directory `bin`.
        fn rust(&self, bin: &str, rustc_vv: &str, cargo_v: &str) {
            self.tool(&format!("{bin}/rustc"), rustc_vv);
            self.tool(&format!("{bin}/cargo"), cargo_v);
        }

        fn rustup(&self, toolchain: &str, rustc_vv: &str, cargo_v: &str) {
            self.rust(
                &format!("home/.rustup/toolchains/{toolchain}/bin"),
                rustc_vv,
                cargo_v,
            );
        }

        fn roots(&self) -> SearchRoots {
            SearchRoots {
                home: Some(self.at("home")),
                rustup_home: None,
                path: self.path.clone(),
                usr: self.at("usr"),
                goroots: self.goroots.clone(),
            }
        }

        fn discover(&self, pin: &str) -> Discovery {
            let (lang, version) = pin.split_once('-').unwrap();
            let pin = Pin {
                id: pin.to_string(),
                lang: Lang::parse(lang).unwrap(),
                version: version.to_string(),
            };
            let minimums = Minimums {
                rust: "1.85".to_string(),
                go: "1.19".to_string(),
            };
            discover_in(&[pin], &self.roots(), &minimums).remove(0)
        }
    }

    /// The found compiler, relative to the machine, and its source.
    fn found_at(machine: &Machine, discovery: &Discovery) -> Option<(String, String)> {
        discovery.found.as_ref().map(|found| {
            let relative = found.compiler.strip_prefix(machine.dir.path()).unwrap();
            (relative.display().to_string(), found.source.clone())
        })
    }

    fn rejected(machine: &Machine, discovery: &Discovery) -> Vec<String> {
        discovery
            .rejected
            .iter()
            .map(|rejected| {
                let relative = rejected.path.strip_prefix(machine.dir.path()).unwrap();
                format!("{} reports {}", relative.display(), rejected.reported)
            })
            .collect()
    }

    #[test]
    fn the_rustup_toolchain_named_after_the_pin_is_found_first() {
        let machine = Machine::new();
        machine.rustup(&format!("stable-{HOST}"), RUSTC_1_95, CARGO_1_95);
        machine.rustup(&format!("1.95.0-{HOST}"), RUSTC_1_95, CARGO_1_95);
        machine.rustup(&format!("nightly-{HOST}"), RUSTC_NIGHTLY, CARGO_NIGHTLY);
        let discovery = machine.discover("rust-1.95.0");
        assert_eq!(
            found_at(&machine, &discovery),
            Some((
                format!("home/.rustup/toolchains/1.95.0-{HOST}/bin/rustc"),
                "rustup".to_string()
            ))
        );
        let found = discovery.usable().unwrap();
        assert_eq!(found.reported(), "1.95.0");
        assert_eq!(found.version_text, RUSTC_1_95.trim());
        assert!(found.driver.ends_with("bin/cargo"));
        assert!(discovery.rejected.is_empty());
    }

    #[test]
    fn a_tool_of_another_version_is_refused_with_both_versions() {
        let mut machine = Machine::new();
        machine.rustup(&format!("stable-{HOST}"), RUSTC_1_95, CARGO_1_95);
        machine.rust("elsewhere/bin", RUSTC_1_95, CARGO_1_95);
        machine.path.push(machine.at("elsewhere/bin"));
        let discovery = machine.discover("rust-1.96.0");
        assert_eq!(found_at(&machine, &discovery), None);
        assert_eq!(
            rejected(&machine, &discovery),
            [
                format!("home/.rustup/toolchains/stable-{HOST}/bin/rustc reports 1.95.0"),
                "elsewhere/bin/rustc reports 1.95.0".to_string(),
            ]
        );
        let report = crate::doctor::report(std::slice::from_ref(&discovery));
        let line = format!(
            "pin rust-1.96.0: {} reports 1.95.0",
            machine.at("elsewhere/bin/rustc").display()
        );
        assert!(report.contains(&line), "{report}");

        machine.tool("usr/local/go/bin/go", GO_1_26);
        let discovery = machine.discover("go-1.19.8");
        assert_eq!(
            rejected(&machine, &discovery),
            ["usr/local/go/bin/go reports 1.26.8"]
        );
    }

    #[test]
    fn a_toolchain_is_a_rustc_and_a_cargo_of_the_same_release() {
        let machine = Machine::new();
        machine.tool("usr/bin/rustc", RUSTC_1_96);
        let discovery = machine.discover("rust-1.96.0");
        assert_eq!(
            rejected(&machine, &discovery),
            ["usr/bin/rustc reports 1.96.0, with no cargo beside it"]
        );
        machine.tool("usr/bin/cargo", CARGO_1_95);
        let discovery = machine.discover("rust-1.96.0");
        assert_eq!(
            rejected(&machine, &discovery),
            ["usr/bin/cargo reports 1.95.0, beside rustc 1.96.0"]
        );
    }

    #[test]
    fn a_broken_tool_is_refused_with_its_error() {
        let machine = Machine::new();
        // A tool with no `.out` beside it: cat fails, so the tool exits non-zero.
        let go = machine.at("usr/lib/go-1.19/bin/go");
        std::fs::create_dir_all(go.parent().unwrap()).unwrap();
        std::fs::hard_link(&machine.script, &go).unwrap();
        let discovery = machine.discover("go-1.19.8");
        assert_eq!(discovery.found.map(|f| f.compiler), None);
        assert_eq!(discovery.rejected.len(), 1);
        assert!(
            discovery.rejected[0].reported.starts_with("no version: `"),
            "{:?}",
            discovery.rejected
        );
    }

    #[test]
    fn a_dated_nightly_is_matched_by_its_commit_date() {
        let machine = Machine::new();
        machine.rustup(&format!("nightly-{HOST}"), RUSTC_NIGHTLY, CARGO_NIGHTLY);
        // The nightly of 2026-05-20 is built from the commits of 2026-05-19.
        let discovery = machine.discover("rust-nightly-2026-05-20");
        let found = discovery.usable().unwrap();
        assert_eq!(found.reported(), "1.97.0-nightly (2026-05-19)");
        assert!(machine.discover("rust-nightly-2026-05-19").found.is_some());
        let discovery = machine.discover("rust-nightly-2026-05-21");
        assert_eq!(
            rejected(&machine, &discovery),
            [format!(
                "home/.rustup/toolchains/nightly-{HOST}/bin/rustc reports 1.97.0-nightly \
                 (2026-05-19)"
            )]
        );
        assert!(machine.discover("rust-nightly-2026-05-18").found.is_none());
        assert!(machine.discover("rust-beta-2026-05-20").found.is_none());

        // A toolchain installed under the pin's own name wins over the undated channel.
        let dated = RUSTC_NIGHTLY.replace("2026-05-19", "2026-05-20");
        machine.rustup(&format!("nightly-2026-05-20-{HOST}"), &dated, CARGO_NIGHTLY);
        let discovery = machine.discover("rust-nightly-2026-05-20");
        assert_eq!(
            found_at(&machine, &discovery).unwrap().0,
            format!("home/.rustup/toolchains/nightly-2026-05-20-{HOST}/bin/rustc")
        );
    }

    #[test]
    fn debian_packages_are_found() {
        let machine = Machine::new();
        // rustc-web and cargo-web replace /usr/bin/rustc and /usr/bin/cargo;
        // golang-1.19-go is a GOROOT in /usr/lib/go-1.19, and golang-go links it.
        machine.rust("usr/bin", RUSTC_1_96, CARGO_1_96);
        machine.tool("usr/lib/go-1.19/bin/go", GO_1_19);
        std::os::unix::fs::symlink("go-1.19", machine.at("usr/lib/go")).unwrap();
        // Ubuntu's versioned rustc-1.NN and cargo-1.NN.
        machine.rust("usr/lib/rust-1.95/bin", RUSTC_1_95, CARGO_1_95);

        let package = "distribution package".to_string();
        let discovery = machine.discover("rust-1.96.0");
        assert_eq!(
            found_at(&machine, &discovery),
            Some(("usr/bin/rustc".to_string(), package.clone()))
        );
        assert_eq!(
            rejected(&machine, &discovery),
            ["usr/lib/rust-1.95/bin/rustc reports 1.95.0"]
        );
        let discovery = machine.discover("rust-1.95.0");
        assert_eq!(
            found_at(&machine, &discovery),
            Some(("usr/lib/rust-1.95/bin/rustc".to_string(), package.clone()))
        );
        let discovery = machine.discover("go-1.19.8");
        assert_eq!(
            found_at(&machine, &discovery),
            Some(("usr/lib/go-1.19/bin/go".to_string(), package))
        );
        // /usr/lib/go is the same go, so it is not run a second time.
        let discovery = machine.discover("go-1.19.7");
        assert_eq!(
            rejected(&machine, &discovery),
            ["usr/lib/go-1.19/bin/go reports 1.19.8"]
        );
    }

    #[test]
    fn path_is_the_last_resort_and_rustup_proxies_on_it_are_skipped() {
        let mut machine = Machine::new();
        // rustup's proxies are hard links to rustup in ~/.cargo/bin.
        let rustup = machine.tool("home/.cargo/bin/rustup", RUSTC_1_95);
        for proxy in ["rustc", "cargo"] {
            std::fs::hard_link(&rustup, machine.at(&format!("home/.cargo/bin/{proxy}"))).unwrap();
        }
        machine.rust("opt/rust/bin", RUSTC_1_95, CARGO_1_95);
        machine.tool("opt/go/bin/go", GO_1_26);
        machine.path = vec![
            machine.at("home/.cargo/bin"),
            machine.at("opt/rust/bin"),
            machine.at("opt/go/bin"),
        ];
        let discovery = machine.discover("rust-1.95.0");
        assert_eq!(
            found_at(&machine, &discovery),
            Some(("opt/rust/bin/rustc".to_string(), "PATH".to_string()))
        );
        assert!(discovery.rejected.is_empty(), "the proxy was not run");
        let discovery = machine.discover("go-1.26.8");
        assert_eq!(
            found_at(&machine, &discovery),
            Some(("opt/go/bin/go".to_string(), "PATH".to_string()))
        );
    }

    #[test]
    fn versus_goroots_are_searched_first_and_in_order() {
        let mut machine = Machine::new();
        machine.tool("usr/lib/go-1.19/bin/go", GO_1_19);
        machine.tool("roots/a/bin/go", GO_1_26);
        machine.tool("roots/b/bin/go", GO_1_19);
        machine.tool("roots/c/bin/go", GO_1_19);
        machine.goroots = vec![
            machine.at("roots/a"),
            machine.at("roots/b"),
            machine.at("roots/c"),
        ];
        let discovery = machine.discover("go-1.19.8");
        assert_eq!(
            found_at(&machine, &discovery),
            Some(("roots/b/bin/go".to_string(), "VERSUS_GOROOTS".to_string()))
        );
        assert_eq!(
            rejected(&machine, &discovery),
            ["roots/a/bin/go reports 1.26.8"]
        );
        machine.goroots.reverse();
        let discovery = machine.discover("go-1.19.8");
        assert_eq!(found_at(&machine, &discovery).unwrap().0, "roots/c/bin/go");
        let discovery = machine.discover("go-1.26.8");
        assert_eq!(found_at(&machine, &discovery).unwrap().0, "roots/a/bin/go");
        assert_eq!(
            rejected(&machine, &discovery),
            [
                "roots/c/bin/go reports 1.19.8",
                "roots/b/bin/go reports 1.19.8"
            ]
        );
    }

    #[test]
    fn golang_org_dl_and_the_tarball_are_found() {
        let machine = Machine::new();
        machine.tool("home/sdk/go1.19.8/bin/go", GO_1_19);
        machine.tool("usr/local/go/bin/go", GO_1_26);
        let discovery = machine.discover("go-1.19.8");
        assert_eq!(
            found_at(&machine, &discovery),
            Some((
                "home/sdk/go1.19.8/bin/go".to_string(),
                "golang.org/dl".to_string()
            ))
        );
        let discovery = machine.discover("go-1.26.8");
        assert_eq!(
            found_at(&machine, &discovery),
            Some(("usr/local/go/bin/go".to_string(), "tarball".to_string()))
        );
    }

    #[test]
    fn nothing_installed_means_every_pin_missing_with_install_hints() {
        let machine = Machine::new();
        let discoveries: Vec<Discovery> = ["rust-1.95.0", "rust-nightly-2026-05-20", "go-1.19.8"]
            .into_iter()
            .map(|pin| machine.discover(pin))
            .collect();
        for discovery in &discoveries {
            assert!(discovery.found.is_none(), "{discovery:?}");
            assert!(discovery.rejected.is_empty(), "{discovery:?}");
            assert_eq!(discovery.below_minimum, None, "{discovery:?}");
        }
        let report = crate::doctor::report(&discoveries);
        for hint in [
            "rustup toolchain install 1.95.0 --profile minimal",
            "rustup toolchain install nightly-2026-05-20 --profile minimal",
            "sudo apt-get install -y golang-1.19-go",
            "go install golang.org/dl/go1.19.8@latest && go1.19.8 download",
            "- uses: actions/setup-go@v5",
        ] {
            assert!(report.contains(hint), "{hint:?} in\n{report}");
        }
        let error = crate::doctor::exit_ok(&discoveries).unwrap_err();
        assert!(
            format!("{error:#}").contains("no Rust toolchain"),
            "{error:#}"
        );
        assert!(
            format!("{error:#}").contains("no Go toolchain"),
            "{error:#}"
        );
    }

    #[test]
    fn pins_below_the_minimum_are_marked_and_not_usable() {
        let machine = Machine::new();
        let old = RUSTC_1_95.replace("1.95.0", "1.84.1");
        machine.rustup(
            &format!("1.84.1-{HOST}"),
            &old,
            &CARGO_1_95.replace("1.95.0", "1.84.1"),
        );
        machine.rustup(&format!("nightly-{HOST}"), RUSTC_NIGHTLY, CARGO_NIGHTLY);
        let discovery = machine.discover("rust-1.84.1");
        assert!(discovery.found.is_some());
        assert_eq!(discovery.below_minimum.as_deref(), Some("1.85"));
        assert!(discovery.usable().is_none());
        // Missing, but a release pin says its own version.
        assert_eq!(
            machine.discover("rust-1.80.0").below_minimum.as_deref(),
            Some("1.85")
        );
        // A nightly's version is known from its compiler.
        assert_eq!(
            machine.discover("rust-nightly-2026-05-20").below_minimum,
            None
        );
        assert_eq!(machine.discover("rust-1.85.0").below_minimum, None);
        assert_eq!(machine.discover("go-1.19.8").below_minimum, None);
        assert_eq!(machine.discover("go-1.19").below_minimum, None);
        assert_eq!(
            machine.discover("go-1.18.10").below_minimum.as_deref(),
            Some("1.19")
        );
    }

    #[test]
    fn versions_compare_by_their_numbers() {
        assert!(is_below("1.84.1", "1.85"));
        assert!(!is_below("1.85.0", "1.85"));
        assert!(!is_below("1.97.0-nightly", "1.85"));
        assert!(!is_below("1.19.8", "1.19"));
        assert!(is_below("1.9.0", "1.19"));
        assert_eq!(numeric_parts("1.21rc1"), Some(vec![1, 21]));
        assert_eq!(numeric_parts("nightly"), None);
    }

    #[test]
    fn minimums_are_read_from_the_manifests() {
        let cargo_toml = include_str!("../tests/fixtures/toolchains/workloads-Cargo.toml");
        let go_mod = include_str!("../tests/fixtures/toolchains/go.mod.txt");
        let file = Path::new("workloads/Cargo.toml");
        assert_eq!(rust_minimum(cargo_toml, file).unwrap(), "1.85");
        assert_eq!(go_minimum(go_mod, Path::new("go/go.mod")).unwrap(), "1.19");
        let inherited = "[workspace.package]\nrust-version = \"1.88\"\n\n[package]\n\
                         name = \"w\"\nrust-version.workspace = true\n";
        assert_eq!(rust_minimum(inherited, file).unwrap(), "1.88");
        let error = rust_minimum("[package]\nname = \"w\"\n", file).unwrap_err();
        assert!(
            format!("{error:#}").starts_with("workloads/Cargo.toml declares no `rust-version`"),
            "{error:#}"
        );
        assert!(rust_minimum("[package]\nrust-version = \"new\"\n", file).is_err());
        let commented =
            "module versus // the workloads\n\n// go 1.30 was tried\ngo 1.22.0 // keeps 1.22\n";
        assert_eq!(
            go_minimum(commented, Path::new("go.mod")).unwrap(),
            "1.22.0"
        );
        let error = go_minimum("module versus\n", Path::new("go/go.mod")).unwrap_err();
        assert_eq!(
            format!("{error:#}"),
            "go/go.mod has no `go` directive: the workloads must say which Go they need"
        );
    }
}
