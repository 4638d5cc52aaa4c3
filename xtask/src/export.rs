//! `cargo xtask export`: one run record in the formats other tools read — Go's
//! benchmark text (for `benchstat`), Bencher Metric Format JSON, github-action-benchmark's
//! custom JSON, and CSV. The formats are `publish::export`'s.

use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::Export;
use crate::publish::export;
use crate::record::history::{self, resolve_run};

impl Export {
    pub fn run(self, root: &Path) -> Result<()> {
        let history = history::resolve(root, self.history);
        let path = resolve_run(&self.run, &history)?;
        let record = history::read(&path)?;
        let exporter = export::exporter(self.format);
        let bytes = exporter
            .export(&record)
            .with_context(|| format!("exporting {} as {}", path.display(), exporter.name()))?;
        if !exporter.lists_every_result() {
            let left_out = export::left_out(&record);
            if !left_out.is_empty() {
                eprintln!(
                    "note: the {} export of run {} leaves out {} result(s) without numbers to \
                     publish (`--format csv` lists them):",
                    exporter.name(),
                    record.id,
                    left_out.len()
                );
                for result in &left_out {
                    eprintln!("  {}: {}", result.name, result.why);
                }
            }
        }
        export::write(&bytes, self.out.as_deref())
    }
}
