//! The static site, rendered from the history (`docs/site-data.md` is its contract with
//! `site/static/app.js`).
//!
//! A build reads every record as a summary (`cache`: once per record, ever), groups the
//! runs by machine and builds each workload's series, change points, ratios and
//! release values (`model`), writes the data files and downloads (`data`), and renders
//! the pages with tera from `site/templates/` (`pages`), each chart also drawn as an SVG
//! for readers without JavaScript (`svg`). uPlot is copied from `site/vendor/` after its
//! hashes are checked against `VENDOR.toml`. Output files are written only when their
//! bytes change, and files no build would write any more are removed.

pub mod browser;
mod cache;
mod calibration;
mod data;
mod downloads;
pub(crate) mod escape;
mod model;
mod pages;
mod store;
pub(crate) mod summary;
pub(crate) mod svg;
pub mod vendor;
mod writer;

#[cfg(test)]
mod tests;

pub use vendor::vendored;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::analyse::compare::{Comparison, COMPARE_SCHEMA};
use crate::measure::catalogue::WORKLOADS;
use crate::record::history::Unreadable;
use data::Writer;
use pages::{Inputs, StoredComparison};

/// What a build did, for the command to report.
#[derive(Debug)]
pub struct Rendered {
    pub index: PathBuf,
    pub runs: usize,
    /// Records parsed by this build; the others came from the cache.
    pub parsed: usize,
    /// Files created or rewritten, of all the build's files.
    pub changed: usize,
    pub files: usize,
    /// Every file that was skipped, with the reason (shown on the home page too).
    pub warnings: Vec<String>,
    pub seconds: f64,
}

/// Renders the site from `history_dir` into `out`, with the summary cache under
/// `target/versus/site-cache/` of `root`. Bad records and comparisons are skipped with
/// a warning that names the file; the site still renders.
pub fn render(root: &Path, history_dir: &Path, out: &Path) -> Result<Rendered> {
    render_with(
        root,
        history_dir,
        out,
        &root.join("target/versus/site-cache"),
    )
}

/// [`render`] with the summary cache in `cache_dir`.
pub fn render_with(
    root: &Path,
    history_dir: &Path,
    out: &Path,
    cache_dir: &Path,
) -> Result<Rendered> {
    let started = Instant::now();
    keep_large_allocations();
    let mut store = store::Store::default();
    let mut claim_runs = Vec::new();
    let loaded = cache::load(history_dir, cache_dir, |summary| {
        claim_runs.push(crate::analyse::claims::RunClaims {
            run: summary.id.clone(),
            started: summary.started,
            machine: summary.machine.fingerprint.clone(),
            machine_label: model::machine_label(&summary.machine),
            measurements: summary.claims.clone(),
        });
        store.ingest(summary)
    })?;
    let (comparisons, mut unreadable) = stored_comparisons(history_dir);
    unreadable.extend(loaded.unreadable);
    let (names, machines, calibrated) = model::finish(store);
    let workloads: Vec<String> = WORKLOADS
        .iter()
        .map(|w| w.name.to_string())
        .filter(|name| machines.iter().any(|m| m.workloads.contains(name)))
        .collect();
    let memo = cache_dir.join(format!("memo-{}.json", digest_of_path(out)));
    let mut writer = Writer::new(out, &memo);
    assets(root, &mut writer)?;
    data::index(&mut writer, &machines, &workloads)?;
    let mut views = Vec::new();
    for machine in &machines {
        let views_of: Vec<model::WorkloadView> = machine
            .workloads
            .iter()
            .map(|workload| model::workload_view(&names, machine, workload))
            .collect();
        data::runs(&mut writer, machine)?;
        for view in &views_of {
            data::workload(&mut writer, machine, view)?;
        }
        views.push(views_of);
    }
    let inputs = Inputs {
        runs: loaded.runs,
        machines: &machines,
        views: &views,
        workloads: &workloads,
        unreadable: &unreadable,
        comparisons: &comparisons,
        calibrations: calibration::views(&calibrated),
        history: history_dir,
        claim_runs: &claim_runs,
    };
    pages::render(root, &inputs, &mut writer)?;
    writer.remove_stale(&["data", "downloads", "workload", "compare"])?;
    writer.save_memo(&memo);
    let warnings = unreadable
        .iter()
        .map(|u| format!("skipped {}: {}", u.path.display(), u.reason))
        .collect();
    Ok(Rendered {
        index: out.join("index.html"),
        runs: loaded.runs,
        parsed: loaded.parsed,
        changed: writer.written.changed,
        files: writer.written.files.len(),
        warnings,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A short digest of a path, so that the memo of one output folder is not read for
/// another.
fn digest_of_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    format!("{:x}", Sha256::digest(absolute.display().to_string()))[..16].to_string()
}

/// Decoding a latency histogram allocates its whole counts array (a few hundred KiB
/// for the workloads' 1 ns to 60 s range), and glibc serves allocations that large
/// with mmap and returns them with munmap: tens of thousands of histograms made a cold
/// build spend most of its time in page faults. Raising the threshold keeps them on the
/// heap, where a freed array is reused by the next.
fn keep_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; any value is valid to pass.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
    }
}

/// The stylesheet, the app and the vendored uPlot, whose files must have the hashes
/// `site/vendor/uplot/VENDOR.toml` records.
fn assets(root: &Path, writer: &mut Writer) -> Result<()> {
    for (from, to) in [
        ("site/static/style.css", "static/style.css"),
        ("site/static/app.js", "static/app.js"),
    ] {
        let path = root.join(from);
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        writer.write(to, &bytes)?;
    }
    let manifest = vendor::manifest(root)?;
    for (name, to) in [
        ("uPlot.iife.min.js", "static/uplot.iife.min.js"),
        ("uPlot.min.css", "static/uplot.min.css"),
    ] {
        let bytes = vendored(root, &manifest, name)?;
        writer.write(to, &bytes)?;
    }
    Ok(())
}

/// The comparisons stored beside the history (`<history>/comparisons/*.json`, written
/// by `cargo xtask ab`), by file name; files that are not `versus.compare/1` are skipped
/// with the reason.
fn stored_comparisons(history_dir: &Path) -> (Vec<StoredComparison>, Vec<Unreadable>) {
    let dir = history_dir.join("comparisons");
    let mut stored = Vec::new();
    let mut unreadable = Vec::new();
    let Ok(paths) = crate::record::history::record_files(&dir) else {
        return (stored, unreadable);
    };
    let mut by_id: BTreeMap<String, StoredComparison> = BTreeMap::new();
    for path in paths {
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                serde_json::from_str::<serde_json::Value>(&text).map_err(|e| e.to_string())
            })
            .and_then(|value| match value.get("schema").and_then(|s| s.as_str()) {
                Some(COMPARE_SCHEMA) => {
                    serde_json::from_value::<Comparison>(value).map_err(|e| e.to_string())
                }
                other => Err(format!("schema is {other:?}, expected {COMPARE_SCHEMA:?}")),
            });
        let safe_id = id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        match parsed {
            Ok(comparison) if safe_id => {
                by_id.insert(id.clone(), StoredComparison { id, comparison });
            }
            Ok(_) => unreadable.push(Unreadable {
                path,
                reason: "the file name is not made of letters, digits, '-', '_' and '.'".into(),
            }),
            Err(reason) => unreadable.push(Unreadable { path, reason }),
        }
    }
    stored.extend(by_id.into_values().rev());
    (stored, unreadable)
}
