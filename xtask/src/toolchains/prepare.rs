//! The toolchains a run builds: every pin found (or those asked for), each built into
//! its own directory and recorded; and for an A/B session, the base commit checked out
//! in a git worktree and built with the same toolchains as the head.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::build::{build, build_counting, counting_experiment};
use super::discover::{discover, Found};
use super::pins::load_pins;
use super::record::record;
use crate::measure::catalogue::Lang;
use crate::measure::plan::ToolchainId;
use crate::measure::process::Cmd;
use crate::measure::runner::Binary;
use crate::record::ToolchainRecord;

/// A toolchain built and ready to run: the binary the runner runs, and the record of
/// what built it.
pub struct Prepared {
    pub binary: Binary,
    pub record: ToolchainRecord,
}

/// The binaries the runner runs and the toolchain records a run record keeps, in the
/// same order.
pub fn unzip(prepared: Vec<Prepared>) -> (Vec<Binary>, Vec<ToolchainRecord>) {
    prepared.into_iter().map(|p| (p.binary, p.record)).unzip()
}

/// Builds a pin's workloads: the trial binary, the counting binary when instructions
/// are counted, and the toolchain's record (which names the counting build).
pub fn build_prepared(root: &Path, found: &Found, counting: bool) -> Result<Prepared> {
    let path = build(root, found)?;
    let count_binary = if counting {
        build_counting(root, found)?
    } else {
        None
    };
    let mut record = record(root, found)?;
    if count_binary.is_some() {
        if let Some(experiment) = counting_experiment(&found.pin) {
            record
                .detail
                .insert("counting build GOEXPERIMENT".to_string(), experiment);
        }
    }
    Ok(Prepared {
        binary: Binary {
            toolchain: ToolchainId {
                id: found.pin.id.clone(),
                lang: found.pin.lang,
            },
            path,
            counting: count_binary,
        },
        record,
    })
}

/// Finds the pinned toolchains, keeps those asked for, builds each into its own
/// directory and records exactly what it is.
pub fn prepare(root: &Path, wanted: &[String], counting: bool) -> Result<Vec<Prepared>> {
    let pins = load_pins(root)?;
    for id in wanted {
        if !pins.iter().any(|pin| &pin.id == id) {
            let ids: Vec<&str> = pins.iter().map(|p| p.id.as_str()).collect();
            bail!(
                "--toolchains names {id:?}, which toolchains.toml does not pin; the pins are {}",
                ids.join(", ")
            );
        }
    }
    let mut prepared = Vec::new();
    for discovery in discover(root, &pins)? {
        let pin = &discovery.pin;
        if !wanted.is_empty() && !wanted.contains(&pin.id) {
            continue;
        }
        if let Some(minimum) = &discovery.below_minimum {
            if wanted.contains(&pin.id) {
                bail!(
                    "toolchain {} is below the workloads' minimum {minimum}: cannot build",
                    pin.id
                );
            }
            eprintln!(
                "warning: toolchain {} is below the workloads' minimum {minimum}: cannot build; \
                 it is left out of this run",
                pin.id
            );
            continue;
        }
        let Some(found) = discovery.found else {
            let seen: Vec<String> = discovery
                .rejected
                .iter()
                .map(|r| format!("{} is {}", r.path.display(), r.reported))
                .collect();
            let seen = if seen.is_empty() {
                String::new()
            } else {
                format!(" (found only: {})", seen.join("; "))
            };
            if wanted.contains(&pin.id) {
                bail!("toolchain {} is not installed{seen}; `cargo xtask doctor` says how to install it", pin.id);
            }
            eprintln!(
                "warning: toolchain {} is not installed{seen}; it is left out of this run",
                pin.id
            );
            continue;
        };
        eprintln!(
            "building the {} workloads with {} ({})",
            pin.lang, pin.id, found.source
        );
        prepared.push(build_prepared(root, &found, counting)?);
    }
    for lang in Lang::ALL {
        if !prepared.iter().any(|p| p.binary.toolchain.lang == lang)
            && (wanted.is_empty() || wanted.iter().any(|id| id.starts_with(lang.as_str())))
        {
            eprintln!(
                "warning: no pinned {lang} toolchain is installed, so no {lang} workload runs; \
                 `cargo xtask doctor` lists the pins and how to install them"
            );
        }
    }
    if prepared.is_empty() {
        bail!("none of the toolchains pinned in toolchains.toml is installed; `cargo xtask doctor` says how to install them");
    }
    Ok(prepared)
}

/// Builds every side with the same toolchains: the orchestrator's pins, found once. By
/// default one pin per language (the first found), since an A/B session asks what a
/// change did, not how toolchains differ.
pub fn build_sides(
    root: &Path,
    dirs: &[&PathBuf],
    wanted: &[String],
    counting: bool,
) -> Result<Vec<Vec<Prepared>>> {
    let pins = load_pins(root)?;
    let discoveries = discover(root, &pins)?;
    for id in wanted {
        match discoveries.iter().find(|d| &d.pin.id == id) {
            None => bail!(
                "--toolchains names {id:?}, which toolchains.toml does not pin; \
                 `cargo xtask doctor` lists the pins"
            ),
            Some(discovery) if discovery.usable().is_none() => bail!(
                "toolchain {id} is not installed here (or is below the workloads' minimum); \
                 `cargo xtask doctor` says how to install it"
            ),
            Some(_) => {}
        }
    }
    let mut chosen = Vec::new();
    for discovery in discoveries {
        let Some(found) = discovery.usable() else {
            continue;
        };
        let wanted_here = if wanted.is_empty() {
            !chosen.iter().any(|f: &Found| f.pin.lang == found.pin.lang)
        } else {
            wanted.contains(&found.pin.id)
        };
        if wanted_here {
            chosen.push(found.clone());
        }
    }
    if chosen.is_empty() {
        bail!("no pinned toolchain is installed; `cargo xtask doctor` says how to install one");
    }
    let mut sides = Vec::new();
    for dir in dirs {
        let mut side = Vec::new();
        for found in &chosen {
            eprintln!("building {} with {}", dir.display(), found.pin.id);
            side.push(build_prepared(dir, found, counting)?);
        }
        sides.push(side);
    }
    Ok(sides)
}

/// Copies each side's binaries into one folder, `target/versus/ab/sides/<side>/<toolchain>/`,
/// and points the side at the copies, so that the two sides of a pair differ in nothing
/// but their code: not in the length of the path the kernel puts on the process's
/// initial stack (which shifts the stack's alignment and the environment's placement),
/// nor in the file system location their pages come from. Side names must be of one
/// length ("base", "head").
pub fn place_sides(root: &Path, names: &[&str], sides: &mut [Vec<Prepared>]) -> Result<()> {
    for (name, side) in names.iter().zip(sides.iter_mut()) {
        for prepared in side.iter_mut() {
            let binary = &mut prepared.binary;
            let folder = root
                .join("target")
                .join("versus")
                .join("ab")
                .join("sides")
                .join(name)
                .join(&binary.toolchain.id);
            std::fs::create_dir_all(&folder)
                .with_context(|| format!("creating {}", folder.display()))?;
            binary.path = place(&binary.path, &folder)?;
            if let Some(counting) = &binary.counting {
                binary.counting = Some(place(counting, &folder)?);
            }
        }
    }
    Ok(())
}

/// `file` copied into `folder` under its own name (through a temporary file and a
/// rename, so a reader never sees half a binary); the copy's path.
fn place(file: &Path, folder: &Path) -> Result<PathBuf> {
    let name = file
        .file_name()
        .with_context(|| format!("{} has no file name", file.display()))?;
    let target = folder.join(name);
    let temporary = folder.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::copy(file, &temporary)
        .and_then(|_| std::fs::rename(&temporary, &target))
        .with_context(|| format!("copying {} to {}", file.display(), target.display()))?;
    Ok(target)
}

/// The full commit id of a ref, or an error that names it.
pub fn resolve_commit(root: &Path, reference: &str) -> Result<String> {
    let commit = Cmd::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ])
        .read()
        .with_context(|| {
            format!("{reference:?} is not a commit, branch or tag of this repository")
        })?;
    Ok(commit.trim().to_string())
}

/// The merge base of two commits: where a pull request's branch left its base.
pub fn merge_base(root: &Path, base: &str, head: &str) -> Result<String> {
    let commit = Cmd::new("git")
        .arg("-C")
        .arg(root)
        .args(["merge-base", base, head])
        .read()
        .with_context(|| {
            format!(
                "finding the merge base of {base} and {head} (a shallow clone lacks it: \
                 fetch the whole history, e.g. actions/checkout with fetch-depth: 0)"
            )
        })?;
    Ok(commit.trim().to_string())
}

/// A detached worktree of `commit` under target/versus/ab/, reused when it is already
/// there: its build directories then make the next A/B session against the same base
/// start in seconds.
pub fn worktree(root: &Path, commit: &str) -> Result<PathBuf> {
    let dir = root
        .join("target")
        .join("versus")
        .join("ab")
        .join(&commit[..12]);
    if dir.join(".git").exists() {
        let at = Cmd::new("git")
            .arg("-C")
            .arg(&dir)
            .args(["rev-parse", "HEAD"])
            .read();
        if at.is_ok_and(|at| at.trim() == commit) {
            return Ok(dir);
        }
        Cmd::new("git")
            .arg("-C")
            .arg(root)
            .args(["worktree", "remove", "--force"])
            .arg(&dir)
            .run()?;
    }
    Cmd::new("git")
        .arg("-C")
        .arg(root)
        .args(["worktree", "add", "--detach", "--force"])
        .arg(&dir)
        .arg(commit)
        .run()
        .with_context(|| format!("checking out {} in a worktree", &commit[..12]))?;
    Ok(dir)
}
