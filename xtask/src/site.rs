//! `cargo xtask site`: render the history into the static site (`publish::site`).

use std::path::Path;

use anyhow::Result;

use crate::cli::Site;
use crate::publish::site;
use crate::record::history;

impl Site {
    pub fn run(self, root: &Path) -> Result<()> {
        let history_dir = history::resolve(root, self.history);
        let index = site::render(root, &history_dir, &root.join(&self.out))?;
        println!("{}", index.display());
        Ok(())
    }
}
