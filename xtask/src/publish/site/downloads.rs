//! The downloads: one metric's lines as CSV and JSON, for people and spreadsheets, one
//! pair of files per month (as the data files are): a month that gained no run is not
//! made again, and each file stays small enough for a spreadsheet to open. The CSV has
//! one row per point, naming its run by start and commit; the JSON names the runs once
//! and each series' points, in columns, refer to them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use super::data::month_digest;
use super::escape::js_json;
use super::model::{Line, MachineRuns};
use super::summary::Point;
use super::writer::Writer;
use crate::record::summary::significant;

/// A line and its points in one month.
type Slice<'a> = (&'a Line, &'a [(usize, usize, Point)]);

/// Writes the downloads of one metric of a workload on a machine.
pub fn downloads(
    writer: &mut Writer,
    machine: &MachineRuns,
    workload: &str,
    metric: &str,
    unit: &str,
    lines: &[Line],
) -> Result<()> {
    let all: Vec<&Line> = lines.iter().collect();
    let mut cursors = vec![0usize; lines.len()];
    for (month, range) in &machine.months {
        let slices: Vec<Slice> = lines
            .iter()
            .zip(cursors.iter_mut())
            .filter_map(|(line, cursor)| {
                let start = *cursor;
                while *cursor < line.points.len() && line.points[*cursor].0 < range.end {
                    *cursor += 1;
                }
                (*cursor > start).then(|| (line, &line.points[start..*cursor]))
            })
            .collect();
        if slices.is_empty() {
            continue;
        }
        let name = format!("downloads/{}/{workload}-{metric}-{month}", machine.id);
        let files = [
            PathBuf::from(format!("{name}.csv")),
            PathBuf::from(format!("{name}.json")),
        ];
        let digest = month_digest(machine, range, &all);
        if !writer.keep(&files, &digest) {
            month_files(writer, machine, &name, (workload, metric, unit), &slices)?;
            writer.made(&files, &digest);
        }
    }
    Ok(())
}

fn month_files(
    writer: &mut Writer,
    machine: &MachineRuns,
    name: &str,
    (workload, metric, unit): (&str, &str, &str),
    slices: &[Slice],
) -> Result<()> {
    use std::fmt::Write as _;
    let points: usize = slices.iter().map(|(_, points)| points.len()).sum();
    let mut csv = String::with_capacity(64 + points * 80);
    csv.push_str("series,toolchain,started_at,commit,value,low,high,trials\n");
    let mut used = BTreeSet::new();
    let mut series = Vec::new();
    for (line, points) in slices {
        let key = csv_field(&line.key);
        let toolchains: Vec<String> = line.toolchains.iter().map(|t| csv_field(t)).collect();
        for (run, toolchain, point) in points.iter() {
            used.insert(*run);
            let run = &machine.runs[*run];
            let commit = run.commit.as_deref().map_or("", |c| &c[..c.len().min(12)]);
            let _ = writeln!(
                csv,
                "{key},{},{},{},{},{},{},{}",
                toolchains[*toolchain],
                run.started_at,
                csv_field(commit),
                significant(point.v, 6),
                significant(point.lo, 6),
                significant(point.hi, 6),
                point.n
            );
        }
        series.push(DownloadSeries {
            key: &line.key,
            label: &line.label,
            lang: &line.lang,
            variant: &line.variant,
            slot: &line.slot,
            toolchains: &line.toolchains,
            params: &line.params,
            quick: line.quick,
            run: points.iter().map(|p| p.0).collect(),
            toolchain: points.iter().map(|p| p.1).collect(),
            value: points.iter().map(|p| significant(p.2.v, 6)).collect(),
            low: points.iter().map(|p| significant(p.2.lo, 6)).collect(),
            high: points.iter().map(|p| significant(p.2.hi, 6)).collect(),
            trials: points.iter().map(|p| p.2.n).collect(),
        });
    }
    let runs: BTreeMap<usize, DownloadRun> = used
        .into_iter()
        .map(|index| {
            let run = &machine.runs[index];
            (
                index,
                DownloadRun {
                    id: &run.id,
                    started_at: &run.started_at,
                    commit: run.commit.as_deref(),
                },
            )
        })
        .collect();
    let whole = Download {
        schema: "versus.site-download/1",
        machine: &machine.fingerprint,
        workload,
        metric,
        unit,
        runs,
        series,
    };
    // Escaped as the data scripts are, so that no value reads as markup wherever the
    // file is opened.
    writer.write(format!("{name}.json"), js_json(&whole).as_bytes())?;
    writer.write(format!("{name}.csv"), csv.as_bytes())
}

/// The JSON download of one metric of a workload on a machine, for one month.
#[derive(Serialize)]
struct Download<'a> {
    schema: &'static str,
    machine: &'a str,
    workload: &'a str,
    metric: &'a str,
    unit: &'a str,
    /// The runs the points refer to, by their index among the machine's runs.
    runs: BTreeMap<usize, DownloadRun<'a>>,
    series: Vec<DownloadSeries<'a>>,
}

#[derive(Serialize)]
struct DownloadRun<'a> {
    id: &'a str,
    started_at: &'a str,
    commit: Option<&'a str>,
}

/// One line of a download, its points in columns.
#[derive(Serialize)]
struct DownloadSeries<'a> {
    key: &'a str,
    label: &'a str,
    lang: &'a str,
    variant: &'a str,
    slot: &'a str,
    toolchains: &'a [String],
    params: &'a BTreeMap<String, u64>,
    quick: bool,
    /// Index into the download's `runs`.
    run: Vec<usize>,
    /// Index into `toolchains`.
    toolchain: Vec<usize>,
    value: Vec<f64>,
    low: Vec<f64>,
    high: Vec<f64>,
    trials: Vec<u32>,
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_only_when_they_must_be() {
        assert_eq!(csv_field("iter|rust|size=1000"), "iter|rust|size=1000");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
