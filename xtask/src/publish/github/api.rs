//! GitHub's REST API, as far as `cargo xtask comment` needs it: read a pull request, list
//! the pull requests of a commit, and create or update the one benchmark comment on a
//! pull request, found again by a marker it carries.
//!
//! The token is never shown (not in errors, log lines or `Debug` output). A refused token,
//! a missing permission or an unknown pull request fails at once, saying what to do; 5xx
//! answers and connection errors are tried again with exponential backoff; rate limits
//! wait as long as GitHub asks. Requests go through octocrab's raw API (`_get`, `_post`,
//! `_patch`), since all this needs every answer's status and headers.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, ensure, Context, Error, Result};
use http::{header, HeaderMap, Method, StatusCode, Uri};
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

const DEFAULT_API_URL: &str = "https://api.github.com";
/// The longest comment body GitHub accepts, in characters.
pub const MAX_COMMENT_CHARS: usize = 65_536;
/// The most bytes read of one answer (a page of comments, an error).
const MAX_ANSWER_BYTES: usize = 10 * 1024 * 1024;
/// A rate limit that asks for a longer wait than this gives up instead.
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// GitHub's advice for a secondary rate limit that names no wait: at least a minute.
const SECONDARY_LIMIT_WAIT: Duration = Duration::from_secs(60);
const PER_PAGE: usize = 100;
const MAX_PAGES: usize = 1_000;
const NEEDS_TOKEN: &str = "GITHUB_TOKEN is not set or empty: give the step the workflow's \
    token, e.g. `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`";
const UNAUTHORIZED: &str =
    "GitHub refused the token: GITHUB_TOKEN is missing, expired or not for this repository";
const FORBIDDEN: &str = "the token may not do this: the commenting workflow needs \
    `permissions: pull-requests: write` (and `issues: write` to comment on issues); on pull \
    requests from forks GITHUB_TOKEN is read-only, so comment from a `workflow_run` workflow";

/// Where and as whom: the API root, the repository and the token.
#[derive(Clone, Debug)]
pub struct Target {
    /// The API root without a trailing `/`: `https://api.github.com`, or on GitHub
    /// Enterprise e.g. `https://ghe.example.com/api/v3` (the path prefix is kept).
    pub api_url: String,
    /// The repository's owner.
    pub owner: String,
    /// The repository's name.
    pub repo: String,
    token: Token,
}

/// The token. It is never printed: `Debug` and `Display` show `***`.
#[derive(Clone)]
struct Token(String);

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Token {
    /// `text` with the token, wherever it occurs (say, echoed by a server), as `***`.
    fn scrub(&self, text: &str) -> String {
        text.replace(&self.0, "***")
    }
}

impl Target {
    /// Reads `GITHUB_API_URL` (default `https://api.github.com`), `GITHUB_REPOSITORY`
    /// (`owner/name`) and `GITHUB_TOKEN` (required) through `get`, e.g. `std::env::var`.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Target> {
        let api_url = get("GITHUB_API_URL").filter(|url| !url.trim().is_empty());
        let repository = get("GITHUB_REPOSITORY").unwrap_or_default();
        ensure!(
            !repository.trim().is_empty(),
            "GITHUB_REPOSITORY is not set: it names the repository to comment on, as \
             \"owner/name\" (GitHub Actions sets it)"
        );
        let token = get("GITHUB_TOKEN").unwrap_or_default();
        let api_url = api_url.as_deref().unwrap_or(DEFAULT_API_URL);
        Target::new(api_url, &repository, &token)
    }

    /// Checks and keeps an API root, an `owner/name` repository and a token.
    pub fn new(api_url: &str, repository: &str, token: &str) -> Result<Target> {
        let token = token.trim();
        ensure!(!token.is_empty(), "{NEEDS_TOKEN}");
        ensure!(
            token.bytes().all(|b| b.is_ascii_graphic()),
            "GITHUB_TOKEN holds spaces or characters that cannot be sent in an HTTP header; \
             is it really the token?"
        );
        let token = Token(token.to_string());
        let api_url = api_url.trim().trim_end_matches('/').to_string();
        let uri = api_url.parse::<Uri>().unwrap_or_default();
        let host = uri.authority().map_or("", |a| a.as_str());
        let http = matches!(uri.scheme_str(), Some("https" | "http"));
        // The URL is not shown: a user name and password in it would be secrets.
        ensure!(
            http && !host.is_empty() && !host.contains('@') && uri.query().is_none(),
            "GITHUB_API_URL is not an http(s) URL like {DEFAULT_API_URL} (with no user name, \
             password or query)"
        );
        let part_ok = |part: &&str| {
            let chars = |b: u8| b.is_ascii_alphanumeric() || b"._-".contains(&b);
            !matches!(*part, "" | "." | "..") && part.bytes().all(chars)
        };
        let parts: Vec<&str> = repository.split('/').collect();
        ensure!(
            parts.len() == 2 && parts.iter().all(part_ok),
            "GITHUB_REPOSITORY {:?} is not \"owner/name\": it needs exactly one slash, and \
             each part letters, digits, '.', '_' or '-' (and neither \".\" nor \"..\")",
            token.scrub(repository)
        );
        let (owner, repo) = (parts[0].to_string(), parts[1].to_string());
        Ok(Target {
            api_url,
            owner,
            repo,
            token,
        })
    }
}

/// How often and how patiently to try a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all, the first included (0 counts as 1).
    pub attempts: u32,
    /// The first backoff; each later one doubles, with jitter.
    pub base_delay: Duration,
    /// The longest backoff. A wait GitHub asks for is kept exactly, up to 15 minutes.
    pub max_delay: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        let (base_delay, max_delay) = (Duration::from_secs(1), Duration::from_secs(60));
        Retry {
            attempts: 5,
            base_delay,
            max_delay,
        }
    }
}

impl Retry {
    /// The wait after failed try `tries` (1 = the first): half of `base · 2^(tries-1)`
    /// (at most `max_delay`), plus a random part of up to the other half.
    fn backoff(&self, tries: u32) -> Duration {
        let factor = 1 << tries.saturating_sub(1).min(31);
        let half = self.base_delay.saturating_mul(factor).min(self.max_delay) / 2;
        let span = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let random = RandomState::new().build_hasher().finish();
        half + Duration::from_nanos(random % span.saturating_add(1))
    }
}

/// A pull request as the comment step needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequest {
    /// Its number.
    pub number: u64,
    /// `open` or `closed`.
    pub state: String,
    /// The commit at its head.
    pub head_sha: String,
    /// `owner/name` of the head repository; `None` when that fork was deleted.
    pub head_repo: Option<String>,
}

/// What [`Client::upsert_comment`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Upserted {
    /// No comment carried the marker, so this one was posted.
    Created { id: u64, url: String },
    /// The oldest comment carrying the marker was rewritten; `duplicates` newer ones
    /// carry it too and were left alone.
    Updated {
        id: u64,
        url: String,
        duplicates: usize,
    },
}

impl fmt::Display for Upserted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Upserted::Created { id, url } => write!(f, "posted comment {id}: {url}"),
            Upserted::Updated { id, url, .. } => write!(f, "updated comment {id}: {url}"),
        }?;
        match self {
            Upserted::Updated { duplicates: n, .. } if *n > 0 => write!(f, " ({n} more carry it)"),
            _ => Ok(()),
        }
    }
}

/// A GitHub API client for one repository. `Debug` shows no token.
pub struct Client {
    octocrab: Octocrab,
    target: Target,
    retry: Retry,
    /// The API root, and its path without trailing `/` (`/api/v3` on GitHub Enterprise).
    root: Uri,
    prefix: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Client");
        debug.field("target", &self.target);
        debug.field("retry", &self.retry).finish_non_exhaustive()
    }
}

/// One request. `path` is from the API root (its prefix left out) and may hold a query;
/// `subject` is what a 404 says was not found, e.g. "pull request #12".
struct Call<'a> {
    method: Method,
    path: String,
    body: Option<&'a str>,
    subject: String,
}

impl Call<'_> {
    /// Method and path, without the query.
    fn name(&self) -> String {
        let path = self.path.split('?').next().unwrap_or_default();
        format!("{} {path}", self.method)
    }
}

fn request(method: Method, path: String, body: Option<&str>, subject: String) -> Call<'_> {
    Call {
        method,
        path,
        body,
        subject,
    }
}

/// A status, headers and body that GitHub answered.
type Answer = (StatusCode, HeaderMap, String);

#[derive(Deserialize)]
struct Comment {
    id: u64,
    body: Option<String>,
    html_url: String,
}

impl Client {
    /// A client for `target`. Call it inside a Tokio runtime: octocrab starts a task.
    pub fn new(target: Target, retry: Retry) -> Result<Client> {
        tokio::runtime::Handle::try_current()
            .map_err(|_| anyhow!("the GitHub client must be made inside a Tokio runtime"))?;
        let address = || format!("using {} as GitHub's API address", target.api_url);
        let root: Uri = target.api_url.parse().with_context(address)?;
        let prefix = root.path().trim_end_matches('/').to_string();
        let octocrab = Octocrab::builder()
            .base_uri(root.clone())
            .with_context(address)?
            .personal_token(target.token.0.clone())
            .add_header(header::ACCEPT, "application/vnd.github+json".to_string())
            .add_header(header::USER_AGENT, "versus".to_string())
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(60)))
            .set_write_timeout(Some(Duration::from_secs(60)))
            .build()
            .context("setting up the GitHub client")?;
        Ok(Client {
            octocrab,
            target,
            retry,
            root,
            prefix,
        })
    }

    /// GET /repos/{owner}/{repo}/pulls/{number}: its head SHA, state and head repository.
    pub async fn pull_request(&self, number: u64) -> Result<PullRequest> {
        let Target { owner, repo, .. } = &self.target;
        let reading = || format!("reading pull request #{number} of {owner}/{repo}");
        let path = format!("/repos/{owner}/{repo}/pulls/{number}");
        let get = request(Method::GET, path, None, format!("pull request #{number}"));
        let pull: Value = self.fetch(&get).await.with_context(reading)?;
        let text = |at: &str| pull.pointer(at).and_then(Value::as_str).map(str::to_string);
        let needed = |at: &str| text(at).with_context(|| format!("GitHub's answer has no {at}"));
        Ok(PullRequest {
            number: pull["number"].as_u64().unwrap_or(number),
            state: needed("/state").with_context(reading)?,
            head_sha: needed("/head/sha").with_context(reading)?,
            head_repo: text("/head/repo/full_name"),
        })
    }

    /// GET /repos/{owner}/{repo}/commits/{sha}/pulls: the numbers of the pull requests
    /// GitHub associates with commit `sha`, every page read.
    pub async fn pulls_for_commit(&self, sha: &str) -> Result<Vec<u64>> {
        let Target { owner, repo, .. } = &self.target;
        let listing = || format!("listing the pull requests of commit {sha} in {owner}/{repo}");
        let hex = (4..=64).contains(&sha.len()) && sha.bytes().all(|b| b.is_ascii_hexdigit());
        let shown = self.target.token.scrub(sha);
        ensure!(hex, "{shown:?} is not a commit SHA");
        let path = format!("/repos/{owner}/{repo}/commits/{sha}/pulls?per_page={PER_PAGE}");
        let mut numbers = Vec::new();
        let each = |pulls: Vec<Value>| numbers.extend(pulls.iter().map(|p| p["number"].as_u64()));
        let get = request(Method::GET, path, None, format!("commit {sha}"));
        self.walk(get, each).await.with_context(listing)?;
        Ok(numbers.into_iter().flatten().collect())
    }

    /// Finds the comment on issue or pull request `number` whose body contains `marker`
    /// (reading every page) and rewrites it with `body`, or posts `body` as a new one.
    /// If several carry the marker, the oldest is rewritten and the others counted.
    pub async fn upsert_comment(&self, number: u64, marker: &str, body: &str) -> Result<Upserted> {
        let Target { owner, repo, .. } = &self.target;
        let on = format!("pull request #{number} of {owner}/{repo}");
        let posting = || format!("posting the benchmark comment on {on}");
        check_comment(marker, body).with_context(posting)?;
        let pr = format!("pull request #{number}");
        let comments = format!("/repos/{owner}/{repo}/issues/{number}/comments");
        let first = format!("{comments}?per_page={PER_PAGE}");
        let mut marked = Vec::new();
        let each = |page: Vec<Comment>| {
            let carries = |c: &&Comment| c.body.as_deref().is_some_and(|b| b.contains(marker));
            marked.extend(page.iter().filter(carries).map(|c| c.id));
        };
        let listing = || format!("listing the comments on {on} to find the last one");
        let list = request(Method::GET, first, None, pr.clone());
        self.walk(list, each).await.with_context(listing)?;
        let Some(&oldest) = marked.iter().min() else {
            let post = request(Method::POST, comments, Some(body), pr);
            let posted: Comment = self.fetch(&post).await.with_context(posting)?;
            let (id, url) = (posted.id, posted.html_url);
            return Ok(Upserted::Created { id, url });
        };
        let updating = || format!("updating the benchmark comment {oldest} on {on}");
        let path = format!("/repos/{owner}/{repo}/issues/comments/{oldest}");
        let patch = request(Method::PATCH, path, Some(body), format!("comment {oldest}"));
        let updated: Comment = self.fetch(&patch).await.with_context(updating)?;
        let (id, url, duplicates) = (oldest, updated.html_url, marked.len() - 1);
        Ok(Upserted::Updated {
            id,
            url,
            duplicates,
        })
    }

    /// Sends `call` and reads the JSON of its answer.
    async fn fetch<T: DeserializeOwned>(&self, call: &Call<'_>) -> Result<T> {
        let (_, _, body) = self.send(call).await?;
        serde_json::from_str(&body)
            .with_context(|| format!("reading the answer to {}", call.name()))
    }

    /// Hands every page of a listing to `each`, following the Link header's `rel="next"`
    /// where GitHub sends one, else the page numbers while pages come full.
    async fn walk<T, F>(&self, mut call: Call<'_>, mut each: F) -> Result<()>
    where
        T: DeserializeOwned,
        F: FnMut(Vec<T>),
    {
        let first = call.path.clone();
        for page in 1..=MAX_PAGES {
            let (_, headers, body) = self.send(&call).await?;
            let items: Vec<T> = serde_json::from_str(&body)
                .with_context(|| format!("reading the answer to {}", call.name()))?;
            let full = items.len() >= PER_PAGE;
            each(items);
            call.path = match header_str(&headers, "link").map(next_link) {
                Some(Some(next)) => self.relative(next)?,
                None if full => format!("{first}&page={}", page + 1),
                _ => return Ok(()),
            };
        }
        bail!("stopped after {MAX_PAGES} pages of {PER_PAGE}; is the Link header looping?")
    }

    /// A next-page link as a path from the API root; only links to GitHub's own host.
    fn relative(&self, link: &str) -> Result<String> {
        let uri: Uri = link.parse().with_context(|| format!("reading {link:?}"))?;
        let (scheme, host) = (uri.scheme(), uri.authority());
        if host.is_some() && (scheme != self.root.scheme() || host != self.root.authority()) {
            let (host, api_url) = (host.map_or("", |a| a.as_str()), &self.target.api_url);
            bail!("the next-page link leads to {host}, not {api_url}; not sending the token there");
        }
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        Ok(match path.strip_prefix(&self.prefix) {
            Some(rest) if rest.starts_with('/') => rest.to_string(),
            _ => path.to_string(),
        })
    }

    /// Sends `call`, trying again on 5xx, rate limits and connection errors.
    async fn send(&self, call: &Call<'_>) -> Result<Answer> {
        let (attempts, name) = (self.retry.attempts.max(1), call.name());
        let no_answer = || format!("could not reach GitHub at {}", self.target.api_url);
        for tries in 1.. {
            // Every octocrab error is the connection's: the paths and bodies are ours.
            let (error, wait) = match self.try_once(call).await {
                Ok(Ok(answer)) if answer.0.is_success() => return Ok(answer),
                Ok(Ok(answer)) => self.judge(call, &answer, tries)?,
                Ok(Err(fatal)) => return Err(fatal),
                Err(error) => (
                    anyhow!(error).context(no_answer()),
                    self.retry.backoff(tries),
                ),
            };
            if tries >= attempts {
                return Err(error.context(format!("gave up after {tries} tries of {name}")));
            }
            let next = tries + 1;
            eprintln!("{name}: {error:#}; try {next} of {attempts} in {wait:.1?}");
            tokio::time::sleep(wait).await;
        }
        unreachable!("the tries count up until they run out")
    }

    /// One try: `Err(_)` when GitHub could not be reached (worth another try), else
    /// GitHub's answer, or an error no other try will mend.
    async fn try_once(&self, call: &Call<'_>) -> Result<Result<Answer>, octocrab::Error> {
        let (uri, name) = (format!("{}{}", self.prefix, call.path), call.name());
        let too_big =
            |n| anyhow!("GitHub's answer to {name} is {n} bytes, over {MAX_ANSWER_BYTES}");
        let json = call.body.map(|body| json!({ "body": body }));
        let response = match call.method.as_str() {
            "POST" => self.octocrab._post(uri, json.as_ref()).await?,
            "PATCH" => self.octocrab._patch(uri, json.as_ref()).await?,
            _ => self.octocrab._get(uri).await?,
        };
        let (status, headers) = (response.status(), response.headers().clone());
        let length = header_str(&headers, "content-length").and_then(|n| n.parse().ok());
        if let Some(n) = length.filter(|&n| n > MAX_ANSWER_BYTES) {
            return Ok(Err(too_big(n)));
        }
        let body = self.octocrab.body_to_string(response).await?;
        match body.len() {
            n if n > MAX_ANSWER_BYTES => Ok(Err(too_big(n))),
            _ => Ok(Ok((status, headers, body))),
        }
    }

    /// For an answer that is no success: the error and the wait before trying again, or
    /// (as `Err`) the error to fail with at once.
    fn judge(&self, call: &Call<'_>, answer: &Answer, tries: u32) -> Result<(Error, Duration)> {
        let ((status, headers, body), name) = (answer, call.name());
        let error: Value = serde_json::from_str(body).unwrap_or_default();
        let token = &self.target.token;
        let message = token.scrub(error["message"].as_str().unwrap_or_default().trim());
        let answered = match message.is_empty() {
            true => format!("GitHub answered {status}"),
            false => format!("GitHub answered {status} ({message})"),
        };
        let header = |name| header_str(headers, name);
        let limited = *status == StatusCode::TOO_MANY_REQUESTS
            || *status == StatusCode::FORBIDDEN
                && (header("retry-after").is_some()
                    || header("x-ratelimit-remaining") == Some("0")
                    || message.to_lowercase().contains("rate limit"));
        if limited || status.is_server_error() {
            let asked = requested_wait(headers, SystemTime::now());
            if let Some(asked) = asked.filter(|&asked| asked > MAX_WAIT) {
                bail!(
                    "{answered}: GitHub asked to wait {} s before trying {name} again, more \
                     than the {} s this tool waits; run it again later",
                    asked.as_secs(),
                    MAX_WAIT.as_secs()
                );
            }
            // Retry-After is kept exactly; a reset time is no sooner than the backoff.
            let backoff = self.retry.backoff(tries);
            let wait = match asked {
                Some(asked) if header("retry-after").is_some() => asked,
                Some(asked) => asked.max(backoff),
                None if limited => backoff.max(SECONDARY_LIMIT_WAIT.min(self.retry.max_delay)),
                None => backoff,
            };
            let why = match limited {
                true => anyhow!("{answered}: rate-limited; wait a while and run again"),
                false => anyhow!("{answered}"),
            };
            return Ok((why, wait));
        }
        let (Target { owner, repo, .. }, subject) = (&self.target, &call.subject);
        let advice = match (status.as_u16(), &error["errors"]) {
            (401, _) => UNAUTHORIZED.to_string(),
            (403, _) => FORBIDDEN.to_string(),
            (404, _) => format!(
                "repository {owner}/{repo} or {subject} not found, or the token cannot see it"
            ),
            (422, Value::Null) => "GitHub found the request invalid".to_string(),
            (422, errors) => format!(
                "GitHub found it invalid: {}",
                token.scrub(&errors.to_string())
            ),
            _ => "GitHub refused the request".to_string(),
        };
        bail!("{answered}: {advice}; the request was {name}")
    }
}

/// Refuses, before anything is sent, a comment GitHub would refuse or could not find again.
fn check_comment(marker: &str, body: &str) -> Result<()> {
    ensure!(
        !marker.is_empty() && body.contains(marker),
        "the comment does not contain its marker {marker:?}, so the next run could not find \
         it to update"
    );
    let chars = body.chars().count();
    ensure!(
        chars <= MAX_COMMENT_CHARS,
        "the comment is {chars} characters long, more than the {MAX_COMMENT_CHARS} GitHub \
         accepts; shorten it"
    );
    Ok(())
}

/// The URL of the `rel="next"` entry of a Link header, if any.
fn next_link(link: &str) -> Option<&str> {
    link.split(',').find_map(|entry| {
        let (url, params) = entry.trim().strip_prefix('<')?.split_once('>')?;
        let rel = params
            .split(';')
            .find_map(|p| p.trim().strip_prefix("rel="))?;
        let mut rels = rel.trim_matches('"').split_whitespace();
        rels.any(|r| r == "next").then_some(url)
    })
}

/// A header's value, trimmed, if it is text.
fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// How long GitHub asks to wait: `Retry-After` (seconds or an HTTP date) first, then,
/// when no requests remain, until `x-ratelimit-reset` (epoch seconds) and a second more.
fn requested_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name| header_str(headers, name);
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    if let Some(value) = header("retry-after") {
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        if let Some(at) = parse_http_date(value) {
            return Some(at.saturating_sub(since_epoch));
        }
    }
    if header("x-ratelimit-remaining") == Some("0") {
        let reset = Duration::from_secs(header("x-ratelimit-reset")?.parse().ok()?);
        return Some(match reset > since_epoch {
            true => (reset - since_epoch).saturating_add(Duration::from_secs(1)),
            false => Duration::ZERO,
        });
    }
    None
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as time since the Unix epoch.
fn parse_http_date(date: &str) -> Option<Duration> {
    let fields: Vec<&str> = date.split_whitespace().collect();
    let [_weekday, day, month, year, time, "GMT"] = fields[..] else {
        return None;
    };
    let months = "JanFebMarAprMayJunJulAugSepOctNovDec";
    let at = months
        .find(month)
        .filter(|at| at % 3 == 0 && month.len() == 3)?;
    let month = at as i64 / 3 + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Option<Vec<i64>> = time.split(':').map(|n| n.parse().ok()).collect();
    let [h, m, s] = hms?[..] else { return None };
    // Days from 1970-01-01 to the civil date (Howard Hinnant's `days_from_civil`).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let seconds = (era * 146_097 + day_of_era - 719_468) * 86_400 + h * 3_600 + m * 60 + s;
    Some(Duration::from_secs(u64::try_from(seconds).ok()?))
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
