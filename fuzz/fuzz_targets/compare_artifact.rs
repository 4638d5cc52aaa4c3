//! Fuzz target of the pull request artifact as untrusted input:
//! `publish::github::artifact::read` (xtask/src/publish/github/artifact.rs), which
//! reads the pull request file and the `versus.compare/1` comparison that the
//! benchmark job hands to the commenting workflow.
//!
//! The input is the pull request file, a NUL byte, then the comparison; an input
//! without a NUL is a comparison beside a valid pull request file (so that
//! xtask/tests/github serves as seeds). Both are written to a folder of this process
//! and read back as the commenting workflow reads them.
//!
//! Properties: no panic; a refusal names the file it refuses; an accepted artifact,
//! written again by `artifact::write` and read again, is the same artifact; and the
//! comment rendered from it stays within GitHub's limit.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::{fuzz_mutator, fuzz_target};
use versus_fuzz::json;
use versus_fuzz::publish::github::artifact::{self, COMPARISON_FILE, PULL_REQUEST_FILE};
use versus_fuzz::publish::github::comment::{self, Context, LIMIT};

const PULL_REQUEST: &str = r#"{"schema": "versus.pull-request/1", "number": 12, "head_sha": "89abcdef0123456789abcdef0123456789abcdef", "base_sha": "0123456789abcdef0123456789abcdef01234567"}"#;

/// Two folders of this process: the artifact as given, and as written again.
fn folders() -> &'static (PathBuf, PathBuf) {
    static FOLDERS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    FOLDERS.get_or_init(|| {
        let shm = std::path::Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let root = base.join(format!("versus-fuzz-artifact-{}", std::process::id()));
        let (given, again) = (root.join("given"), root.join("again"));
        std::fs::create_dir_all(&given).expect("a folder for the artifact");
        (given, again)
    })
}

fuzz_target!(|data: &[u8]| {
    let (pull_request, comparison) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (PULL_REQUEST.as_bytes(), data),
    };
    let (given, again) = folders();
    std::fs::write(given.join(PULL_REQUEST_FILE), pull_request).expect("writing");
    std::fs::write(given.join(COMPARISON_FILE), comparison).expect("writing");
    match artifact::read(given) {
        Ok(read) => {
            artifact::write(
                again,
                &read.comparison,
                "",
                read.pull_request,
                &read.head_sha,
                &read.base_sha,
            )
            .unwrap_or_else(|error| panic!("an accepted artifact is not written: {error:#}"));
            let reread = artifact::read(again)
                .unwrap_or_else(|error| panic!("the artifact written again is refused: {error:#}"));
            assert_eq!(read.pull_request, reread.pull_request);
            assert_eq!(read.head_sha, reread.head_sha);
            assert_eq!(read.base_sha, reread.base_sha);
            json::assert_same("the comparison", &read.comparison, &reread.comparison);
            let context = Context {
                limit: Some(LIMIT),
                ..Context::default()
            };
            let body = comment::render(&read.comparison, &context);
            assert!(body.len() <= LIMIT, "a comment of {} bytes", body.len());
        }
        Err(error) => {
            let message = format!("{error:#}");
            assert!(
                message.contains(PULL_REQUEST_FILE) || message.contains(COMPARISON_FILE),
                "the error does not name the file: {message}"
            );
        }
    }
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    json::mutate(data, size, max_size, seed)
});
