//! The site rendered from fixed histories: snapshots of its pages, the calibration
//! views, escaping of hostile text from records, skipped bad files, and rebuilds that
//! rewrite only what changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::summary::RunSummary;
use super::*;
use crate::record::fixtures::{record, result, FINGERPRINT};
use crate::record::{history, Calibration, Ci, RunRecord, SeriesCalibration};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// A site built from `records` in fresh directories: (history, site, cache) and what
/// the build reported.
struct Built {
    history: tempfile::TempDir,
    site: tempfile::TempDir,
    cache: tempfile::TempDir,
    rendered: Rendered,
}

impl Built {
    fn new(records: &[RunRecord]) -> Built {
        let history = tempfile::tempdir().unwrap();
        for record in records {
            history::write(history.path(), record).unwrap();
        }
        let (site, cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let rendered = render_with(root(), history.path(), site.path(), cache.path()).unwrap();
        Built {
            history,
            site,
            cache,
            rendered,
        }
    }

    fn rebuild(&mut self) {
        self.rendered = render_with(
            root(),
            self.history.path(),
            self.site.path(),
            self.cache.path(),
        )
        .unwrap();
    }

    fn page(&self, name: &str) -> String {
        std::fs::read_to_string(self.site.path().join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// Every file of the site, relative, with its bytes.
    fn files(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        let mut stack = vec![self.site.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let relative = path.strip_prefix(self.site.path()).unwrap().to_path_buf();
                    files.insert(relative, std::fs::read(&path).unwrap());
                }
            }
        }
        files
    }
}

/// A run of `sum/iter` (Rust) and `sum/range` (Go) started at `started_at`, where Rust
/// takes `rust_ns` per operation, on `fingerprint`.
fn sum_run(started_at: &str, rust_ns: f64, fingerprint: &str) -> RunRecord {
    let rust = result("sum", "iter", &[rust_ns, rust_ns * 1.01, rust_ns * 0.99]);
    let mut go = result("sum", "range", &[0.36, 0.37, 0.35]);
    go.lang = "go".into();
    go.toolchain = "go-1.26.8".into();
    let mut run = record(started_at, None, fingerprint, vec![rust, go]);
    run.id = format!(
        "{}-{}",
        started_at.replace([':', '-'], ""),
        &fingerprint[..8]
    );
    run.started_at = started_at.to_string();
    run.ci = Some(Ci {
        provider: "github-actions".into(),
        repository: Some("owner/versus".into()),
        run_id: None,
        run_attempt: None,
        workflow: None,
        job: None,
        runner_name: None,
        runner_image: None,
        runner_image_version: None,
    });
    run
}

/// Thirty runs a day apart in November and December 2026, with a 10 % slowdown of
/// Rust at the 20th.
fn history_of_steps() -> Vec<RunRecord> {
    (0..30)
        .map(|day| {
            let date = if day < 20 {
                format!("2026-11-{:02}T02:00:00Z", day + 1)
            } else {
                format!("2026-12-{:02}T02:00:00Z", day - 19)
            };
            let noise = 1.0 + 0.002 * ((day * 7 % 5) as f64 - 2.0);
            sum_run(
                &date,
                if day < 20 { 0.28 } else { 0.308 } * noise,
                FINGERPRINT,
            )
        })
        .collect()
}

#[test]
fn snapshots_of_the_home_page_and_a_workload_page() {
    let built = Built::new(&history_of_steps());
    assert!(
        built.rendered.warnings.is_empty(),
        "{:?}",
        built.rendered.warnings
    );
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/site");
    expect_test::expect_file![snapshots.join("index.html")].assert_eq(&built.page("index.html"));
    expect_test::expect_file![snapshots.join("workload-sum.html")]
        .assert_eq(&built.page("workload/sum.html"));
    expect_test::expect_file![snapshots.join("meta-sum.js")]
        .assert_eq(&built.page("data/c90d059c/sum/meta.js"));
    let changes = built.page("changes.html");
    assert!(changes.contains("+10.0 %"), "the step is listed: {changes}");
    assert!(
        changes.contains("https:&#x2F;&#x2F;github.com&#x2F;owner&#x2F;versus&#x2F;compare&#x2F;")
    );
}

#[test]
fn the_home_page_says_who_wins_and_never_calls_an_implausible_result_a_win() {
    let mut runs = history_of_steps();
    let latest = runs.last_mut().unwrap();
    latest.results[0].implausible = Some("below the physical floor".into());
    let built = Built::new(&runs);
    let home = built.page("index.html");
    assert!(home.contains("<tr class=\"implausible\">"), "{home}");
    assert!(!home.contains("win-rust"), "{home}");
    let earlier = Built::new(&runs[..20]);
    let home = earlier.page("index.html");
    assert!(home.contains("<tr class=\"win-rust\">"), "{home}");
    assert!(home.contains("Rust 1.28× faster"), "{home}");
}

#[test]
fn text_from_records_is_escaped_in_every_page_and_data_file() {
    let mut run = sum_run("2026-11-01T02:00:00Z", 0.28, FINGERPRINT);
    run.source.subject = Some("</script><script>alert(1)</script> \"quoted\" 'single'".into());
    run.source.git_ref = Some("<img src=x onerror=alert(2)>".into());
    run.ci.as_mut().unwrap().repository = Some("owner/versus\"><script>alert(3)</script>".into());
    run.results[0].variant = "iter<b>".into();
    let built = Built::new(&[run]);
    for (path, bytes) in built.files() {
        // A CSV download is not read as HTML: its text is the record's, quoted as CSV.
        if path.extension().is_some_and(|e| e == "csv") {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for hostile in ["<script>alert", "<img src=x", "<b>", "alert(3)</script>"] {
            assert!(
                !text.contains(hostile),
                "{} holds {hostile:?}",
                path.display()
            );
        }
    }
    let home = built.page("index.html");
    assert!(
        home.contains("&lt;&#x2F;script&gt;&lt;script&gt;alert(1)"),
        "{home}"
    );
    // A repository that is not owner/name makes no link at all.
    assert!(!home.contains("github.com"), "{home}");
    let runs = built.page("data/c90d059c/subjects/2026-11.js");
    assert!(runs.contains("\\u003c/script\\u003e"), "{runs}");
}

/// A token planted in every secret-looking variable of a CI environment reaches
/// neither the run record read from that environment nor any file of the site.
#[test]
fn a_planted_token_appears_in_no_record_and_no_page() {
    const PLANTED: &str = "ghs_PLANTEDsecret0123456789abcdef";
    let env = |key: &str| {
        let secret = ["TOKEN", "SECRET", "PASSWORD", "KEY"]
            .iter()
            .any(|word| key.to_ascii_uppercase().contains(word));
        Some(match key {
            _ if secret => PLANTED.to_string(),
            "GITHUB_ACTIONS" => "true".to_string(),
            "GITHUB_REPOSITORY" => "owner/versus".to_string(),
            other => format!("value-of-{other}"),
        })
    };
    for name in [
        "GITHUB_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    ] {
        assert_eq!(env(name).as_deref(), Some(PLANTED), "{name} is planted");
    }
    let mut run = sum_run("2026-11-01T02:00:00Z", 0.28, FINGERPRINT);
    run.ci = crate::record::source::ci_from_env(env);
    assert!(run.ci.is_some(), "the environment reads as GitHub Actions");
    let json = serde_json::to_string(&run).unwrap();
    assert!(
        !json.contains(PLANTED),
        "the run record holds the token: {json}"
    );
    let built = Built::new(&[run]);
    let files = built.files();
    assert!(files.len() > 10, "the site was built");
    for (path, bytes) in files {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(PLANTED),
            "{} holds the token",
            path.display()
        );
    }
}

#[test]
fn a_bad_record_is_skipped_with_a_warning_on_the_page_and_the_site_still_renders() {
    let built = Built::new(&history_of_steps()[..3]);
    std::fs::write(
        built.history.path().join("broken.json"),
        "{\"schema\": \"versus.run/1\"",
    )
    .unwrap();
    let mut built = built;
    built.rebuild();
    assert_eq!(built.rendered.runs, 3);
    assert_eq!(built.rendered.warnings.len(), 1);
    assert!(built.rendered.warnings[0].contains("broken.json"));
    let home = built.page("index.html");
    assert!(
        home.contains("Files skipped") && home.contains("broken.json"),
        "{home}"
    );
}

#[test]
fn a_rebuild_after_one_new_run_rewrites_only_what_it_changed() {
    let runs = history_of_steps();
    let mut built = Built::new(&runs[..29]);
    let before = built.files();
    history::write(built.history.path(), &runs[29]).unwrap();
    built.rebuild();
    assert_eq!(built.rendered.parsed, 1, "only the new record is read");
    let after = built.files();
    for (path, bytes) in &before {
        if path.display().to_string().contains("2026-11") {
            let now = after.get(path);
            assert_eq!(Some(bytes), now, "{} has no new run", path.display());
        }
    }
    let december = PathBuf::from("data/c90d059c/sum/time_per_op/size-1000/2026-12.js");
    assert_ne!(before[&december], after[&december]);
}

#[test]
fn an_empty_history_says_how_to_make_a_run() {
    let built = Built::new(&[]);
    let home = built.page("index.html");
    assert!(home.contains("No runs yet"));
    assert!(home.contains("cargo xtask bench --quick"));
}

#[test]
fn the_vendored_chart_library_is_checked_against_its_recorded_hash() {
    let manifest = vendor::manifest(root()).unwrap();
    assert!(vendored(root(), &manifest, "uPlot.iife.min.js").is_ok());
    let copy = tempfile::tempdir().unwrap();
    let dir = copy.path().join("site/vendor/uplot");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root().join("site/vendor/uplot/VENDOR.toml"),
        dir.join("VENDOR.toml"),
    )
    .unwrap();
    std::fs::write(dir.join("uPlot.iife.min.js"), "tampered").unwrap();
    let error = vendored(copy.path(), &manifest, "uPlot.iife.min.js").unwrap_err();
    assert!(error.to_string().contains("VENDOR.toml records"), "{error}");
}

fn series_calibration(workload: &str, variant: &str) -> SeriesCalibration {
    SeriesCalibration {
        workload: workload.into(),
        variant: variant.into(),
        lang: "rust".into(),
        toolchain: "rust-1.95.0".into(),
        params: BTreeMap::from([("size".to_string(), 1_000_000)]),
        paired_noise: Some(0.0123),
        seconds_per_experiment: 2.5,
        false_alarm_rate: 0.05,
        detection: BTreeMap::from([("2".to_string(), 0.95), ("5".to_string(), 1.0)]),
        pairs: Some(30),
        instruction_noise: Some(0.0004),
        instruction_false_alarm_rate: Some(0.0),
        instruction_detection: BTreeMap::from([("0.5".to_string(), 1.0)]),
        instruction_change: BTreeMap::from([("0.5".to_string(), 1.0049)]),
    }
}

/// The golden record with a calibration of `series`, as run `id` on `fingerprint`.
fn calibrated(id: &str, fingerprint: &str, series: Vec<SeriesCalibration>) -> RunRecord {
    let golden = root().join("xtask/tests/golden/run-record.json");
    let mut record = history::read(&golden).unwrap();
    record.id = id.to_string();
    record.machine.fingerprint = fingerprint.to_string();
    record.calibration = Some(Calibration {
        experiments: 10,
        pairs_per_experiment: 20,
        threshold: 0.01,
        false_alarms: 0,
        aa_comparisons: 40,
        series,
        instructions_threshold: Some(0.0025),
        instruction_false_alarms: Some(0),
        instruction_aa_comparisons: Some(20),
    });
    record
}

#[test]
fn each_series_shows_its_newest_calibration_on_each_machine() {
    let older = calibrated(
        "older",
        "m1",
        vec![
            series_calibration("sum", "iter"),
            series_calibration("alloc", "box"),
        ],
    );
    let mut again = series_calibration("alloc", "box");
    again.instruction_detection = BTreeMap::from([("0.5".to_string(), 0.9)]);
    let newer = calibrated("newer", "m1", vec![again]);
    let elsewhere = calibrated("elsewhere", "m2", vec![series_calibration("alloc", "box")]);
    let covered = calibrated("covered", "m1", vec![series_calibration("alloc", "box")]);
    // Oldest first, as the history reads them.
    let runs: Vec<RunSummary> = [covered, elsewhere, older, newer]
        .iter()
        .map(|r| RunSummary::of(r).unwrap())
        .collect();
    let views = calibration::views(&runs);
    let shown: Vec<(String, &str, Vec<&str>, usize, bool)> = views
        .iter()
        .filter(|view| view.kind == crate::record::summary::Measured::Instructions)
        .map(|view| {
            let rows = view
                .table
                .rows
                .iter()
                .map(|row| row.series.as_str())
                .collect();
            (
                format!("{:?}", view.kind),
                view.run.as_str(),
                rows,
                view.replaced,
                view.first,
            )
        })
        .collect();
    fn series(s: &str) -> Vec<&str> {
        vec![s]
    }
    assert_eq!(
        shown,
        [
            (
                "Instructions".into(),
                "newer",
                series("alloc/box rust-1.95.0 size=1000000"),
                0,
                true
            ),
            (
                "Instructions".into(),
                "older",
                series("sum/iter rust-1.95.0 size=1000000"),
                1,
                false
            ),
            (
                "Instructions".into(),
                "elsewhere",
                series("alloc/box rust-1.95.0 size=1000000"),
                0,
                false
            ),
        ]
    );
}

#[test]
fn the_calibration_page_shows_both_measurements() {
    let mut record = calibrated(
        "20261122T080000Z-cal",
        FINGERPRINT,
        vec![series_calibration("sum", "iter")],
    );
    record.machine.fingerprint = FINGERPRINT.into();
    let built = Built::new(&[record]);
    let html = built.page("calibration.html");
    for needle in [
        "How much this machine can tell",
        "trials of 5 samples after 1 warm-up sample,",
        "<th scope=\"col\" class=\"num\">detects +2 %</th>",
        "<td class=\"num\">1.230 %</td>",
        "How much instruction counts can tell",
        "0 of 20 (0.00 %)",
        "<th scope=\"col\" class=\"num\">detects +0.5 % work</th>",
        "<td class=\"num\">100 % (measured +0.49 %)</td>",
        "<td class=\"num\">95 %</td>",
    ] {
        assert!(html.contains(needle), "the page lacks {needle:?}:\n{html}");
    }
}

#[test]
fn stored_comparisons_get_a_page_each_and_a_bad_one_is_skipped_with_a_warning() {
    use crate::analyse::compare::{compare, Settings};
    let runs = history_of_steps();
    let built = Built::new(&runs[..2]);
    let comparison = compare(&runs[..1], &runs[1..2], &Settings::default());
    let json = serde_json::to_string_pretty(&comparison).unwrap();
    history::write_comparison(built.history.path(), "session-1", &json).unwrap();
    history::write_comparison(built.history.path(), "broken", "{\"schema\": \"x\"}").unwrap();
    let mut built = built;
    built.rebuild();
    let list = built.page("compare.html");
    assert!(list.contains("compare/session-1.html"), "{list}");
    let page = built.page("compare/session-1.html");
    assert!(page.contains("sum") && page.contains("size=1000"), "{page}");
    assert_eq!(
        built.rendered.warnings.len(),
        1,
        "{:?}",
        built.rendered.warnings
    );
    assert!(built.rendered.warnings[0].contains("broken.json"));
    assert!(built.rendered.warnings[0].contains("expected \"versus.compare/1\""));
}

/// Set in a child of the kill test: render the site from this history (and the out
/// and cache folders beside it), then exit.
const SITE_CHILD: &str = "VERSUS_TEST_SITE_CHILD";

/// The site build killed with SIGKILL at 20 points leaves the history byte for byte
/// as it was, and the next build renders the whole site.
#[test]
fn a_site_build_killed_at_any_point_leaves_the_history_as_it_was() {
    if let Ok(dir) = std::env::var(SITE_CHILD) {
        let dir = Path::new(&dir);
        render_with(
            root(),
            &dir.join("history"),
            &dir.join("site"),
            &dir.join("cache"),
        )
        .unwrap();
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let history_dir = work.path().join("history");
    for record in history_of_steps() {
        history::write(&history_dir, &record).unwrap();
    }
    let before: BTreeMap<PathBuf, Vec<u8>> = history::record_files(&history_dir)
        .unwrap()
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    let exe = std::env::current_exe().unwrap();
    let test =
        "publish::site::tests::a_site_build_killed_at_any_point_leaves_the_history_as_it_was";
    let build = |limit: std::time::Duration| {
        crate::measure::process::Cmd::new(&exe)
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(SITE_CHILD, work.path())
            .run_trial(limit, None)
            .unwrap()
    };
    // One whole build, from an empty cache, sets the scale of the kill points.
    let whole = build(std::time::Duration::from_secs(120));
    assert!(!whole.timed_out && whole.exit == crate::measure::process::ExitKind::Code(0));
    let mut kills = 0;
    for i in 0..20u32 {
        // Every fourth build starts over with an empty cache; the kill points spread
        // from the start of the process to the end of a whole build.
        if i % 4 == 0 {
            let _ = std::fs::remove_dir_all(work.path().join("cache"));
            let _ = std::fs::remove_dir_all(work.path().join("site"));
        }
        let at = whole.wall_ns * u64::from(i + 1) / 21;
        let process = build(std::time::Duration::from_nanos(at.max(1_000_000)));
        kills += u32::from(process.timed_out);
    }
    assert!(kills >= 5, "only {kills} of 20 builds were killed");
    for (path, bytes) in &before {
        assert_eq!(
            &std::fs::read(path).unwrap(),
            bytes,
            "{} changed",
            path.display()
        );
    }
    assert_eq!(
        history::record_files(&history_dir).unwrap().len(),
        before.len()
    );
    let rendered = render_with(
        root(),
        &history_dir,
        &work.path().join("site"),
        &work.path().join("cache"),
    )
    .unwrap();
    assert_eq!(rendered.runs, before.len());
    assert!(rendered.warnings.is_empty(), "{:?}", rendered.warnings);
    eprintln!("{kills} of 20 site builds killed; history unchanged; the next build renders");
}

#[test]
fn a_pruned_history_shows_the_same_figures_and_says_where_raw_data_was_pruned() {
    use crate::measure::synthetic::{generate, Synthetic};
    let history = tempfile::tempdir().unwrap();
    let synthetic = Synthetic {
        runs: 12,
        machines: 1,
        seed: 7,
        hours_apart: 12,
        rounds: 3,
        only: vec!["sum".into(), "actors".into()],
    };
    generate(&synthetic, history.path()).unwrap();
    let build = || {
        let (site, cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let rendered = render_with(root(), history.path(), site.path(), cache.path()).unwrap();
        let built = Built {
            history: tempfile::tempdir().unwrap(),
            site,
            cache,
            rendered,
        };
        built.files()
    };
    let before = build();
    let pruned =
        crate::record::prune::prune(history.path(), 4, "2026-12-02T12:00:00Z", false).unwrap();
    assert_eq!(pruned.records_pruned, 8);
    assert!(pruned.bytes_after < pruned.bytes_before, "{pruned:?}");
    let after = build();
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &before {
        let name = path.display().to_string();
        if name == "workload/sum.html" || name == "workload/actors.html" {
            let (old, new) = (
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(&after[path]),
            );
            let changed: Vec<&str> = new.lines().filter(|l| !old.contains(*l)).collect();
            // The notes' summary says so, and the note itself counts the runs.
            assert_eq!(changed.len(), 2, "{name}: {changed:?}");
            assert!(
                changed[0].contains("<summary>About these runs: the older ones hold summaries"),
                "{name}: {}",
                changed[0]
            );
            assert!(
                changed[1].contains("8 of the 12 runs") && changed[1].contains("summaries only"),
                "{name}: {}",
                changed[1]
            );
        } else {
            assert!(
                bytes == &after[path],
                "{name} changed when the history was pruned"
            );
        }
    }
}
