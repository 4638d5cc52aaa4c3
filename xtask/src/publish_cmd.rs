//! `cargo xtask publish`: add run records to the data branch (`publish::github::
//! databranch`) and render the site from the branch's history (`publish::site`), for
//! the Pages deployment that follows on GitHub Actions.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::cli::Publish;
use crate::measure::process::Cmd;
use crate::publish::github::databranch::{self, Publishing};
use crate::publish::site;

impl Publish {
    pub fn run(self, root: &Path) -> Result<()> {
        let remote = match self.remote {
            Some(remote) => remote,
            None => Cmd::new("git")
                .arg("-C")
                .arg(root)
                .args(["remote", "get-url", "origin"])
                .read()
                .context(
                    "finding the data branch's repository: this checkout has no `origin`; \
                     name one with --remote",
                )?
                .trim()
                .to_string(),
        };
        let token = std::env::var("GITHUB_TOKEN").ok();
        let work = root.join(&self.work);
        let published = databranch::publish(&Publishing {
            remote: &remote,
            branch: &self.branch,
            work: &work,
            records: &self.records,
            attempts: self.attempts.max(1),
            backoff: Duration::from_secs(2),
            token: token.as_deref(),
        })?;
        for name in &published.already {
            eprintln!("publish: {name} is on {} already", self.branch);
        }
        for (path, reason) in &published.bad {
            eprintln!(
                "warning: {} on {} cannot be read and is left out of the site: {reason}",
                path.display(),
                self.branch
            );
        }
        eprintln!(
            "publish: {} new record(s) on {} ({} push attempt(s))",
            published.added.len(),
            self.branch,
            published.attempts
        );
        if self.no_site {
            return Ok(());
        }
        let rendered = site::render(root, &published.history, &root.join(&self.out))?;
        for warning in &rendered.warnings {
            eprintln!("warning: {warning}");
        }
        eprintln!(
            "site: {} runs, {} of {} files written, in {:.1} s",
            rendered.runs, rendered.changed, rendered.files, rendered.seconds
        );
        println!("{}", rendered.index.display());
        Ok(())
    }
}
