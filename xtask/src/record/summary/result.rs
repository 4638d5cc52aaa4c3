//! The spread of a result's numbers: each metric's median, smallest and largest value
//! over the samples or trials that measured it, as the exports and tables show them.

use super::median_of_sorted;
use crate::record::{ResultRecord, Trial};

/// The median, smallest and largest of some measurements of one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// How many values: samples, or trials.
    pub count: usize,
}

impl Spread {
    /// `None` without values. The median is the one of [`super::median`], so the
    /// numbers match the site's and the terminal's.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Spread> {
        let mut values: Vec<f64> = values.into_iter().collect();
        values.sort_by(f64::total_cmp);
        Some(Spread {
            median: (!values.is_empty()).then(|| median_of_sorted(&values))?,
            min: *values.first()?,
            max: *values.last()?,
            count: values.len(),
        })
    }

    /// The largest distance of an observation from the median: the half-width of the
    /// smallest interval around the median that holds every observation.
    pub fn deviation(&self) -> f64 {
        (self.max - self.median).max(self.median - self.min)
    }
}

/// The time per operation of each sample of a trial, in nanoseconds.
fn ns_per_op(trial: &Trial, ops: u64) -> impl Iterator<Item = f64> + '_ {
    trial
        .samples
        .iter()
        .filter(move |_| ops > 0)
        .map(move |&sample| sample as f64 / ops as f64)
}

/// A series' time per operation over all the samples of all its trials, or the spread
/// `history prune` kept when it dropped them.
pub fn time_per_op(result: &ResultRecord) -> Option<Spread> {
    if let Some(pruned) = &result.pruned {
        return Some(Spread {
            median: pruned.median_ns_per_op,
            min: pruned.min_ns_per_op,
            max: pruned.max_ns_per_op,
            count: pruned.samples as usize,
        });
    }
    Spread::of(
        result
            .trials
            .iter()
            .flat_map(|trial| ns_per_op(trial, result.ops)),
    )
}

/// A trial's time per operation over its own samples, or over what `history prune`
/// kept of them.
pub fn trial_time_per_op(trial: &Trial, ops: u64) -> Option<Spread> {
    match &trial.pruned {
        Some(pruned) if trial.samples.is_empty() && ops > 0 => Some(Spread {
            median: pruned.median_ns / ops as f64,
            min: pruned.min_ns as f64 / ops as f64,
            max: pruned.max_ns as f64 / ops as f64,
            count: pruned.samples as usize,
        }),
        _ => Spread::of(ns_per_op(trial, ops)),
    }
}

/// The peak resident memory of a series' trial processes, one value per trial.
pub fn max_rss(result: &ResultRecord) -> Option<Spread> {
    Spread::of(result.trials.iter().map(|trial| trial.max_rss_bytes as f64))
}

/// Instructions retired per operation in a trial, where they were counted.
pub fn trial_instructions_per_op(trial: &Trial, ops: u64) -> Option<f64> {
    let count = trial.instructions.as_ref()?;
    (ops > 0).then(|| count.per_sample / ops as f64)
}

/// Instructions per operation of a series, one value per trial that counted them.
pub fn instructions_per_op(result: &ResultRecord) -> Option<Spread> {
    Spread::of(
        result
            .trials
            .iter()
            .filter_map(|trial| trial_instructions_per_op(trial, result.ops)),
    )
}

/// The per-operation latency percentiles that the latency workloads (actors, echo)
/// report in `extra`: the key there, and the short name the exports use.
pub const LATENCY_PERCENTILES: [(&str, &str); 2] = [("p50_ns", "p50"), ("p99_ns", "p99")];

/// One latency percentile of a trial in nanoseconds: read from the trial's histogram,
/// as the site and `compare` read it, so that both languages' figures come from one
/// quantile rule (the two histogram libraries round ranks differently in their own
/// `extra`); from `extra` only where the trial has no readable histogram.
/// A pruned trial gives the percentile it kept from its histogram.
pub fn trial_latency_ns(trial: &Trial, key: &str) -> Option<f64> {
    let at = HISTOGRAM_PERCENTILES
        .iter()
        .position(|(name, _)| *name == key);
    if let (Some(at), Some(percentiles)) = (at, trial_percentiles(trial)) {
        return Some(percentiles[at] as f64);
    }
    trial.extra.get(key)?.as_f64()
}

/// The percentiles read from a trial's histogram (the key a pruned trial keeps each
/// under, and the quantile).
pub const HISTOGRAM_PERCENTILES: [(&str, f64); 3] =
    [("p50_ns", 0.5), ("p99_ns", 0.99), ("p999_ns", 0.999)];

/// A trial's p50, p99 and p99.9 latency in nanoseconds, from its histogram (one reading
/// of it), or as `history prune` kept them; `None` without either.
pub fn trial_percentiles(trial: &Trial) -> Option<[u64; 3]> {
    if let Some(encoded) = trial.histogram.as_deref() {
        let quantiles = HISTOGRAM_PERCENTILES.map(|(_, quantile)| quantile);
        let (count, values) = crate::record::histogram::quantiles(encoded, &quantiles).ok()?;
        return (count > 0).then(|| [values[0], values[1], values[2]]);
    }
    let kept = &trial.pruned.as_ref()?.latency_ns;
    let value = |at: usize| kept.get(HISTOGRAM_PERCENTILES[at].0).map(|v| *v as u64);
    Some([value(0)?, value(1)?, value(2)?])
}

/// One latency percentile of a series, one value per trial: each trial's percentile
/// comes from its own histogram.
pub fn latency_ns(result: &ResultRecord, key: &str) -> Option<Spread> {
    Spread::of(
        result
            .trials
            .iter()
            .filter_map(|trial| trial_latency_ns(trial, key)),
    )
}

/// Rounds to `digits` significant digits, for the approximate numbers shown to people
/// (ranges), so that a float difference does not print as 0.010500000000000002.
pub fn significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let scale = 10f64.powi(digits - 1 - value.abs().log10().floor() as i32);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let spread = Spread::of([4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(
            (spread.median, spread.min, spread.max, spread.count),
            (2.5, 1.0, 4.0, 4)
        );
        assert_eq!(spread.deviation(), 1.5);
        assert_eq!(Spread::of([]), None);
    }
}
