//! The claims check on fixed records: one of each verdict, the data against the docs,
//! the reasons a test is not measured, and the Markdown that cannot be broken.

use std::collections::BTreeMap;

use super::judge::Verdict;
use super::*;
use crate::record::fixtures::{record, result, FINGERPRINT};
use crate::record::{ResultRecord, RunRecord, Status};

/// A claims file of one article with the tests under test.
fn claims(tests: &str) -> Claims {
    Claims::parse(&format!(
        "tolerance = 1.25\n[[article]]\nid = \"X\"\ntitle = \"t\"\nhardware = \"h\"\n\
         [[claim]]\nid = \"X1\"\narticle = \"X\"\nstatement = \"s\"\npublished = \"p\"\n{tests}"
    ))
    .unwrap()
}

const GO_FASTER_195: &str = r#"
[[claim.test]]
label = "equal"
workload = "spawn"
metric = "time_per_op"
a = { lang = "rust", variant = "thread", params = { size = 1000 } }
b = { lang = "go", variant = "goroutine", params = { size = 1000 } }
winner = "b"
ratio = 195.0
"#;

fn side(workload: &str, variant: &str, lang: &str, ns: &[f64]) -> ResultRecord {
    let mut r = result(workload, variant, ns);
    r.lang = lang.to_string();
    r.toolchain = if lang == "go" {
        "go-1.26.8"
    } else {
        "rust-1.95.0"
    }
    .to_string();
    r
}

fn run(id: &str, started: i64, record: &RunRecord, claims: &Claims) -> RunClaims {
    RunClaims {
        run: id.to_string(),
        started,
        machine: record.machine.fingerprint.clone(),
        machine_label: "test machine".to_string(),
        measurements: measure(claims, record),
    }
}

/// The one row of a one-test claims file over one record.
fn row_of(claims: &Claims, results: Vec<ResultRecord>) -> Row {
    let record = record("r1", None, FINGERPRINT, results);
    let judged = judge(claims, &[run("r1", 1, &record, claims)]);
    assert_eq!(judged.rows.len(), 1, "{:#?}", judged.rows);
    judged.rows[0].clone()
}

fn rounds(center: f64) -> Vec<f64> {
    // Six rounds with a little spread: a tight interval around `center`.
    [0.99, 1.01, 1.0, 0.995, 1.005, 1.0]
        .iter()
        .map(|f| center * f)
        .collect()
}

#[test]
fn the_built_in_claims_parse_and_hold_together() {
    let claims = Claims::built_in();
    assert!(claims.claim.len() >= 20);
    for claim in &claims.claim {
        assert!(
            claims.article.iter().any(|a| a.id == claim.article),
            "{}",
            claim.id
        );
    }
}

#[test]
fn every_claim_id_in_the_docs_is_in_the_data_and_the_reverse() {
    let docs = include_str!("../../../../docs/workloads.md");
    let section = &docs[docs
        .find("## The published claims")
        .expect("the claims section")..];
    // Ids are the first cell of a table row ("| A1 |") or a bold or bracketed tag.
    let mut in_docs: Vec<String> = section
        .lines()
        .filter_map(|line| {
            let first = line.strip_prefix("| ")?.split(" |").next()?.trim();
            let ok = first.len() <= 3
                && first.chars().next()?.is_ascii_uppercase()
                && first.chars().skip(1).all(|c| c.is_ascii_digit());
            ok.then(|| first.to_string())
        })
        .collect();
    // E is a claim without a table: its heading names it.
    if section.contains("### E.") {
        in_docs.push("E".to_string());
    }
    in_docs.sort();
    in_docs.dedup();
    let mut in_data: Vec<String> = Claims::built_in()
        .claim
        .iter()
        .map(|c| c.id.clone())
        .collect();
    in_data.sort();
    assert_eq!(
        in_docs, in_data,
        "docs/workloads.md and claims.toml list different claims"
    );
}

#[test]
fn a_published_ratio_inside_the_widened_interval_is_reproduced() {
    let claims = claims(GO_FASTER_195);
    let row = row_of(
        &claims,
        vec![
            side("spawn", "thread", "rust", &rounds(170.0)),
            side("spawn", "goroutine", "go", &rounds(1.0)),
        ],
    );
    // 170x measured, 195x published: inside [170/1.25, 170*1.25].
    assert_eq!(row.verdict, Verdict::Reproduced, "{row:#?}");
    assert!(
        row.measured.starts_with("Go goroutine 170x faster"),
        "{}",
        row.measured
    );
    assert!(row.detail.contains("published 195x"), "{}", row.detail);
}

#[test]
fn the_same_direction_by_far_less_says_how_far() {
    let claims = claims(GO_FASTER_195);
    let row = row_of(
        &claims,
        vec![
            side("spawn", "thread", "rust", &rounds(12.0)),
            side("spawn", "goroutine", "go", &rounds(1.0)),
        ],
    );
    assert_eq!(row.verdict, Verdict::DifferentSize);
    assert!(
        row.detail.starts_with("published 195x, measured 12.0x ["),
        "{}",
        row.detail
    );
}

#[test]
fn the_other_side_winning_is_reversed_and_overlap_with_one_is_no_clear_difference() {
    let claims = claims(GO_FASTER_195);
    let row = row_of(
        &claims,
        vec![
            side("spawn", "thread", "rust", &rounds(1.0)),
            side("spawn", "goroutine", "go", &rounds(3.0)),
        ],
    );
    assert_eq!(row.verdict, Verdict::Reversed);
    assert!(
        row.measured.starts_with("Rust thread 3.00x faster"),
        "{}",
        row.measured
    );

    let noisy = [1.1, 0.9, 1.05, 0.95, 1.0, 1.02];
    let row = row_of(
        &claims,
        vec![
            side("spawn", "thread", "rust", &noisy),
            side("spawn", "goroutine", "go", &rounds(1.0)),
        ],
    );
    assert_eq!(row.verdict, Verdict::NoClearDifference, "{row:#?}");
}

#[test]
fn a_side_under_its_floor_is_an_artifact_with_the_evidence() {
    let claims = claims(
        r#"
[[claim.test]]
label = "published"
workload = "alloc"
metric = "time_per_op"
a = { lang = "rust", variant = "box-elidable", params = { size = 1000 } }
b = { lang = "go", variant = "heap", params = { size = 1000 } }
winner = "a"
ratio = 84.0
"#,
    );
    let mut elided = side("alloc", "box-elidable", "rust", &rounds(0.5));
    elided.implausible =
        Some("0.50 ns per operation is under the floor of 2.5 ns, while box takes 20 ns".into());
    let row = row_of(
        &claims,
        vec![elided, side("alloc", "heap", "go", &rounds(40.0))],
    );
    assert_eq!(row.verdict, Verdict::Artifact);
    assert!(
        row.detail.contains("under the floor of 2.5 ns"),
        "{}",
        row.detail
    );
    assert!(
        row.detail.contains("compiler removed the work"),
        "{}",
        row.detail
    );
}

#[test]
fn a_published_setup_of_unequal_work_is_an_artifact_when_it_disagrees_with_the_fair_one() {
    let claims = claims(&format!(
        "{GO_FASTER_195}{}",
        r#"
[[claim.test]]
label = "published"
published_setup = true
unequal_work = "10,000 threads against 100,000 goroutines is not the same work"
workload = "spawn"
metric = "time_per_op"
a = { lang = "rust", variant = "thread", params = { size = 1000 } }
b = { lang = "go", variant = "goroutine", params = { size = 10000 } }
winner = "b"
ratio = 195.0
"#
    ));
    let mut big = side("spawn", "goroutine", "go", &rounds(0.1));
    big.params.insert("size".into(), 10000);
    let record = record(
        "r1",
        None,
        FINGERPRINT,
        vec![
            side("spawn", "thread", "rust", &rounds(20.0)),
            side("spawn", "goroutine", "go", &rounds(1.0)),
            big,
        ],
    );
    let judged = judge(&claims, &[run("r1", 1, &record, &claims)]);
    let published = judged.rows.iter().find(|r| r.published_setup).unwrap();
    assert_eq!(published.verdict, Verdict::Artifact, "{published:#?}");
    assert!(published
        .detail
        .starts_with("10,000 threads against 100,000 goroutines"));
    assert!(
        published.detail.contains("at equal counts 20.0x"),
        "{}",
        published.detail
    );
}

#[test]
fn a_skipped_side_is_not_measured_naming_the_limit() {
    let claims = claims(GO_FASTER_195);
    let mut skipped = side("spawn", "thread", "rust", &[]);
    skipped.status = Status::Skipped;
    skipped.reason = Some("needs 1000000 threads but kernel.threads-max is 95000".into());
    let row = row_of(
        &claims,
        vec![skipped, side("spawn", "goroutine", "go", &rounds(1.0))],
    );
    assert_eq!(row.verdict, Verdict::NotMeasured);
    assert!(
        row.detail.contains("kernel.threads-max is 95000"),
        "{}",
        row.detail
    );
}

#[test]
fn a_workload_not_in_history_or_a_size_never_run_is_not_measured_not_an_error() {
    let claims = claims(GO_FASTER_195);
    let row = row_of(&claims, vec![side("sum", "iter", "rust", &rounds(1.0))]);
    assert_eq!(row.verdict, Verdict::NotMeasured);
    assert!(row.detail.contains("`spawn` was not run"), "{}", row.detail);

    let mut other_size = side("spawn", "thread", "rust", &rounds(1.0));
    other_size.params = BTreeMap::from([("size".into(), 50)]);
    let row = row_of(&claims, vec![other_size]);
    assert!(
        row.detail
            .contains("size=1000 was never run (this run's sizes: 50)"),
        "{}",
        row.detail
    );
}

#[test]
fn one_round_gives_no_interval_and_no_verdict() {
    let claims = claims(GO_FASTER_195);
    let row = row_of(
        &claims,
        vec![
            side("spawn", "thread", "rust", &[100.0]),
            side("spawn", "goroutine", "go", &[1.0]),
        ],
    );
    assert_eq!(row.verdict, Verdict::NotMeasured);
    assert!(row.detail.starts_with("1 paired round:"), "{}", row.detail);
}

#[test]
fn an_absolute_figure_is_shown_not_judged() {
    let claims = claims(
        r#"
[[claim.test]]
label = "switch"
workload = "pingpong"
metric = "time_per_op"
scale = 0.5
a = { lang = "rust", variant = "std-thread", params = { size = 1000 } }
value = 2500.0
"#,
    );
    let row = row_of(
        &claims,
        vec![side("pingpong", "std-thread", "rust", &rounds(5000.0))],
    );
    assert_eq!(row.verdict, Verdict::Shown);
    assert_eq!(row.measured, "2.50 µs");
    assert_eq!(row.published, "2.50 µs");
}

#[test]
fn an_empty_history_lists_every_test_as_not_measured() {
    let claims = Claims::built_in();
    let judged = judge(&claims, &[]);
    let tests: usize = claims.claim.iter().map(|c| c.test.len()).sum();
    assert_eq!(judged.rows.len(), tests);
    assert!(
        judged
            .rows
            .iter()
            .all(|r| r.verdict == Verdict::NotMeasured
                && r.detail == "the history has no run records")
    );
    let md = markdown(&claims, &judged);
    assert_eq!(md.lines().count(), tests + 2);
    for paragraph in paragraphs(&claims, &judged) {
        assert!(
            paragraph
                .text
                .ends_with("none has been measured in this history."),
            "{}",
            paragraph.text
        );
    }
}

#[test]
fn the_newest_run_per_machine_and_toolchains_stands() {
    let claims = claims(GO_FASTER_195);
    let old = record(
        "old",
        None,
        FINGERPRINT,
        vec![
            side("spawn", "thread", "rust", &rounds(12.0)),
            side("spawn", "goroutine", "go", &rounds(1.0)),
        ],
    );
    let new = record(
        "new",
        None,
        FINGERPRINT,
        vec![
            side("spawn", "thread", "rust", &rounds(180.0)),
            side("spawn", "goroutine", "go", &rounds(1.0)),
        ],
    );
    let judged = judge(
        &claims,
        &[run("old", 1, &old, &claims), run("new", 2, &new, &claims)],
    );
    assert_eq!(judged.rows.len(), 1);
    assert_eq!(judged.rows[0].run.as_deref(), Some("new"));
    assert_eq!(judged.rows[0].verdict, Verdict::Reproduced);
}

#[test]
fn markdown_cells_cannot_break_the_table() {
    let claims = claims(GO_FASTER_195);
    let mut skipped = side("spawn", "thread", "rust", &[]);
    skipped.status = Status::Failed;
    skipped.reason = Some("a | pipe\nand a line".into());
    let record = record(
        "r1",
        None,
        FINGERPRINT,
        vec![skipped, side("spawn", "goroutine", "go", &rounds(1.0))],
    );
    let judged = judge(&claims, &[run("r1", 1, &record, &claims)]);
    let md = markdown(&claims, &judged);
    let row = md.lines().nth(2).unwrap();
    assert!(row.contains("a \\| pipe and a line"), "{row}");
    assert_eq!(row.matches(" | ").count(), 5, "{row}");
}

#[test]
fn bad_claims_are_refused_naming_the_claim_and_field() {
    let bad = |tests: &str| {
        Claims::parse(&format!(
            "tolerance = 1.25\n[[article]]\nid = \"X\"\ntitle = \"t\"\nhardware = \"h\"\n\
             [[claim]]\nid = \"X1\"\narticle = \"X\"\nstatement = \"s\"\npublished = \"p\"\n{tests}"
        ))
        .unwrap_err()
        .to_string()
    };
    let error = bad(&GO_FASTER_195.replace("ratio = 195.0", "ratio = 0.5"));
    assert!(
        error.contains("claim X1: test 1 (`equal`): ratio is 0.5"),
        "{error}"
    );
    let error = bad(&GO_FASTER_195.replace("winner = \"b\"\n", ""));
    assert!(error.contains("has sides a and b and a winner"), "{error}");
    let error = format!(
        "{:#}",
        Claims::parse("tolerance = 1.25\narticle = []\nclaim = []\nextra = 1\n").unwrap_err()
    );
    assert!(error.contains("extra"), "{error}");
}

#[test]
fn doctor_names_each_limit_what_the_machine_has_and_the_command() {
    let report = limits_report(&Claims::built_in(), |sysctl| match sysctl {
        "vm.max_map_count" => Some(65530),
        "kernel.threads-max" => Some(3_000_000_000),
        _ => None,
    });
    assert!(report.contains(
        "vm.max_map_count >= 4000000 for D1, D2: this machine has 65530: too low; to raise it (until reboot): sudo sysctl -w vm.max_map_count=4000000"
    ), "{report}");
    assert!(
        report.contains(
            "kernel.threads-max >= 2000000000 for D1, D2: this machine has 3000000000: enough"
        ),
        "{report}"
    );
}
