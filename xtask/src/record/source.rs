//! Where a run came from: the git commit of the work tree and, under continuous
//! integration, the provider's run. Outside a git checkout every field is null.
//!
//! This module starts no process: git's answers come in through a reader (`git`: the
//! trimmed output of `git ARGS` in the checkout, or None), which the measuring side
//! provides (`measure::process::git_reader`) and tests replace.

use crate::record::{Ci, Source};

/// Describes the commit that `git` sees checked out.
pub fn detect(git: impl Fn(&[&str]) -> Option<String>) -> Source {
    let commit = git(&["rev-parse", "HEAD"]).filter(|c| c.len() == 40);
    let (subject, committed_at) = match &commit {
        Some(_) => (
            git(&["log", "-1", "--format=%s"]),
            git(&["log", "-1", "--format=%cI"]),
        ),
        None => (None, None),
    };
    let git_ref = std::env::var("GITHUB_REF")
        .ok()
        .or_else(|| git(&["symbolic-ref", "-q", "HEAD"]));
    // Local data (history/, target/) is ignored by .gitignore; anything else
    // uncommitted, untracked files included (go build compiles every .go file of the
    // package), makes the measured code differ from the commit.
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=normal"]).is_some_and(|s| !s.is_empty());
    let pr = std::env::var("VERSUS_PR")
        .ok()
        .and_then(|n| n.parse().ok())
        .or_else(|| {
            // refs/pull/123/merge on GitHub Actions.
            std::env::var("GITHUB_REF").ok().and_then(|r| {
                r.strip_prefix("refs/pull/")?
                    .split('/')
                    .next()?
                    .parse()
                    .ok()
            })
        });
    Source {
        commit,
        git_ref,
        subject,
        committed_at,
        dirty,
        pr,
    }
}

/// The CI run, from the provider's environment; null outside CI.
pub fn ci_from_env(env: impl Fn(&str) -> Option<String>) -> Option<Ci> {
    if env("GITHUB_ACTIONS").as_deref() != Some("true") {
        return None;
    }
    Some(Ci {
        provider: "github-actions".to_string(),
        repository: env("GITHUB_REPOSITORY"),
        run_id: env("GITHUB_RUN_ID"),
        run_attempt: env("GITHUB_RUN_ATTEMPT"),
        workflow: env("GITHUB_WORKFLOW"),
        job: env("GITHUB_JOB"),
        runner_name: env("RUNNER_NAME"),
        runner_image: env("ImageOS"),
        runner_image_version: env("ImageVersion"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_is_read_from_github_actions_variables() {
        let env = |key: &str| {
            match key {
                "GITHUB_ACTIONS" => Some("true"),
                "GITHUB_REPOSITORY" => Some("versus/versus"),
                "GITHUB_RUN_ID" => Some("42"),
                "ImageOS" => Some("ubuntu24"),
                "ImageVersion" => Some("20261110.1"),
                _ => None,
            }
            .map(String::from)
        };
        let ci = ci_from_env(env).unwrap();
        assert_eq!(ci.repository.as_deref(), Some("versus/versus"));
        assert_eq!(ci.runner_image_version.as_deref(), Some("20261110.1"));
        assert_eq!(ci.job, None);
        assert!(ci_from_env(|_| None).is_none());
    }

    #[test]
    fn outside_git_everything_is_null() {
        let dir = tempfile::tempdir().unwrap();
        let source = detect(crate::measure::process::git_reader(dir.path()));
        assert_eq!(source.commit, None);
        assert!(!source.dirty);
    }
}
