//! The pins of `toolchains.toml`, and the versions they are compared with: reading and
//! checking the file, the minimum versions the workloads declare, and comparing version
//! numbers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::measure::catalogue::Lang;

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
pub(super) fn numeric_parts(version: &str) -> Option<Vec<u64>> {
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
pub(super) fn is_below(version: &str, minimum: &str) -> bool {
    let (Some(mut version), Some(mut minimum)) = (numeric_parts(version), numeric_parts(minimum))
    else {
        return false;
    };
    let len = version.len().max(minimum.len());
    version.resize(len, 0);
    minimum.resize(len, 0);
    version < minimum
}
