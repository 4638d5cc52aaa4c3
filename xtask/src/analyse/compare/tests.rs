//! Tests of `compare` on synthetic records: the properties the issue asks for
//! (identical inputs are unchanged, a 10 % slowdown on quiet data is slower with an
//! interval containing 1.10, different machines are incomparable), every path to
//! `incomparable`, the unpaired fallback, the flags, and the rendered outputs.

use base64::Engine;
use expect_test::expect;
use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;

use super::*;
use crate::record::fixtures::{around, record, result, FINGERPRINT};
use crate::record::{ResultRecord, Status};

fn settings() -> Settings {
    Settings::default()
}

fn time_entry(comparison: &Comparison) -> &Entry {
    comparison
        .entries
        .iter()
        .find(|e| e.metric == Metric::TimePerOp)
        .expect("a time per operation entry")
}

/// Base and head of one A/B session with the given per-round times of `sum/iter`.
fn session(base: &[f64], head: &[f64]) -> (RunRecord, RunRecord) {
    (
        record(
            "base",
            Some("s1"),
            FINGERPRINT,
            vec![result("sum", "iter", base)],
        ),
        record(
            "head",
            Some("s1"),
            FINGERPRINT,
            vec![result("sum", "iter", head)],
        ),
    )
}

/// A record of one `sum/iter` result with these times, in no A/B session.
fn unpaired_sum_iter(id: &str, ns_per_op: &[f64]) -> RunRecord {
    record(
        id,
        None,
        FINGERPRINT,
        vec![result("sum", "iter", ns_per_op)],
    )
}

#[test]
fn identical_inputs_are_unchanged() {
    let values = around(310.0, 0.03, 20);
    let (base, head) = session(&values, &values);
    let comparison = compare(std::slice::from_ref(&base), &[head], &settings());
    for entry in &comparison.entries {
        assert_eq!(entry.verdict, Verdict::Unchanged, "{entry:#?}");
        assert_eq!(entry.p_value, Some(1.0));
        let ratio = entry.ratio.unwrap();
        assert_eq!(
            (ratio.estimate, ratio.ci_low, ratio.ci_high),
            (1.0, 1.0, 1.0)
        );
    }
    // A record compared with itself pairs each trial with itself, session or not.
    let lone = unpaired_sum_iter("lone", &values);
    let comparison = compare(
        std::slice::from_ref(&lone),
        std::slice::from_ref(&lone),
        &settings(),
    );
    assert!(comparison
        .entries
        .iter()
        .all(|e| e.verdict == Verdict::Unchanged && e.paired));
    assert_eq!(comparison.summary.unchanged, 2);
}

#[test]
fn ten_percent_slower_on_quiet_data_is_slower() {
    let base = around(310.0, 0.005, 12);
    let head: Vec<f64> = around(310.0, 0.005, 12)
        .iter()
        .rev()
        .map(|v| v * 1.10)
        .collect();
    let (base, head) = session(&base, &head);
    let comparison = compare(&[base], &[head], &settings());
    let entry = time_entry(&comparison);
    assert_eq!(entry.verdict, Verdict::Slower, "{entry:#?}");
    assert!(entry.paired);
    assert_eq!(entry.method.as_deref(), Some("wilcoxon-signed-rank"));
    let ratio = entry.ratio.unwrap();
    assert!(ratio.ci_low <= 1.10 && 1.10 <= ratio.ci_high, "{ratio:?}");
    assert!(entry.q_value.unwrap() <= 0.01);
}

#[test]
fn ten_percent_faster_is_faster_and_a_tiny_change_is_unchanged() {
    let base = around(310.0, 0.005, 12);
    let faster: Vec<f64> = base.iter().rev().map(|v| v / 1.10).collect();
    let (b, h) = session(&base, &faster);
    assert_eq!(
        time_entry(&compare(&[b], &[h], &settings())).verdict,
        Verdict::Faster
    );
    // 0.2 % slower, measured precisely: real, but below the 1 % threshold.
    let tiny: Vec<f64> = base.iter().rev().map(|v| v * 1.002).collect();
    let (b, h) = session(&base, &tiny);
    let entry = time_entry(&compare(&[b], &[h], &settings())).clone();
    assert_eq!(entry.verdict, Verdict::Unchanged, "{entry:#?}");
}

#[test]
fn noisy_short_series_are_inconclusive_with_a_reason() {
    let base = around(310.0, 0.08, 10);
    let head: Vec<f64> = around(312.0, 0.08, 10).into_iter().rev().collect();
    let (b, h) = session(&base, &head);
    let comparison = compare(&[b], &[h], &settings());
    let entry = time_entry(&comparison);
    assert_eq!(entry.verdict, Verdict::Inconclusive);
    let reason = entry.reason.as_deref().unwrap();
    assert!(reason.contains("wider than ±1 %"), "{reason}");
    assert!(reason.contains("detects changes of"), "{reason}");
}

#[test]
fn too_few_pairs_for_the_interval_are_inconclusive() {
    let (b, h) = session(&[310.0, 311.0, 309.0], &[340.0, 342.0, 339.0]);
    let entry = time_entry(&compare(&[b], &[h], &settings())).clone();
    assert_eq!(entry.verdict, Verdict::Inconclusive);
    assert_eq!(entry.mde_ratio, None);
    assert!(entry.reason.unwrap().contains("too few pairs (3)"));
}

#[test]
fn different_machines_are_incomparable() {
    let values = around(310.0, 0.01, 10);
    let base = unpaired_sum_iter("base", &values);
    let head = record(
        "head",
        None,
        "ffff000011112222",
        vec![result("sum", "iter", &values)],
    );
    let comparison = compare(&[base], &[head], &settings());
    assert_eq!(comparison.entries.len(), 1);
    let entry = &comparison.entries[0];
    assert_eq!(entry.verdict, Verdict::Incomparable);
    assert_eq!(entry.series.fingerprint, "ffff000011112222");
    assert!(entry
        .reason
        .as_deref()
        .unwrap()
        .contains("different machines"));
    assert!(entry.base.is_some() && entry.head.is_some() && entry.ratio.is_none());
    assert_eq!(entry.p_value, None);
}

#[test]
fn failures_and_checksum_mismatches_are_incomparable() {
    let values = around(310.0, 0.01, 10);
    let mut failed = result("sum", "iter", &values);
    failed.status = Status::Timeout;
    failed.reason = Some("sum/iter: timed out after 60.0 s and was killed".to_string());
    let mut other_work = result("sum", "iter", &values);
    other_work.checksum = Some("42".to_string());
    for (head_result, expected) in [
        (failed, "head timeout: sum/iter: timed out"),
        (other_work, "checksums differ (base 499500, head 42)"),
    ] {
        let (base, _) = session(&values, &values);
        let head = record("head", Some("s1"), FINGERPRINT, vec![head_result]);
        let comparison = compare(&[base], &[head], &settings());
        assert_eq!(comparison.entries.len(), 1);
        let entry = &comparison.entries[0];
        assert_eq!(entry.verdict, Verdict::Incomparable);
        assert!(
            entry.reason.as_deref().unwrap().starts_with(expected),
            "{entry:#?}"
        );
    }
}

#[test]
fn results_of_different_trial_shapes_are_incomparable() {
    let values = around(310.0, 0.01, 10);
    let base = unpaired_sum_iter("base", &values);
    let mut cold = unpaired_sum_iter("head", &values);
    cold.protocol.warmup = 0;
    let comparison = compare(std::slice::from_ref(&base), &[cold], &settings());
    let entry = &comparison.entries[0];
    assert_eq!(entry.verdict, Verdict::Incomparable);
    assert!(
        entry.reason.as_deref().unwrap().starts_with(
            "warm-up samples per trial differ (base 1 samples after 1 warm-up, head 1 \
             samples after 0 warm-up)"
        ),
        "{entry:#?}"
    );
    // The shape each result records decides over the protocol's.
    let mut longer = unpaired_sum_iter("head", &values);
    longer.results[0].samples_per_trial = Some(5);
    longer.results[0].warmup = Some(1);
    let comparison = compare(std::slice::from_ref(&base), &[longer], &settings());
    let entry = &comparison.entries[0];
    assert_eq!(entry.verdict, Verdict::Incomparable);
    assert!(
        entry
            .reason
            .as_deref()
            .unwrap()
            .starts_with("samples per trial differ (base 1 samples after 1 warm-up, head 5"),
        "{entry:#?}"
    );
    // The same shape, once recorded and once read from the trials: comparable.
    let mut same = unpaired_sum_iter("head", &values);
    same.results[0].samples_per_trial = Some(1);
    same.results[0].warmup = Some(1);
    let comparison = compare(&[base], &[same], &settings());
    assert_ne!(comparison.entries[0].verdict, Verdict::Incomparable);
}

#[test]
fn added_and_removed_series_are_incomparable_and_flagged() {
    let values = around(310.0, 0.01, 10);
    let base = unpaired_sum_iter("base", &values);
    let head = record(
        "head",
        None,
        FINGERPRINT,
        vec![result("alloc", "box", &values)],
    );
    let comparison = compare(&[base], &[head], &settings());
    let flags: Vec<(&str, &str)> = comparison
        .entries
        .iter()
        .map(|e| (e.series.workload.as_str(), e.flags[0].as_str()))
        .collect();
    assert_eq!(flags, [("alloc", "added"), ("sum", "removed")]);
    assert_eq!(comparison.summary.incomparable, 2);
}

#[test]
fn records_without_a_shared_session_fall_back_to_the_unpaired_test() {
    let base = around(310.0, 0.005, 12);
    let head: Vec<f64> = base.iter().rev().map(|v| v * 1.10).collect();
    let base = unpaired_sum_iter("base", &base);
    let head = unpaired_sum_iter("head", &head);
    let comparison = compare(&[base], &[head], &settings());
    let entry = time_entry(&comparison);
    assert!(!entry.paired);
    assert_eq!(entry.method.as_deref(), Some("mann-whitney-u"));
    assert!(entry.flags.contains(&"unpaired".to_string()));
    assert_eq!(entry.verdict, Verdict::Slower);
    let ratio = entry.ratio.unwrap();
    assert!(ratio.ci_low <= 1.10 && 1.10 <= ratio.ci_high, "{ratio:?}");
}

#[test]
fn bimodal_and_far_out_trials_are_flagged_and_kept() {
    // Half the head trials land in a mode 8 % slower: the log-ratios have two modes.
    let base = around(310.0, 0.002, 30);
    let head: Vec<f64> = base
        .iter()
        .enumerate()
        .map(|(i, v)| if i % 2 == 0 { v * 1.08 } else { *v })
        .collect();
    let (b, h) = session(&base, &head);
    let entry = time_entry(&compare(&[b], &[h], &settings())).clone();
    assert!(entry.flags.contains(&"unstable".to_string()), "{entry:#?}");
    assert_eq!(entry.pairs, Some(30));

    let mut head = base.clone();
    head[7] *= 1.5;
    let (b, h) = session(&base, &head);
    let entry = time_entry(&compare(&[b], &[h], &settings())).clone();
    assert!(entry.flags.contains(&"outliers".to_string()), "{entry:#?}");
    assert_eq!(entry.pairs, Some(30), "the far-out pair is kept");
}

fn encoded_histogram(latencies_ns: impl Iterator<Item = u64>) -> String {
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
    for latency in latencies_ns {
        histogram.record(latency).unwrap();
    }
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(&histogram, &mut bytes)
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An `actors/tokio` record of session `s1` whose trials took `values` per operation,
/// with latency histograms scaled by `scale`.
fn actors(id: &str, values: &[f64], scale: f64) -> RunRecord {
    record(
        id,
        Some("s1"),
        FINGERPRINT,
        vec![with_histograms(result("actors", "tokio", values), scale)],
    )
}

fn with_histograms(mut result: ResultRecord, scale: f64) -> ResultRecord {
    for trial in &mut result.trials {
        let round = trial.round as u64;
        let latencies = (1..=1000u64).map(|i| ((1000 + i * 3 + round) as f64 * scale) as u64);
        trial.histogram = Some(encoded_histogram(latencies));
    }
    result
}

#[test]
fn latency_percentiles_come_from_the_histograms() {
    let values = around(310.0, 0.003, 10);
    let base = actors("base", &values, 1.0);
    let head = actors("head", &values, 1.2);
    let comparison = compare(&[base], &[head], &settings());
    let metrics: Vec<(Metric, Verdict)> = comparison
        .entries
        .iter()
        .map(|e| (e.metric, e.verdict))
        .collect();
    assert_eq!(
        metrics,
        [
            (Metric::TimePerOp, Verdict::Unchanged),
            (Metric::MaxRss, Verdict::Unchanged),
            (Metric::LatencyP50, Verdict::Slower),
            (Metric::LatencyP99, Verdict::Slower),
        ]
    );
    let p50 = &comparison.entries[2];
    // Latencies 1003..4000 ns (+ round): the median is about 2500 ns.
    let base_p50 = p50.base.unwrap().estimate;
    assert!((2490.0..2520.0).contains(&base_p50), "{base_p50}");
    assert!((p50.ratio.unwrap().estimate - 1.2).abs() < 0.01);
}

#[test]
fn a_pruned_base_compares_as_it_did_with_its_raw_data() {
    let base = actors("base", &around(310.0, 0.003, 10), 1.0);
    let head = actors("head", &around(330.0, 0.003, 10), 1.2);
    let mut pruned = base.clone();
    pruned.results[0] =
        crate::record::prune::prune_result(&base.results[0], "2026-12-02T12:00:00Z").unwrap();
    assert!(pruned.results[0]
        .trials
        .iter()
        .all(|t| t.histogram.is_none()));
    let raw = compare(
        std::slice::from_ref(&base),
        std::slice::from_ref(&head),
        &settings(),
    );
    let kept = compare(&[pruned], &[head], &settings());
    assert_eq!(raw.entries.len(), 4);
    assert_eq!(
        serde_json::to_value(&raw.entries).unwrap(),
        serde_json::to_value(&kept.entries).unwrap()
    );
}

#[test]
fn an_unreadable_histogram_makes_its_metric_incomparable() {
    let values = around(310.0, 0.003, 10);
    let mut broken = with_histograms(result("actors", "tokio", &values), 1.0);
    broken.trials[3].histogram = Some("not a histogram".to_string());
    let base = record("base", Some("s1"), FINGERPRINT, vec![broken]);
    let head = actors("head", &values, 1.0);
    let comparison = compare(&[base], &[head], &settings());
    let p50 = comparison
        .entries
        .iter()
        .find(|e| e.metric == Metric::LatencyP50)
        .unwrap();
    assert_eq!(p50.verdict, Verdict::Incomparable);
    assert!(p50
        .reason
        .as_deref()
        .unwrap()
        .contains("round 3 is unreadable"));
}

#[test]
fn q_values_adjust_across_the_suite() {
    let base = around(310.0, 0.005, 12);
    let slower: Vec<f64> = base.iter().rev().map(|v| v * 1.10).collect();
    let base_record = record(
        "base",
        Some("s1"),
        FINGERPRINT,
        vec![result("sum", "iter", &base), result("alloc", "box", &base)],
    );
    let head_record = record(
        "head",
        Some("s1"),
        FINGERPRINT,
        vec![
            result("sum", "iter", &slower),
            result("alloc", "box", &base),
        ],
    );
    let comparison = compare(&[base_record], &[head_record], &settings());
    // Four comparisons: time and RSS of two series; only one has a small p-value, so
    // its q-value is four times its p-value.
    assert_eq!(comparison.entries.len(), 4);
    let sum = comparison
        .entries
        .iter()
        .find(|e| e.series.workload == "sum" && e.metric == Metric::TimePerOp)
        .unwrap();
    let (p, q) = (sum.p_value.unwrap(), sum.q_value.unwrap());
    assert!((q - 4.0 * p).abs() < 1e-15, "p {p} q {q}");
}

#[test]
fn the_json_is_versus_compare_1() {
    let base = around(310.0, 0.005, 12);
    let head: Vec<f64> = base.iter().rev().map(|v| v * 1.10).collect();
    let (b, h) = session(&base, &head);
    let comparison = compare(&[b], &[h], &settings());
    let json = serde_json::to_value(&comparison).unwrap();
    assert_eq!(json["schema"], "versus.compare/1");
    expect![[r#"
        {
          "series": {
            "fingerprint": "c90d059c2a81d162",
            "workload": "sum",
            "variant": "iter",
            "lang": "rust",
            "toolchain": "rust-1.95.0",
            "params": {
              "size": 1000
            }
          },
          "metric": "time_per_op",
          "unit": "ns",
          "base": {
            "estimate": 310.18,
            "ci_low": 308.897,
            "ci_high": 311.282,
            "n": 12
          },
          "head": {
            "estimate": 341.198,
            "ci_low": 339.786,
            "ci_high": 342.411,
            "n": 12
          },
          "ratio": {
            "estimate": 1.099999518964152,
            "ci_low": 1.095576521646684,
            "ci_high": 1.1044398798152755
          },
          "p_value": 0.00048828125,
          "q_value": 0.0009765625,
          "mde_ratio": 1.013773673162673,
          "noise_sd_log": 0.005735786900409701,
          "paired": true,
          "pairs": 12,
          "method": "wilcoxon-signed-rank",
          "verdict": "slower",
          "reason": null,
          "flags": [],
          "notes": []
        }"#]]
    .assert_eq(&serde_json::to_string_pretty(&comparison.entries[0]).unwrap());
    let back: Comparison = serde_json::from_value(json).unwrap();
    assert_eq!(back, comparison);
}

#[test]
fn markdown_leads_with_the_changes() {
    let base = around(310.0, 0.005, 12);
    let slower: Vec<f64> = base.iter().rev().map(|v| v * 1.10).collect();
    let noisy_base = around(310.0, 0.08, 10);
    let noisy_head: Vec<f64> = around(312.0, 0.08, 10).into_iter().rev().collect();
    let base_record = record(
        "20261122T080000Z-0123456789ab-c90d059c",
        Some("s1"),
        FINGERPRINT,
        vec![
            result("sum", "iter", &base),
            result("alloc", "box", &base),
            result("spawn", "thread", &noisy_base),
        ],
    );
    let head_record = record(
        "20261122T081000Z-89abcdef0123-c90d059c",
        Some("s1"),
        FINGERPRINT,
        vec![
            result("sum", "iter", &slower),
            result("alloc", "box", &base),
            result("spawn", "thread", &noisy_head),
        ],
    );
    let markdown = render_markdown(&compare(&[base_record], &[head_record], &settings()));
    expect![[r#"
        <!-- versus:compare -->
        ### versus: head compared with base

        **1 slower**, 4 unchanged, 1 inconclusive (6 comparisons)

        By series, each read from the metric that decides it (in bold below): **1 slower**, 1 unchanged, 1 inconclusive (3 series; time/op decided every series).

        Base `20261122T080000Z-0123456789ab-c90d059c`, head `20261122T081000Z-89abcdef0123-c90d059c`. Machine `c90d059c2a81d162`. Paired: base and head ran in the same interleaved rounds.

        | verdict | series | metric | base | head | change (95 % CI) | q | detects |
        |---|---|---|--:|--:|--:|--:|--:|
        | **slower** | `sum/iter rust-1.95.0 size=1000` | **time/op** | 310 ns | 341 ns | **+10.0 %** (+9.6 … +10.4) | 0.003 | ±1.4 % |
        | inconclusive <sup>1</sup> | `spawn/thread rust-1.95.0 size=1000` | **time/op** | 313 ns | 315 ns | +0.65 % (−6.7 … +8.6) | 1 | ±34.1 % |

        <details><summary>4 unchanged</summary>

        | verdict | series | metric | base | head | change (95 % CI) | q | detects |
        |---|---|---|--:|--:|--:|--:|--:|
        | unchanged | `alloc/box rust-1.95.0 size=1000` | **time/op** | 310 ns | 310 ns | 0.00 % (0.00 … 0.00) | 1 | ±1.0 % |
        | unchanged | `alloc/box rust-1.95.0 size=1000` | max RSS | 12.0 MiB | 12.0 MiB | 0.00 % (0.00 … 0.00) | 1 | ±1.0 % |
        | unchanged | `spawn/thread rust-1.95.0 size=1000` | max RSS | 12.0 MiB | 12.0 MiB | 0.00 % (0.00 … 0.00) | 1 | ±1.0 % |
        | unchanged | `sum/iter rust-1.95.0 size=1000` | max RSS | 12.0 MiB | 12.0 MiB | 0.00 % (0.00 … 0.00) | 1 | ±1.0 % |

        </details>

        1. spawn/thread rust-1.95.0 size=1000, time/op: the interval −6.7 % … +8.6 % is wider than ±1 %; this series detects changes of ±34.1 %

        <sub>Each trial (one process) is summarised by the median of its samples; base and head trials of the same round are paired and compared on their log-ratios with the Wilcoxon signed-rank test and the Hodges–Lehmann estimate (unpaired series: Mann–Whitney U). Change is head / base − 1 with its 95 % interval; q is the Benjamini–Hochberg adjustment across all 6 comparisons. **slower**/**faster**: q ≤ 0.005 and a change beyond ±1 %; unchanged: the whole interval within that margin. detects: the change this series would catch with 95 % probability. Method: docs/statistics.md.</sub>
    "#]]
    .assert_eq(&markdown);
}

#[test]
fn pairs_needed_plans_for_a_lone_change_in_the_suite() {
    let settings = settings();
    assert_eq!(settings.pairs_needed(0.03, 1.02, 1), Some(59));
    // Among 20 comparisons a lone change needs p ≤ 0.005/20.
    assert_eq!(settings.pairs_needed(0.03, 1.02, 20), Some(82));
    assert_eq!(settings.pairs_needed(0.03, 1.01, 1), None);
}

#[test]
fn the_planning_table_of_the_docs_holds() {
    // docs/statistics.md, "Detectable change and planning".
    let settings = settings();
    let table: Vec<Option<usize>> = [
        (0.01, 1.02, 1),
        (0.02, 1.02, 1),
        (0.03, 1.02, 1),
        (0.03, 1.02, 20),
        (0.01, 1.05, 1),
        (0.03, 1.05, 1),
        (0.06, 1.05, 1),
        (0.10, 1.05, 1),
    ]
    .iter()
    .map(|&(noise, effect, m)| settings.pairs_needed(noise, effect, m))
    .collect();
    assert_eq!(table, [11, 28, 59, 82, 9, 13, 40, 104].map(Some));
}

/// Gives every trial of `result` an instruction count: `per_sample` times the trial's
/// own factor from `jitter` (round by round).
fn with_counts(mut result: ResultRecord, per_sample: f64, jitter: &[f64]) -> ResultRecord {
    for (trial, factor) in result.trials.iter_mut().zip(jitter.iter().cycle()) {
        trial.instructions = Some(crate::record::InstructionCount {
            per_sample: per_sample * factor,
            tool: "valgrind".into(),
            environment: Default::default(),
            binary: Some("versus-rs".into()),
        });
    }
    result
}

#[test]
fn half_a_percent_more_instructions_is_slower_under_the_instruction_threshold() {
    // Time as noisy as this machine's quick sizes, identical on both sides; counts
    // exact but for a 0.01 % jitter, 0.5 % higher in head: 20 pairs, as calibrate
    // counts per experiment (run::COUNTED_PAIRS).
    let pairs = crate::measure::runner::COUNTED_PAIRS as usize;
    let times = around(310.0, 0.15, pairs);
    let jitter = around(1.0, 0.0001, pairs);
    let base = with_counts(result("sum", "iter", &times), 1.75e6, &jitter);
    let head_jitter: Vec<f64> = jitter.iter().rev().copied().collect();
    let head = with_counts(result("sum", "iter", &times), 1.75e6 * 1.005, &head_jitter);
    let base = record("base", Some("s1"), FINGERPRINT, vec![base]);
    let head = record("head", Some("s1"), FINGERPRINT, vec![head]);
    let comparison = compare(std::slice::from_ref(&base), &[head], &settings());
    let instructions = comparison
        .entries
        .iter()
        .find(|e| e.metric == Metric::Instructions)
        .expect("an instructions entry");
    assert_eq!(instructions.verdict, Verdict::Slower, "{instructions:#?}");
    assert!(instructions.q_value.unwrap() <= settings().alpha);
    assert_eq!(time_entry(&comparison).verdict, Verdict::Unchanged);

    // Under the time threshold (1 %), the same change would be called `unchanged`.
    let coarse = Settings {
        instructions_threshold: 0.01,
        ..settings()
    };
    let head = with_counts(result("sum", "iter", &times), 1.75e6 * 1.005, &head_jitter);
    let head = record("head", Some("s1"), FINGERPRINT, vec![head]);
    let comparison = compare(&[base], &[head], &coarse);
    let instructions = comparison
        .entries
        .iter()
        .find(|e| e.metric == Metric::Instructions)
        .unwrap();
    assert_eq!(
        instructions.verdict,
        Verdict::Unchanged,
        "{instructions:#?}"
    );
}

#[test]
fn counts_of_two_separate_runs_show_a_half_percent_change_with_counted_rounds_trials() {
    // Rust counts are exact: every count of a side is the same number. Two runs of
    // different sessions are compared unpaired, by the rank-sum test, whose best p for
    // n against n is 2/C(2n, n): 0.008 for the 5 counts `run` once took, above
    // α/3 for this suite of one series; 1.1·10⁻⁵ for run::COUNTED_ROUNDS = 10.
    let verdict = |counted: usize| {
        let times = around(310.0, 0.15, counted);
        let exact = vec![1.0; counted];
        let base = with_counts(result("sum", "iter", &times), 1.75e6, &exact);
        let head_times: Vec<f64> = times.iter().rev().copied().collect();
        let head = with_counts(result("sum", "iter", &head_times), 1.75e6 * 1.005, &exact);
        let base = record("base", None, FINGERPRINT, vec![base]);
        let head = record("head", None, FINGERPRINT, vec![head]);
        let comparison = compare(&[base], &[head], &settings());
        let instructions = comparison
            .entries
            .iter()
            .find(|e| e.metric == Metric::Instructions)
            .expect("an instructions entry")
            .clone();
        assert!(!instructions.paired, "{instructions:#?}");
        instructions.verdict
    };
    assert_eq!(
        verdict(crate::measure::runner::COUNTED_ROUNDS as usize),
        Verdict::Slower
    );
    assert_eq!(verdict(5), Verdict::Inconclusive);
}

#[test]
fn the_instruction_count_decides_a_counted_series_and_time_the_others() {
    // sum/iter counted on both sides, 0.5 % more work in head, time identical; sum/scalar
    // not counted and 10 % slower.
    let pairs = crate::measure::runner::COUNTED_PAIRS as usize;
    let times = around(310.0, 0.01, pairs);
    let jitter = around(1.0, 0.0001, pairs);
    let head_jitter: Vec<f64> = jitter.iter().rev().copied().collect();
    let slower: Vec<f64> = times.iter().map(|t| t * 1.1).collect();
    let base = record(
        "base",
        Some("s1"),
        FINGERPRINT,
        vec![
            with_counts(result("sum", "iter", &times), 1.75e6, &jitter),
            result("sum", "scalar", &times),
        ],
    );
    let head = record(
        "head",
        Some("s1"),
        FINGERPRINT,
        vec![
            with_counts(result("sum", "iter", &times), 1.75e6 * 1.005, &head_jitter),
            result("sum", "scalar", &slower),
        ],
    );
    let comparison = compare(&[base], &[head], &settings());
    let decided: Vec<(&str, Metric, Verdict)> = comparison
        .decisions
        .iter()
        .map(|d| (d.series.variant.as_str(), d.metric, d.verdict))
        .collect();
    assert_eq!(
        decided,
        [
            ("iter", Metric::Instructions, Verdict::Slower),
            ("scalar", Metric::TimePerOp, Verdict::Slower),
        ],
        "{:#?}",
        comparison.decisions
    );
    assert!(comparison.decisions[0]
        .why
        .contains("counted on both sides"));
    assert!(comparison.decisions[1]
        .why
        .contains("no instruction counts"));
    let summary = summarise(&comparison.decisions);
    assert_eq!(
        (summary.slower, summary.by_instructions, summary.by_time),
        (2, 1, 1)
    );
    // What the deciding metric is stays derivable from the entries alone.
    assert_eq!(decide(&comparison.entries), comparison.decisions);

    let markdown = render_markdown(&comparison);
    assert!(
        markdown.contains("By series, each read from the metric that decides it (in bold below): **2 slower** (2 series; instructions/op decided 1 series, time/op 1)"),
        "{markdown}"
    );
    assert!(markdown.contains("| **instructions/op** |"), "{markdown}");
    assert!(markdown.contains("| **time/op** |"), "{markdown}");

    // Counts on one side only cannot decide: time does, and says why.
    let base = record(
        "base",
        Some("s2"),
        FINGERPRINT,
        vec![with_counts(result("sum", "iter", &times), 1.75e6, &jitter)],
    );
    let head = record(
        "head",
        Some("s2"),
        FINGERPRINT,
        vec![result("sum", "iter", &times)],
    );
    let comparison = compare(&[base], &[head], &settings());
    assert_eq!(comparison.decisions.len(), 1);
    assert_eq!(comparison.decisions[0].metric, Metric::TimePerOp);
    assert!(
        comparison.decisions[0]
            .why
            .contains("could not be compared"),
        "{:#?}",
        comparison.decisions
    );
}
