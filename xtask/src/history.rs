//! `cargo xtask history`: work with a history as a whole. `check` reads every record
//! and names each bad one; `generate` writes a synthetic history (`measure::synthetic`),
//! to measure the site at the scale of years of CI runs.

use std::path::Path;

use anyhow::{bail, Result};

use crate::cli::{History, HistoryCommand};
use crate::measure::catalogue;
use crate::measure::synthetic::{self, Synthetic};
use crate::record::history;

/// A result whose workload this build's catalogue does not know, named by its field.
fn unknown_workload(record: &crate::record::RunRecord) -> Option<String> {
    record.results.iter().enumerate().find_map(|(i, result)| {
        catalogue::find(&result.workload).is_none().then(|| {
            format!(
                "invalid at `results[{i}].workload`: {:?} is no workload of this build (they \
                 are: {}); a newer or older versus wrote it, or it was edited",
                result.workload,
                catalogue::names()
            )
        })
    })
}

impl History {
    pub fn run(self, root: &Path) -> Result<()> {
        match self.command {
            HistoryCommand::Check(args) => {
                let dir = history::resolve(root, args.history);
                let checked = history::check_with(&dir, unknown_workload)?;
                for (path, reason) in &checked.bad {
                    eprintln!("bad record {}: {reason}", path.display());
                }
                eprintln!(
                    "{}: {} records read, {} bad",
                    dir.display(),
                    checked.good + checked.bad.len(),
                    checked.bad.len()
                );
                if !checked.bad.is_empty() {
                    bail!(
                        "{} of the records in {} cannot be read; each is named above with the \
                         field at fault",
                        checked.bad.len(),
                        dir.display()
                    );
                }
                Ok(())
            }
            HistoryCommand::Generate(args) => {
                for name in &args.only {
                    if catalogue::find(name).is_none() {
                        bail!(
                            "unknown workload {name:?} in --only; the workloads are: {}",
                            catalogue::names()
                        );
                    }
                }
                if args.runs == 0 || args.machines == 0 || args.rounds == 0 {
                    bail!("--runs, --machines and --rounds must each be at least 1");
                }
                let started = std::time::Instant::now();
                let written = synthetic::generate(
                    &Synthetic {
                        runs: args.runs,
                        machines: args.machines,
                        seed: args.seed,
                        hours_apart: args.hours_apart,
                        rounds: args.rounds,
                        only: args.only,
                    },
                    &args.out,
                )?;
                eprintln!(
                    "wrote {written} synthetic run records into {} in {:.1} s",
                    args.out.display(),
                    started.elapsed().as_secs_f64()
                );
                Ok(())
            }
        }
    }
}
