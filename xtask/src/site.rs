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
    tera.render("index.html", &context)
        .context("rendering the site's index page")
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
