//! Posting the comment: for a comparison from an artifact, GitHub must list the pull
//! request for the measured head commit (the artifact's number alone proves nothing);
//! a pull request that has moved on since is said so in the comment. Then versus's
//! comment is updated in place, or created.

use anyhow::{bail, Result};

use super::api::{Client, Upserted};
use super::comment::{self, Context};
use crate::analyse::compare::{Comparison, MARKER};

/// What to post.
pub struct Post<'a> {
    pub pr: u64,
    /// The measured head commit, from the trusted event; checked against GitHub.
    pub head_sha: Option<&'a str>,
    /// The comparison to render, or else `body` as it is.
    pub comparison: Option<&'a Comparison>,
    pub body: Option<String>,
    pub context: Context,
}

/// Checks the pull request against GitHub and posts.
pub async fn post(client: &Client, mut post: Post<'_>) -> Result<Upserted> {
    let pr = post.pr;
    if let Some(sha) = post.head_sha {
        let listed = client.pulls_for_commit(sha).await?;
        if !listed.contains(&pr) {
            let listed: Vec<String> = listed.iter().map(|n| format!("#{n}")).collect();
            bail!(
                "GitHub lists no pull request #{pr} for the measured commit {sha} (it lists {}); \
                 refusing to post",
                if listed.is_empty() {
                    "none".to_string()
                } else {
                    listed.join(", ")
                }
            );
        }
        let current = client.pull_request(pr).await?;
        if current.head_sha != sha {
            let now: String = current.head_sha.chars().take(12).collect();
            post.context.notes.push(format!(
                "Measured at {}; the pull request has moved on to {now} since, whose \
                 measurement will replace this comment.",
                &sha[..sha.len().min(12)]
            ));
        }
    }
    let body = body(post.comparison, post.body, &post.context)?;
    client.upsert_comment(pr, MARKER, &body).await
}

/// The comment's body: the comparison rendered, or else the body given.
pub fn body(
    comparison: Option<&Comparison>,
    body: Option<String>,
    context: &Context,
) -> Result<String> {
    match (comparison, body) {
        (Some(comparison), _) => Ok(comment::render(comparison, context)),
        (None, Some(body)) => Ok(body),
        (None, None) => bail!("nothing to post: give a comparison or a body"),
    }
}

#[cfg(test)]
#[path = "post_tests.rs"]
mod tests;
