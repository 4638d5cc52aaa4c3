//! Tests of the pull request comment: the README's example is the committed fixture (a
//! real A/B session) rendered, hostile names and subjects render as text, and a suite of any size fits.

use std::collections::BTreeMap;

use expect_test::expect_file;

use super::*;
use crate::analyse::compare::{Commit, Commits, Ratio};

/// A real A/B session on the 2-core development VM (`cargo xtask ab --quick --only
/// sum,alloc`): base 1219c8d, head a commit that made Rust's `sum/iter` check each
/// addition for overflow.
fn fixture() -> Comparison {
    let text = include_str!("../../../tests/github/comparison.json");
    serde_json::from_str(text).unwrap()
}

fn example_context() -> Context {
    let comparison = fixture();
    let mut trends = Trends::default();
    for (k, entry) in comparison.entries.iter().enumerate() {
        if entry.verdict.is_change() {
            // Generated main-branch values around the base (the VM has no history).
            let base = entry.base.unwrap().estimate;
            let values: Vec<f64> = (0..20)
                .map(|i| base * (1.0 + 0.004 * (((i + k) * (3 + k) % 7) as f64 - 3.0)))
                .collect();
            trends.insert(entry.series.clone(), entry.metric, values);
        }
    }
    Context {
        run_url: Some("https://github.com/versus/versus/actions/runs/12345678901".to_string()),
        site_url: Some("https://versus.github.io/versus/".to_string()),
        notes: Vec::new(),
        trends,
        limit: Some(LIMIT),
    }
}

/// The example the README links to is the fixture rendered.
#[test]
fn the_readme_example_is_the_fixture_rendered() {
    let body = render(&fixture(), &example_context());
    assert!(body.starts_with(MARKER));
    let first = body.lines().nth(1).unwrap();
    assert!(first.contains("**2 slower**"), "{first}");
    assert!(
        first.contains("inconclusive") && first.contains("unchanged"),
        "{first}"
    );
    expect_file!["../../../../docs/pr-comment-example.md"].assert_eq(&body);
}

/// Counts the cells of a Markdown table row: `|` not escaped.
fn cells(row: &str) -> usize {
    row.matches('|').count() - 1
}

#[test]
fn hostile_names_and_subjects_render_as_text() {
    let mut comparison = fixture();
    let hostile = "<script>alert(1)</script> `x` | @octocat **b** [l](javascript:x) #1 ![i](h)";
    for entry in &mut comparison.entries {
        entry.series.variant = hostile.to_string();
        entry.series.toolchain = format!("rust-1.95.0 {hostile}");
        entry.series.params = BTreeMap::from([(hostile.to_string(), 7)]);
        entry.notes.push(hostile.to_string());
        entry.reason = Some(hostile.to_string());
        entry.flags.push(hostile.to_string());
    }
    comparison.entries[0].series.workload = hostile.to_string();
    comparison.commits = Some(Commits {
        base: Commit {
            commit: Some(hostile.to_string()),
            subject: Some(hostile.to_string()),
            dirty: false,
        },
        head: Commit {
            commit: Some("89abcdef0123456789abcdef0123456789abcdef".to_string()),
            subject: Some(format!("{hostile}\n## heading\n{}", "y".repeat(5000))),
            dirty: true,
        },
    });
    comparison.machines[0].cpu_model = Some(hostile.to_string());
    let mut context = example_context();
    context.run_url = Some("javascript:alert(1)".to_string());
    let body = render(&comparison, &context);
    for forbidden in [
        "<script",
        "@octocat",
        "`x`",
        "**b**",
        "](javascript",
        "[l]",
        " #1",
        "![i]",
        "\n## heading",
        "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
    ] {
        assert!(!body.contains(forbidden), "{forbidden:?} survived:\n{body}");
    }
    // Every row of the folded table keeps its five cells.
    for row in body
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| |"))
    {
        assert_eq!(cells(row), 5, "{row}");
    }
    // The only HTML is versus's own.
    let tags: std::collections::BTreeSet<&str> = body
        .match_indices('<')
        .map(|(at, _)| body[at..].split(['>', ' ']).next().unwrap())
        .collect();
    let ours: std::collections::BTreeSet<&str> = [
        "<!--",
        "<details",
        "<summary",
        "</summary",
        "</details",
        "<sub",
        "</sub",
        "<br",
    ]
    .into_iter()
    .collect();
    assert!(tags.is_subset(&ours), "{tags:?}");
}

#[test]
fn a_suite_of_any_size_fits_under_the_limit_and_says_what_was_left_out() {
    let template = fixture();
    let mut comparison = template.clone();
    comparison.entries = (0..6000)
        .map(|i| {
            let mut entry = template.entries[i % template.entries.len()].clone();
            entry.series.variant = format!("variant-{i}-{}", "v".repeat(100));
            entry
        })
        .collect();
    let body = render(&comparison, &example_context());
    assert!(body.len() <= LIMIT, "{}", body.len());
    assert!(body.starts_with(MARKER));
    assert!(
        body.contains("more rows left out"),
        "{}",
        &body[body.len() - 500..]
    );
    assert!(body.contains("[the run](https://github.com/"));
    // In full, for the job summary.
    let full = render(&comparison, &Context::default());
    assert!(full.len() > LIMIT);
    assert!(!full.contains("left out"));

    // Thousands of machines: even the first lines are too long, and are cut.
    let mut machines = template.clone();
    machines.entries = (0..20_000)
        .map(|i| {
            let mut entry = template.entries[0].clone();
            entry.series.fingerprint = format!("{i:016x}");
            entry
        })
        .collect();
    let body = render(&machines, &example_context());
    assert!(body.len() <= LIMIT, "{}", body.len());
    assert!(body.lines().nth(1).unwrap().contains("20000 machines"));
}

#[test]
fn an_empty_comparison_says_so() {
    let mut comparison = fixture();
    comparison.entries.clear();
    let body = render(&comparison, &Context::default());
    assert!(body.contains("nothing to compare"), "{body}");
}

#[test]
fn a_ratio_of_any_size_renders() {
    let mut comparison = fixture();
    comparison.entries[0].ratio = Some(Ratio {
        estimate: 1e300,
        ci_low: 1e-300,
        ci_high: f64::MAX,
    });
    comparison.entries[0].mde_ratio = Some(1e200);
    let body = render(&comparison, &example_context());
    assert!(body.len() <= LIMIT);
}

#[test]
fn the_comment_says_which_metric_decided_each_series() {
    use crate::record::fixtures::{around, record, result, FINGERPRINT};
    // sum/iter: 10 % slower in time, the same instructions (counted exactly on both
    // sides): the count decides `unchanged`, and the time line says so. sum/scalar: not
    // counted, 10 % slower: time decides.
    let pairs = 20;
    let times = around(310.0, 0.01, pairs);
    let slower: Vec<f64> = times.iter().map(|t| t * 1.1).collect();
    let counted = |mut r: crate::record::ResultRecord| {
        for trial in &mut r.trials {
            trial.instructions = Some(crate::record::InstructionCount {
                per_sample: 1.75e6,
                tool: "valgrind".into(),
                environment: Default::default(),
                binary: Some("versus-rs".into()),
            });
        }
        r
    };
    let base = record(
        "base",
        Some("s1"),
        FINGERPRINT,
        vec![
            counted(result("sum", "iter", &times)),
            result("sum", "scalar", &times),
        ],
    );
    let head = record(
        "head",
        Some("s1"),
        FINGERPRINT,
        vec![
            counted(result("sum", "iter", &slower)),
            result("sum", "scalar", &slower),
        ],
    );
    let comparison = crate::analyse::compare::compare(&[base], &[head], &Default::default());
    let body = render(&comparison, &Context::default());
    let line = |needle: &str| {
        body.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{body}"))
            .to_string()
    };
    assert_eq!(
        line("By series:"),
        "By series: **1 slower**, 1 unchanged — instructions/op decided 1 series, time/op 1."
    );
    assert!(
        line("time/op · iter").ends_with("instructions/op decides the series: unchanged"),
        "{body}"
    );
    assert!(
        line("time/op · scalar").ends_with("**decides the series**"),
        "{body}"
    );
    assert!(
        line("Design:").contains("instructions/op, which decides"),
        "{body}"
    );
    // The folded table marks the deciding metric in bold.
    assert!(body.contains("| **instructions/op** |"), "{body}");
}
