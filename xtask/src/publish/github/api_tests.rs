//! Tests of the GitHub API client, against a wiremock server on 127.0.0.1 that plays
//! GitHub: paging, retries, rate limits, refusals, and where the token may and may not go.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::*;

const TOKEN: &str = "ghs_PLANTEDtoken1234567890";
const MARKER: &str = "<!-- versus-benchmark -->";
const COMMENTS: &str = "/repos/owner/name/issues/12/comments";
const PULL: &str = "/repos/owner/name/pulls/12";

fn quick() -> Retry {
    Retry {
        attempts: 3,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(10),
    }
}

fn client_at(api_url: &str) -> Client {
    let target = Target::new(api_url, "owner/name", TOKEN).unwrap();
    Client::new(target, quick()).unwrap()
}

fn body(text: &str) -> String {
    format!("{MARKER}\n{text}")
}

/// Upserts `body(text)` on pull request #12.
async fn upsert(client: &Client, text: &str) -> Result<Upserted> {
    client.upsert_comment(12, MARKER, &body(text)).await
}

/// What an upsert did, as ("created" or "updated", comment id, duplicates).
fn outcome(upserted: &Upserted) -> (&'static str, u64, usize) {
    match upserted {
        Upserted::Created { id, .. } => ("created", *id, 0),
        Upserted::Updated { id, duplicates, .. } => ("updated", *id, *duplicates),
    }
}

fn comment(id: u64, text: &str) -> Value {
    let url = format!("https://github.com/owner/name/pull/12#issuecomment-{id}");
    json!({"id": id, "body": text, "html_url": url})
}

fn pull(number: u64, head_repo: Value) -> Value {
    let head = json!({"sha": "abc123", "repo": head_repo});
    json!({"number": number, "state": "open", "head": head})
}

fn reply(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

fn github_error(status: u16, message: &str) -> ResponseTemplate {
    let docs = "https://docs.github.com/rest";
    let error = json!({"message": message, "documentation_url": docs});
    reply(status, error)
}

/// Answers `verb at` with `answer`, as often as asked.
async fn mock(server: &MockServer, verb: &str, at: &str, answer: ResponseTemplate) {
    let mock = Mock::given(method(verb)).and(path(at)).respond_with(answer);
    mock.mount(server).await;
}

/// Answers the first `verb at` with `answer`, ahead of every other mock.
async fn mock_once(server: &MockServer, verb: &str, at: &str, answer: ResponseTemplate) {
    let mock = Mock::given(method(verb)).and(path(at)).respond_with(answer);
    mock.up_to_n_times(1).with_priority(1).mount(server).await;
}

/// Answers GET `at` with `answer` when asked for `page` (`None`: no page parameter).
async fn mock_page(server: &MockServer, at: &str, page: Option<&str>, answer: ResponseTemplate) {
    let mock = Mock::given(method("GET")).and(path(at));
    let mock = match page {
        Some(page) => mock.and(query_param("page", page)),
        None => mock.and(query_param_is_missing("page")),
    };
    mock.respond_with(answer).mount(server).await;
}

async fn requests(server: &MockServer, verb: &str, at: &str) -> Vec<Request> {
    let all = server.received_requests().await.unwrap();
    let wanted = |r: &Request| r.method.as_str() == verb && r.url.path() == at;
    all.into_iter().filter(wanted).collect()
}

/// Fails unless `text` contains `part`.
fn has(text: &str, part: &str) {
    assert!(text.contains(part), "{part:?} is not in: {text}");
}

/// Fails unless `text` starts with `start`.
fn starts(text: &str, start: &str) {
    assert!(text.starts_with(start), "{start:?} does not begin: {text}");
}

/// `{:#}` and `{:?}` of an error, both checked free of the token.
fn shown(error: &anyhow::Error) -> String {
    let text = format!("{error:#}\n{error:?}");
    assert!(!text.contains(TOKEN), "the token leaked: {text}");
    text
}

#[tokio::test]
async fn a_first_upsert_creates_and_a_second_updates_the_same_comment() {
    let server = MockServer::start().await;
    let none_yet = reply(200, json!([comment(1, "hi")]));
    mock_once(&server, "GET", COMMENTS, none_yet).await;
    let listed = json!([comment(1, "hi"), comment(42, &body("old"))]);
    mock(&server, "GET", COMMENTS, reply(200, listed)).await;
    let posted = reply(201, comment(42, &body("old")));
    mock(&server, "POST", COMMENTS, posted).await;
    let at = "/repos/owner/name/issues/comments/42";
    mock(&server, "PATCH", at, reply(200, comment(42, &body("new")))).await;
    let client = client_at(&server.uri());

    let first = upsert(&client, "old").await.unwrap();
    let url = "https://github.com/owner/name/pull/12#issuecomment-42";
    assert_eq!(first.to_string(), format!("posted comment 42: {url}"));
    let second = upsert(&client, "new").await.unwrap();
    assert_eq!(outcome(&second), ("updated", 42, 0));
    assert_eq!(second.to_string(), format!("updated comment 42: {url}"));
    let sent = |r: &Request| serde_json::from_slice::<Value>(&r.body).unwrap();
    let posts = requests(&server, "POST", COMMENTS).await;
    let posted: Vec<Value> = posts.iter().map(sent).collect();
    assert_eq!(posted, [json!({"body": body("old")})]);
    let patches = requests(&server, "PATCH", at).await;
    let patched: Vec<Value> = patches.iter().map(sent).collect();
    assert_eq!(patched, [json!({"body": body("new")})]);
}

#[tokio::test]
async fn the_marker_on_page_two_of_a_link_header_is_found() {
    let server = MockServer::start().await;
    let next = format!("{}{COMMENTS}?per_page=100&page=2", server.uri());
    let link = format!(r#"<{next}>; rel="next", <{next}>; rel="last""#);
    let page_one: Vec<Value> = (1..=100).map(|id| comment(id, "unrelated")).collect();
    let page_one = reply(200, json!(page_one)).insert_header("link", link);
    mock_page(&server, COMMENTS, None, page_one).await;
    let back = format!(r#"<{}{COMMENTS}?page=1>; rel="first""#, server.uri());
    let page_two = json!([comment(101, "more"), comment(777, &body("old"))]);
    let page_two = reply(200, page_two).insert_header("link", back);
    mock_page(&server, COMMENTS, Some("2"), page_two).await;
    let at = "/repos/owner/name/issues/comments/777";
    mock(&server, "PATCH", at, reply(200, comment(777, &body("new")))).await;

    let done = upsert(&client_at(&server.uri()), "new").await.unwrap();
    assert_eq!(outcome(&done), ("updated", 777, 0));
    let pages = requests(&server, "GET", COMMENTS).await;
    let asked: Vec<_> = pages.iter().map(|r| r.url.query().unwrap_or("")).collect();
    assert_eq!(asked, ["per_page=100", "per_page=100&page=2"]);
    assert_eq!(requests(&server, "PATCH", at).await.len(), 1);
    assert!(requests(&server, "POST", COMMENTS).await.is_empty());
}

#[tokio::test]
async fn without_a_link_header_full_pages_are_followed_and_the_oldest_of_several_updated() {
    let server = MockServer::start().await;
    let mut page_one: Vec<Value> = (1..=99).map(|id| comment(id, "unrelated")).collect();
    page_one.push(comment(100, &body("first")));
    mock_page(&server, COMMENTS, None, reply(200, json!(page_one))).await;
    let page_two = json!([comment(150, &body("second")), comment(160, &body("third"))]);
    mock_page(&server, COMMENTS, Some("2"), reply(200, page_two)).await;
    let at = "/repos/owner/name/issues/comments/100";
    mock(&server, "PATCH", at, reply(200, comment(100, &body("new")))).await;

    let done = upsert(&client_at(&server.uri()), "new").await.unwrap();
    assert_eq!(outcome(&done), ("updated", 100, 2));
    assert!(done.to_string().ends_with("(2 more carry it)"), "{done}");
    let pages = requests(&server, "GET", COMMENTS).await;
    assert_eq!(pages.len(), 2, "the short second page ends the walk");
    assert_eq!(requests(&server, "PATCH", at).await.len(), 1);
}

#[tokio::test]
async fn the_pull_requests_of_a_commit_are_read_from_every_page() {
    let server = MockServer::start().await;
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let at = format!("/repos/owner/name/commits/{sha}/pulls");
    let full: Vec<Value> = (1..=100).map(|n| json!({"number": n})).collect();
    mock_page(&server, &at, None, reply(200, json!(full))).await;
    let last = reply(200, json!([{"number": 512}]));
    mock_page(&server, &at, Some("2"), last).await;
    let client = client_at(&server.uri());

    let numbers = client.pulls_for_commit(sha).await.unwrap();
    assert_eq!((numbers.len(), numbers.last()), (101, Some(&512)));
    let error = client.pulls_for_commit("../../user").await.unwrap_err();
    let text = shown(&error);
    has(&text, "\"../../user\" is not a commit SHA");
    let sent = requests(&server, "GET", &at).await;
    assert_eq!(sent.len(), 2, "nothing else was sent");
}

#[tokio::test]
async fn a_502_is_tried_again_and_a_deleted_fork_reads_as_no_head_repository() {
    let server = MockServer::start().await;
    mock_once(&server, "GET", PULL, github_error(502, "Server Error")).await;
    let fork = json!({"full_name": "fork/name"});
    mock(&server, "GET", PULL, reply(200, pull(12, fork))).await;

    let pr = client_at(&server.uri()).pull_request(12).await.unwrap();
    let got = (pr.number, pr.state.as_str(), pr.head_sha.as_str());
    assert_eq!(got, (12, "open", "abc123"));
    assert_eq!(pr.head_repo.as_deref(), Some("fork/name"));
    assert_eq!(requests(&server, "GET", PULL).await.len(), 2);
    let deleted = reply(200, pull(5, Value::Null));
    mock(&server, "GET", "/repos/owner/name/pulls/5", deleted).await;
    let pr = client_at(&server.uri()).pull_request(5).await.unwrap();
    assert_eq!((pr.number, pr.head_repo), (5, None));
}

#[tokio::test]
async fn a_403_that_is_no_rate_limit_fails_at_once_saying_which_permission() {
    let server = MockServer::start().await;
    mock(&server, "GET", COMMENTS, reply(200, json!([]))).await;
    let refusal = github_error(403, "Resource not accessible by integration");
    mock(&server, "POST", COMMENTS, refusal).await;

    let error = upsert(&client_at(&server.uri()), "x").await.unwrap_err();
    let text = shown(&error);
    let start = "posting the benchmark comment on pull request #12 of owner/name: GitHub \
                 answered 403 Forbidden (Resource not accessible by integration): the token \
                 may not do this: the commenting workflow needs `permissions: pull-requests: \
                 write`";
    starts(&text, start);
    let request = "the request was POST /repos/owner/name/issues/12/comments";
    has(&text, request);
    assert_eq!(requests(&server, "POST", COMMENTS).await.len(), 1);
}

#[tokio::test]
async fn a_401_blames_the_token_and_a_404_the_repository_or_pull_request() {
    let server = MockServer::start().await;
    let (one, two) = ("/repos/owner/name/pulls/1", "/repos/owner/name/pulls/2");
    mock(&server, "GET", one, github_error(401, "Bad credentials")).await;
    mock(&server, "GET", two, github_error(404, "Not Found")).await;
    let client = client_at(&server.uri());

    let text = shown(&client.pull_request(1).await.unwrap_err());
    let expected = "GitHub answered 401 Unauthorized (Bad credentials): GitHub refused the \
                    token: GITHUB_TOKEN is missing, expired or not for this repository";
    has(&text, expected);
    let text = shown(&client.pull_request(2).await.unwrap_err());
    let expected = "reading pull request #2 of owner/name: GitHub answered 404 Not Found (Not \
                    Found): repository owner/name or pull request #2 not found, or the token \
                    cannot see it";
    starts(&text, expected);
    let all = server.received_requests().await.unwrap();
    assert_eq!(all.len(), 2, "neither is tried again");
}

#[tokio::test]
async fn a_422_shows_githubs_validation_errors() {
    let server = MockServer::start().await;
    mock(&server, "GET", COMMENTS, reply(200, json!([]))).await;
    let errors = json!([{"resource": "IssueComment", "message": "body is too long"}]);
    let invalid = json!({"message": "Validation Failed", "errors": errors});
    mock(&server, "POST", COMMENTS, reply(422, invalid)).await;

    let error = upsert(&client_at(&server.uri()), "x").await.unwrap_err();
    let text = shown(&error);
    let expected = "422 Unprocessable Entity (Validation Failed): GitHub found it invalid";
    has(&text, expected);
    has(&text, "body is too long");
    assert_eq!(requests(&server, "POST", COMMENTS).await.len(), 1);
}

#[tokio::test]
async fn a_secondary_rate_limit_is_waited_out_as_long_as_retry_after_says() {
    let server = MockServer::start().await;
    mock(&server, "GET", COMMENTS, reply(200, json!([]))).await;
    let limit = github_error(403, "You have exceeded a secondary rate limit");
    let limit = limit.insert_header("retry-after", "1");
    mock_once(&server, "POST", COMMENTS, limit).await;
    let posted = reply(201, comment(9, &body("x")));
    mock(&server, "POST", COMMENTS, posted).await;

    let started = Instant::now();
    let done = upsert(&client_at(&server.uri()), "x").await.unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert_eq!(outcome(&done), ("created", 9, 0));
    assert_eq!(requests(&server, "POST", COMMENTS).await.len(), 2);
}

#[tokio::test]
async fn a_primary_rate_limit_whose_reset_has_passed_is_tried_again_after_the_backoff() {
    let server = MockServer::start().await;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let limit = github_error(403, "API rate limit exceeded")
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-reset", (now.as_secs() - 5).to_string());
    mock_once(&server, "GET", PULL, limit).await;
    mock(&server, "GET", PULL, reply(200, pull(12, Value::Null))).await;

    let pr = client_at(&server.uri()).pull_request(12).await.unwrap();
    assert_eq!(pr.number, 12);
    assert_eq!(requests(&server, "GET", PULL).await.len(), 2);
}

#[tokio::test]
async fn a_wait_longer_than_the_ceiling_gives_up_at_once_saying_how_long() {
    let server = MockServer::start().await;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let (one, two) = ("/repos/owner/name/pulls/1", "/repos/owner/name/pulls/2");
    let asked = github_error(429, "Too many requests").insert_header("retry-after", "3600");
    mock(&server, "GET", one, asked).await;
    let reset = github_error(403, "API rate limit exceeded for installation")
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-reset", (now.as_secs() + 3600).to_string());
    mock(&server, "GET", two, reset).await;
    let client = client_at(&server.uri());

    let text = shown(&client.pull_request(1).await.unwrap_err());
    let expected = "GitHub asked to wait 3600 s before trying GET /repos/owner/name/pulls/1 \
                    again, more than the 900 s this tool waits";
    has(&text, expected);
    let text = shown(&client.pull_request(2).await.unwrap_err());
    has(&text, "GitHub asked to wait 3");
    has(&text, "s before trying GET /repos/owner/name/pulls/2");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_5xx_every_time_gives_up_after_the_attempts_naming_the_request() {
    let server = MockServer::start().await;
    let unavailable = github_error(503, "Service Unavailable");
    mock(&server, "GET", PULL, unavailable).await;
    let error = client_at(&server.uri()).pull_request(12).await.unwrap_err();
    let text = shown(&error);
    let expected = "reading pull request #12 of owner/name: gave up after 3 tries of GET \
                    /repos/owner/name/pulls/12: GitHub answered 503 Service Unavailable \
                    (Service Unavailable)";
    starts(&text, expected);
    assert_eq!(requests(&server, "GET", PULL).await.len(), 3);
}

#[tokio::test]
async fn connection_errors_are_tried_again_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let api_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let error = client_at(&api_url).pull_request(4).await.unwrap_err();
    let text = shown(&error);
    let expected = format!(
        "gave up after 3 tries of GET /repos/owner/name/pulls/4: could not reach GitHub at \
         {api_url}: "
    );
    has(&text, &expected);
}

#[tokio::test]
async fn an_api_url_with_a_path_prefix_is_kept_for_requests_and_links() {
    let server = MockServer::start().await;
    let pr = reply(200, pull(3, json!({"full_name": "a/b"})));
    mock(&server, "GET", "/api/v3/repos/owner/name/pulls/3", pr).await;
    let linked = "/api/v3/repositories/99/issues/3/comments";
    let next = format!(r#"<{}{linked}?page=2>; rel="next""#, server.uri());
    let listed = reply(200, json!([])).insert_header("link", next);
    let comments = "/api/v3/repos/owner/name/issues/3/comments";
    mock(&server, "GET", comments, listed).await;
    mock(&server, "GET", linked, reply(200, json!([]))).await;
    let posted = reply(201, comment(5, &body("x")));
    mock(&server, "POST", comments, posted).await;
    let env = |name: &str| match name {
        "GITHUB_API_URL" => Some(format!("{}/api/v3/", server.uri())),
        "GITHUB_REPOSITORY" => Some("owner/name".to_string()),
        "GITHUB_TOKEN" => Some(TOKEN.to_string()),
        _ => None,
    };
    let target = Target::from_env(env).unwrap();
    assert_eq!(target.api_url, format!("{}/api/v3", server.uri()));
    let client = Client::new(target, quick()).unwrap();

    let head_repo = client.pull_request(3).await.unwrap().head_repo;
    assert_eq!(head_repo.as_deref(), Some("a/b"));
    let done = client.upsert_comment(3, MARKER, &body("x")).await.unwrap();
    assert_eq!(outcome(&done), ("created", 5, 0));
    assert_eq!(requests(&server, "GET", linked).await.len(), 1);
    assert_eq!(requests(&server, "POST", comments).await.len(), 1);
}

/// octocrab joins its base path to a request path only when the request path does not
/// already start with it as a string, so "/repo" and "/repos/…" would lose the prefix.
#[tokio::test]
async fn a_prefix_that_begins_the_request_path_is_still_added() {
    let server = MockServer::start().await;
    let pr = reply(200, pull(3, Value::Null));
    mock(&server, "GET", "/repo/repos/owner/name/pulls/3", pr).await;
    let client = client_at(&format!("{}/repo", server.uri()));
    assert_eq!(client.pull_request(3).await.unwrap().number, 3);
}

#[tokio::test]
async fn the_token_is_sent_with_githubs_headers_and_shown_nowhere() {
    let server = MockServer::start().await;
    let bearer = format!("Bearer {TOKEN}");
    Mock::given(method("GET"))
        .and(path(PULL))
        .and(header("authorization", bearer.as_str()))
        .and(header("accept", "application/vnd.github+json"))
        .and(header("x-github-api-version", "2022-11-28"))
        .respond_with(reply(200, pull(12, Value::Null)))
        .mount(&server)
        .await;
    // A server that echoes the token must not get it into the error.
    let echo = github_error(401, &format!("Bad credentials: {TOKEN}"));
    mock(&server, "GET", "/repos/owner/name/pulls/9", echo).await;
    let target = Target::new(&server.uri(), "owner/name", TOKEN).unwrap();
    assert_eq!(format!("{} {:?}", target.token, target.token), "*** ***");
    let client = Client::new(target.clone(), quick()).unwrap();
    for debug in [format!("{target:?}"), format!("{client:#?}")] {
        assert!(!debug.contains(TOKEN) && debug.contains("***"), "{debug}");
    }

    let pr = client.pull_request(12).await.unwrap();
    assert_eq!(pr.number, 12, "the header matchers matched");
    let sent = requests(&server, "GET", PULL).await;
    let agents: Vec<_> = sent[0].headers.get_all("user-agent").iter().collect();
    assert!(agents.iter().any(|a| *a == "versus"), "{agents:?}");
    let text = shown(&client.pull_request(9).await.unwrap_err());
    has(&text, "(Bad credentials: ***)");
    let repository = format!("owner/{TOKEN}!");
    shown(&Target::new(&server.uri(), &repository, TOKEN).unwrap_err());
}

#[tokio::test]
async fn a_comment_too_long_or_without_its_marker_is_refused_before_sending() {
    let server = MockServer::start().await;
    let client = client_at(&server.uri());
    let long = "é".repeat(MAX_COMMENT_CHARS);
    let text = shown(&upsert(&client, &long).await.unwrap_err());
    has(&text, "more than the 65536 GitHub accepts");
    let start = "posting the benchmark comment on pull request #12";
    starts(&text, start);
    let fits = body(&"é".repeat(MAX_COMMENT_CHARS - MARKER.len() - 1));
    let bytes = fits.len();
    assert!(
        bytes > MAX_COMMENT_CHARS,
        "characters count, not bytes: {bytes}"
    );
    assert!(check_comment(MARKER, &fits).is_ok());
    for (marker, text) in [(MARKER, "no marker"), ("", "x")] {
        let error = client.upsert_comment(12, marker, text).await.unwrap_err();
        has(&shown(&error), "does not contain its marker");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_answer_over_the_size_limit_is_an_error() {
    let server = MockServer::start().await;
    let huge = "[".repeat(MAX_ANSWER_BYTES + 1);
    let huge = ResponseTemplate::new(200).set_body_string(huge);
    mock(&server, "GET", COMMENTS, huge).await;
    let error = upsert(&client_at(&server.uri()), "x").await.unwrap_err();
    let text = shown(&error);
    let expected = "GitHub's answer to GET /repos/owner/name/issues/12/comments is 10485761 \
                    bytes, over 10485760";
    has(&text, expected);
    let all = server.received_requests().await.unwrap();
    assert_eq!(all.len(), 1, "not tried again");
}

#[tokio::test]
async fn a_next_link_to_another_host_is_not_followed() {
    let server = MockServer::start().await;
    let link = r#"<https://elsewhere.example/steal?page=2>; rel="next""#;
    let listed = reply(200, json!([])).insert_header("link", link);
    mock(&server, "GET", COMMENTS, listed).await;
    let error = upsert(&client_at(&server.uri()), "x").await.unwrap_err();
    let text = shown(&error);
    has(&text, "leads to elsewhere.example");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[test]
fn from_env_refuses_a_bad_repository_a_missing_token_and_a_bad_api_url() {
    let env = |repository: &'static str, token: Option<&'static str>| {
        move |name: &str| match name {
            "GITHUB_REPOSITORY" => Some(repository.to_string()),
            "GITHUB_TOKEN" => token.map(str::to_string),
            _ => None,
        }
    };
    let refused = |repository, token| shown(&Target::from_env(env(repository, token)).unwrap_err());
    for bad in [
        "owner", "a/b/c", "owner/", "/name", "../name", "owner/.", "own er/x", "o/n?",
    ] {
        let text = refused(bad, Some(TOKEN));
        has(&text, "is not \"owner/name\": it needs exactly one slash");
    }
    let text = refused("", Some(TOKEN));
    has(&text, "GITHUB_REPOSITORY is not set");
    for token in [None, Some(""), Some("  ")] {
        let text = refused("owner/name", token);
        has(&text, "GITHUB_TOKEN is not set or empty");
    }
    let text = refused("owner/name", Some("ghs_a\nb"));
    has(&text, "cannot be sent in an HTTP header");

    let target = Target::from_env(env("my-org/my.repo_2", Some(TOKEN))).unwrap();
    assert_eq!(target.api_url, "https://api.github.com");
    let names = (target.owner.as_str(), target.repo.as_str());
    assert_eq!(names, ("my-org", "my.repo_2"));
    for url in ["ftp://x", "not a url", "https://h/?q", "https://u:pw@h/v3"] {
        let text = shown(&Target::new(url, "owner/name", TOKEN).unwrap_err());
        has(&text, "GITHUB_API_URL is not an http(s) URL");
        assert!(!text.contains("pw"), "{text}");
    }
}

#[test]
fn a_client_outside_a_runtime_is_an_error_not_a_panic() {
    let target = Target::new("https://api.github.com", "owner/name", TOKEN).unwrap();
    let text = shown(&Client::new(target, Retry::default()).unwrap_err());
    has(&text, "inside a Tokio runtime");
}

#[test]
fn backoff_doubles_within_its_jitter_and_stops_at_max_delay() {
    let retry = Retry {
        attempts: 5,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(1000),
    };
    for (tries, full) in [(1, 100), (2, 200), (3, 400), (5, 1000), (40, 1000)] {
        let (wait, full) = (retry.backoff(tries), Duration::from_millis(full));
        assert!(wait >= full / 2 && wait <= full, "try {tries}: {wait:?}");
    }
    let default = Retry::default();
    let seconds = (default.base_delay.as_secs(), default.max_delay.as_secs());
    assert_eq!((default.attempts, seconds), (5, (1, 60)));
}

#[test]
fn retry_after_reads_seconds_and_http_dates_and_the_reset_header() {
    // Sun, 06 Nov 1994 08:49:30 GMT.
    let now = UNIX_EPOCH + Duration::from_secs(784_111_770);
    let wait = |pairs: &[(&'static str, &str)]| {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, value.parse().unwrap());
        }
        requested_wait(&headers, now)
    };
    let seconds = |n| Some(Duration::from_secs(n));
    assert_eq!(wait(&[("retry-after", "7")]), seconds(7));
    let date = "Sun, 06 Nov 1994 08:49:37 GMT";
    assert_eq!(wait(&[("retry-after", date)]), seconds(7));
    let past = "Sun, 06 Nov 1994 08:00:00 GMT";
    assert_eq!(wait(&[("retry-after", past)]), seconds(0));
    let reset = [
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-reset", "784111800"),
    ];
    assert_eq!(wait(&reset), seconds(31));
    assert_eq!(wait(&[("x-ratelimit-remaining", "12")]), None);
    let epoch = parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(epoch, seconds(0));
    let leap_day = parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT");
    assert_eq!(leap_day, seconds(1_835_438_400));
    assert_eq!(parse_http_date("Tue, 29 Fe 2028 12:00:00 GMT"), None);
    assert_eq!(parse_http_date("yesterday"), None);
}

#[test]
fn link_headers_yield_only_the_next_page() {
    let two = "https://api.github.com/x?page=2";
    let nine = "https://api.github.com/x?page=9";
    let link = format!(r#"<{two}>; rel="next", <{nine}>; rel="last""#);
    assert_eq!(next_link(&link), Some(two));
    assert_eq!(next_link(&format!(r#"<{nine}>; rel="prev""#)), None);
    assert_eq!(next_link("garbage"), None);
}
