//! Whole commands killed: `cargo xtask test` runs `cargo xtask run` and `cargo xtask
//! bench` (quick, one workload, built binaries) against a scratch history and SIGKILLs
//! their whole process group at points spread over a whole command's time — while the
//! workloads are checked for rebuilds, during trials, while the record is written, while
//! `bench` renders the site. After every kill, every record in the history parses, every
//! record there before is byte for byte as it was, and nothing but records and hidden
//! temporary files is left. The write path alone is killed at 60 points in
//! `measure::faults`; this is the same promise held by the commands themselves.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::process::{Cmd, ExitKind};
use crate::record::history;

/// What the kills did.
#[derive(Debug, Default)]
pub struct Killed {
    /// (command, kills that landed, the time of a whole command).
    pub commands: Vec<(&'static str, usize, Duration)>,
    /// Records in the history at the end, all complete.
    pub records: usize,
}

/// Each command's arguments: quick, one cheap workload, two toolchains.
fn arguments(command: &str, history: &Path, site: &Path) -> Vec<String> {
    let mut args: Vec<String> = [
        command,
        "--quick",
        "--only",
        "sum",
        "--variants",
        "rust:iter,go:range",
        "--rounds",
        "2",
        "--history",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(history.display().to_string());
    if command == "bench" {
        args.push("--site".into());
        args.push(site.display().to_string());
    }
    args
}

/// Every file of the history: records (checked to parse) and what else is there.
fn snapshot(history: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let entries = match std::fs::read_dir(history) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(error) => return Err(error).context("listing the scratch history"),
    };
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if name.starts_with('.') || path.is_dir() {
            continue; // a temporary file a kill left, or the site's cache: never records
        }
        if !name.ends_with(".json") {
            bail!("a kill left {} in the history", path.display());
        }
        history::read(&path).with_context(|| format!("after a kill, {}", path.display()))?;
        files.insert(path.clone(), std::fs::read(&path)?);
    }
    Ok(files)
}

impl std::fmt::Display for Killed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (command, kills, whole) in &self.commands {
            writeln!(
                f,
                "cargo xtask {command}: {kills} killed (a whole one: {whole:.2?})"
            )?;
        }
        write!(
            f,
            "{} complete records, every earlier one unchanged",
            self.records
        )
    }
}

/// Kills `kills` runs of each command, with `xtask` (this binary) from `root`, in a
/// fresh `scratch` directory (emptied first).
pub fn kill_commands(xtask: &Path, root: &Path, scratch: &Path, kills: usize) -> Result<Killed> {
    if scratch.exists() {
        std::fs::remove_dir_all(scratch)
            .with_context(|| format!("clearing {}", scratch.display()))?;
    }
    let history = scratch.join("history");
    let site = scratch.join("site");
    let mut killed = Killed::default();
    let mut state: u64 = 0x51_7cc1_b727_220a;
    for command in ["run", "bench"] {
        let start = |limit: Duration| -> Result<bool> {
            let process = Cmd::new(xtask)
                .args(arguments(command, &history, &site))
                .dir(root)
                .run_trial(limit, None)
                .with_context(|| format!("starting cargo xtask {command}"))?;
            if !process.timed_out && !matches!(process.exit, ExitKind::Code(0)) {
                bail!(
                    "cargo xtask {command} failed without being killed ({}): {}",
                    process.exit,
                    String::from_utf8_lossy(&process.stderr)
                );
            }
            Ok(process.timed_out)
        };
        // Two whole commands first, the second timed (the first may build the
        // workloads): the kills fall anywhere in one.
        let mut whole = Duration::ZERO;
        for _ in 0..2 {
            let started = Instant::now();
            if start(Duration::from_secs(900))? {
                bail!("a whole cargo xtask {command} took more than 900 s");
            }
            whole = started.elapsed();
        }
        let mut landed = 0;
        for _ in 0..kills {
            let before = snapshot(&history)?;
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let limit =
                Duration::from_micros(1_000 + state % (whole.as_micros() as u64 * 11 / 10 + 1));
            landed += usize::from(start(limit)?);
            let after = snapshot(&history)?;
            for (path, bytes) in &before {
                if after.get(path) != Some(bytes) {
                    bail!(
                        "a kill of cargo xtask {command} at {limit:?} changed or removed {}",
                        path.display()
                    );
                }
            }
            if after.len() > before.len() + 1 {
                bail!("one cargo xtask {command} added more than one record");
            }
        }
        killed.commands.push((command, landed, whole));
    }
    killed.records = snapshot(&history)?.len();
    Ok(killed)
}
