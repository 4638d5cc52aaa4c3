//! `cargo xtask compare BASE HEAD`: reads the two sides' run records and prints the
//! comparison as the Markdown table a pull request comment shows, or as
//! `versus.compare/1` JSON.

use std::path::Path;

use anyhow::{bail, Result};

use crate::cli::{Compare, CompareFormat, Thresholds};
use crate::export::resolve_run;
use crate::history;
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
        let comparison = super::compare(&base, &head, &settings);
        match self.format {
            CompareFormat::Md => print!("{}", super::render_markdown(&comparison)),
            CompareFormat::Json => println!("{}", serde_json::to_string_pretty(&comparison)?),
        }
        Ok(())
    }
}

impl Thresholds {
    /// The verdict settings these thresholds give, or an error naming the flag that is
    /// not a percentage between 0 and 100.
    pub fn settings(&self) -> Result<super::Settings> {
        for (flag, value) in [
            ("--threshold", self.threshold),
            ("--instructions-threshold", self.instructions_threshold),
        ] {
            if !(value > 0.0 && value < 100.0) {
                bail!("{flag} is a percentage between 0 and 100, not {value}");
            }
        }
        Ok(super::Settings {
            threshold: self.threshold / 100.0,
            instructions_threshold: self.instructions_threshold / 100.0,
            ..super::Settings::default()
        })
    }
}
