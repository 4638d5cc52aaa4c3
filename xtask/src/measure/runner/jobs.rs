//! The grid a measurement runs: every series in each of its arms ([`Jobs`], each a
//! [`Job`]: the binary, its extra arguments, and the trial shape chosen for it), and
//! every job's outcomes so far ([`Outcomes`]).

use std::path::PathBuf;

use crate::measure::catalogue::Sampling;
use crate::measure::plan::{Series, Slot, ToolchainId};
use crate::measure::trial::Outcome;

/// A workload binary that series run with: its toolchain, and the binary whose
/// instructions are counted in its place when the two must differ (Go's counting
/// build, made only when instructions are counted).
#[derive(Debug, Clone)]
pub struct Binary {
    pub toolchain: ToolchainId,
    pub path: PathBuf,
    pub counting: Option<PathBuf>,
}

/// One thing the runner runs in its rounds: a series in one arm, the binary that runs
/// it, and any arguments beyond the series' own (calibration's injected slowdown).
#[derive(Debug, Clone)]
pub struct Job {
    pub series: Series,
    pub binary: PathBuf,
    pub extra_args: Vec<String>,
    /// How progress lines tell this job from another of the same series ("base", "+2%").
    pub tag: Option<String>,
    /// The trial shape chosen for this job's series from a pilot, in place of the
    /// catalogue's (or the command line's); `None` until one is chosen.
    pub sampling: Option<Sampling>,
}

impl Job {
    /// A series' only job in a plain run.
    pub fn plain(series: &Series, binary: PathBuf) -> Job {
        Job {
            series: series.clone(),
            binary,
            extra_args: Vec::new(),
            tag: None,
            sampling: None,
        }
    }

    pub(super) fn label(&self) -> String {
        match &self.tag {
            Some(tag) => format!("[{tag}] {}", self.series.label()),
            None => self.series.label(),
        }
    }
}

/// Every job of a measurement: each series in each arm.
#[derive(Debug, Clone)]
pub struct Jobs {
    series: Vec<Series>,
    arms: usize,
    /// Series-major: the job of (series s, arm a) is at `s * arms + a`, an arithmetic
    /// kept inside this type.
    jobs: Vec<Job>,
}

impl Jobs {
    /// The grid of `series` × `arms`, each job made by `job(series, arm)`.
    pub fn new(series: &[Series], arms: usize, job: impl Fn(&Series, usize) -> Job) -> Jobs {
        let jobs = series
            .iter()
            .flat_map(|item| (0..arms).map(|arm| job(item, arm)).collect::<Vec<_>>())
            .collect();
        Jobs {
            series: series.to_vec(),
            arms,
            jobs,
        }
    }

    pub fn series(&self) -> &[Series] {
        &self.series
    }

    pub fn arms(&self) -> usize {
        self.arms
    }

    pub fn get(&self, slot: Slot) -> &Job {
        &self.jobs[self.index(slot)]
    }

    /// Every arm of series `series` runs in the shape `sampling` from now on.
    pub fn set_sampling(&mut self, series: usize, sampling: Sampling) {
        for arm in 0..self.arms {
            let index = self.index(Slot { series, arm });
            self.jobs[index].sampling = Some(sampling);
        }
    }

    fn index(&self, slot: Slot) -> usize {
        assert!(
            slot.series < self.series.len() && slot.arm < self.arms,
            "{slot:?} is outside the grid"
        );
        slot.series * self.arms + slot.arm
    }

    pub(super) fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        (0..self.series.len())
            .flat_map(move |series| (0..self.arms).map(move |arm| Slot { series, arm }))
    }
}

/// The outcomes of every job's trials so far, in the order they ran.
#[derive(Debug, Clone)]
pub struct Outcomes {
    arms: usize,
    by_job: Vec<Vec<Outcome>>,
}

impl Outcomes {
    pub fn new(jobs: &Jobs) -> Outcomes {
        Outcomes {
            arms: jobs.arms,
            by_job: vec![Vec::new(); jobs.jobs.len()],
        }
    }

    /// Forgets every arm's outcomes of series `series` (a pilot in a shape no longer
    /// used: its trials measured something else).
    pub fn clear_series(&mut self, series: usize) {
        for arm in 0..self.arms {
            self.of_mut(Slot { series, arm }).clear();
        }
    }

    pub fn of(&self, slot: Slot) -> &[Outcome] {
        &self.by_job[slot.series * self.arms + slot.arm]
    }

    pub(super) fn of_mut(&mut self, slot: Slot) -> &mut Vec<Outcome> {
        &mut self.by_job[slot.series * self.arms + slot.arm]
    }

    /// One arm's outcomes, series by series.
    pub fn arm(&self, arm: usize) -> Vec<Vec<Outcome>> {
        self.by_job
            .iter()
            .skip(arm)
            .step_by(self.arms)
            .cloned()
            .collect()
    }
}
