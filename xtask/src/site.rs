//! `cargo xtask site`: render the history into the static site (`publish::site`).

use std::path::Path;

use anyhow::Result;

use crate::cli::Site;
use crate::publish::site;
use crate::record::history;

impl Site {
    pub fn run(self, root: &Path) -> Result<()> {
        let history_dir = history::resolve(root, self.history);
        let rendered = site::render(root, &history_dir, &root.join(&self.out))?;
        for warning in &rendered.warnings {
            eprintln!("warning: {warning}");
        }
        eprintln!(
            "site: {} runs ({} read from their records, the rest from the cache), {} of {} \
             files written, in {:.1} s",
            rendered.runs, rendered.parsed, rendered.changed, rendered.files, rendered.seconds
        );
        println!("{}", rendered.index.display());
        Ok(())
    }
}
