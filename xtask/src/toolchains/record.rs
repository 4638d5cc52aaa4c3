//! The toolchain record: exactly what was used to build, as the run record keeps it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use super::build::{remapped_rustflags, GO_BUILD_FLAGS};
use super::discover::{rust_release, Found};
use crate::measure::catalogue::Lang;
use crate::measure::process::Cmd;
use crate::record::ToolchainRecord;

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

/// The settings of the release profile that decide generated code, each as the
/// manifest sets it or, when it does not, cargo's default marked as such: a tuning such
/// as `codegen-units = 1` is then visible as one.
pub fn release_profile(manifest: &str) -> Result<Vec<(String, String)>> {
    let table: toml::Table = manifest.parse()?;
    let profile = table
        .get("profile")
        .and_then(|p| p.get("release"))
        .and_then(|r| r.as_table());
    let defaults = [
        ("opt-level", "3"),
        ("codegen-units", "16"),
        ("lto", "false"),
        ("panic", "unwind"),
        ("debug", "false"),
        ("incremental", "false"),
        ("overflow-checks", "false"),
        ("debug-assertions", "false"),
    ];
    Ok(defaults
        .iter()
        .map(|(key, default)| {
            let value = match profile.and_then(|p| p.get(*key)) {
                Some(toml::Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
                None => format!("{default} (cargo's default)"),
            };
            (key.to_string(), value)
        })
        .collect())
}

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
            let manifest = root.join("workloads").join("Cargo.toml");
            let text = std::fs::read_to_string(&manifest)
                .with_context(|| format!("reading {}", manifest.display()))?;
            for (key, value) in release_profile(&text)
                .with_context(|| format!("reading [profile.release] of {}", manifest.display()))?
            {
                detail.insert(format!("profile.release.{key}"), value);
            }
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
            detail.insert("go build flags".to_string(), GO_BUILD_FLAGS.join(" "));
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

    #[test]
    fn the_release_profile_names_tunings_and_defaults() {
        let profile = release_profile(
            "[package]\nname = \"x\"\n[profile.release]\ncodegen-units = 1\ndebug = \"line-tables-only\"\n",
        )
        .unwrap();
        let get = |key: &str| profile.iter().find(|(k, _)| k == key).unwrap().1.clone();
        assert_eq!(get("codegen-units"), "1");
        assert_eq!(get("debug"), "line-tables-only");
        assert_eq!(get("opt-level"), "3 (cargo's default)");
        assert_eq!(get("lto"), "false (cargo's default)");
        assert_eq!(get("panic"), "unwind (cargo's default)");
        // The real manifest parses too.
        let manifest = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../workloads/Cargo.toml"),
        )
        .unwrap();
        assert_eq!(
            release_profile(&manifest)
                .unwrap()
                .iter()
                .find(|(k, _)| k == "codegen-units")
                .unwrap()
                .1,
            "1"
        );
    }
}
