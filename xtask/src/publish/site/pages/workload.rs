//! A workload's page: per metric its trend over the runs of one machine (the newest
//! machine that ran it, without JavaScript; any, with it), with each point's interval
//! and the change points; the Rust/Go ratios; and the values per toolchain version.
//! Without JavaScript each chart is an SVG and a table; `static/app.js` draws the same
//! from the data files.

use serde::Serialize;

use super::{date, Inputs};
use crate::measure::catalogue;
use crate::publish::site::model::{changepoint_params, Line, MachineRuns, Versions, WorkloadView};
use crate::publish::site::summary::Metric;
use crate::publish::site::svg::{self, quantity, SvgChart, SvgLine};

#[derive(Serialize)]
struct Chart {
    /// `trend`, `ratio` or `versions`, as app.js reads `data-chart`.
    chart: &'static str,
    metric: String,
    /// The lines' `group` (their shared parameters), as app.js reads `data-group`.
    group: String,
    /// The same for people: `size=10000`, `size=1000 · quick`.
    group_label: String,
    /// Time per operation and the ratio: shown at once; the other metrics' charts sit
    /// in a section that opens on demand, and load their data only then.
    primary: bool,
    title: String,
    /// One SVG, or for `versions` one per language.
    svgs: Vec<String>,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    note: String,
}

#[derive(Serialize)]
struct MachineLink {
    id: String,
    label: String,
    runs: usize,
}

pub fn context(inputs: &Inputs, workload: &str) -> tera::Context {
    let mut context = tera::Context::new();
    context.insert("workload", workload);
    context.insert("what", catalogue::find(workload).map_or("", |w| w.what));
    let machines: Vec<MachineLink> = inputs
        .machines
        .iter()
        .filter(|m| m.workloads.iter().any(|w| w == workload))
        .map(|m| MachineLink {
            id: m.id.clone(),
            label: m.label.clone(),
            runs: m.runs.len(),
        })
        .collect();
    context.insert("machines", &machines);
    let shown = inputs
        .machines
        .iter()
        .zip(inputs.views)
        .find_map(|(machine, views)| {
            let view = views.iter().find(|v| v.workload == workload)?;
            Some((machine, view))
        });
    let charts = shown.map_or_else(Vec::new, |(machine, view)| charts(machine, view));
    context.insert("machine", &shown.map(|(m, _)| m.label.clone()));
    context.insert("machine_id", &shown.map(|(m, _)| m.id.clone()));
    context.insert("charts", &charts);
    context.insert("pruned", &shown.and_then(|(m, _)| pruned_note(m, workload)));
    context.insert("shape", &shown.and_then(|(m, _)| shape_note(m, workload)));
    let params = changepoint_params();
    context.insert(
        "changepoints",
        &format!(
            "change points: E-divisive means with a t-test (Apache Otava's method), window {}, \
             p < {}, minimum change {}",
            params.window, params.max_pvalue, params.min_magnitude
        ),
    );
    context
}

/// Where the shown machine's runs of `workload` hold summaries only: how many, up to
/// which run, and what that means for the charts.
fn pruned_note(machine: &MachineRuns, workload: &str) -> Option<String> {
    let pruned: Vec<_> = machine
        .runs
        .iter()
        .filter(|run| run.pruned.iter().any(|w| w == workload))
        .collect();
    let newest = pruned.last()?;
    Some(format!(
        "{} of the {} runs, up to {} ({}), hold summaries only: cargo xtask history prune \
         dropped their raw samples and histograms. Their points are the medians and \
         percentiles kept when it did; their intervals come from the kept trial medians, as \
         before",
        pruned.len(),
        machine.runs.len(),
        date(&newest.started_at),
        newest.id
    ))
}

/// The trial shape of the shown machine's newest run of `workload` that records one.
fn shape_note(machine: &MachineRuns, workload: &str) -> Option<String> {
    let (run, shapes) = machine.runs.iter().rev().find_map(|run| {
        let shapes: Vec<String> = run
            .shapes
            .iter()
            .filter(|(w, _, _)| w == workload)
            .map(|(_, samples, warmup)| {
                format!("{samples} measured samples after {warmup} warm-up")
            })
            .collect();
        (!shapes.is_empty()).then_some((run, shapes))
    })?;
    Some(format!(
        "Each trial is one process of {} (the newest run that records it, {}); results of \
         different shapes are not compared",
        shapes.join(" or "),
        date(&run.started_at)
    ))
}

/// The groups of `lines` (their shared parameters), in order of first appearance.
fn groups(lines: &[Line]) -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    for line in lines {
        if !groups.contains(&line.group) {
            groups.push(line.group.clone());
        }
    }
    groups
}

fn charts(machine: &MachineRuns, view: &WorkloadView) -> Vec<Chart> {
    let mut charts = Vec::new();
    // One trend chart per group of lines (by setup), of the metric or of the ratios.
    let trends = |charts: &mut Vec<Chart>, metric: Metric, all: &[Line], kind: &'static str| {
        let groups = groups(all);
        for group in &groups {
            let lines: Vec<Line> = all.iter().filter(|l| &l.group == group).cloned().collect();
            charts.push(trend(
                machine,
                metric,
                &lines,
                kind,
                group,
                groups.len() > 1,
            ));
        }
    };
    for metric in &view.metrics {
        trends(&mut charts, metric.metric, &metric.lines, "trend");
        if metric.metric == Metric::TimePerOp {
            trends(&mut charts, metric.metric, &view.ratios, "ratio");
        }
        let versions: Vec<&Versions> = view
            .versions
            .iter()
            .filter(|v| v.metric == metric.metric)
            .collect();
        if !versions.is_empty() {
            charts.push(versions_chart(metric.metric, &versions));
        }
    }
    charts
}

/// Labels along x: the first and last run's day, and three between.
fn x_labels(machine: &MachineRuns) -> Vec<(f64, String)> {
    let n = machine.runs.len();
    if n == 0 {
        return Vec::new();
    }
    let mut at: Vec<usize> = (0..5).map(|i| i * (n - 1) / 4).collect();
    at.dedup();
    at.into_iter()
        .map(|i| {
            (
                i as f64,
                machine.runs[i]
                    .started_at
                    .get(..10)
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect()
}

fn colour(line: &Line, index: usize) -> &'static str {
    match line.lang.as_str() {
        "rust" => svg::RUST[index % svg::RUST.len()],
        "go" => svg::GO[index % svg::GO.len()],
        _ => svg::RATIO[index % svg::RATIO.len()],
    }
}

fn trend(
    machine: &MachineRuns,
    metric: Metric,
    lines: &[Line],
    kind: &'static str,
    group: &str,
    name_group: bool,
) -> Chart {
    let ratio = kind == "ratio";
    let unit = if ratio { "rust/go" } else { metric.unit() };
    let mut counts = std::collections::BTreeMap::new();
    let svg_lines = lines
        .iter()
        .map(|line| {
            let count = counts.entry(line.lang.clone()).or_insert(0);
            let color = colour(line, *count);
            *count += 1;
            SvgLine {
                label: line.label.clone(),
                color,
                points: line
                    .points
                    .iter()
                    .map(|(run, _, p)| (*run as f64, p.v, p.lo, p.hi))
                    .collect(),
            }
        })
        .collect();
    let what = if ratio {
        "Rust/Go time per operation".to_string()
    } else {
        metric.label().to_string()
    };
    let title = if name_group {
        format!("{what} · {}", group.replace(',', " ").replace('|', " · "))
    } else {
        what
    };
    let svg = svg::render(&SvgChart {
        title: format!("{title} on {}", machine.label),
        unit,
        log: ratio,
        reference: ratio.then_some(1.0),
        x_labels: x_labels(machine),
        lines: svg_lines,
    });
    let rows = lines
        .iter()
        .map(|line| {
            let (run, toolchain, latest) = line.points.last().copied().expect("a line has a point");
            let change = line.changes.last().map_or("–".to_string(), |c| {
                format!(
                    "{:+.1} % [{:+.1}, {:+.1}] on {}",
                    c.change * 100.0,
                    c.low * 100.0,
                    c.high * 100.0,
                    date(&machine.runs[c.run].started_at)
                )
            });
            vec![
                line.label.clone(),
                line.toolchains[toolchain].clone(),
                quantity(latest.v, unit),
                format!(
                    "{} – {}",
                    quantity(latest.lo, unit),
                    quantity(latest.hi, unit)
                ),
                latest.n.to_string(),
                date(&machine.runs[run].started_at),
                line.points.len().to_string(),
                line.changes.len().to_string(),
                change,
            ]
        })
        .collect();
    Chart {
        chart: kind,
        metric: metric.id().to_string(),
        group: lines
            .first()
            .map_or_else(String::new, |l| l.group_id.clone()),
        group_label: group.replace(',', " ").replace('|', " · "),
        primary: metric == Metric::TimePerOp,
        title,
        svgs: vec![svg],
        columns: [
            "series",
            "toolchain",
            "latest",
            "interval",
            if ratio { "rounds" } else { "trials" },
            "run",
            "points",
            "changes",
            "latest change",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        note: if ratio {
            "Below 1 Rust is faster, above 1 Go is; the band is each run's 95 % interval, \
             paired by round."
                .to_string()
        } else {
            "Each point is one run: the median of its trials, with the 95 % interval of the \
             median (the range of the trials with fewer than 6)."
                .to_string()
        },
    }
}

/// One release chart per language, side by side: each language on its own axis.
fn versions_chart(metric: Metric, all: &[&Versions]) -> Chart {
    let unit = metric.unit();
    let mut svgs = Vec::new();
    let mut rows = Vec::new();
    let columns = ["series", "release", "median [95 %]", "runs"]
        .map(String::from)
        .to_vec();
    for versions in all {
        let palette: &[&str] = if versions.lang == "rust" {
            &svg::RUST
        } else {
            &svg::GO
        };
        let lang = if versions.lang == "rust" {
            "Rust"
        } else {
            "Go"
        };
        let lines = versions
            .series
            .iter()
            .enumerate()
            .map(|(index, row)| SvgLine {
                label: row.label.clone(),
                color: palette[index % palette.len()],
                points: row
                    .cells
                    .iter()
                    .enumerate()
                    .filter_map(|(x, cell)| cell.map(|c| (x as f64, c.median, c.low, c.high)))
                    .collect(),
            })
            .collect();
        svgs.push(svg::render(&SvgChart {
            title: format!("{} by {lang} release", metric.label()),
            unit,
            log: false,
            reference: None,
            x_labels: versions
                .versions
                .iter()
                .enumerate()
                .map(|(x, v)| (x as f64, v.clone()))
                .collect(),
            lines,
        }));
        for row in &versions.series {
            for (version, cell) in versions.versions.iter().zip(&row.cells) {
                if let Some(cell) = cell {
                    rows.push(vec![
                        format!("{lang} {}", row.label),
                        version.clone(),
                        format!(
                            "{} [{} – {}]",
                            quantity(cell.median, unit),
                            quantity(cell.low, unit),
                            quantity(cell.high, unit)
                        ),
                        cell.runs.to_string(),
                    ]);
                }
            }
        }
    }
    Chart {
        chart: "versions",
        metric: metric.id().to_string(),
        group: String::new(),
        group_label: String::new(),
        primary: metric == Metric::TimePerOp,
        title: format!("{} by toolchain release", metric.label()),
        svgs,
        columns,
        rows,
        note: "Each value is the median over every run of that release on this machine, with \
               the 95 % interval of the median; each language on its own axis."
            .to_string(),
    }
}
