//! The pages of the site, each a tera template of `site/templates/` filled with a
//! context built here. Numbers are formatted here, once, through `record::summary` and
//! `svg::quantity`, so that a page shows what the terminal and the exports show; every
//! text from a record reaches the templates as data and is escaped by tera's
//! autoescape (HTML text and attributes) or checked before it becomes a link.

mod claims;
mod home;
mod lists;
mod workload;

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use super::calibration::CalibrationView;
use super::data::Writer;
use super::model::{MachineRuns, WorkloadView};
use crate::analyse::compare::Comparison;
use crate::record::history::Unreadable;

pub use lists::StoredComparison;

/// The templates, by file name.
const TEMPLATES: &[&str] = &[
    "macros.html",
    "base.html",
    "index.html",
    "workload.html",
    "machines.html",
    "changes.html",
    "compare.html",
    "comparison.html",
    "calibration.html",
    "claims.html",
    "downloads.html",
];

/// Everything the pages are made of.
pub struct Inputs<'a> {
    /// How many runs the history holds.
    pub runs: usize,
    pub machines: &'a [MachineRuns],
    /// Per machine (in `machines`' order), the views of its workloads.
    pub views: &'a [Vec<WorkloadView>],
    pub workloads: &'a [String],
    pub unreadable: &'a [Unreadable],
    pub comparisons: &'a [StoredComparison],
    pub calibrations: Vec<CalibrationView>,
    /// Where the history was read from, for the empty page.
    pub history: &'a Path,
    /// What each run measured of the published claims.
    pub claim_runs: &'a [crate::analyse::claims::RunClaims],
}

/// A problem a page shows, and the terminal too.
#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    pub path: String,
    pub reason: String,
}

/// Renders every page into `writer`.
pub fn render(root: &Path, inputs: &Inputs, writer: &mut Writer) -> Result<()> {
    let tera = templates(root)?;
    let warnings: Vec<Warning> = inputs
        .unreadable
        .iter()
        .map(|u| Warning {
            path: u.path.display().to_string(),
            reason: u.reason.clone(),
        })
        .collect();
    let page = |name: &str, template: &str, root_path: &str, mut context: tera::Context| {
        context.insert("root", root_path);
        context.insert("page", name);
        context.insert("workloads", inputs.workloads);
        context.insert("warnings", &warnings);
        tera.render(template, &context)
            .with_context(|| format!("rendering the site's page {template}"))
    };
    writer.write(
        "index.html",
        page("home", "index.html", "", home::context(inputs))?.as_bytes(),
    )?;
    for workload in inputs.workloads {
        let context = workload::context(inputs, workload);
        writer.write(
            format!("workload/{workload}.html"),
            page("workload", "workload.html", "../", context)?.as_bytes(),
        )?;
    }
    for (name, context) in [
        ("machines", lists::machines(inputs)),
        ("changes", lists::changes(inputs)),
        ("compare", lists::comparisons(inputs)),
        ("calibration", lists::calibration(inputs)),
        ("claims", claims::context(inputs)),
    ] {
        writer.write(
            format!("{name}.html"),
            page(name, &format!("{name}.html"), "", context)?.as_bytes(),
        )?;
    }
    for stored in inputs.comparisons {
        writer.write(
            format!("compare/{}.html", stored.id),
            page(
                "compare",
                "comparison.html",
                "../",
                lists::comparison(&stored.comparison, &stored.id),
            )?
            .as_bytes(),
        )?;
    }
    // Last, so that it lists every other file this build wrote.
    let downloads = lists::downloads(&writer.written);
    writer.write(
        "downloads.html",
        page("downloads", "downloads.html", "", downloads)?.as_bytes(),
    )?;
    Ok(())
}

fn templates(root: &Path) -> Result<tera::Tera> {
    let mut tera = tera::Tera::default();
    let dir = root.join("site/templates");
    let files: Vec<(std::path::PathBuf, Option<&str>)> = TEMPLATES
        .iter()
        .map(|name| (dir.join(name), Some(*name)))
        .collect();
    tera.add_template_files(files)
        .with_context(|| format!("loading the site's templates from {}", dir.display()))?;
    // Autoescape every template (tera escapes only .html and friends by default, and
    // these are .html, but say so).
    tera.autoescape_on(TEMPLATES.to_vec());
    Ok(tera)
}

/// A run's short commit and, where the repository is known, its link.
#[derive(Debug, Clone, Serialize)]
pub struct CommitLink {
    pub short: String,
    pub url: Option<String>,
}

pub fn commit_link(commit: Option<&str>, repository: Option<&str>) -> CommitLink {
    let commit = commit.filter(|c| super::escape::is_commit(c));
    CommitLink {
        short: commit.map_or("none".to_string(), |c| c[..c.len().min(12)].to_string()),
        url: commit
            .zip(repository)
            .and_then(|(c, repository)| super::escape::github_compare(repository, None, c)),
    }
}

/// A date as people read it: `2026-11-22 08:53 UTC`.
pub fn date(started_at: &str) -> String {
    match (started_at.get(..10), started_at.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => started_at.to_string(),
    }
}

/// A comparison's Markdown table and HTML tables share their numbers' formatting.
pub fn comparison_title(comparison: &Comparison) -> String {
    format!(
        "{} against {}",
        comparison.head.join(", "),
        comparison.base.join(", ")
    )
}
