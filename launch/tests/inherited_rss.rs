//! The reason the launcher exists, as a test: a child started by a process with a large
//! resident set must report its own peak, not its parent's.

use std::process::Command;

#[test]
fn the_child_reports_its_own_peak_not_its_parents() {
    // Touch 256 MiB so that this test process's high-water mark is far above any
    // small child's.
    let ballast = vec![1u8; 256 << 20];
    std::hint::black_box(&ballast);
    let output = Command::new(env!("CARGO_BIN_EXE_versus-launch"))
        .args(["/bin/sh", "-c", "echo out; exit 3"])
        .output()
        .unwrap();
    assert_eq!(output.stdout, b"out\n", "stdout is the child's, untouched");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let report = stderr
        .lines()
        .last()
        .unwrap()
        .strip_prefix("versus-launch ")
        .unwrap();
    let field = |name: &str| -> String {
        let start = report.find(&format!("\"{name}\":")).unwrap() + name.len() + 3;
        report[start..]
            .split([',', '}'])
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(field("exit_code"), "3");
    assert_eq!(field("signal"), "null");
    let max_rss: u64 = field("max_rss_bytes").parse().unwrap();
    assert!(max_rss > 0);
    assert!(
        max_rss < 64 << 20,
        "the child reported {max_rss} bytes: the parent's peak leaked in"
    );
}

#[test]
fn a_child_killed_by_a_signal_is_reported() {
    let output = Command::new(env!("CARGO_BIN_EXE_versus-launch"))
        .args(["/bin/sh", "-c", "kill -SEGV $$"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr
            .trim_end()
            .ends_with("\"exit_code\":null,\"signal\":11}"),
        "{stderr}"
    );
}

#[test]
fn a_missing_program_is_exit_127() {
    let output = Command::new(env!("CARGO_BIN_EXE_versus-launch"))
        .arg("/nonexistent/x")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(127));
}
