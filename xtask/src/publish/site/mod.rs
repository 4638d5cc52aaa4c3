//! The static site, rendered from the history with tera.
//!
//! Rendering is a pure function from records to files; the templates and static
//! assets live in `site/` at the root so that the page can be changed without Rust.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::record::history::{self, History};
use crate::record::summary::{
    calibration_table, format_ns, median_ns_per_op, mib, peak_rss_bytes, CalibrationRow,
    CalibrationTable, Measured,
};
use crate::record::{RunRecord, Status};

#[derive(Serialize)]
struct RunRow {
    id: String,
    started_at: String,
    commit: String,
    dirty: bool,
    machine: String,
    toolchains: String,
    quick: bool,
    not_ok: usize,
    results: Vec<ResultRow>,
}

#[derive(Serialize)]
struct ResultRow {
    workload: String,
    variant: String,
    lang: String,
    toolchain: String,
    params: String,
    median: String,
    rss: String,
    status: String,
    reason: String,
}

/// The harness's measured power on a machine, from one calibrated record.
#[derive(Serialize)]
struct CalibrationView {
    /// "time" or "instructions": which measurement the view shows.
    kind: Measured,
    run: String,
    machine: String,
    /// How many of the record's series a newer calibration of the same kind and machine
    /// measured again; their rows are left out here.
    replaced: usize,
    /// The newest shown of its kind, which carries the section's heading.
    first: bool,
    /// The trials' shape, which decides what a series' noise is: "5 samples after 1
    /// warm-up".
    shape: String,
    experiments: u32,
    pairs: u32,
    threshold: String,
    false_alarms: String,
    injected: Vec<String>,
    rows: Vec<CalibrationRow>,
}

#[derive(Serialize)]
struct Unreadable {
    path: String,
    reason: String,
}

/// Renders the site from the history into `out`; returns the path of `index.html`.
pub fn render(root: &Path, history_dir: &Path, out: &Path) -> Result<PathBuf> {
    let history = history::read_all(history_dir)?;
    let html = render_index(root, history_dir, &history)?;
    std::fs::create_dir_all(out.join("static"))
        .with_context(|| format!("creating {}", out.display()))?;
    let index = out.join("index.html");
    std::fs::write(&index, html).with_context(|| format!("writing {}", index.display()))?;
    let style = root.join("site/static/style.css");
    std::fs::copy(&style, out.join("static/style.css"))
        .with_context(|| format!("copying {}", style.display()))?;
    Ok(index)
}

fn render_index(root: &Path, history_dir: &Path, history: &History) -> Result<String> {
    let template = root.join("site/templates/index.html");
    let mut tera = tera::Tera::default();
    tera.add_template_file(&template, Some("index.html"))
        .with_context(|| format!("loading the template {}", template.display()))?;
    let mut runs: Vec<RunRow> = history.records.iter().map(row).collect();
    runs.reverse();
    let mut context = tera::Context::new();
    context.insert("history", &history_dir.display().to_string());
    context.insert("latest", &runs.first());
    context.insert("runs", &runs);
    let unreadable: Vec<Unreadable> = history
        .unreadable
        .iter()
        .map(|file| Unreadable {
            path: file.path.display().to_string(),
            reason: file.reason.clone(),
        })
        .collect();
    context.insert("unreadable", &unreadable);
    let calibrations: Vec<CalibrationView> = [Measured::Time, Measured::Instructions]
        .into_iter()
        .flat_map(|measured| current_calibrations(&history.records, measured))
        .collect();
    context.insert("calibrations", &calibrations);
    tera.render("index.html", &context)
        .context("rendering the site's index page")
}

/// The calibrations of one kind to show, newest first. Time and instructions are
/// usually calibrated by separate runs (counting every trial is slow), and a run often
/// calibrates only some series (the one that fell short, again): each series shows
/// its newest calibration on each machine, so an older record keeps the rows that no
/// newer one replaced, and a record all of whose rows were replaced is left out.
fn current_calibrations(records: &[RunRecord], measured: Measured) -> Vec<CalibrationView> {
    let mut shown: Vec<CalibrationView> = Vec::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for record in records.iter().rev() {
        let Some(mut view) = calibration_view(record, measured) else {
            continue;
        };
        // A calibration replaces another's row only on the same machine.
        let machine = &record.machine.fingerprint;
        let before = view.rows.len();
        view.rows
            .retain(|row| seen.insert((machine.clone(), row.series.clone())));
        view.replaced = before - view.rows.len();
        if !view.rows.is_empty() {
            view.first = shown.is_empty();
            shown.push(view);
        }
    }
    shown
}

fn calibration_view(record: &RunRecord, measured: Measured) -> Option<CalibrationView> {
    let CalibrationTable {
        measured,
        experiments,
        pairs,
        threshold,
        false_alarms,
        injected,
        rows,
    } = calibration_table(record.calibration.as_ref()?, measured)?;
    let plural = |n: u32| if n == 1 { "" } else { "s" };
    let (samples, warmup) = (record.protocol.samples_per_trial, record.protocol.warmup);
    Some(CalibrationView {
        kind: measured,
        run: record.id.clone(),
        machine: row(record).machine,
        replaced: 0,
        first: false,
        shape: format!(
            "{samples} sample{} after {warmup} warm-up sample{}",
            plural(samples),
            plural(warmup)
        ),
        experiments,
        pairs,
        threshold,
        false_alarms,
        injected,
        rows,
    })
}

fn row(record: &RunRecord) -> RunRow {
    let results: Vec<ResultRow> = record
        .results
        .iter()
        .map(|result| {
            let params: Vec<String> = result
                .params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let (status, reason) = match &result.implausible {
                Some(why) => ("implausible".to_string(), why.clone()),
                None => (
                    result.status.as_str().to_string(),
                    result.reason.clone().unwrap_or_default(),
                ),
            };
            ResultRow {
                workload: result.workload.clone(),
                variant: result.variant.clone(),
                lang: result.lang.clone(),
                toolchain: result.toolchain.clone(),
                params: params.join(" "),
                median: median_ns_per_op(result).map_or("–".to_string(), format_ns),
                rss: format!("{:.1}", mib(peak_rss_bytes(result))),
                status,
                reason,
            }
        })
        .collect();
    let machine = format!(
        "{} · {} CPUs · {}",
        record.machine.cpu_model.as_deref().unwrap_or("unknown CPU"),
        record
            .machine
            .logical_cpus
            .map_or("?".to_string(), |n| n.to_string()),
        record.machine.arch
    );
    RunRow {
        id: record.id.clone(),
        started_at: record.started_at.clone(),
        commit: record
            .source
            .commit
            .as_deref()
            .map_or("none".to_string(), |c| c[..12].to_string()),
        dirty: record.source.dirty,
        machine,
        toolchains: record
            .toolchains
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        quick: record.protocol.quick,
        not_ok: record
            .results
            .iter()
            .filter(|r| r.status != Status::Ok)
            .count(),
        results,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::record::{Calibration, SeriesCalibration};

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
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
        let records = [covered, elsewhere, older, newer];
        let views = current_calibrations(&records, Measured::Instructions);
        let shown: Vec<(&str, Vec<&str>, usize, bool)> = views
            .iter()
            .map(|view| {
                let rows = view.rows.iter().map(|row| row.series.as_str()).collect();
                (view.run.as_str(), rows, view.replaced, view.first)
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("newer", vec!["alloc/box rust-1.95.0 size=1000000"], 0, true),
                ("older", vec!["sum/iter rust-1.95.0 size=1000000"], 1, false),
                (
                    "elsewhere",
                    vec!["alloc/box rust-1.95.0 size=1000000"],
                    0,
                    false
                ),
            ]
        );
        assert_eq!(views[0].rows[0].detection, ["90 % (measured +0.49 %)"]);

        let history = History {
            records: records.to_vec(),
            unreadable: Vec::new(),
        };
        let html = render_index(root(), Path::new("history"), &history).unwrap();
        assert_eq!(
            html.matches("How much instruction counts can tell").count(),
            1
        );
        assert!(html.contains("Earlier calibration of other series"));
        assert!(html.contains("1 more series of this run was calibrated again later"));
        assert!(html.contains("(run <code>newer</code>"));
        assert!(!html.contains("(run <code>covered</code>"));
    }

    #[test]
    fn the_index_shows_runs_results_calibration_and_unreadable_files() {
        let golden = root().join("xtask/tests/golden/run-record.json");
        let mut record = history::read(&golden).unwrap();
        record.calibration = Some(Calibration {
            experiments: 20,
            pairs_per_experiment: 30,
            threshold: 0.01,
            false_alarms: 1,
            aa_comparisons: 240,
            series: vec![series_calibration("sum", "iter")],
            instructions_threshold: Some(0.0025),
            instruction_false_alarms: Some(0),
            instruction_aa_comparisons: Some(20),
        });
        let history = History {
            records: vec![record],
            unreadable: vec![history::Unreadable {
                path: PathBuf::from("history/broken.json"),
                reason: "not JSON".into(),
            }],
        };
        let html = render_index(root(), Path::new("history"), &history).unwrap();
        for needle in [
            "Latest run",
            "<td>sum</td><td>iter</td>",
            "implausible",
            "AMD EPYC 7763 64-Core Processor",
            "How much this machine can tell",
            "1 of 240 (0.42 %)",
            "trials of 5 samples after 1 warm-up sample,",
            "<th class=\"num\">detects +2 %</th>",
            "<td class=\"num\">1.230 %</td>",
            "How much instruction counts can tell",
            "0 of 20 (0.00 %)",
            "<th class=\"num\">detects +0.5 % work</th>",
            "<td class=\"num\">100 % (measured +0.49 %)</td>",
            "<td class=\"num\">95 %</td>",
            "broken.json</code>: not JSON",
        ] {
            assert!(html.contains(needle), "the page lacks {needle:?}:\n{html}");
        }
    }

    #[test]
    fn an_empty_history_says_how_to_make_a_run() {
        let html = render_index(root(), Path::new("history"), &History::default()).unwrap();
        assert!(html.contains("No runs yet"));
        assert!(html.contains("cargo xtask bench --quick"));
    }
}
