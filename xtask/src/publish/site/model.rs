//! From the store to what the pages show: each machine's runs in time order and by
//! month, and for each workload on a machine its lines per metric with their change
//! points, the Rust/Go ratios, the values per toolchain version, and the points where
//! a toolchain first appears.
//!
//! A series never crosses machines: everything below is built per machine, so a change
//! of machine can never look like a change point.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::store::{own_params, Entry, LineKey, Measure, Names, Run, Store};
use super::summary::{Metric, Point, RunSummary};
use crate::analyse::changepoint::{self, Params};
use crate::analyse::stats;
use crate::measure::catalogue::WORKLOADS;
use crate::record::Machine;

/// One machine and its runs.
#[derive(Debug)]
pub struct MachineRuns {
    /// The first 8 hex digits of the fingerprint: the machine's name in paths.
    pub id: String,
    pub fingerprint: String,
    /// The newest run's hardware metadata.
    pub machine: Machine,
    pub label: String,
    /// Oldest first (by start, then id).
    pub runs: Vec<Run>,
    /// `YYYY-MM` and the range of `runs` it holds, in order.
    pub months: Vec<(String, std::ops::Range<usize>)>,
    /// `owner/name` of the newest run that names a well-formed one.
    pub repository: Option<String>,
    /// The workloads this machine ran, in the catalogue's order.
    pub workloads: Vec<String>,
    /// The run the home page shows: the newest full-size run with results, else the
    /// newest run with results.
    pub latest: Option<RunSummary>,
    lines: HashMap<LineKey, Vec<Entry>>,
    /// Per (workload, toolchain): the run it first ran in.
    first_runs: HashMap<(u32, u32), u32>,
}

impl MachineRuns {
    /// A run's position as (month, index within the month).
    pub fn position(&self, run: usize) -> (String, usize) {
        let (month, range) = self
            .months
            .iter()
            .find(|(_, range)| range.contains(&run))
            .expect("every run is in a month");
        (month.clone(), run - range.start)
    }
}

/// The machines of a store, the one with the newest run first, with their runs in time
/// order; and the calibrated runs, oldest first.
pub fn finish(store: Store) -> (Names, Vec<MachineRuns>, Vec<RunSummary>) {
    let Store {
        names,
        machines,
        mut calibrated,
    } = store;
    let mut finished: Vec<MachineRuns> = machines
        .into_iter()
        .map(|(fingerprint, store)| {
            // Runs arrived in any order: sort them and renumber every reference.
            let mut order: Vec<usize> = (0..store.runs.len()).collect();
            order.sort_by(|&a, &b| {
                let (a, b) = (&store.runs[a], &store.runs[b]);
                (a.started, &a.id).cmp(&(b.started, &b.id))
            });
            let mut position = vec![0u32; order.len()];
            for (new, &old) in order.iter().enumerate() {
                position[old] = new as u32;
            }
            let mut runs_by_old: Vec<Option<Run>> = store.runs.into_iter().map(Some).collect();
            let runs: Vec<Run> = order
                .iter()
                .map(|&old| runs_by_old[old].take().expect("each run once"))
                .collect();
            let lines = store
                .lines
                .into_iter()
                .map(|(key, mut entries)| {
                    for entry in &mut entries {
                        entry.run = position[entry.run as usize];
                    }
                    entries.sort_by_key(|e| e.run);
                    (key, entries)
                })
                .collect();
            let first_runs = store
                .first_runs
                .into_iter()
                .map(|(key, (_, _, run))| (key, position[run as usize]))
                .collect();
            let mut months: Vec<(String, std::ops::Range<usize>)> = Vec::new();
            for (index, run) in runs.iter().enumerate() {
                let month = run.started_at.get(..7).unwrap_or("unknown");
                match months.last_mut() {
                    Some((current, range)) if current == month => range.end = index + 1,
                    _ => months.push((month.to_string(), index..index + 1)),
                }
            }
            let machine = store.machine.expect("a machine has a run");
            MachineRuns {
                id: fingerprint[..fingerprint.len().min(8)].to_string(),
                label: machine_label(&machine),
                fingerprint,
                machine,
                runs,
                months,
                repository: store.repository.map(|(_, r)| r),
                workloads: WORKLOADS
                    .iter()
                    .map(|w| w.name.to_string())
                    .filter(|name| store.workloads.contains(name))
                    .collect(),
                latest: store.latest_full.or(store.latest),
                lines,
                first_runs,
            }
        })
        .collect();
    finished.sort_by(|a, b| {
        let newest = |m: &MachineRuns| m.runs.last().map(|r| (r.started, r.id.clone()));
        newest(b).cmp(&newest(a)).then(a.id.cmp(&b.id))
    });
    calibrated.sort_by(|a, b| a.id.cmp(&b.id));
    (names, finished, calibrated)
}

pub use crate::record::summary::machine_label;

/// One line of a chart: a series of one machine through its toolchain slot.
#[derive(Debug, Clone)]
pub struct Line {
    pub key: String,
    pub label: String,
    pub lang: String,
    pub variant: String,
    pub slot: String,
    /// The toolchains its points ran with, in order of first use.
    pub toolchains: Vec<String>,
    pub params: BTreeMap<String, u64>,
    /// The chart it belongs to: the parameters but the variant's own, and `quick`
    /// (`size=10000|quick`), and the same as a name for paths and attributes
    /// (`size-10000-quick`).
    pub group: String,
    pub group_id: String,
    /// Whether the line is of a language's newest release (`rust`, `go`, or their
    /// ratio): those load with the page; the others (nightlies, older pins) load when
    /// asked for, so that a page of years of runs stays small.
    pub main: bool,
    pub quick: bool,
    /// (run index within the machine, index into `toolchains`, point), in run order.
    pub points: Vec<(usize, usize, Point)>,
    pub changes: Vec<Change>,
    /// (first run, last run, mean) of each segment between change points.
    pub segments: Vec<(usize, usize, f64)>,
}

/// A detected step in a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The run of the first point of the new segment, and the run of the point before.
    pub run: usize,
    pub previous_run: usize,
    pub before: f64,
    pub after: f64,
    /// after / before − 1.
    pub change: f64,
    /// The 95 % interval of that relative change (the delta method on the ratio of the
    /// two segments' means, from their spreads and lengths).
    pub low: f64,
    pub high: f64,
    pub pvalue: f64,
}

/// A metric of a workload on one machine.
#[derive(Debug, Clone)]
pub struct MetricLines {
    pub metric: Metric,
    pub lines: Vec<Line>,
}

/// The value per toolchain version of each series identity, for one language.
#[derive(Debug, Clone)]
pub struct Versions {
    pub metric: Metric,
    pub lang: String,
    pub versions: Vec<String>,
    pub series: Vec<VersionRow>,
}

/// One series identity (variant, parameters) across a language's versions.
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub key: String,
    pub label: String,
    /// Per version: the median, its interval and the number of runs, where it ran.
    pub cells: Vec<Option<VersionCell>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VersionCell {
    pub median: f64,
    pub low: f64,
    pub high: f64,
    pub runs: usize,
}

/// A toolchain's first run of a workload on a machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub run: usize,
    pub toolchain: String,
}

/// Everything the pages and data files show of one workload on one machine.
#[derive(Debug, Clone)]
pub struct WorkloadView {
    pub workload: String,
    pub metrics: Vec<MetricLines>,
    pub ratios: Vec<Line>,
    pub versions: Vec<Versions>,
    pub releases: Vec<Release>,
}

/// The change-point detector's parameters, printed beside every chart: Otava's, and
/// segments of at least 5 points, so that a single noisy run is not a step.
pub fn changepoint_params() -> Params {
    Params {
        min_segment: 5,
        ..Params::default()
    }
}

/// The view of `workload` on `machine`.
pub fn workload_view(names: &Names, machine: &MachineRuns, workload: &str) -> WorkloadView {
    let mut by_measure: BTreeMap<Measure, Vec<Line>> = BTreeMap::new();
    for (key, entries) in &machine.lines {
        if names.name(key.workload) != workload {
            continue;
        }
        by_measure
            .entry(key.measure)
            .or_default()
            .push(line(names, key, entries));
    }
    for lines in by_measure.values_mut() {
        lines.sort_by_key(line_order);
        for line in lines.iter_mut() {
            detect(line);
        }
    }
    let ratios = by_measure.remove(&Measure::Ratio).unwrap_or_default();
    let metrics: Vec<MetricLines> = by_measure
        .into_iter()
        .filter_map(|(measure, lines)| match measure {
            Measure::Metric(metric) => Some(MetricLines { metric, lines }),
            Measure::Ratio => None,
        })
        .collect();
    let versions = metrics
        .iter()
        .filter(|m| {
            matches!(
                m.metric,
                Metric::TimePerOp | Metric::MaxRss | Metric::BytesPerTask
            )
        })
        .flat_map(|m| ["rust", "go"].map(|lang| versions(m, lang)))
        .flatten()
        .collect();
    let first_of_workload = machine
        .first_runs
        .iter()
        .filter(|((w, _), _)| names.name(*w) == workload)
        .map(|(_, run)| *run as usize)
        .min();
    let mut releases: Vec<Release> = machine
        .first_runs
        .iter()
        .filter(|((w, _), _)| names.name(*w) == workload)
        .filter(|(_, run)| Some(**run as usize) != first_of_workload)
        .map(|((_, toolchain), run)| Release {
            run: *run as usize,
            toolchain: names.name(*toolchain).to_string(),
        })
        .collect();
    releases.sort_by(|a, b| (a.run, &a.toolchain).cmp(&(b.run, &b.toolchain)));
    WorkloadView {
        workload: workload.to_string(),
        metrics,
        ratios,
        versions,
        releases,
    }
}

fn line(names: &Names, key: &LineKey, entries: &[Entry]) -> Line {
    let (workload, lang, variant, slot) = (
        names.name(key.workload),
        names.name(key.lang),
        names.name(key.variant),
        names.name(key.slot),
    );
    let params: BTreeMap<String, u64> = names
        .name(key.params)
        .split(',')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect();
    let own = own_params(workload, lang, variant);
    let shared: Vec<String> = params
        .iter()
        .filter(|(k, _)| !own.contains(k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let group = format!(
        "{}{}",
        shared.join(","),
        if key.quick { "|quick" } else { "" }
    );
    let mut toolchains: Vec<String> = Vec::new();
    let mut index_of: HashMap<u32, usize> = HashMap::new();
    let points = entries
        .iter()
        .map(|entry| {
            let index = *index_of.entry(entry.toolchain).or_insert_with(|| {
                toolchains.push(names.name(entry.toolchain).to_string());
                toolchains.len() - 1
            });
            (entry.run as usize, index, entry.point)
        })
        .collect();
    let own_text: Vec<String> = params
        .iter()
        .filter(|(k, _)| own.contains(k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let through = match toolchains.as_slice() {
        [one] => one.clone(),
        [first, .., last] => format!("{slot}: {first} → {last}"),
        [] => slot.to_string(),
    };
    let mut label = vec![variant.to_string()];
    label.extend(own_text.iter().cloned());
    label.push(through);
    let key_text = format!(
        "{variant}|{slot}|{}{}",
        names.name(key.params),
        if key.quick { "|quick" } else { "" }
    );
    Line {
        key: key_text,
        label: label.join(" · "),
        lang: lang.to_string(),
        variant: variant.to_string(),
        slot: slot.to_string(),
        toolchains,
        params,
        group_id: group_id(&group),
        group,
        main: matches!(slot, "rust" | "go" | "rust / go"),
        quick: key.quick,
        points,
        changes: Vec::new(),
        segments: Vec::new(),
    }
}

/// A group as a name for paths and attributes: letters and digits, `-` between.
pub fn group_id(group: &str) -> String {
    let mut id = String::new();
    for c in group.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    let id = id.trim_end_matches('-').to_string();
    if id.is_empty() {
        "all".to_string()
    } else {
        id
    }
}

/// Full sizes before quick ones, by chart, Rust before Go, then by variant and slot.
fn line_order(line: &Line) -> (bool, String, bool, String, String, String) {
    (
        line.quick,
        line.group.clone(),
        line.lang != "rust",
        line.variant.clone(),
        line.slot.clone(),
        line.key.clone(),
    )
}

/// Finds the change points of a line and its segment means.
fn detect(line: &mut Line) {
    let values: Vec<f64> = line.points.iter().map(|p| p.2.v).collect();
    let found = changepoint::detect(&values, &changepoint_params());
    let runs: Vec<usize> = line.points.iter().map(|p| p.0).collect();
    line.segments = changepoint::segments(&values, &found)
        .iter()
        .filter(|s| s.end > s.start)
        .map(|s| (runs[s.start], runs[s.end - 1], s.mean))
        .collect();
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(found.iter().map(|c| c.index))
        .chain(std::iter::once(values.len()))
        .collect();
    line.changes = found
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (n1, n2) = (
                (bounds[i + 1] - bounds[i]) as f64,
                (bounds[i + 2] - bounds[i + 1]) as f64,
            );
            let ratio = c.mean_after / c.mean_before;
            let relative_sd = ((c.stddev_after / c.mean_after).powi(2) / n2
                + (c.stddev_before / c.mean_before).powi(2) / n1)
                .sqrt();
            let half = 1.96 * relative_sd;
            Change {
                run: runs[c.index],
                previous_run: runs[c.index.saturating_sub(1)],
                before: c.mean_before,
                after: c.mean_after,
                change: ratio - 1.0,
                low: ratio * (-half).exp() - 1.0,
                high: ratio * half.exp() - 1.0,
                pvalue: c.pvalue,
            }
        })
        .collect();
}

/// A language's values per toolchain version, one row per series identity.
fn versions(metric: &MetricLines, lang: &str) -> Option<Versions> {
    let lines: Vec<&Line> = metric.lines.iter().filter(|l| l.lang == lang).collect();
    let prefix = format!("{lang}-");
    let version_of = |toolchain: &str| {
        toolchain
            .strip_prefix(&prefix)
            .unwrap_or(toolchain)
            .to_string()
    };
    let mut versions: Vec<String> = lines
        .iter()
        .flat_map(|l| l.toolchains.iter().map(|t| version_of(t)))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    versions.sort_by_key(|v| version_order(v));
    if versions.len() < 2 {
        // One version has nothing to compare; the trend already shows it.
        return None;
    }
    let mut identities: BTreeMap<(bool, String), Vec<&Line>> = BTreeMap::new();
    for line in &lines {
        let mut label = vec![line.variant.clone()];
        label.extend(line.params.iter().map(|(k, v)| format!("{k}={v}")));
        if line.quick {
            label.push("quick".to_string());
        }
        identities
            .entry((line.quick, label.join(" · ")))
            .or_default()
            .push(line);
    }
    let series = identities
        .into_iter()
        .map(|((_, label), lines)| {
            let cells = versions
                .iter()
                .map(|version| {
                    let values: Vec<f64> = lines
                        .iter()
                        .flat_map(|l| {
                            l.points
                                .iter()
                                .filter(|p| version_of(&l.toolchains[p.1]) == *version)
                                .map(|p| p.2.v)
                        })
                        .collect();
                    (!values.is_empty()).then(|| {
                        let interval = stats::median_interval(&values, 0.95);
                        VersionCell {
                            median: interval.estimate,
                            low: interval.low,
                            high: interval.high,
                            runs: values.len(),
                        }
                    })
                })
                .collect();
            VersionRow {
                key: format!("{lang}|{label}"),
                label,
                cells,
            }
        })
        .collect();
    Some(Versions {
        metric: metric.metric,
        lang: lang.to_string(),
        versions,
        series,
    })
}

/// Releases by their numbers, then dated channels (nightly, beta) by date.
fn version_order(version: &str) -> (bool, Vec<u64>, String) {
    let numbers: Option<Vec<u64>> = version.split('.').map(|p| p.parse().ok()).collect();
    match numbers {
        Some(numbers) => (false, numbers, String::new()),
        None => (true, Vec::new(), version.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::fixtures::{record, result, FINGERPRINT};

    fn run(id: &str, started_at: &str, ns: f64, fingerprint: &str, toolchain: &str) -> RunSummary {
        let mut sum = result("sum", "iter", &[ns, ns]);
        sum.toolchain = toolchain.to_string();
        let mut run = record(id, None, fingerprint, vec![sum]);
        run.started_at = started_at.to_string();
        run.toolchains = vec![crate::record::ToolchainRecord {
            id: toolchain.into(),
            lang: "rust".into(),
            version: toolchain.trim_start_matches("rust-").into(),
            detail: BTreeMap::new(),
            flags: BTreeMap::new(),
            lockfile_sha256: None,
        }];
        RunSummary::of(&run).unwrap()
    }

    #[test]
    fn runs_group_by_machine_and_month_a_line_follows_its_slot_and_a_step_is_a_change() {
        let mut store = Store::default();
        // Ingested out of order, as the loader's threads deliver them.
        for day in (0..60).rev() {
            let ns =
                if day < 30 { 0.30 } else { 0.33 } * (1.0 + 0.003 * ((day * 7 % 5) as f64 - 2.0));
            let month = if day < 31 { "10" } else { "11" };
            let date = format!("2026-{month}-{:02}T02:00:00Z", day % 31 + 1);
            let toolchain = if day < 45 {
                "rust-1.94.0"
            } else {
                "rust-1.95.0"
            };
            store.ingest(run(&format!("{date}-a"), &date, ns, FINGERPRINT, toolchain));
        }
        store.ingest(run(
            "other",
            "2026-11-20T02:00:00Z",
            9.0,
            "aaaabbbbccccdddd",
            "rust-1.95.0",
        ));
        let (names, machines, _) = finish(store);
        assert_eq!(machines.len(), 2);
        let ours = machines
            .iter()
            .find(|m| m.fingerprint == FINGERPRINT)
            .unwrap();
        assert_eq!(ours.runs.len(), 60);
        assert!(ours.runs.windows(2).all(|w| w[0].started <= w[1].started));
        assert_eq!(ours.months[0].0, "2026-10");
        assert_eq!(ours.months[1].0, "2026-11");
        assert_eq!(ours.position(31), ("2026-11".to_string(), 0));
        let view = workload_view(&names, ours, "sum");
        let time = view
            .metrics
            .iter()
            .find(|m| m.metric == Metric::TimePerOp)
            .unwrap();
        assert_eq!(time.lines.len(), 1, "one line through the upgrade");
        let line = &time.lines[0];
        assert_eq!(line.points.len(), 60);
        assert_eq!(line.toolchains, ["rust-1.94.0", "rust-1.95.0"]);
        assert_eq!(line.label, "iter · rust: rust-1.94.0 → rust-1.95.0");
        assert_eq!(line.changes.len(), 1, "{:?}", line.changes);
        let change = &line.changes[0];
        assert_eq!(change.run, 30);
        assert!((change.change - 0.10).abs() < 0.01, "{change:?}");
        assert!(change.low < change.change && change.change < change.high);
        assert_eq!(line.segments.len(), 2);
        assert!(
            line.points.iter().all(|p| p.2.v < 1.0),
            "no point of the other machine"
        );
        assert_eq!(
            view.releases,
            [Release {
                run: 45,
                toolchain: "rust-1.95.0".into()
            }]
        );
        let versions = view
            .versions
            .iter()
            .find(|v| v.metric == Metric::TimePerOp)
            .unwrap();
        assert_eq!(versions.versions, ["1.94.0", "1.95.0"]);
        assert_eq!(versions.series[0].cells[0].unwrap().runs, 45);
    }

    #[test]
    fn versions_order_releases_by_number_then_dated_channels() {
        let mut versions = vec!["nightly-2026-05-20", "1.10.0", "1.9.1", "1.95.0"];
        versions.sort_by_key(|v| version_order(v));
        assert_eq!(
            versions,
            ["1.9.1", "1.10.0", "1.95.0", "nightly-2026-05-20"]
        );
    }
}
