//! `cargo xtask bench`: the main job. Build, run and record as `cargo xtask run` does,
//! render the site, and print the results, Rust against Go, and the page to open.

use std::path::Path;

use anyhow::Result;

use crate::analyse::versus;
use crate::cli::Bench;
use crate::measure::catalogue::PAIRINGS;
use crate::measure::process::git_reader;
use crate::measure::runner::{self, TrialSettings};
use crate::publish::{self, site};
use crate::record::summary::{require_ok, results_table};
use crate::record::{history, Provenance};
use crate::toolchains;

impl Bench {
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
        let rendered = site::render(root, &history_dir, &root.join(&self.site))?;
        for warning in &rendered.warnings {
            eprintln!("warning: {warning}");
        }
        eprintln!("{}", results_table(&record));
        let rows: Vec<_> = versus::versus(&record, PAIRINGS)
            .iter()
            .map(publish::versus::versus_row)
            .collect();
        if !rows.is_empty() {
            eprintln!("\nRust against Go, time per operation, paired by round:");
            eprintln!("{}", publish::versus::terminal_table(&rows));
        }
        eprintln!("run record: {}", path.display());
        eprintln!("site: open file://{}", rendered.index.display());
        require_ok(&record.results)
    }
}
