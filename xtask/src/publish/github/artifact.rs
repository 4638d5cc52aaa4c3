//! The pull request artifact: how a comparison travels from the benchmark job, which
//! builds and runs the pull request's code with a read-only token, to the commenting
//! workflow, which holds a token that may write. Whoever wrote the pull request could
//! have written the artifact, so it is read as untrusted: regular files only, each
//! bounded in size, strict JSON of the expected schema, a pull request number that is
//! a positive integer, a head SHA that is 40 hex digits. Nothing in it is executed,
//! passed to a shell, or shown without escaping; the comment is rendered again from
//! the comparison's numbers.

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::analyse::compare::{Comparison, COMPARE_SCHEMA};
use crate::publish::site::escape::is_commit;
use crate::record::parse_json;

/// The comparison, `versus.compare/1`.
pub const COMPARISON_FILE: &str = "comparison.json";
/// The pull request the comparison is for.
pub const PULL_REQUEST_FILE: &str = "pull-request.json";
/// The comparison rendered in full, for people who download the artifact; the
/// commenting workflow never reads it.
pub const MARKDOWN_FILE: &str = "comparison.md";

/// The schema tag of [`PULL_REQUEST_FILE`].
pub const PULL_REQUEST_SCHEMA: &str = "versus.pull-request/1";

/// The largest comparison read: a suite of thousands of series is a few MB.
pub const MAX_COMPARISON_BYTES: u64 = 16 << 20;
const MAX_PULL_REQUEST_BYTES: u64 = 4 << 10;
/// The most entries a comparison may have.
const MAX_ENTRIES: usize = 100_000;

/// [`PULL_REQUEST_FILE`] as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PullRequestFile {
    schema: String,
    /// Read as any JSON value, so that a negative or non-numeric number is refused
    /// with a message of ours rather than the parser's.
    number: serde_json::Value,
    head_sha: String,
    base_sha: String,
}

/// A checked artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    pub pull_request: u64,
    pub head_sha: String,
    pub base_sha: String,
    pub comparison: Comparison,
}

/// Writes the artifact into `dir` (created): the comparison, its Markdown, and the pull
/// request it is for.
pub fn write(
    dir: &Path,
    comparison: &Comparison,
    markdown: &str,
    pull_request: u64,
    head_sha: &str,
    base_sha: &str,
) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the artifact folder {}", dir.display()))?;
    let pr = PullRequestFile {
        schema: PULL_REQUEST_SCHEMA.to_string(),
        number: pull_request.into(),
        head_sha: sha(head_sha, "the head SHA")?.to_string(),
        base_sha: sha(base_sha, "the base SHA")?.to_string(),
    };
    for (name, text) in [
        (
            COMPARISON_FILE,
            serde_json::to_string_pretty(comparison)? + "\n",
        ),
        (PULL_REQUEST_FILE, serde_json::to_string_pretty(&pr)? + "\n"),
        (MARKDOWN_FILE, markdown.to_string()),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Reads and checks the artifact in `dir`.
pub fn read(dir: &Path) -> Result<Artifact> {
    let pr_path = dir.join(PULL_REQUEST_FILE);
    let text = bounded(&pr_path, MAX_PULL_REQUEST_BYTES)?;
    let pr: PullRequestFile = parse(&text, &pr_path)?;
    if pr.schema != PULL_REQUEST_SCHEMA {
        bail!(
            "{}: schema {:?} is not {PULL_REQUEST_SCHEMA:?}, the one this build reads",
            pr_path.display(),
            shown(&pr.schema)
        );
    }
    let pull_request =
        number(&pr.number).with_context(|| format!("{}: field `number`", pr_path.display()))?;
    let head_sha = sha(&pr.head_sha, "field `head_sha`")
        .with_context(|| pr_path.display().to_string())?
        .to_string();
    let base_sha = sha(&pr.base_sha, "field `base_sha`")
        .with_context(|| pr_path.display().to_string())?
        .to_string();
    Ok(Artifact {
        pull_request,
        head_sha,
        base_sha,
        comparison: read_comparison(&dir.join(COMPARISON_FILE))?,
    })
}

/// Reads and checks one `versus.compare/1` file.
pub fn read_comparison(path: &Path) -> Result<Comparison> {
    let text = bounded(path, MAX_COMPARISON_BYTES)?;
    // The schema first, so that another file is named as such rather than by the
    // first field it lacks.
    let schema = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|value| value.get("schema")?.as_str().map(str::to_string));
    match schema.as_deref() {
        Some(COMPARE_SCHEMA) => {}
        Some(other) => bail!(
            "{}: schema {:?} is not {COMPARE_SCHEMA:?}, the one this build reads",
            path.display(),
            shown(other)
        ),
        None => {}
    }
    let comparison: Comparison = parse(&text, path)?;
    if comparison.entries.len() > MAX_ENTRIES {
        bail!(
            "{}: {} entries, more than the {MAX_ENTRIES} a comparison may have",
            path.display(),
            comparison.entries.len()
        );
    }
    for (index, entry) in comparison.entries.iter().enumerate() {
        let ratios = entry
            .ratio
            .iter()
            .flat_map(|r| [r.estimate, r.ci_low, r.ci_high]);
        if ratios
            .chain(entry.mde_ratio)
            .any(|r| r <= 0.0 || !r.is_finite())
        {
            bail!(
                "{}: entries[{index}]: a ratio is zero or negative, which no measurement gives",
                path.display()
            );
        }
    }
    Ok(comparison)
}

/// A pull request number as given on the command line: a positive integer.
pub fn parse_number(text: &str) -> Result<u64> {
    number(&serde_json::Value::String(text.to_string()))
}

fn number(value: &serde_json::Value) -> Result<u64> {
    let parsed = match value {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    };
    match parsed {
        Some(n) if (1..=u64::from(u32::MAX)).contains(&n) => Ok(n),
        _ => bail!(
            "a pull request number must be a positive integer, not {}",
            shown(&value.to_string())
        ),
    }
}

/// A full commit SHA: 40 lowercase hex digits.
pub fn sha<'a>(text: &'a str, what: &str) -> Result<&'a str> {
    if text.len() == 40 && is_commit(text) {
        Ok(text)
    } else {
        bail!(
            "{what} must be a full commit SHA (40 lowercase hex digits), not {}",
            shown(text)
        )
    }
}

/// Reads a regular file of at most `limit` bytes as UTF-8.
fn bounded(path: &Path, limit: u64) -> Result<String> {
    let meta = std::fs::symlink_metadata(path).with_context(|| {
        format!(
            "reading {} from the artifact (is the artifact complete?)",
            path.display()
        )
    })?;
    if !meta.file_type().is_file() {
        bail!(
            "{} is not a regular file; refusing to read it",
            path.display()
        );
    }
    if meta.len() > limit {
        bail!(
            "{} is {} bytes, over the {limit} this file may have; refusing to read it",
            path.display(),
            meta.len()
        );
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .with_context(|| format!("opening {}", path.display()))?
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() as u64 > limit {
        bail!(
            "{} grew past {limit} bytes while being read",
            path.display()
        );
    }
    String::from_utf8(bytes).map_err(|error| {
        anyhow::anyhow!(
            "{} is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            error.utf8_error().valid_up_to()
        )
    })
}

/// Parses strict JSON ([`parse_json`]), naming the file.
fn parse<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T> {
    parse_json(text).with_context(|| path.display().to_string())
}

/// Untrusted text quoted in an error: escaped and short.
fn shown(text: &str) -> String {
    let mut quoted: String = text
        .chars()
        .take(60)
        .flat_map(char::escape_default)
        .collect();
    if text.chars().count() > 60 {
        quoted.push('…');
    }
    format!("\"{quoted}\"")
}

#[cfg(test)]
#[path = "artifact_tests.rs"]
mod tests;
