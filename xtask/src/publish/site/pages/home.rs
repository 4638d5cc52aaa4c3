//! The home page: per machine, Rust against Go in its latest run (the latest full-size
//! run where there is one, else the latest quick run, labelled as such), that run's
//! results, and the runs before it.

use serde::Serialize;

use super::{commit_link, date, CommitLink, Inputs};
use crate::publish::site::model::MachineRuns;
use crate::publish::site::summary::RunSummary;
use crate::publish::versus::{versus_row, VersusRow};
use crate::record::summary::{format_ns, mib, params_text};

#[derive(Serialize)]
struct MachineSection {
    id: String,
    label: String,
    fingerprint: String,
    runs: usize,
    first: String,
    last: String,
    latest: Option<LatestRun>,
    recent: Vec<RunRow>,
}

#[derive(Serialize)]
struct LatestRun {
    id: String,
    date: String,
    commit: CommitLink,
    subject: String,
    toolchains: String,
    quick: bool,
    dirty: bool,
    versus: Vec<VersusRow>,
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
struct RunRow {
    date: String,
    commit: CommitLink,
    subject: String,
    quick: bool,
    results: usize,
    not_ok: usize,
    id: String,
}

pub fn context(inputs: &Inputs) -> tera::Context {
    let sections: Vec<MachineSection> = inputs.machines.iter().map(section).collect();
    let mut context = tera::Context::new();
    context.insert("machines", &sections);
    context.insert("history", &inputs.history.display().to_string());
    context.insert("runs", &inputs.runs);
    context
}

fn section(machine: &MachineRuns) -> MachineSection {
    let latest = machine
        .latest
        .as_ref()
        .map(|run| latest(run, machine.repository.as_deref()));
    MachineSection {
        id: machine.id.clone(),
        label: machine.label.clone(),
        fingerprint: machine.fingerprint.clone(),
        runs: machine.runs.len(),
        first: machine
            .runs
            .first()
            .map_or(String::new(), |r| date(&r.started_at)),
        last: machine
            .runs
            .last()
            .map_or(String::new(), |r| date(&r.started_at)),
        latest,
        recent: machine
            .runs
            .iter()
            .rev()
            .take(10)
            .map(|run| RunRow {
                date: date(&run.started_at),
                commit: commit_link(run.commit.as_deref(), machine.repository.as_deref()),
                subject: run.subject.clone().unwrap_or_default(),
                quick: run.quick,
                results: run.results as usize,
                not_ok: run.not_ok as usize,
                id: run.id.clone(),
            })
            .collect(),
    }
}

fn latest(run: &RunSummary, repository: Option<&str>) -> LatestRun {
    LatestRun {
        id: run.id.clone(),
        date: date(&run.started_at),
        commit: commit_link(run.commit.as_deref(), repository),
        subject: run.subject.clone().unwrap_or_default(),
        toolchains: run
            .toolchains
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        quick: run.quick,
        dirty: run.dirty,
        versus: run.versus.iter().map(versus_row).collect(),
        results: run
            .series
            .iter()
            .map(|s| {
                let (status, reason) = match &s.implausible {
                    Some(why) => ("implausible".to_string(), why.clone()),
                    None => (
                        s.status.as_str().to_string(),
                        s.reason.clone().unwrap_or_default(),
                    ),
                };
                ResultRow {
                    workload: s.workload.clone(),
                    variant: s.variant.clone(),
                    lang: s.lang.clone(),
                    toolchain: s.toolchain.clone(),
                    params: params_text(&s.params, " "),
                    median: s.median_ns.map_or("–".to_string(), format_ns),
                    rss: format!("{:.1}", mib(s.peak_rss_bytes)),
                    status,
                    reason,
                }
            })
            .collect(),
    }
}
