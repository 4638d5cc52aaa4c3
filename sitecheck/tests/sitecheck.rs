//! Integration tests: run the `sitecheck` binary against the fixture site in
//! `tests/fixture/` with Debian's Chromium.
//!
//! When /usr/bin/chromium is missing these tests print
//! "skipped: chromium not installed (apt-get install chromium)" and pass,
//! except under `CI=true`, where a missing Chromium fails them.
//! `SITECHECK_TEST_CHROMIUM` overrides the Chromium path (to try the skip).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn chromium() -> String {
    std::env::var("SITECHECK_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// Whether the Chromium tests can run; panics under CI=true if not.
fn have_chromium() -> bool {
    let chromium = chromium();
    if Path::new(&chromium).exists() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("chromium not installed at {chromium} and CI=true: apt-get install -y chromium");
    }
    println!("skipped: chromium not installed (apt-get install chromium)");
    false
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture")
}

fn sitecheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sitecheck"))
        .args(args)
        .output()
        .expect("running the sitecheck binary")
}

/// Runs sitecheck on the fixture with Chromium and returns the parsed report.
fn report(extra: &[&str]) -> Value {
    let site = fixture();
    let chromium = chromium();
    let mut args = vec!["--chromium", &chromium, "--site", site.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = sitecheck(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "sitecheck failed: {stderr}");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stderr}"));
    assert!(
        report["chromium"]
            .as_str()
            .unwrap_or("")
            .starts_with("Chrome/"),
        "version: {}",
        report["chromium"]
    );
    report
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn ready_page_reports_check_chart_timing_and_screenshots() {
    if !have_chromium() {
        return;
    }
    let shots = tempfile::tempdir().unwrap();
    let r = report(&[
        "--page",
        "workload/sum.html",
        "--page",
        "index.html",
        "--width",
        "1280",
        "--width",
        "390",
        "--screenshots",
        shots.path().to_str().unwrap(),
        "--timeout-secs",
        "20",
    ]);
    let pages = r["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 4, "page x width: {r:#}");
    let order: Vec<(String, u64)> = pages
        .iter()
        .map(|p| {
            (
                p["page"].as_str().unwrap().into(),
                p["width"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("workload/sum.html".into(), 1280),
            ("workload/sum.html".into(), 390),
            ("index.html".into(), 1280),
            ("index.html".into(), 390)
        ]
    );
    for p in pages {
        assert_eq!(p["ready"], true, "{p:#}");
        assert!(p["ms_to_ready"].as_f64().unwrap() > 0.0, "{p:#}");
        assert_eq!(
            strings(&p["outside_requests"]),
            Vec::<String>::new(),
            "{p:#}"
        );
        assert_eq!(p["console_errors"], serde_json::json!([]), "{p:#}");
        assert_eq!(p["exceptions"], serde_json::json!([]), "{p:#}");
        assert_eq!(p["mobile"], p["width"].as_u64().unwrap() < 600);
        let shot = p["screenshot"].as_str().expect("screenshot path");
        let png = std::fs::read(shot).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{shot} is a PNG");
    }
    let sum = &pages[0];
    assert_eq!(sum["check"]["page"], "sum");
    assert_eq!(sum["check"]["charts"], 1);
    let chart = sum["ms_to_first_chart"].as_f64().expect("first chart mark");
    assert!(chart >= 90.0, "drawn after a 100 ms timer: {chart}");
    assert!(sum["ms_to_ready"].as_f64().unwrap() >= chart);
    let requests = strings(&sum["requests"]);
    for want in [
        "workload/sum.html",
        "workload/data.js",
        "draw.js",
        "style.css",
    ] {
        assert!(
            requests
                .iter()
                .any(|u| u.starts_with("file://") && u.ends_with(want)),
            "{want} in {requests:?}"
        );
    }
    assert!(pages[2]["ms_to_first_chart"].is_null());
    assert_eq!(pages[2]["check"]["page"], "index");
    for name in [
        "workload_sum.html-1280.png",
        "workload_sum.html-390.png",
        "index.html-1280.png",
        "index.html-390.png",
    ] {
        assert!(shots.path().join(name).is_file(), "{name}");
    }
}

#[test]
fn outside_request_is_flagged_online_and_offline() {
    if !have_chromium() {
        return;
    }
    for offline in [false, true] {
        let mut args = vec!["--page", "outside.html", "--timeout-secs", "20"];
        if offline {
            args.push("--offline");
        }
        let r = report(&args);
        let p = &r["pages"][0];
        assert_eq!(p["offline"], offline);
        assert_eq!(p["ready"], true, "{p:#}");
        assert_eq!(
            strings(&p["outside_requests"]),
            ["https://example.invalid/x.png"],
            "{p:#}"
        );
        assert!(strings(&p["requests"])
            .iter()
            .any(|u| u.ends_with("/outside.html")));
        // The failed load shows up as a network log error; offline says so.
        let errors = p["console_errors"].as_array().unwrap();
        let failed = errors
            .iter()
            .find(|e| e["source"] == "log:network")
            .unwrap_or_else(|| panic!("network error logged: {p:#}"));
        if offline {
            assert!(
                failed["text"]
                    .as_str()
                    .unwrap()
                    .contains("INTERNET_DISCONNECTED"),
                "{failed}"
            );
        }
    }
}

#[test]
fn console_errors_and_exceptions_are_reported() {
    if !have_chromium() {
        return;
    }
    let r = report(&["--page", "broken.html", "--timeout-secs", "2"]);
    let p = &r["pages"][0];
    assert_eq!(p["ready"], false, "never sets ready: {p:#}");
    assert!(p["ms_to_ready"].is_null());
    assert!(p["check"].is_null());
    let console = p["console_errors"].as_array().unwrap();
    let find = |level: &str, text: &str| {
        console
            .iter()
            .any(|e| e["source"] == "console" && e["level"] == level && e["text"] == text)
    };
    assert!(find("error", "fixture console error"), "{p:#}");
    assert!(find("warning", "fixture warning"), "{p:#}");
    assert!(
        !console
            .iter()
            .any(|e| e["text"].as_str().unwrap().contains("plain log")),
        "console.log is not reported: {p:#}"
    );
    let exceptions = p["exceptions"].as_array().unwrap();
    assert_eq!(exceptions.len(), 1, "{p:#}");
    assert!(exceptions[0]["text"]
        .as_str()
        .unwrap()
        .contains("fixture uncaught exception"));
    assert!(exceptions[0]["url"]
        .as_str()
        .unwrap()
        .ends_with("/broken.html"));
    assert_eq!(exceptions[0]["line"], 11);
}

#[test]
fn missing_page_is_a_result_not_a_failure() {
    if !have_chromium() {
        return;
    }
    let r = report(&["--page", "nope.html", "--timeout-secs", "1"]);
    let p = &r["pages"][0];
    assert_eq!(p["ready"], false);
    assert_eq!(p["navigation_error"], "net::ERR_FILE_NOT_FOUND", "{p:#}");
}

#[test]
fn usage_errors_exit_2() {
    let site = fixture();
    let site = site.to_str().unwrap();
    for args in [
        vec!["--site", site],
        vec!["--page", "index.html"],
        vec!["--site", site, "--page", "index.html", "--width", "wide"],
        vec!["--site", site, "--page", "index.html", "--frobnicate"],
        vec!["--site", "/no/such/dir", "--page", "index.html"],
    ] {
        let out = sitecheck(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr).contains("usage:"));
    }
    assert_eq!(sitecheck(&["--help"]).status.code(), Some(0));
}

#[test]
fn missing_chromium_exits_1_with_a_fix() {
    let site = fixture();
    let out = sitecheck(&[
        "--chromium",
        "/no/such/chromium",
        "--site",
        site.to_str().unwrap(),
        "--page",
        "index.html",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("chromium not found at /no/such/chromium")
            && stderr.contains("apt-get install"),
        "{stderr}"
    );
}
