//! The toolchain record: exactly what was used to build, as the run record keeps it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use super::build::remapped_rustflags;
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
