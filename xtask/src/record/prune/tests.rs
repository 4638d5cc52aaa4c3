//! Tests of `history prune`: which runs keep their raw data, that every figure survives,
//! that a dry run writes nothing, that a bad or changed record is left as it is.

use std::path::Path;

use base64::Engine;
use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;

use super::*;
use crate::record::fixtures::{record, result, FINGERPRINT};
use crate::record::summary::{latency_ns, time_per_op};

const AT: &str = "2026-12-02T12:00:00Z";

/// A latency histogram of `n` values around `around_ns`, as the workloads write them.
fn histogram(around_ns: u64, n: u64) -> String {
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
    for i in 0..n {
        histogram
            .record(around_ns + (i * 37) % (around_ns / 2 + 1))
            .unwrap();
    }
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(&histogram, &mut bytes)
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Run `n` of a history: `sum/iter` with 40 samples per trial (an even count, so
/// the medians are means of two), `actors/paced` with histograms, and a series that
/// only the first two runs have.
fn run(n: usize) -> RunRecord {
    let base = 10.0 + n as f64;
    let mut sum = result("sum", "iter", &[base, base * 1.01, base * 0.99]);
    for (t, trial) in sum.trials.iter_mut().enumerate() {
        trial.samples = (0..40)
            .map(|i| 1000 * (base as u64) + 7 * i + t as u64)
            .collect();
    }
    let mut actors = result("actors", "paced", &[base, base]);
    for trial in &mut actors.trials {
        trial.histogram = Some(histogram(400 + n as u64 * 10, 500));
    }
    let mut results = vec![sum, actors];
    if n < 2 {
        results.push(result("alloc", "box", &[base]));
    }
    let mut record = record(
        &format!("2026120{n}T000000Z-run"),
        None,
        FINGERPRINT,
        results,
    );
    record.started_at = format!("2026-12-0{}T00:00:00Z", n + 1);
    record
}

fn write_history(dir: &Path, runs: usize) {
    for n in 0..runs {
        history::write(dir, &run(n)).unwrap();
    }
}

fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    history::record_files(dir)
        .unwrap()
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

#[test]
fn the_newest_runs_of_each_series_keep_their_raw_data_and_the_rest_keep_their_figures() {
    let dir = tempfile::tempdir().unwrap();
    write_history(dir.path(), 5);
    let before = files(dir.path());
    let pruned = prune(dir.path(), 2, AT, false).unwrap();
    let after = files(dir.path());
    assert_eq!(pruned.records_read, 5);
    // Runs 0..3 lose sum and actors; alloc, in runs 0 and 1 only, is among its newest 2.
    assert_eq!((pruned.records_pruned, pruned.results_pruned), (3, 6));
    assert!(pruned.bytes_after < pruned.bytes_before, "{pruned:?}");
    for (n, (path, bytes)) in after.iter().enumerate() {
        let original = RunRecord::from_json(std::str::from_utf8(&before[path]).unwrap()).unwrap();
        let now = history::read(path).unwrap();
        if n >= 3 {
            assert_eq!(
                bytes, &before[path],
                "run {n} is among the newest two: untouched"
            );
            continue;
        }
        for (old, new) in original.results.iter().zip(&now.results) {
            let kept_raw = old.workload == "alloc";
            assert_eq!(new.pruned.is_none(), kept_raw, "run {n} {}", old.workload);
            if kept_raw {
                assert_eq!(old, new);
                continue;
            }
            assert!(new
                .trials
                .iter()
                .all(|t| t.samples.is_empty() && t.histogram.is_none()));
            assert_eq!(new.pruned.as_ref().unwrap().at, AT);
            assert_eq!(median_ns_per_op(old), median_ns_per_op(new));
            let spread = |r: &ResultRecord| time_per_op(r).map(|s| (s.min, s.max, s.count));
            assert_eq!(spread(old), spread(new));
            for (a, b) in old.trials.iter().zip(&new.trials) {
                assert_eq!(trial_median(a), trial_median(b));
                assert_eq!(trial_percentiles(a), trial_percentiles(b));
            }
            for key in ["p50_ns", "p99_ns"] {
                let median = |r: &ResultRecord| latency_ns(r, key).map(|s| s.median);
                assert_eq!(median(old), median(new), "{key}");
            }
        }
    }
    // Nothing is left to prune: a second prune changes nothing.
    let again = prune(dir.path(), 2, "2026-12-03T00:00:00Z", false).unwrap();
    assert_eq!(again.records_pruned, 0);
    assert_eq!(files(dir.path()), after);
    // Keeping fewer prunes what the first left, and what was pruned stays as it was.
    let fewer = prune(dir.path(), 0, "2026-12-03T00:00:00Z", false).unwrap();
    // Runs 0 and 1 (alloc) and 3 and 4 (everything); run 2 had nothing left.
    assert_eq!(fewer.records_pruned, 4);
    for (path, bytes) in files(dir.path()).iter().take(3) {
        let record = RunRecord::from_json(std::str::from_utf8(bytes).unwrap()).unwrap();
        let pruned_at: Vec<&str> = record
            .results
            .iter()
            .filter_map(|r| Some(r.pruned.as_ref()?.at.as_str()))
            .collect();
        assert!(pruned_at.contains(&AT), "{}: {pruned_at:?}", path.display());
    }
}

#[test]
fn a_dry_run_writes_nothing_and_a_bad_record_is_named_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    write_history(dir.path(), 3);
    let bad = dir.path().join("20261130T000000Z-bad.json");
    std::fs::write(&bad, b"{\"schema\": \"versus.run/1\", \"id\": 7").unwrap();
    let before = files(dir.path());
    let dry = prune(dir.path(), 1, AT, true).unwrap();
    assert_eq!(files(dir.path()), before, "a dry run wrote");
    assert_eq!(dry.records_pruned, 2);
    assert_eq!(dry.unreadable.len(), 1);
    assert_eq!(dry.unreadable[0].path, bad);
    assert!(
        dry.unreadable[0].reason.contains("`id`"),
        "{}",
        dry.unreadable[0].reason
    );
    let done = prune(dir.path(), 1, AT, false).unwrap();
    assert_eq!(done.records_pruned, 2);
    assert_eq!(
        std::fs::read(&bad).unwrap(),
        before[&bad],
        "the bad file was touched"
    );
    // Nothing but records: no temporary file is left.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| n.ends_with(".json")), "{names:?}");
}

#[test]
fn a_record_changed_under_the_prune_is_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    write_history(dir.path(), 1);
    let path = history::record_files(dir.path()).unwrap().remove(0);
    let bytes = std::fs::read(&path).unwrap();
    let error = history::replace(&path, b"something else", b"{}").unwrap_err();
    assert!(format!("{error:#}").contains("changed while"), "{error:#}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_kept_figure_that_is_not_a_positive_number_is_refused_by_its_field() {
    let mut record = run(0);
    let pruned = prune_result(&record.results[0], AT).unwrap();
    record.results[0] = pruned;
    let json = serde_json::to_string(&record).unwrap();
    RunRecord::from_json(&json).unwrap();
    let broken = json.replacen("\"median_ns_per_op\":", "\"median_ns_per_op\":-", 1);
    let error = RunRecord::from_json(&broken).unwrap_err();
    assert!(
        format!("{error:#}").contains("`results[0].pruned.median_ns_per_op`"),
        "{error:#}"
    );
    let broken = json.replacen("\"median_ns\":", "\"median_ns\":-", 1);
    let error = RunRecord::from_json(&broken).unwrap_err();
    assert!(
        format!("{error:#}").contains("`results[0].trials[0].pruned.median_ns`"),
        "{error:#}"
    );
}
