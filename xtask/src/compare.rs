//! `cargo xtask compare BASE HEAD`: reads the two sides' run records and prints the
//! comparison as the Markdown table a pull request comment shows, or as
//! `versus.compare/1` JSON.

use std::path::Path;

use anyhow::{Context, Result};

use crate::analyse::compare;
use crate::cli::{Compare, CompareFormat};
use crate::record::history::{self, resolve_run};
use crate::record::RunRecord;

impl Compare {
    pub fn run(self, root: &Path) -> Result<()> {
        let history_dir = history::resolve(root, self.history.clone());
        // One side may be several records (`a,b,c`): a bad one among them is left out
        // with a warning naming it; a side with no readable record is an error.
        let read = |side: &str, names: &str| -> Result<Vec<RunRecord>> {
            let paths = names
                .split(',')
                .filter(|name| !name.trim().is_empty())
                .map(|name| resolve_run(name.trim(), &history_dir))
                .collect::<Result<Vec<_>>>()?;
            let (records, unreadable) = history::read_each(&paths)
                .with_context(|| format!("reading the {side} side's records"))?;
            for bad in &unreadable {
                eprintln!(
                    "warning: the {side} side leaves out {}: {} (`cargo xtask history check` \
                     lists every bad record)",
                    bad.path.display(),
                    bad.reason
                );
            }
            Ok(records)
        };
        let (base, head) = (read("base", &self.base)?, read("head", &self.head)?);
        let settings = self.thresholds.settings()?;
        let comparison = compare::compare(&base, &head, &settings);
        match self.format {
            CompareFormat::Md => print!("{}", compare::render_markdown(&comparison)),
            CompareFormat::Json => println!("{}", serde_json::to_string_pretty(&comparison)?),
        }
        Ok(())
    }
}
