//! The data branch: where a repository's run records live, one file each, beside its
//! code but never mixed into it (`bench-data` by default; `history/` on it is a history
//! like any other). Publishing adds new records as new files only, so two publishers
//! (the x86_64 and the ARM job, or two pushes to main) never conflict: a push that
//! loses the race is fetched, rebased onto the winner and pushed again, after a
//! growing wait. A record already on the branch with the same bytes is left alone; one
//! with the same name and other bytes is an error, never an overwrite.
//!
//! Git runs in a work folder of its own (a cache: it is reset to the branch on every
//! attempt). On GitHub Actions the token reaches git through GIT_CONFIG_* variables as
//! an HTTP header, so it appears in no command line, URL, file or message.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use base64::Engine;

use crate::measure::process::Cmd;
use crate::record::history;

/// What to publish, and where.
pub struct Publishing<'a> {
    /// A URL or path of the repository that holds the branch.
    pub remote: &'a str,
    pub branch: &'a str,
    /// The work folder (created when missing).
    pub work: &'a Path,
    /// Record files.
    pub records: &'a [PathBuf],
    /// Push attempts at most.
    pub attempts: u32,
    /// The first wait after a rejected push; each next one doubles, with jitter.
    pub backoff: Duration,
    /// A token for an `https://` remote (GITHUB_TOKEN), sent as an HTTP header.
    pub token: Option<&'a str>,
}

/// What publishing did.
#[derive(Debug)]
pub struct Published {
    /// The records added, by file name.
    pub added: Vec<String>,
    /// The records the branch already had, with the same bytes.
    pub already: Vec<String>,
    /// Push attempts made (0 when there was nothing to add).
    pub attempts: u32,
    /// The history folder of the work folder: the branch's records, for the site.
    pub history: PathBuf,
    /// Records on the branch that do not parse (left as they are), with the reason.
    pub bad: Vec<(PathBuf, String)>,
}

/// Adds `publishing.records` to the data branch. The work folder is a cache of the
/// remote branch: when a git command fails in it (a publish killed mid-way can leave a
/// repository git will not work in), its contents are removed and the publish tried
/// once more from a fresh fetch of the branch. Nothing is lost by that: the records come
/// from the history, and the branch is the remote's.
pub fn publish(publishing: &Publishing) -> Result<Published> {
    match publish_once(publishing) {
        Err(error) if git_failed_in_work_folder(&error) => {
            eprintln!(
                "publish: git failed in {} ({}); starting that work folder again",
                publishing.work.display(),
                first_line(&error)
            );
            // Everything but the lock: the old checkout's files would be untracked in a
            // fresh repository, and git would refuse to check the branch out over them.
            for entry in std::fs::read_dir(publishing.work)
                .with_context(|| format!("listing {}", publishing.work.display()))?
            {
                let path = entry?.path();
                if path
                    .file_name()
                    .is_some_and(|n| n == ".versus-publish.lock")
                {
                    continue;
                }
                let removed = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                removed.with_context(|| format!("removing {}", path.display()))?;
            }
            publish_once(publishing).context("publishing again from a fresh work folder")
        }
        other => other,
    }
}

/// A git command failed in the work folder, and not as a push refused to the end (that
/// is the remote's answer; the work folder keeps the commit for the next publish).
fn git_failed_in_work_folder(error: &anyhow::Error) -> bool {
    let text = format!("{error:#}");
    text.contains("git -C") && !text.contains("pushing the new records")
}

fn publish_once(publishing: &Publishing) -> Result<Published> {
    check_branch(publishing.branch)?;
    let records = records(publishing.records)?;
    let git = Git::open(publishing)?;
    let history_dir = publishing.work.join("history");
    let mut added = Vec::new();
    let mut already = Vec::new();
    let mut committed = false;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let exists = git.fetch()?;
        if !committed {
            if exists {
                git.run(&["checkout", "-q", "-B", publishing.branch, &git.tracking()])?;
                git.run(&["reset", "-q", "--hard", &git.tracking()])?;
            } else {
                // The repository's first records: an orphan branch with nothing else.
                git.run(&["checkout", "-q", "--orphan", publishing.branch])?;
                git.run(&["rm", "-rq", "--cached", "--ignore-unmatch", "."])?;
            }
            git.run(&["clean", "-qfdx"])?;
            std::fs::create_dir_all(&history_dir)
                .with_context(|| format!("creating {}", history_dir.display()))?;
            for (name, bytes) in &records {
                let path = history_dir.join(name);
                match std::fs::read(&path) {
                    Ok(existing) if same(&existing, bytes) => already.push(name.clone()),
                    Ok(_) => bail!(
                        "the data branch {} already has {name} with other contents; a record \
                         is never overwritten (is one run id being published from two runs?)",
                        publishing.branch
                    ),
                    Err(_) => {
                        history::write_new(&path, bytes)?;
                        added.push(name.clone());
                    }
                }
            }
            if added.is_empty() {
                break;
            }
            let paths: Vec<String> = added.iter().map(|name| format!("history/{name}")).collect();
            git.run_with(&["add", "--"], &paths)?;
            let message = match added.as_slice() {
                [one] => format!("Add run record {one}"),
                many => format!("Add {} run records\n\n{}", many.len(), many.join("\n")),
            };
            git.commit(&message)?;
            committed = true;
        } else if exists {
            // Another publisher pushed first: replay this commit onto theirs. It only
            // adds files that are new, so the rebase cannot conflict unless the same
            // record was published with other bytes, which is refused.
            if let Err(error) = git.run(&["rebase", "-q", &git.tracking()]) {
                let _ = git.run(&["rebase", "--abort"]);
                return Err(error.context(format!(
                    "rebasing the new records onto the data branch {}",
                    publishing.branch
                )));
            }
        }
        match git.push() {
            Ok(()) => break,
            Err(error) if attempt < publishing.attempts && retryable(&error) => {
                let wait = backoff(publishing.backoff, attempt);
                eprintln!(
                    "publish: the push to {} was refused ({}); fetching, rebasing and retrying \
                     in {:.1} s (attempt {} of {})",
                    publishing.branch,
                    first_line(&error),
                    wait.as_secs_f64(),
                    attempt + 1,
                    publishing.attempts
                );
                std::thread::sleep(wait);
            }
            Err(error) => return Err(gave_up(error, attempt, publishing)),
        }
    }
    Ok(Published {
        attempts: if committed { attempt } else { 0 },
        added,
        already,
        bad: history::check(&history_dir)?.bad,
        history: history_dir,
    })
}

/// The same record, whether or not a final newline was added.
fn same(existing: &[u8], bytes: &[u8]) -> bool {
    existing.strip_suffix(b"\n").unwrap_or(existing) == bytes
}

/// The records to publish, read and checked, as (file name, bytes), in name order.
fn records(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(history::record_files(path)?);
        } else {
            files.push(path.clone());
        }
    }
    if files.is_empty() {
        bail!(
            "no run records to publish in {} (record one with `cargo xtask run`)",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut records = Vec::new();
    for file in files {
        let record = history::read(&file).context("checking a record before publishing it")?;
        let name = format!("{}.json", record.id);
        if record.id.is_empty()
            || record.id.starts_with('.')
            || !record
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            bail!(
                "{}: run id {:?} cannot name a file on the data branch",
                file.display(),
                record.id
            );
        }
        let mut bytes =
            std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        // `write_new` ends the file with its newline.
        if bytes.ends_with(b"\n") {
            bytes.pop();
        }
        records.push((name, bytes));
    }
    records.sort();
    records.dedup();
    Ok(records)
}

/// A branch name git and a URL both take as it is.
fn check_branch(branch: &str) -> Result<()> {
    let fine = !branch.is_empty()
        && branch.len() <= 100
        && !branch.starts_with(['-', '/', '.'])
        && !branch.ends_with(['/', '.'])
        && !branch.contains("..")
        && !branch.ends_with(".lock")
        && branch
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    if !fine {
        bail!("{branch:?} is not a branch name versus publishes to (letters, digits, - _ . /)");
    }
    Ok(())
}

/// Whether a failed push is worth another attempt: rejected because another publisher
/// pushed first, or a network failure, rather than refused credentials.
fn retryable(error: &anyhow::Error) -> bool {
    let text = format!("{error:#}");
    [
        "[rejected]",
        "non-fast-forward",
        "fetch first",
        "failed to update ref",
        "cannot lock ref",
        "failed to push some refs",
        "Could not resolve host",
        "Connection reset",
        "Connection timed out",
        "RPC failed",
        "early EOF",
        "The requested URL returned error: 5",
    ]
    .iter()
    .any(|sign| text.contains(sign))
        && !text.contains("returned error: 403")
        && !text.contains("returned error: 401")
        && !text.contains("Permission denied")
}

fn gave_up(error: anyhow::Error, attempts: u32, publishing: &Publishing) -> anyhow::Error {
    error.context(format!(
        "pushing the new records to the data branch {} after {attempts} attempt(s); the work \
         folder {} keeps the commit, and nothing on the branch changed (on GitHub Actions the \
         job needs `permissions: contents: write`)",
        publishing.branch,
        publishing.work.display()
    ))
}

/// The wait before attempt `attempt + 1`: `base` doubled per attempt, ±25 % jitter so
/// that two losers do not collide again, at most 30 s.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let doubled = base.saturating_mul(1 << attempt.saturating_sub(1).min(10));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let jitter = 0.75 + f64::from(nanos % 1000) / 2000.0;
    doubled.mul_f64(jitter).min(Duration::from_secs(30))
}

/// What git said about the refusal, without the command line before it.
fn first_line(error: &anyhow::Error) -> String {
    let text = format!("{error:#}");
    let from = ["[rejected]", "[remote rejected]", "fatal:", "error:"]
        .iter()
        .filter_map(|sign| text.find(sign))
        .min()
        .unwrap_or(0);
    let said = text[from..].lines().next().unwrap_or_default().trim();
    said.chars().take(160).collect()
}

/// Git in the work folder.
struct Git<'a> {
    work: &'a Path,
    branch: &'a str,
    /// The token's header, as the value of GIT_CONFIG_VALUE_0.
    header: Option<String>,
    /// The work folder's lock, held while this publish uses it.
    _lock: std::fs::File,
}

/// Takes the work folder for this publish: an exclusive `flock` on a file beside its
/// `.git`, which the kernel releases when the holder dies, so that a second publisher
/// of the same folder waits instead of mixing its git commands with ours. Holding it,
/// what a killed publish left — git's lock files, a rebase under way — is stale and is
/// cleared; the publish then resets the branch to the remote's, as it always does.
fn take_work_folder(work: &Path) -> Result<std::fs::File> {
    use std::os::fd::AsRawFd;
    std::fs::create_dir_all(work)
        .with_context(|| format!("creating the work folder {}", work.display()))?;
    let path = work.join(".versus-publish.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    // SAFETY: flock on a file descriptor this function owns.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("locking {}", path.display()));
    }
    let git = work.join(".git");
    if git.exists() {
        // Every `*.lock` of the repository's own files (index, HEAD, config,
        // packed-refs, shallow, …) and of its refs.
        let mut stale: Vec<PathBuf> = std::fs::read_dir(&git)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "lock"))
                    .collect()
            })
            .unwrap_or_default();
        stale.extend(lock_files(&git.join("refs")));
        for lock in stale.iter().filter(|p| p.exists()) {
            eprintln!(
                "publish: removing {}, left by a publish that was killed",
                lock.display()
            );
            std::fs::remove_file(lock).with_context(|| format!("removing {}", lock.display()))?;
        }
        for rebase in ["rebase-merge", "rebase-apply"] {
            let dir = git.join(rebase);
            if dir.exists() {
                eprintln!(
                    "publish: clearing {}, a rebase a killed publish left",
                    dir.display()
                );
                std::fs::remove_dir_all(&dir)
                    .with_context(|| format!("removing {}", dir.display()))?;
            }
        }
    }
    Ok(file)
}

/// The `*.lock` files under a folder of git refs.
fn lock_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for path in entries.flatten().map(|e| e.path()) {
        if path.is_dir() {
            found.extend(lock_files(&path));
        } else if path.extension().is_some_and(|e| e == "lock") {
            found.push(path);
        }
    }
    found
}

impl<'a> Git<'a> {
    fn open(publishing: &'a Publishing) -> Result<Git<'a>> {
        let work = publishing.work;
        let header = publishing
            .token
            .filter(|token| !token.is_empty() && publishing.remote.starts_with("https://"))
            .map(|token| {
                let basic = base64::engine::general_purpose::STANDARD
                    .encode(format!("x-access-token:{token}"));
                format!("AUTHORIZATION: basic {basic}")
            });
        let git = Git {
            work,
            branch: publishing.branch,
            header,
            _lock: take_work_folder(work)?,
        };
        if !work.join(".git").join("HEAD").exists() {
            // No repository, or one a kill cut short in `git init`: begin again.
            let _ = std::fs::remove_dir_all(work.join(".git"));
            git.run(&["init", "-q"])?;
        }
        match git.read(&["remote", "get-url", "origin"]) {
            Ok(url) if url.trim() == publishing.remote => {}
            Ok(_) => git.run(&["remote", "set-url", "origin", publishing.remote])?,
            Err(_) => git.run(&["remote", "add", "origin", publishing.remote])?,
        }
        Ok(git)
    }

    fn tracking(&self) -> String {
        format!("refs/remotes/origin/{}", self.branch)
    }

    fn cmd(&self) -> Cmd {
        let mut cmd = Cmd::new("git")
            .arg("-C")
            .arg(self.work)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_AUTHOR_NAME", author("GIT_AUTHOR_NAME", "versus"))
            .env("GIT_AUTHOR_EMAIL", author("GIT_AUTHOR_EMAIL", EMAIL))
            .env("GIT_COMMITTER_NAME", author("GIT_COMMITTER_NAME", "versus"))
            .env("GIT_COMMITTER_EMAIL", author("GIT_COMMITTER_EMAIL", EMAIL));
        if let Some(header) = &self.header {
            cmd = cmd
                .env("GIT_CONFIG_COUNT", "1")
                .env("GIT_CONFIG_KEY_0", "http.extraheader")
                .env_secret("GIT_CONFIG_VALUE_0", header);
        }
        cmd
    }

    fn run(&self, args: &[&str]) -> Result<()> {
        self.read(args).map(drop)
    }

    fn run_with(&self, args: &[&str], more: &[String]) -> Result<()> {
        self.cmd().args(args).args(more).read().map(drop)
    }

    fn read(&self, args: &[&str]) -> Result<String> {
        self.cmd().args(args).read()
    }

    /// Fetches the branch; false when the remote does not have it yet.
    fn fetch(&self) -> Result<bool> {
        let heads = self
            .read(&["ls-remote", "--heads", "origin", self.branch])
            .context("asking the remote for the data branch")?;
        if heads.trim().is_empty() {
            return Ok(false);
        }
        let refspec = format!("+refs/heads/{}:{}", self.branch, self.tracking());
        self.run(&["fetch", "-q", "origin", &refspec])
            .context("fetching the data branch")?;
        Ok(true)
    }

    fn commit(&self, message: &str) -> Result<()> {
        self.run(&["commit", "-q", "--no-verify", "-m", message])
            .context("committing the new records")
    }

    fn push(&self) -> Result<()> {
        let refspec = format!("HEAD:refs/heads/{}", self.branch);
        self.run(&["push", "-q", "origin", &refspec])
    }
}

/// Who commits: the environment's identity, else versus's.
const EMAIL: &str = "versus@users.noreply.github.com";

fn author(variable: &str, default: &str) -> String {
    std::env::var(variable)
        .ok()
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| default.to_string())
}

#[cfg(test)]
#[path = "databranch_tests.rs"]
mod tests;
