//! The calibration table, built once for the terminal (`cargo xtask calibrate`) and the
//! site: per series, its pairs, paired noise, seconds of measurement per experiment, A/A
//! false alarms and the detection of each injected slowdown.

use std::collections::BTreeMap;

use serde::Serialize;

use super::series_label;
use crate::record::{Calibration, SeriesCalibration};

/// Which of a calibration's measurements a table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Measured {
    /// Time per operation against slowdowns injected as time.
    Time,
    /// Instructions per operation against slowdowns injected as work.
    Instructions,
}

/// One measurement of a calibration, ready to print or render.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationTable {
    pub measured: Measured,
    pub experiments: u32,
    /// The most pairs any series had per experiment.
    pub pairs: u32,
    /// "1 %": the threshold of the verdicts.
    pub threshold: String,
    /// "0 of 80 (0.00 %)": A/A comparisons of this measurement flagged as a change.
    pub false_alarms: String,
    /// The injected slowdowns, one column each: "+2 %", or "+0.5 % work".
    pub injected: Vec<String>,
    pub rows: Vec<CalibrationRow>,
}

/// One series of a calibration table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationRow {
    pub series: String,
    pub pairs: String,
    pub noise: String,
    pub seconds: String,
    pub false_alarm_rate: String,
    /// One cell per injected slowdown: the detection rate, and for instructions the
    /// change the injection measured.
    pub detection: Vec<String>,
}

fn detection(series: &SeriesCalibration, measured: Measured) -> &BTreeMap<String, f64> {
    match measured {
        Measured::Time => &series.detection,
        Measured::Instructions => &series.instruction_detection,
    }
}

/// The table of one measurement of `calibration`, or `None` when it injected nothing
/// of that kind.
pub fn calibration_table(
    calibration: &Calibration,
    measured: Measured,
) -> Option<CalibrationTable> {
    let percent = |fraction: f64| format!("{:.0} %", fraction * 100.0);
    let mut injected: Vec<String> = calibration
        .series
        .iter()
        .flat_map(|s| detection(s, measured).keys().cloned())
        .collect();
    if injected.is_empty() {
        return None;
    }
    injected.sort_by(|a, b| {
        a.parse::<f64>()
            .unwrap_or(0.0)
            .total_cmp(&b.parse::<f64>().unwrap_or(0.0))
    });
    injected.dedup();
    let rows = calibration
        .series
        .iter()
        .filter(|s| measured == Measured::Time || s.instruction_noise.is_some())
        .map(|s| {
            let (noise, false_alarm_rate) = match measured {
                Measured::Time => (s.paired_noise, Some(s.false_alarm_rate)),
                Measured::Instructions => (s.instruction_noise, s.instruction_false_alarm_rate),
            };
            CalibrationRow {
                series: series_label(&s.workload, &s.variant, &s.toolchain, &s.params),
                pairs: s
                    .pairs
                    .unwrap_or(calibration.pairs_per_experiment)
                    .to_string(),
                noise: noise.map_or("–".to_string(), |n| format!("{:.3} %", n * 100.0)),
                seconds: format!("{:.1}", s.seconds_per_experiment),
                false_alarm_rate: false_alarm_rate.map_or("–".to_string(), percent),
                detection: injected
                    .iter()
                    .map(|p| {
                        let rate = detection(s, measured)
                            .get(p)
                            .map_or("–".to_string(), |d| percent(*d));
                        match s.instruction_change.get(p) {
                            Some(change) if measured == Measured::Instructions => {
                                format!("{rate} (measured {:+.2} %)", (change - 1.0) * 100.0)
                            }
                            _ => rate,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let (threshold, alarms, compared) = match measured {
        Measured::Time => (
            calibration.threshold,
            calibration.false_alarms,
            calibration.aa_comparisons,
        ),
        Measured::Instructions => (
            calibration.instructions_threshold?,
            calibration.instruction_false_alarms?,
            calibration.instruction_aa_comparisons?,
        ),
    };
    Some(CalibrationTable {
        measured,
        experiments: calibration.experiments,
        pairs: calibration.pairs_per_experiment,
        threshold: format!("{} %", threshold * 100.0),
        false_alarms: format!(
            "{alarms} of {compared} ({:.2} %)",
            100.0 * alarms as f64 / compared.max(1) as f64
        ),
        injected: injected
            .iter()
            .map(|p| match measured {
                Measured::Time => format!("+{p} %"),
                Measured::Instructions => format!("+{p} % work"),
            })
            .collect(),
        rows,
    })
}
