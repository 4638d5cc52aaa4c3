//! The history in the compact form the site is built from. Each run's summary is
//! ingested as it is loaded and then dropped: what stays is, per machine, one small
//! row per run, and per line (a series on one machine, through its toolchain upgrades)
//! its points. Full summaries are kept only for each machine's newest runs (the home
//! page's tables) and for calibrated runs. Ten thousand runs of every workload fit in
//! a few hundred megabytes this way, where their summaries would take gigabytes.
//!
//! A line follows a toolchain *slot* rather than one pin: the newest release of a
//! language in a run, the second newest, its nightly. When a pin is upgraded
//! (rust-1.94.0 to rust-1.95.0) the line goes on, each point keeps the toolchain it
//! ran with, and the upgrade is marked as a release point; a step it causes is a
//! change point like any other. Lines never cross machines.

use crate::record::summary::params_text;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::summary::{Metric, Point, RunSummary, ToolchainSummary};
use crate::analyse::versus::Outcome;
use crate::measure::catalogue;
use crate::record::Machine;

/// What a line measures: a metric of a series, or a Rust/Go ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    Metric(Metric),
    Ratio,
}

/// A line's identity on its machine. Strings are interned ([`Names`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineKey {
    pub workload: u32,
    pub measure: Measure,
    pub lang: u32,
    pub variant: u32,
    /// The toolchain slot: `rust`, `rust #2`, `rust nightly`, `go`; for a ratio,
    /// `rust / go`.
    pub slot: u32,
    /// The series' parameters, `key=value` joined by `,`.
    pub params: u32,
    pub quick: bool,
}

/// One point of a line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// The run's index among its machine's runs (in time order once finished).
    pub run: u32,
    /// The toolchain it ran with (interned; for a ratio, `rust-1.95.0 / go-1.26.8`).
    pub toolchain: u32,
    pub point: Point,
}

/// Interned strings.
#[derive(Debug, Default)]
pub struct Names {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    pub fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

/// One run, as the pages list it.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: String,
    pub started_at: String,
    pub started: i64,
    pub commit: Option<String>,
    pub subject: Option<String>,
    pub quick: bool,
    pub dirty: bool,
    pub results: u32,
    pub not_ok: u32,
    /// The workloads of this run whose raw samples `history prune` dropped.
    pub pruned: Vec<String>,
    /// Each workload's trial shapes in this run, (workload, samples, warm-up), where
    /// its results record them.
    pub shapes: Vec<(String, u32, u32)>,
}

/// A machine's part of the store while runs arrive.
#[derive(Debug, Default)]
pub struct MachineStore {
    pub runs: Vec<Run>,
    /// The newest run's hardware metadata.
    pub machine: Option<Machine>,
    /// The newest full-size run with results, and the newest run with results.
    pub latest_full: Option<RunSummary>,
    pub latest: Option<RunSummary>,
    /// The newest well-formed `owner/name`, with the (start, id) of its run.
    pub repository: Option<((i64, String), String)>,
    pub lines: HashMap<LineKey, Vec<Entry>>,
    /// Per (workload, toolchain): the (start, id, run) it first ran in.
    pub first_runs: HashMap<(u32, u32), (i64, String, u32)>,
    pub workloads: BTreeSet<String>,
}

/// Every machine's runs and lines.
#[derive(Debug, Default)]
pub struct Store {
    pub names: Names,
    pub machines: BTreeMap<String, MachineStore>,
    /// Runs with a calibration, without their series (the calibration page's input).
    pub calibrated: Vec<RunSummary>,
}

fn newer(run: &RunSummary, than: Option<&RunSummary>) -> bool {
    than.is_none_or(|other| (run.started, &run.id) > (other.started, &other.id))
}

/// The slot of each toolchain of a run: per language, releases by version, newest
/// first (`rust`, `rust #2`), then each dated channel (`rust nightly`).
pub fn slots(toolchains: &[ToolchainSummary]) -> BTreeMap<String, String> {
    let channel = |t: &ToolchainSummary| {
        let id = t.id.as_str();
        if id.contains("nightly") {
            "nightly"
        } else if id.contains("beta") {
            "beta"
        } else {
            "release"
        }
    };
    let version = |t: &ToolchainSummary| -> Vec<u64> {
        t.id.rsplit('-')
            .next()
            .unwrap_or("")
            .split('.')
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    let mut groups: BTreeMap<(String, &str), Vec<&ToolchainSummary>> = BTreeMap::new();
    for toolchain in toolchains {
        groups
            .entry((toolchain.lang.clone(), channel(toolchain)))
            .or_default()
            .push(toolchain);
    }
    let mut slots = BTreeMap::new();
    for ((lang, channel), mut members) in groups {
        members.sort_by_key(|t| std::cmp::Reverse(version(t)));
        for (rank, toolchain) in members.into_iter().enumerate() {
            let mut slot = lang.clone();
            if channel != "release" {
                slot.push(' ');
                slot.push_str(channel);
            }
            if rank > 0 {
                slot.push_str(&format!(" #{}", rank + 1));
            }
            slots.insert(toolchain.id.clone(), slot);
        }
    }
    slots
}

/// The keys of the parameters a variant carries itself (pingpong's `buffer`): they
/// tell its series apart but not its chart.
pub fn own_params(workload: &str, lang: &str, variant: &str) -> BTreeSet<&'static str> {
    catalogue::find(workload)
        .map(|w| {
            w.variants
                .iter()
                .filter(|v| v.name == variant && v.lang.as_str() == lang)
                .flat_map(|v| v.params.iter().map(|(key, _)| *key))
                .collect()
        })
        .unwrap_or_default()
}

impl Store {
    /// Takes in one run.
    pub fn ingest(&mut self, summary: RunSummary) {
        let fingerprint = summary.machine.fingerprint.clone();
        let Store {
            names,
            machines,
            calibrated,
        } = self;
        let store = machines.entry(fingerprint).or_default();
        let run = store.runs.len() as u32;
        let slots = slots(&summary.toolchains);
        for series in &summary.series {
            let workload = names.id(&series.workload);
            let toolchain = names.id(&series.toolchain);
            store.workloads.insert(series.workload.clone());
            let here = (summary.started, summary.id.clone(), run);
            store
                .first_runs
                .entry((workload, toolchain))
                .and_modify(|first| {
                    if (here.0, &here.1) < (first.0, &first.1) {
                        *first = here.clone();
                    }
                })
                .or_insert_with(|| here.clone());
            let slot = slots
                .get(&series.toolchain)
                .cloned()
                .unwrap_or_else(|| series.lang.clone());
            let (lang, variant, slot, params) = (
                names.id(&series.lang),
                names.id(&series.variant),
                names.id(&slot),
                names.id(&params_text(&series.params, ",")),
            );
            let key = |measure| LineKey {
                workload,
                measure,
                lang,
                variant,
                slot,
                params,
                quick: summary.quick,
            };
            for (metric, point) in &series.points {
                if *metric == Metric::TimePerOp && series.implausible.is_some() {
                    // Elided work is not a time to chart beside real ones.
                    continue;
                }
                let key = key(Measure::Metric(*metric));
                store.lines.entry(key).or_default().push(Entry {
                    run,
                    toolchain,
                    point: *point,
                });
            }
        }
        for row in &summary.versus {
            let Some(ratio) = row.ratio else { continue };
            if matches!(
                row.outcome,
                Outcome::Implausible(_) | Outcome::NotMeasured(_)
            ) {
                continue;
            }
            let slot = format!(
                "{} / {}",
                slots
                    .get(&row.rust_toolchain)
                    .map_or("rust", String::as_str),
                slots.get(&row.go_toolchain).map_or("go", String::as_str)
            );
            let key = LineKey {
                workload: names.id(&row.workload),
                measure: Measure::Ratio,
                lang: names.id("ratio"),
                variant: names.id(&format!("{} vs {}", row.rust_variant, row.go_variant)),
                slot: names.id(&slot),
                params: names.id(&params_text(&row.params, ",")),
                quick: summary.quick,
            };
            let toolchain = names.id(&format!("{} / {}", row.rust_toolchain, row.go_toolchain));
            store.lines.entry(key).or_default().push(Entry {
                run,
                toolchain,
                point: Point {
                    v: ratio.estimate,
                    lo: ratio.low,
                    hi: ratio.high,
                    n: row.rounds as u32,
                },
            });
        }
        if let Some(repository) = summary
            .repository
            .as_deref()
            .filter(|r| super::escape::is_repository(r))
        {
            let at = (summary.started, summary.id.clone());
            if store.repository.as_ref().is_none_or(|(when, _)| at > *when) {
                store.repository = Some((at, repository.to_string()));
            }
        }
        store.runs.push(Run {
            id: summary.id.clone(),
            started_at: summary.started_at.clone(),
            started: summary.started,
            commit: summary.commit.clone(),
            subject: summary.subject.clone(),
            quick: summary.quick,
            dirty: summary.dirty,
            results: summary.series.len() as u32,
            not_ok: summary
                .series
                .iter()
                .filter(|s| s.status != crate::record::Status::Ok)
                .count() as u32,
            pruned: {
                let mut pruned: Vec<String> = summary
                    .series
                    .iter()
                    .filter(|s| s.pruned)
                    .map(|s| s.workload.clone())
                    .collect();
                pruned.sort();
                pruned.dedup();
                pruned
            },
            shapes: {
                let mut shapes: Vec<(String, u32, u32)> = summary
                    .series
                    .iter()
                    .filter_map(|s| s.shape.map(|(n, w)| (s.workload.clone(), n, w)))
                    .collect();
                shapes.sort();
                shapes.dedup();
                shapes
            },
        });
        let newest_machine = store
            .latest
            .as_ref()
            .is_none_or(|latest| (summary.started, &summary.id) > (latest.started, &latest.id));
        if newest_machine || store.machine.is_none() {
            store.machine = Some(summary.machine.clone());
        }
        if summary.calibration.is_some() {
            calibrated.push(RunSummary {
                series: Vec::new(),
                versus: Vec::new(),
                ..summary.clone()
            });
        }
        if !summary.series.is_empty() {
            if !summary.quick && newer(&summary, store.latest_full.as_ref()) {
                store.latest_full = Some(summary.clone());
            }
            if newer(&summary, store.latest.as_ref()) {
                store.latest = Some(summary);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toolchain(id: &str) -> ToolchainSummary {
        let (lang, version) = id.split_once('-').unwrap();
        ToolchainSummary {
            id: id.into(),
            lang: lang.into(),
            version: version.into(),
        }
    }

    #[test]
    fn slots_rank_releases_newest_first_and_keep_dated_channels_apart() {
        let slots = slots(
            &[
                "rust-1.95.0",
                "rust-1.96.0",
                "rust-nightly-2026-05-20",
                "go-1.26.8",
                "go-1.19.8",
            ]
            .map(toolchain),
        );
        assert_eq!(slots["rust-1.96.0"], "rust");
        assert_eq!(slots["rust-1.95.0"], "rust #2");
        assert_eq!(slots["rust-nightly-2026-05-20"], "rust nightly");
        assert_eq!(slots["go-1.26.8"], "go");
        assert_eq!(slots["go-1.19.8"], "go #2");
    }
}
