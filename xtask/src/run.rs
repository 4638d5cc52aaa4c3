//! `cargo xtask run`: build the workloads with every pinned toolchain found, run their
//! trials as separate processes in randomized interleaved rounds, and write one
//! `versus.run/1` record to the history.

use std::path::Path;

use anyhow::Result;

use crate::cli::Run;
use crate::measure::process::git_reader;
use crate::measure::runner::{self, TrialSettings};
use crate::record::summary::{require_ok, results_table};
use crate::record::{history, Provenance};
use crate::toolchains;

impl Run {
    pub fn run(self, root: &Path) -> Result<()> {
        let args = &self.args.clone().with_environment()?;
        let provenance = Provenance::detect(git_reader(root));
        let prepared = toolchains::prepare(root, &args.toolchains, args.instructions)?;
        let launcher = toolchains::build_launcher(root)?;
        let settings = TrialSettings::new(&args.trial_options(), args.rounds(), launcher)?;
        let (binaries, records) = toolchains::unzip(prepared);
        let measured = runner::run(&args.selection(), &binaries, settings)?;
        let history_dir = history::resolve(root, args.history.clone());
        let path = history::write_run(&history_dir, measured.into_record(provenance, records))?;
        let record = history::read(&path)?;
        eprintln!("{}", results_table(&record));
        eprintln!("run record: {}", path.display());
        require_ok(&record.results)
    }
}
