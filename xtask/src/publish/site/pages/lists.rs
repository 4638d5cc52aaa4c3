//! The pages that list: machines, change points, stored comparisons (and each one),
//! calibrations, and the downloads.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::{comparison_title, date, Inputs};
use crate::analyse::compare::{table_rows, Comparison, TableRow, Verdict};
use crate::publish::site::data::Written;
use crate::publish::site::escape::github_compare;
use crate::publish::site::model::machine_label;
use crate::publish::site::svg::quantity;

/// A `versus.compare/1` read from the history's `comparisons/` folder.
#[derive(Debug, Clone)]
pub struct StoredComparison {
    /// The file's stem, which names its page.
    pub id: String,
    pub comparison: Comparison,
}

#[derive(Serialize)]
struct MachineDetail {
    id: String,
    label: String,
    fingerprint: String,
    runs: usize,
    first: String,
    last: String,
    workloads: Vec<String>,
    facts: Vec<(String, String)>,
}

pub fn machines(inputs: &Inputs) -> tera::Context {
    let details: Vec<MachineDetail> = inputs
        .machines
        .iter()
        .map(|m| {
            let machine = &m.machine;
            let or_unknown = |v: Option<String>| v.unwrap_or_else(|| "unknown".to_string());
            let mut facts = vec![
                ("CPU".to_string(), or_unknown(machine.cpu_model.clone())),
                ("vendor".to_string(), or_unknown(machine.cpu_vendor.clone())),
                ("architecture".to_string(), machine.arch.clone()),
                (
                    "logical CPUs".to_string(),
                    or_unknown(machine.logical_cpus.map(|n| n.to_string())),
                ),
                (
                    "physical cores".to_string(),
                    or_unknown(machine.physical_cores.map(|n| n.to_string())),
                ),
                (
                    "memory".to_string(),
                    or_unknown(machine.memory_bytes.map(|b| quantity(b as f64, "bytes"))),
                ),
                (
                    "CPU quota".to_string(),
                    or_unknown(machine.cpu_quota.map(|q| format!("{q} CPUs"))),
                ),
                ("OS".to_string(), or_unknown(machine.os.clone())),
                ("kernel".to_string(), or_unknown(machine.kernel.clone())),
                (
                    "virtualization".to_string(),
                    machine
                        .virtualization
                        .clone()
                        .unwrap_or_else(|| "none detected".into()),
                ),
            ];
            let tuning = &machine.tuning;
            let thp = match (&tuning.thp_enabled, &tuning.thp_defrag) {
                (None, None) => None,
                (enabled, defrag) => Some(format!(
                    "{}, defrag {}",
                    enabled.as_deref().unwrap_or("unknown"),
                    defrag.as_deref().unwrap_or("unknown")
                )),
            };
            facts.extend([
                ("C library".to_string(), or_unknown(tuning.libc.clone())),
                ("transparent huge pages".to_string(), or_unknown(thp)),
                (
                    "CPU frequency governor".to_string(),
                    tuning
                        .cpu_governor
                        .clone()
                        .unwrap_or_else(|| "none exposed (no cpufreq)".into()),
                ),
                ("SMT".to_string(), or_unknown(tuning.smt.clone())),
            ]);
            for cache in &machine.caches {
                facts.push((
                    format!("L{} {} cache", cache.level, cache.kind.to_lowercase()),
                    format!(
                        "{}{}",
                        cache
                            .size_bytes
                            .map_or("unknown".to_string(), |b| quantity(b as f64, "bytes")),
                        cache
                            .shared_by
                            .map_or(String::new(), |n| format!(", shared by {n} CPUs"))
                    ),
                ));
            }
            let limits = &machine.limits;
            for (name, value) in [
                ("pid_max", limits.pid_max),
                ("threads-max", limits.threads_max),
                ("max_map_count", limits.max_map_count),
                ("somaxconn", limits.somaxconn),
                ("open files (soft)", limits.nofile_soft),
                ("open files (hard)", limits.nofile_hard),
                ("processes (soft)", limits.nproc_soft),
                ("stack (soft)", limits.stack_soft_bytes),
            ] {
                facts.push((name.to_string(), or_unknown(value.map(|v| v.to_string()))));
            }
            facts.push(("CPU flags".to_string(), machine.cpu_flags.join(" ")));
            MachineDetail {
                id: m.id.clone(),
                label: machine_label(machine),
                fingerprint: m.fingerprint.clone(),
                runs: m.runs.len(),
                first: m
                    .runs
                    .first()
                    .map_or(String::new(), |r| date(&r.started_at)),
                last: m.runs.last().map_or(String::new(), |r| date(&r.started_at)),
                workloads: m.workloads.clone(),
                facts,
            }
        })
        .collect();
    let mut context = tera::Context::new();
    context.insert("machines", &details);
    context
}

#[derive(Serialize)]
struct ChangeRow {
    started: i64,
    date: String,
    machine: String,
    machine_id: String,
    workload: String,
    metric: String,
    series: String,
    before: String,
    after: String,
    change: String,
    interval: String,
    /// `slower` or `faster`, for the colour: every metric here is lower-is-better.
    direction: &'static str,
    commits: String,
    url: Option<String>,
}

pub fn changes(inputs: &Inputs) -> tera::Context {
    let mut rows = Vec::new();
    for (machine, views) in inputs.machines.iter().zip(inputs.views) {
        for view in views {
            for metric in &view.metrics {
                for line in &metric.lines {
                    for change in &line.changes {
                        let run = &machine.runs[change.run];
                        let from = machine.runs[change.previous_run].commit.as_deref();
                        let to = run.commit.as_deref();
                        let short =
                            |c: Option<&str>| c.map_or("?", |c| &c[..c.len().min(12)]).to_string();
                        rows.push(ChangeRow {
                            started: run.started,
                            date: date(&run.started_at),
                            machine: machine.label.clone(),
                            machine_id: machine.id.clone(),
                            workload: view.workload.clone(),
                            metric: metric.metric.label().to_string(),
                            series: line.label.clone(),
                            before: quantity(change.before, metric.metric.unit()),
                            after: quantity(change.after, metric.metric.unit()),
                            change: format!("{:+.1} %", change.change * 100.0),
                            interval: format!(
                                "{:+.1} … {:+.1} %",
                                change.low * 100.0,
                                change.high * 100.0
                            ),
                            direction: if change.change > 0.0 {
                                "slower"
                            } else {
                                "faster"
                            },
                            commits: format!("{}…{}", short(from), short(to)),
                            url: machine
                                .repository
                                .as_deref()
                                .zip(to)
                                .and_then(|(repository, to)| github_compare(repository, from, to)),
                        });
                    }
                }
            }
        }
    }
    rows.sort_by(|a, b| b.started.cmp(&a.started).then(a.series.cmp(&b.series)));
    let mut context = tera::Context::new();
    context.insert("changes", &rows);
    context
}

#[derive(Serialize)]
struct ComparisonLink {
    id: String,
    title: String,
    summary: String,
}

fn summary_text(comparison: &Comparison) -> String {
    let s = &comparison.summary;
    let mut parts = Vec::new();
    for (count, word) in [
        (s.slower, "slower"),
        (s.faster, "faster"),
        (s.unchanged, "unchanged"),
        (s.inconclusive, "inconclusive"),
        (s.incomparable, "incomparable"),
    ] {
        if count > 0 {
            parts.push(format!("{count} {word}"));
        }
    }
    if parts.is_empty() {
        "nothing compared".to_string()
    } else {
        parts.join(", ")
    }
}

pub fn comparisons(inputs: &Inputs) -> tera::Context {
    let links: Vec<ComparisonLink> = inputs
        .comparisons
        .iter()
        .map(|stored| ComparisonLink {
            id: stored.id.clone(),
            title: comparison_title(&stored.comparison),
            summary: summary_text(&stored.comparison),
        })
        .collect();
    let mut context = tera::Context::new();
    context.insert("comparisons", &links);
    context
}

pub fn comparison(comparison: &Comparison, id: &str) -> tera::Context {
    let mut entries: Vec<&crate::analyse::compare::Entry> = comparison.entries.iter().collect();
    entries.sort_by(|a, b| a.verdict.cmp(&b.verdict).then(a.series.cmp(&b.series)));
    let (unchanged, changed): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .partition(|e| e.verdict == Verdict::Unchanged);
    let rows: Vec<TableRow> = table_rows(&changed);
    let quiet: Vec<TableRow> = table_rows(&unchanged);
    let mut context = tera::Context::new();
    context.insert("id", id);
    context.insert("title", &comparison_title(comparison));
    context.insert("summary", &summary_text(comparison));
    context.insert("rows", &rows);
    context.insert("unchanged", &quiet);
    context.insert(
        "threshold",
        &format!("{} %", comparison.settings.threshold * 100.0),
    );
    context
}

pub fn calibration(inputs: &Inputs) -> tera::Context {
    let mut context = tera::Context::new();
    context.insert("calibrations", &inputs.calibrations);
    context
}

#[derive(Serialize)]
struct DownloadRow {
    workload: String,
    metric: String,
    /// (month, CSV path, JSON path, CSV size), oldest first.
    months: Vec<MonthFiles>,
}

/// A month of downloads: (month, CSV path, JSON path, CSV size).
type MonthFiles = (String, String, String, String);

/// The downloads this build wrote, `downloads/<machine>/<workload>-<metric>-<YYYY-MM>`,
/// by machine, then workload and metric, with their months.
pub fn downloads(written: &Written) -> tera::Context {
    let mut groups: BTreeMap<String, BTreeMap<(String, String), Vec<MonthFiles>>> = BTreeMap::new();
    for (path, size) in &written.files {
        let mut parts = path.iter().map(|p| p.to_string_lossy().into_owned());
        let (Some(top), Some(machine), Some(file)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Some(stem) = file.strip_suffix(".csv") else {
            continue;
        };
        if top != "downloads" || stem.len() < 9 {
            continue;
        }
        let (rest, month) = stem.split_at(stem.len() - 7);
        let Some((workload, metric)) = rest.trim_end_matches('-').split_once('-') else {
            continue;
        };
        groups
            .entry(machine)
            .or_default()
            .entry((workload.to_string(), metric.to_string()))
            .or_default()
            .push((
                month.to_string(),
                PathBuf::from(path).display().to_string(),
                PathBuf::from(path)
                    .with_extension("json")
                    .display()
                    .to_string(),
                quantity(*size as f64, "bytes"),
            ));
    }
    let groups: BTreeMap<String, Vec<DownloadRow>> = groups
        .into_iter()
        .map(|(machine, rows)| {
            let rows = rows
                .into_iter()
                .map(|((workload, metric), months)| DownloadRow {
                    workload,
                    metric,
                    months,
                })
                .collect();
            (machine, rows)
        })
        .collect();
    let mut context = tera::Context::new();
    context.insert("groups", &groups);
    context
}
