//! `cargo xtask comment`: post versus's comment on a pull request, or update the one it
//! posted before (`publish::github`). From an artifact of the benchmark job, every
//! file is checked as untrusted and the comment rendered again from the comparison's
//! numbers; the pull request must be one GitHub lists for the measured head commit.

use anyhow::{bail, Context, Result};

use crate::analyse::compare::MARKER;
use crate::cli::Comment;
use crate::publish::github::api::{Client, Retry, Target};
use crate::publish::github::artifact;
use crate::publish::github::comment::{self, LIMIT};
use crate::publish::github::post::{self, post, Post};
use crate::publish::github::trend::Trends;

impl Comment {
    pub fn run(self) -> Result<()> {
        let mut context = comment::Context {
            run_url: self.run_url.clone(),
            site_url: self.site_url.clone(),
            limit: Some(LIMIT),
            ..comment::Context::default()
        };
        for (flag, url) in [("--run-url", &self.run_url), ("--site-url", &self.site_url)] {
            if let Some(url) = url {
                if crate::publish::github::escape::url(url).is_none() {
                    bail!(
                        "{flag} {url:?} is not a plain http(s) URL; the comment links only those"
                    );
                }
            }
        }
        let head_sha = match &self.head_sha {
            Some(sha) => Some(artifact::sha(sha, "--head-sha")?.to_string()),
            None => None,
        };
        // What to post, and on which pull request.
        let (pr, comparison, body) = match (&self.artifact, &self.compare, &self.body) {
            (Some(dir), _, _) => {
                let artifact = artifact::read(dir).with_context(|| {
                    format!("reading the pull request artifact in {}", dir.display())
                })?;
                if let Some(pr) = self.pr {
                    if pr != artifact.pull_request {
                        bail!(
                            "the artifact is for pull request #{}, not #{pr}; refusing to post",
                            artifact.pull_request
                        );
                    }
                }
                if Some(&artifact.head_sha) != head_sha.as_ref() {
                    bail!(
                        "the artifact says it measured {}, but the workflow run measured {}; \
                         refusing to post",
                        artifact.head_sha,
                        head_sha.as_deref().unwrap_or("(none)")
                    );
                }
                (artifact.pull_request, Some(artifact.comparison), None)
            }
            (None, Some(file), _) => (
                self.pr.context("--pr is needed with --compare")?,
                Some(artifact::read_comparison(file)?),
                None,
            ),
            (None, None, Some(file)) => {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("reading the comment body {}", file.display()))?;
                let body = if text.contains(MARKER) {
                    text
                } else {
                    format!("{MARKER}\n{text}")
                };
                if body.len() > LIMIT {
                    bail!(
                        "{} is {} bytes; a comment body may have {LIMIT} at most (GitHub's \
                         limit is 65,536 characters)",
                        file.display(),
                        body.len()
                    );
                }
                (
                    self.pr.context("--pr is needed with --body")?,
                    None,
                    Some(body),
                )
            }
            (None, None, None) => bail!("give --compare, --body or --artifact"),
        };
        if let (Some(dir), Some(comparison)) = (&self.history, &comparison) {
            context.trends = Trends::from_history(dir, comparison, &self.branch)?;
            for warning in &context.trends.warnings {
                eprintln!("warning: {warning}");
            }
        }

        if self.dry_run {
            print!("{}", post::body(comparison.as_ref(), body, &context)?);
            return Ok(());
        }

        let target = Target::from_env(|name| std::env::var(name).ok())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the HTTP client's runtime")?;
        let upserted = runtime.block_on(async {
            let client = Client::new(target, Retry::default())?;
            post(
                &client,
                Post {
                    pr,
                    head_sha: head_sha.as_deref(),
                    comparison: comparison.as_ref(),
                    body,
                    context,
                },
            )
            .await
        })?;
        println!("{upserted}");
        Ok(())
    }
}
