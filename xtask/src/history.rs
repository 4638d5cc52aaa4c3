//! `cargo xtask history`: work with a history as a whole. `check` reads every record
//! and names each bad one; `prune` drops old raw data and keeps its summaries
//! (`record::prune`); `generate` writes a synthetic history (`measure::synthetic`), to
//! measure the site at the scale of years of CI runs.

use std::path::Path;

use anyhow::{bail, Result};

use crate::cli::{History, HistoryCommand};
use crate::measure::catalogue;
use crate::measure::synthetic::{self, Synthetic};
use crate::record::{history, prune};

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
            HistoryCommand::Prune(args) => {
                let dir = history::resolve(root, args.history);
                let now = crate::record::rfc3339(time::OffsetDateTime::now_utc());
                let pruned = prune::prune(&dir, args.keep_raw, &now, args.dry_run)?;
                for bad in &pruned.unreadable {
                    eprintln!(
                        "warning: skipped {}, left as it is: {} (`cargo xtask history check` \
                         lists every bad record)",
                        bad.path.display(),
                        bad.reason
                    );
                }
                let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
                eprintln!(
                    "{}: {} records read; {} {} results ({} trials) in {} records, the \
                     raw data of all but the newest {} runs of each series: {:.1} MiB → \
                     {:.1} MiB",
                    dir.display(),
                    pruned.records_read,
                    if args.dry_run {
                        "would prune"
                    } else {
                        "pruned"
                    },
                    pruned.results_pruned,
                    pruned.trials_pruned,
                    pruned.records_pruned,
                    args.keep_raw,
                    mib(pruned.bytes_before),
                    mib(pruned.bytes_after),
                );
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
