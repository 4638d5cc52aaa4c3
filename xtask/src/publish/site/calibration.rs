//! The calibration page's views: what the harness can detect on each machine, from the
//! newest calibration of each series there (`record::summary::calibration_table` builds
//! the rows, as it does for the terminal).

use std::collections::BTreeSet;

use serde::Serialize;

use super::model::machine_label;
use super::summary::RunSummary;
use crate::record::summary::{calibration_table, CalibrationTable, Measured};

/// The harness's measured power on a machine, from one calibrated run.
#[derive(Debug, Serialize)]
pub struct CalibrationView {
    /// "time" or "instructions": which measurement the view shows.
    pub kind: Measured,
    pub run: String,
    pub machine: String,
    /// How many of the run's series a newer calibration of the same kind and machine
    /// measured again; their rows are left out here.
    pub replaced: usize,
    /// The newest shown of its kind, which carries the section's heading.
    pub first: bool,
    /// The trials' shape, which decides what a series' noise is: "5 samples after 1
    /// warm-up sample".
    pub shape: String,
    /// The table the terminal prints too (its `measured` is `kind`).
    #[serde(flatten)]
    pub table: CalibrationTable,
}

/// The calibrations of both kinds to show, newest first within each kind.
pub fn views(runs: &[RunSummary]) -> Vec<CalibrationView> {
    [Measured::Time, Measured::Instructions]
        .into_iter()
        .flat_map(|measured| current(runs, measured))
        .collect()
}

/// The calibrations of one kind to show, newest first. Time and instructions are
/// usually calibrated by separate runs (counting every trial is slow), and a run often
/// calibrates only some series (the one that fell short, again): each series shows
/// its newest calibration on each machine, so an older run keeps the rows that no
/// newer one replaced, and a run all of whose rows were replaced is left out.
fn current(runs: &[RunSummary], measured: Measured) -> Vec<CalibrationView> {
    let mut shown: Vec<CalibrationView> = Vec::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for run in runs.iter().rev() {
        let Some(mut view) = view(run, measured) else {
            continue;
        };
        // A calibration replaces another's row only on the same machine.
        let machine = &run.machine.fingerprint;
        let before = view.table.rows.len();
        view.table
            .rows
            .retain(|row| seen.insert((machine.clone(), row.series.clone())));
        view.replaced = before - view.table.rows.len();
        if !view.table.rows.is_empty() {
            view.first = shown.is_empty();
            shown.push(view);
        }
    }
    shown
}

fn view(run: &RunSummary, measured: Measured) -> Option<CalibrationView> {
    let table = calibration_table(run.calibration.as_ref()?, measured)?;
    let plural = |n: u32| if n == 1 { "" } else { "s" };
    let (samples, warmup) = (run.samples_per_trial, run.warmup);
    Some(CalibrationView {
        kind: measured,
        run: run.id.clone(),
        machine: machine_label(&run.machine),
        replaced: 0,
        first: false,
        shape: format!(
            "{samples} sample{} after {warmup} warm-up sample{}",
            plural(samples),
            plural(warmup)
        ),
        table,
    })
}
