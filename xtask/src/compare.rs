//! `cargo xtask compare BASE HEAD`: reads the two sides' run records and prints the
//! comparison as the Markdown table a pull request comment shows, or as
//! `versus.compare/1` JSON.

use std::path::Path;

use anyhow::Result;

use crate::analyse::compare;
use crate::cli::{Compare, CompareFormat};
use crate::record::history::{self, resolve_run};
use crate::record::RunRecord;

impl Compare {
    pub fn run(self, root: &Path) -> Result<()> {
        let history_dir = history::resolve(root, self.history.clone());
        let read = |names: &str| -> Result<Vec<RunRecord>> {
            names
                .split(',')
                .filter(|name| !name.trim().is_empty())
                .map(|name| history::read(&resolve_run(name.trim(), &history_dir)?))
                .collect()
        };
        let (base, head) = (read(&self.base)?, read(&self.head)?);
        let settings = self.thresholds.settings()?;
        let comparison = compare::compare(&base, &head, &settings);
        match self.format {
            CompareFormat::Md => print!("{}", compare::render_markdown(&comparison)),
            CompareFormat::Json => println!("{}", serde_json::to_string_pretty(&comparison)?),
        }
        Ok(())
    }
}
