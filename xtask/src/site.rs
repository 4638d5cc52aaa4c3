//! `cargo xtask site`: render the history into a static site with tera.
//!
//! Rendering is a pure function from records to files; the templates and static
//! assets live in `site/` at the root so that the page can be changed without Rust.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::cli::Site;
use crate::history::{self, History};
use crate::record::{RunRecord, Status};
use crate::run::format_ns;
use crate::trial::median_ns_per_op;

impl Site {
    pub fn run(self, root: &Path) -> Result<()> {
        let history_dir = history::resolve(root, self.history);
        let out = root.join(&self.out);
        let index = render(root, &history_dir, &out)?;
        println!("{}", index.display());
        Ok(())
    }
}

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

/// The harness's measured power on a machine, from the latest calibrated record.
#[derive(Serialize)]
struct CalibrationView {
    run: String,
    machine: String,
    experiments: u32,
    pairs: u32,
    threshold: String,
    false_alarms: String,
    injected: Vec<String>,
    rows: Vec<CalibrationRow>,
}

#[derive(Serialize)]
struct CalibrationRow {
    series: String,
    noise: String,
    seconds: String,
    false_alarm_rate: String,
    detection: Vec<String>,
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
    let calibration = history.records.iter().rev().find_map(calibration_view);
    context.insert("calibration", &calibration);
    tera.render("index.html", &context)
        .context("rendering the site's index page")
}

fn calibration_view(record: &RunRecord) -> Option<CalibrationView> {
    let calibration = record.calibration.as_ref()?;
    let percent = |fraction: f64| format!("{:.0} %", fraction * 100.0);
    let mut injected: Vec<String> = calibration
        .series
        .iter()
        .flat_map(|s| s.detection.keys().cloned())
        .collect();
    injected.sort_by(|a, b| {
        a.parse::<f64>()
            .unwrap_or(0.0)
            .total_cmp(&b.parse::<f64>().unwrap_or(0.0))
    });
    injected.dedup();
    let rows = calibration
        .series
        .iter()
        .map(|s| {
            let params: Vec<String> = s.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            CalibrationRow {
                series: format!(
                    "{}/{} {} {}",
                    s.workload,
                    s.variant,
                    s.toolchain,
                    params.join(" ")
                ),
                noise: s
                    .paired_noise
                    .map_or("–".to_string(), |n| format!("{:.2} %", n * 100.0)),
                seconds: format!("{:.1}", s.seconds_per_experiment),
                false_alarm_rate: percent(s.false_alarm_rate),
                detection: injected
                    .iter()
                    .map(|p| s.detection.get(p).map_or("–".to_string(), |d| percent(*d)))
                    .collect(),
            }
        })
        .collect();
    Some(CalibrationView {
        run: record.id.clone(),
        machine: row(record).machine,
        experiments: calibration.experiments,
        pairs: calibration.pairs_per_experiment,
        threshold: format!("{} %", calibration.threshold * 100.0),
        false_alarms: format!(
            "{} of {} ({:.2} %)",
            calibration.false_alarms,
            calibration.aa_comparisons,
            100.0 * calibration.false_alarms as f64 / calibration.aa_comparisons.max(1) as f64
        ),
        injected: injected.iter().map(|p| format!("+{p} %")).collect(),
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
            let rss = result
                .trials
                .iter()
                .map(|t| t.max_rss_bytes)
                .max()
                .unwrap_or(0);
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
                rss: format!("{:.1}", rss as f64 / 1048576.0),
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
            series: vec![SeriesCalibration {
                workload: "sum".into(),
                variant: "iter".into(),
                lang: "rust".into(),
                toolchain: "rust-1.95.0".into(),
                params: BTreeMap::from([("size".to_string(), 1_000_000)]),
                paired_noise: Some(0.0123),
                seconds_per_experiment: 2.5,
                false_alarm_rate: 0.05,
                detection: BTreeMap::from([("2".to_string(), 0.95), ("5".to_string(), 1.0)]),
            }],
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
            "<th class=\"num\">detects +2 %</th>",
            "<td class=\"num\">1.23 %</td>",
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
