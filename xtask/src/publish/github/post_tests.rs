//! Tests of posting from an artifact against a local server playing GitHub: the pull
//! request must be the one GitHub lists for the measured commit, the body is versus's
//! rendering (escaped), a moved-on pull request is said so, and the token stays out of
//! every message.

use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::publish::github::api::{Retry, Target};

const TOKEN: &str = "ghs_PLANTEDtoken1234567890";
const HEAD: &str = "89abcdef0123456789abcdef0123456789abcdef";

fn comparison() -> Comparison {
    serde_json::from_str(include_str!("../../../tests/github/comparison.json")).unwrap()
}

async fn github(listed: &[u64], head_now: &str) -> MockServer {
    let server = MockServer::start().await;
    let pulls: Vec<Value> = listed.iter().map(|n| json!({"number": n})).collect();
    Mock::given(method("GET"))
        .and(path(format!("/repos/o/r/commits/{HEAD}/pulls")))
        .respond_with(ResponseTemplate::new(200).set_body_json(pulls))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r/pulls/12"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"number": 12, "state": "open", "head": {"sha": head_now, "repo": {"full_name": "fork/r"}}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r/issues/12/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    let target = Target::new(&server.uri(), "o/r", TOKEN).unwrap();
    let retry = Retry {
        attempts: 2,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(10),
    };
    Client::new(target, retry).unwrap()
}

fn from_artifact(comparison: &Comparison) -> Post<'_> {
    Post {
        pr: 12,
        head_sha: Some(HEAD),
        comparison: Some(comparison),
        body: None,
        context: Context {
            limit: Some(comment::LIMIT),
            ..Context::default()
        },
    }
}

#[tokio::test]
async fn a_pull_request_github_does_not_list_for_the_commit_gets_no_comment() {
    let server = github(&[13], HEAD).await;
    let comparison = comparison();
    let error = post(&client(&server), from_artifact(&comparison))
        .await
        .unwrap_err();
    let text = format!("{error:#}");
    assert!(
        text.contains("no pull request #12") && text.contains("#13"),
        "{text}"
    );
    let posted = server.received_requests().await.unwrap();
    assert!(
        posted.iter().all(|r| r.method.as_str() == "GET"),
        "nothing was posted"
    );
    assert!(!text.contains(TOKEN) && !format!("{error:?}").contains(TOKEN));
}

#[tokio::test]
async fn the_listed_pull_request_gets_the_rendered_comment() {
    let server = github(&[12], HEAD).await;
    Mock::given(method("POST"))
        .and(path("/repos/o/r/issues/12/comments"))
        .and(body_string_contains("<!-- versus:compare -->"))
        .and(body_string_contains("**2 slower**"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"id": 7, "body": "x", "html_url": "https://github.com/o/r/pull/12#issuecomment-7"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let comparison = comparison();
    let upserted = post(&client(&server), from_artifact(&comparison))
        .await
        .unwrap();
    assert!(
        upserted.to_string().contains("issuecomment-7"),
        "{upserted}"
    );
}

#[tokio::test]
async fn a_pull_request_that_moved_on_is_told_so_and_hostile_text_is_escaped() {
    let server = github(&[12], "fedcba9876543210fedcba9876543210fedcba98").await;
    Mock::given(method("POST"))
        .and(path("/repos/o/r/issues/12/comments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"id": 8, "body": "x", "html_url": "https://github.com/o/r/pull/12#issuecomment-8"}),
        ))
        .mount(&server)
        .await;
    let mut comparison = comparison();
    comparison.entries[4].series.variant = "<img src=x onerror=alert(1)> @admin `|`".to_string();
    post(&client(&server), from_artifact(&comparison))
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    let sent = requests
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    let body: Value = serde_json::from_slice(&sent.body).unwrap();
    let body = body["body"].as_str().unwrap();
    assert!(body.contains("moved on to fedcba987654"), "{body}");
    assert!(
        !body.contains("<img") && !body.contains("@admin") && !body.contains("`|`"),
        "{body}"
    );
}
