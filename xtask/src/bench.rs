//! `cargo xtask bench`: the main job. Build, run, record, render the site, and print
//! the page to open.

use std::path::Path;

use anyhow::Result;

use crate::cli::Bench;
use crate::{history, run, site};

impl Bench {
    pub fn run(self, root: &Path) -> Result<()> {
        let (path, record) = run::run_and_record(root, &self.args)?;
        let history_dir = history::resolve(root, self.args.history.clone());
        let index = site::render(root, &history_dir, &root.join(&self.site))?;
        let outcome = run::finish(&path, &record);
        eprintln!("site: open file://{}", index.display());
        outcome
    }
}
