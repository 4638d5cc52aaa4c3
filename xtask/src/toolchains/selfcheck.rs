//! The self-check of `cargo xtask test`: the workloads built with every pin found, each
//! binary's `list` held to the catalogue, and every workload run once at its quick
//! size, each result `ok` with the expected checksum; and the same for the Go workloads
//! built for another architecture and run under a user-mode emulator (the ARM runners'
//! code, on an x86_64 machine); and both languages' binaries over one table of
//! edge-case arguments, which each must accept or refuse alike.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};

use super::{build_go_cross, build_launcher, prepare, unzip};
use crate::measure::catalogue::{Lang, WORKLOADS};
use crate::measure::plan::{Selection, ToolchainId};
use crate::measure::process::Cmd;
use crate::measure::runner::{self, Binary, TrialOptions, TrialSettings};
use crate::record::{ResultRecord, Status};

/// Runs every workload at its quick size with every pin found: the number of results,
/// or the problems.
pub fn quick_run(root: &Path) -> Result<Result<usize, String>> {
    let (binaries, _) = unzip(prepare(root, &[], false)?);
    for lang in Lang::ALL {
        if !binaries.iter().any(|b| b.toolchain.lang == lang) {
            bail!("no {lang} toolchain pinned in toolchains.toml is installed");
        }
    }
    for binary in &binaries {
        check_list(
            binary.toolchain.lang,
            &binary.path,
            &binary.toolchain.id,
            None,
        )?;
    }
    let settings = settings(root)?;
    Ok(judge(
        runner::run(&every_workload(), &binaries, settings)?.results,
    ))
}

/// Builds the Go workloads for `goarch` with the first Go pin found and runs each at
/// its quick size under `emulator`.
pub fn go_under_emulator(
    root: &Path,
    emulator: &Path,
    goarch: &str,
) -> Result<Result<usize, String>> {
    let pins = super::load_pins(root)?;
    let found = super::discover(root, &pins)?
        .into_iter()
        .filter(|d| d.pin.lang == Lang::Go)
        .find_map(|d| d.usable().cloned())
        .context("no Go toolchain pinned in toolchains.toml is installed")?;
    let path = build_go_cross(root, &found, goarch)?;
    check_list(Lang::Go, &path, &found.pin.id, Some(emulator))?;
    let binaries = [Binary {
        toolchain: ToolchainId {
            id: found.pin.id.clone(),
            lang: Lang::Go,
        },
        path,
        counting: None,
    }];
    let mut settings = settings(root)?;
    settings.emulator = Some(emulator.to_path_buf());
    // Emulation is some ten times slower than the machine: every trial gets a minute.
    settings.timeout = Some(std::time::Duration::from_secs(60));
    Ok(judge(
        runner::run(&every_workload(), &binaries, settings)?.results,
    ))
}

fn every_workload() -> Selection {
    let mut only: Vec<String> = WORKLOADS.iter().map(|w| w.name.to_string()).collect();
    only.sort();
    Selection {
        only,
        quick: true,
        ..Selection::default()
    }
}

fn settings(root: &Path) -> Result<TrialSettings> {
    let options = TrialOptions {
        seed: Some(1),
        quick: true,
        ..TrialOptions::default()
    };
    TrialSettings::new(&options, 1, build_launcher(root)?)
}

/// Every result must be `ok`: the quick sizes run the same code as the full ones in
/// well under a second, so none may be skipped for a limit of this machine.
fn judge(results: Vec<ResultRecord>) -> Result<usize, String> {
    let bad: Vec<String> = results
        .iter()
        .filter(|r| !matches!(r.status, Status::Ok | Status::Skipped))
        .map(|r| r.reason.clone().unwrap_or_default())
        .collect();
    if !bad.is_empty() {
        return Err(bad.join("\n"));
    }
    let skipped: Vec<String> = results
        .iter()
        .filter(|r| r.status == Status::Skipped)
        .map(|r| r.reason.clone().unwrap_or_default())
        .collect();
    if !skipped.is_empty() {
        return Err(format!(
            "quick sizes must run everywhere: {}",
            skipped.join("; ")
        ));
    }
    Ok(results.len())
}

/// The binary's own `list` must name exactly the catalogue's workloads and variants.
fn check_list(lang: Lang, binary: &Path, id: &str, emulator: Option<&Path>) -> Result<()> {
    let text = match emulator {
        Some(emulator) => Cmd::new(emulator).arg(binary).arg("list").read()?,
        None => Cmd::new(binary).arg("list").read()?,
    };
    let listed: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("parsing `{} list` of {id}", binary.display()))?;
    let listed = listed["workloads"]
        .as_object()
        .with_context(|| format!("`list` of {id} has no \"workloads\" object"))?;
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for workload in WORKLOADS {
        let mut names: Vec<String> = workload
            .variant_names(lang)
            .iter()
            .map(|s| s.to_string())
            .collect();
        names.sort();
        expected.insert(workload.name.to_string(), names);
    }
    let mut actual: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, variants) in listed {
        let mut names: Vec<String> = variants
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        names.sort();
        actual.insert(name.clone(), names);
    }
    if actual != expected {
        bail!(
            "the {lang} binary of {id} lists {actual:?}, but xtask/src/measure/catalogue.rs says {expected:?}: \
             change both together"
        );
    }
    Ok(())
}
