//! The data files behind the charts (`docs/site-data.md`): one small index, per machine
//! its runs and their subjects by month, and per (machine, workload) a meta file and
//! one file per chart and month, holding per point only what the page shows. A month's
//! files are made again only when what they are made from changed (`month_digest`),
//! and written only when their bytes change, so a rebuild leaves the months that gained
//! no run untouched. The same data is written for people as downloads (`downloads`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;
use serde_json::{json, Value};

use super::downloads::downloads;
use super::escape::data_script;
use super::model::{changepoint_params, Line, MachineRuns, WorkloadView};
pub use super::writer::{Writer, Written, DATA_VERSION};
use crate::record::summary::significant;

/// The digest of what a month's files of `lines` are made from: the month's runs (a
/// record never changes, so its id stands for its numbers) and the lines' identities
/// and toolchains (a point names its toolchain by its index in the line's list).
pub fn month_digest(
    machine: &MachineRuns,
    range: &std::ops::Range<usize>,
    lines: &[&Line],
) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(format!(
        "{DATA_VERSION} {}\n",
        super::summary::SUMMARY_VERSION
    ));
    for run in &machine.runs[range.clone()] {
        hash.update(run.id.as_bytes());
        hash.update(b"\n");
    }
    for line in lines {
        hash.update(line.key.as_bytes());
        for toolchain in &line.toolchains {
            hash.update(b" ");
            hash.update(toolchain.as_bytes());
        }
        hash.update(b"\n");
    }
    format!("{:x}", hash.finalize())
}

/// Writes a data file under `data/`: `<key>.js`.
fn data(writer: &mut Writer, key: &str, value: &Value) -> Result<()> {
    writer.write(format!("data/{key}.js"), data_script(key, value).as_bytes())
}

/// The index of every machine.
pub fn index(writer: &mut Writer, machines: &[MachineRuns], workloads: &[String]) -> Result<()> {
    let machines: Vec<Value> = machines
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "fingerprint": m.fingerprint,
                "label": m.label,
                "runs": m.runs.len(),
                "first": m.runs.first().map(|r| r.started_at.clone()),
                "last": m.runs.last().map(|r| r.started_at.clone()),
                "repository": m.repository,
                "workloads": m.workloads,
            })
        })
        .collect();
    data(
        writer,
        "index",
        &json!({"schema": "versus.site/1", "machines": machines, "workloads": workloads}),
    )
}

/// A machine's runs and their subjects, one file per month.
pub fn runs(writer: &mut Writer, machine: &MachineRuns) -> Result<()> {
    for (month, range) in &machine.months {
        let files = [
            PathBuf::from(format!("data/{}/runs/{month}.js", machine.id)),
            PathBuf::from(format!("data/{}/subjects/{month}.js", machine.id)),
        ];
        let digest = month_digest(machine, range, &[]);

        if writer.keep(&files, &digest) {
            continue;
        }
        writer.made(&files, &digest);
        let runs = &machine.runs[range.clone()];
        let short = |c: &Option<String>| {
            c.as_deref()
                .filter(|c| super::escape::is_commit(c))
                .map(|c| c[..c.len().min(12)].to_string())
        };
        data(
            writer,
            &format!("{}/runs/{month}", machine.id),
            &json!({
                "t": runs.iter().map(|r| r.started).collect::<Vec<_>>(),
                "c": runs.iter().map(|r| short(&r.commit)).collect::<Vec<_>>(),
                "q": column(runs.iter().map(|r| u8::from(r.quick)).collect()),
                "d": column(runs.iter().map(|r| u8::from(r.dirty)).collect()),
            }),
        )?;
        let subjects: Vec<String> = runs
            .iter()
            .map(|r| truncate(r.subject.as_deref().unwrap_or(""), 200))
            .collect();
        data(
            writer,
            &format!("{}/subjects/{month}", machine.id),
            &json!({ "s": subjects }),
        )?;
    }
    Ok(())
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// A workload on a machine: its meta file, its points by metric and month, the ratio
/// points, and the downloads.
pub fn workload(writer: &mut Writer, machine: &MachineRuns, view: &WorkloadView) -> Result<()> {
    let base = format!("{}/{}", machine.id, view.workload);
    let position = |run: usize| {
        let (month, index) = machine.position(run);
        json!([month, index])
    };
    let commit = |run: usize| {
        machine.runs[run]
            .commit
            .as_deref()
            .filter(|c| super::escape::is_commit(c))
            .map(|c| c[..12.min(c.len())].to_string())
    };
    let line_meta = |line: &Line| {
        json!({
            "key": line.key, "label": line.label, "lang": line.lang, "variant": line.variant,
            "slot": line.slot, "toolchains": line.toolchains, "params": line.params,
            "group": line.group_id, "main": line.main, "quick": line.quick,
            "points": line.points.len(),
            "segments": line.segments.iter().map(|(from, to, mean)| json!({
                "from": position(*from), "to": position(*to), "mean": significant(*mean, 4),
            })).collect::<Vec<_>>(),
            "changes": line.changes.iter().map(|c| json!({
                "at": position(c.run), "before": significant(c.before, 4),
                "after": significant(c.after, 4), "change": significant(c.change, 3),
                "low": significant(c.low, 3), "high": significant(c.high, 3),
                "pvalue": significant(c.pvalue, 3),
                "from_commit": commit(c.previous_run), "to_commit": commit(c.run),
            })).collect::<Vec<_>>(),
        })
    };
    let months_of = |lines: &[&Line]| -> Vec<String> {
        let months: BTreeSet<String> = lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| machine.position(p.0).0))
            .collect();
        months.into_iter().collect()
    };
    // Each chart's lines, in a file per month of their own, so that a page loads only
    // the charts it shows.
    let groups_of = |lines: &[Line]| -> Vec<Value> {
        grouped(lines)
            .iter()
            .map(|(id, lines)| {
                let (main, more): (Vec<&Line>, Vec<&Line>) = lines.iter().partition(|l| l.main);
                json!({"id": id, "label": lines[0].group, "months": months_of(&main),
                       "more_months": months_of(&more)})
            })
            .collect()
    };
    let params = changepoint_params();
    let metrics: Vec<Value> = view
        .metrics
        .iter()
        .map(|m| {
            json!({
                "id": m.metric.id(), "label": m.metric.label(), "unit": m.metric.unit(),
                "groups": groups_of(&m.lines),
                "series": m.lines.iter().map(line_meta).collect::<Vec<_>>(),
            })
        })
        .collect();
    let meta = json!({
        "machine": machine.id,
        "workload": view.workload,
        "months": machine.months.iter().map(|(m, _)| m.clone()).collect::<Vec<_>>(),
        "runs": machine.months.iter().map(|(_, r)| r.len()).collect::<Vec<_>>(),
        "changepoints": {
            "method": "E-divisive means, t-test", "window": params.window,
            "max_pvalue": params.max_pvalue, "min_magnitude": params.min_magnitude,
            "min_segment": params.min_segment,
        },
        "releases": view.releases.iter().map(|r| {
            let (month, run) = machine.position(r.run);
            json!({"month": month, "run": run, "toolchain": r.toolchain})
        }).collect::<Vec<_>>(),
        "metrics": metrics,
        "ratios": {
            "unit": "rust/go",
            "groups": groups_of(&view.ratios),
            "series": view.ratios.iter().map(line_meta).collect::<Vec<_>>(),
        },
        "versions": view.versions.iter().map(|v| json!({
            "metric": v.metric.id(), "unit": v.metric.unit(), "lang": v.lang,
            "versions": v.versions,
            "series": v.series.iter().map(|row| json!({
                "key": row.key,
                "label": row.label,
                "v": row.cells.iter().map(|c| c.map(|c| significant(c.median, 4))).collect::<Vec<_>>(),
                "lo": row.cells.iter().map(|c| c.map(|c| significant(c.low, 4))).collect::<Vec<_>>(),
                "hi": row.cells.iter().map(|c| c.map(|c| significant(c.high, 4))).collect::<Vec<_>>(),
                "n": row.cells.iter().map(|c| c.map(|c| c.runs)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    data(writer, &format!("{base}/meta"), &meta)?;
    for m in &view.metrics {
        for (group, lines) in grouped(&m.lines) {
            tiers(
                writer,
                machine,
                &format!("{base}/{}/{group}", m.metric.id()),
                &lines,
            )?;
        }
        downloads(
            writer,
            machine,
            &view.workload,
            m.metric.id(),
            m.metric.unit(),
            &m.lines,
        )?;
    }
    if !view.ratios.is_empty() {
        for (group, lines) in grouped(&view.ratios) {
            tiers(writer, machine, &format!("{base}/ratio/{group}"), &lines)?;
        }
        downloads(
            writer,
            machine,
            &view.workload,
            "ratio",
            "rust/go",
            &view.ratios,
        )?;
    }
    Ok(())
}

/// A chart's points: its main lines' under `base`, the others' under `base/more`.
fn tiers(writer: &mut Writer, machine: &MachineRuns, base: &str, lines: &[&Line]) -> Result<()> {
    let (main, more): (Vec<&Line>, Vec<&Line>) = lines.iter().partition(|l| l.main);
    points(writer, machine, base, &main)?;
    points(writer, machine, &format!("{base}/more"), &more)
}

/// Lines by their group, in order of first appearance.
fn grouped(lines: &[Line]) -> Vec<(String, Vec<&Line>)> {
    let mut groups: Vec<(String, Vec<&Line>)> = Vec::new();
    for line in lines {
        match groups.iter_mut().find(|(id, _)| *id == line.group_id) {
            Some((_, members)) => members.push(line),
            None => groups.push((line.group_id.clone(), vec![line])),
        }
    }
    groups
}

/// A number or, when every value is the same, that value once: most months of a line
/// have one trial count and one toolchain.
#[derive(Serialize)]
#[serde(untagged)]
enum Column<T> {
    One(T),
    Each(Vec<T>),
}

fn column<T: PartialEq + Copy>(values: Vec<T>) -> Column<T> {
    if values.iter().all(|v| *v == values[0]) {
        Column::One(values[0])
    } else {
        Column::Each(values)
    }
}

/// One line's points of one month, columnar.
#[derive(Serialize)]
struct MonthPoints {
    #[serde(skip_serializing_if = "Option::is_none")]
    r: Option<Vec<usize>>,
    v: Vec<f64>,
    lo: Vec<u64>,
    hi: Vec<u64>,
    n: Column<u32>,
    t: Column<usize>,
}

/// One file per month of `lines`' points, columnar per series.
fn points(writer: &mut Writer, machine: &MachineRuns, base: &str, lines: &[&Line]) -> Result<()> {
    let per_mille = |delta: f64, v: f64| -> u64 {
        if v == 0.0 || !delta.is_finite() {
            0
        } else {
            (delta.abs() / v.abs() * 1000.0).round() as u64
        }
    };
    // Each line's points are in run order, so a month is a contiguous slice of them.
    let mut cursors = vec![0usize; lines.len()];
    for (month, range) in &machine.months {
        let file = PathBuf::from(format!("data/{base}/{month}.js"));
        let digest = month_digest(machine, range, lines);
        if writer.keep(std::slice::from_ref(&file), &digest) {
            for (line, cursor) in lines.iter().zip(cursors.iter_mut()) {
                while *cursor < line.points.len() && line.points[*cursor].0 < range.end {
                    *cursor += 1;
                }
            }
            continue;
        }
        let mut series: BTreeMap<&str, MonthPoints> = BTreeMap::new();
        for (line, cursor) in lines.iter().zip(cursors.iter_mut()) {
            let start = *cursor;
            while *cursor < line.points.len() && line.points[*cursor].0 < range.end {
                *cursor += 1;
            }
            let inside = &line.points[start..*cursor];
            if inside.is_empty() {
                continue;
            }
            let local: Vec<usize> = inside.iter().map(|p| p.0 - range.start).collect();
            series.insert(
                &line.key,
                MonthPoints {
                    r: (local.len() != range.len()).then_some(local),
                    v: inside.iter().map(|p| significant(p.2.v, 4)).collect(),
                    lo: inside
                        .iter()
                        .map(|p| per_mille(p.2.v - p.2.lo, p.2.v))
                        .collect(),
                    hi: inside
                        .iter()
                        .map(|p| per_mille(p.2.hi - p.2.v, p.2.v))
                        .collect(),
                    n: column(inside.iter().map(|p| p.2.n).collect()),
                    t: column(inside.iter().map(|p| p.1).collect()),
                },
            );
        }
        if !series.is_empty() {
            let key = format!("{base}/{month}");
            writer.write(
                &file,
                data_script(&key, &json!({ "series": series })).as_bytes(),
            )?;
            writer.made(std::slice::from_ref(&file), &digest);
        }
    }
    Ok(())
}
