//! The statistics behind `compare` and the planning of A/B sessions: rank tests,
//! distribution-free confidence intervals, false discovery rate control, power, and the
//! shape checks that flag unstable series. Pure functions over plain numbers; the
//! method and its formulas are written out in docs/statistics.md.
//!
//! Every test here is two-sided and works on logarithms (of times, sizes, latencies)
//! or on log-ratios, so that a change is a ratio and a slowdown and the matching
//! speed-up are symmetric. Reference values in the tests come from scipy (see
//! xtask/tests/stats/scipy_reference.py), never from this code.

pub mod bh;
pub mod mannwhitney;
pub mod normal;
pub mod power;
pub mod rank;
pub mod shape;
pub mod summary;
pub mod wilcoxon;

pub use power::{paired_noise, pooled_noise, Detection};
pub use summary::{
    median, median_interval, median_of_sorted, quantile_of_sorted, standard_deviation,
};

/// An estimate with a confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    /// The confidence the interval actually has: at least the one asked for, or less
    /// when too few values make that impossible (the interval is then their range).
    pub coverage: f64,
}

impl Interval {
    fn empty() -> Interval {
        Interval {
            estimate: f64::NAN,
            low: f64::NAN,
            high: f64::NAN,
            coverage: 0.0,
        }
    }

    /// The median of `sorted` (every pairwise difference or Walsh average of a
    /// Hodges–Lehmann estimate) with the interval between its `k`-th smallest and
    /// `k`-th largest values, whose coverage is `coverage`.
    fn of_sorted(sorted: &[f64], (k, coverage): (usize, f64)) -> Interval {
        Interval {
            estimate: median_of_sorted(sorted),
            low: sorted[k - 1],
            high: sorted[sorted.len() - k],
            coverage,
        }
    }

    /// The same interval after a monotone increasing transformation, such as `exp`
    /// to turn a log-ratio into a ratio.
    pub fn map(self, f: impl Fn(f64) -> f64) -> Interval {
        Interval {
            estimate: f(self.estimate),
            low: f(self.low),
            high: f(self.high),
            coverage: self.coverage,
        }
    }
}
