//! The statistics of one series: whether its two sides can be compared at all, and for
//! each metric the side estimates, the change with its interval, the p-value, the
//! detectable change and the stability flags. The verdict waits for the q-values,
//! which need every comparison of the suite.

use super::series::{self, Metric, Observations, SeriesKey, Source};
use super::{Entry, Estimate, Ratio, Settings, Verdict};
use crate::analyse::stats::{self, mannwhitney, shape, wilcoxon, Interval};
use crate::record::Status;

/// An entry whose verdict is not decided yet, or already decided (incomparable, or
/// too few trials for an interval at the requested confidence).
#[derive(Debug, Clone)]
pub struct Pending {
    pub entry: Entry,
    pub decided: bool,
}

/// Compares one series present on both sides, metric by metric.
pub fn analyse_series(
    key: &SeriesKey,
    base: &[Source<'_>],
    head: &[Source<'_>],
    settings: &Settings,
) -> Vec<Pending> {
    if let Some(reason) = why_incomparable(base, head) {
        return vec![incomparable(
            key,
            Some(base),
            Some(head),
            reason,
            None,
            settings,
        )];
    }
    let mut series_flags = Vec::new();
    let mut series_notes = Vec::new();
    for (side, sources) in [("base", base), ("head", head)] {
        if let Some(why) = sources.iter().find_map(|s| s.result.implausible.as_ref()) {
            push_unique(&mut series_flags, "implausible");
            series_notes.push(format!("{side} is implausible: {why}"));
        }
    }
    let mut pending = Vec::new();
    for metric in Metric::ALL {
        let observed = (
            series::observations(base, metric),
            series::observations(head, metric),
        );
        let (base_values, head_values) = match observed {
            (Ok(b), Ok(h)) => (b, h),
            (Err(error), _) | (_, Err(error)) => {
                pending.push(incomparable_metric(key, metric, error));
                continue;
            }
        };
        let present = (
            !base_values.values.is_empty(),
            !head_values.values.is_empty(),
        );
        let mut item = match present {
            (true, true) => analyse_metric(key, metric, &base_values, &head_values, settings),
            (false, false) if metric != Metric::TimePerOp => continue,
            (false, false) => incomparable_metric(key, metric, "no trial has samples".into()),
            (true, false) => incomparable_metric(
                key,
                metric,
                format!("{} is measured in base only", metric.label()),
            ),
            (false, true) => incomparable_metric(
                key,
                metric,
                format!("{} is measured in head only", metric.label()),
            ),
        };
        for flag in &series_flags {
            push_unique(&mut item.entry.flags, flag);
        }
        item.entry.notes.extend(series_notes.iter().cloned());
        pending.push(item);
    }
    pending
}

/// Why two sides of a series cannot be compared: a result that is not `ok`, a checksum
/// that differs (the two sides did different work), different trial shapes, or a
/// different unit.
fn why_incomparable(base: &[Source<'_>], head: &[Source<'_>]) -> Option<String> {
    for (side, sources) in [("base", base), ("head", head)] {
        if let Some(bad) = sources.iter().find(|s| s.result.status != Status::Ok) {
            let why = bad.result.reason.as_deref().unwrap_or("no reason recorded");
            return Some(format!("{side} {}: {why}", bad.result.status.as_str()));
        }
    }
    let checksums = |sources| distinct(sources, |s| s.result.checksum.as_deref());
    let (base_sums, head_sums) = (checksums(base), checksums(head));
    if !base_sums.is_empty() && !head_sums.is_empty() && base_sums != head_sums {
        return Some(format!(
            "checksums differ (base {}, head {}): the two sides did different work",
            base_sums.join(", "),
            head_sums.join(", ")
        ));
    }
    // The trial shape: a process's first samples run on a cold heap and caches, so
    // `--samples 1 --warmup 0` (the efficient shape for a collector-bound series)
    // measures them and a run with a warm-up does not; and a trial's median over more
    // samples is less noisy, so pairs of different shapes do not share one noise.
    // Results of different shapes are not compared.
    let shapes = |sources| distinct(sources, |s| Some(shape(s)));
    let (base_shapes, head_shapes) = (shapes(base), shapes(head));
    if base_shapes != head_shapes {
        let list = |shapes: &[(u32, u32)]| {
            shapes
                .iter()
                .map(|(samples, warmup)| format!("{samples} samples after {warmup} warm-up"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let warmups = |shapes: &[(u32, u32)]| shapes.iter().map(|s| s.1).collect::<Vec<_>>();
        let what = if warmups(&base_shapes) != warmups(&head_shapes) {
            "warm-up samples per trial differ"
        } else {
            "samples per trial differ"
        };
        return Some(format!(
            "{what} (base {}, head {}): trials of different shapes measure different \
             things; run both with the same --samples and --warmup",
            list(&base_shapes),
            list(&head_shapes)
        ));
    }
    let unit = |sources: &[Source<'_>]| sources.first().map(|s| s.result.unit.clone());
    if unit(base) != unit(head) {
        return Some(format!(
            "units differ (base {}, head {})",
            unit(base).unwrap_or_default(),
            unit(head).unwrap_or_default()
        ));
    }
    None
}

/// The distinct values of `value` over some results, sorted; `None` is left out.
fn distinct<'a, T: Ord>(
    sources: &[Source<'a>],
    value: impl Fn(&Source<'a>) -> Option<T>,
) -> Vec<T> {
    let mut values: Vec<T> = sources.iter().filter_map(value).collect();
    values.sort_unstable();
    values.dedup();
    values
}

/// The statistics of one metric measured on both sides.
fn analyse_metric(
    key: &SeriesKey,
    metric: Metric,
    base: &Observations,
    head: &Observations,
    settings: &Settings,
) -> Pending {
    let mut entry = blank(key, metric);
    let base_logs: Vec<f64> = base.values.iter().map(|o| o.value.ln()).collect();
    let head_logs: Vec<f64> = head.values.iter().map(|o| o.value.ln()).collect();
    entry.base = Some(side_estimate(base, settings));
    entry.head = Some(side_estimate(head, settings));
    let detection = settings.detection_of(metric, 1);
    let (log_ratios, unmatched_base, unmatched_head) = series::pair(&base.values, &head.values);
    let interval: Interval;
    if !log_ratios.is_empty() {
        let test = wilcoxon::signed_rank_test(&log_ratios);
        interval = wilcoxon::hodges_lehmann(&log_ratios, settings.confidence);
        let noise = stats::paired_noise(&log_ratios);
        entry.p_value = Some(test.p_value);
        entry.noise_sd_log = Some(noise);
        entry.mde_ratio = detection.paired(noise, log_ratios.len()).map(f64::exp);
        entry.paired = true;
        entry.pairs = Some(log_ratios.len());
        entry.method = Some("wilcoxon-signed-rank".to_string());
        if unmatched_base + unmatched_head > 0 {
            entry.notes.push(format!(
                "{unmatched_base} base and {unmatched_head} head trials ran in a round the \
                 other side has no trial of: they count in the side estimates, not in the \
                 change"
            ));
        }
        // Only the log-ratios: each side alone also carries the drift that pairing
        // cancels, and a drifting machine is not a bimodal series.
        check_shape(&mut entry, "log-ratios", &log_ratios);
    } else {
        let test = mannwhitney::rank_sum_test(&base_logs, &head_logs);
        interval = mannwhitney::shift(&base_logs, &head_logs, settings.confidence);
        let noise = stats::pooled_noise(&base_logs, &head_logs);
        entry.p_value = Some(test.p_value);
        entry.noise_sd_log = Some(noise);
        entry.mde_ratio = detection
            .unpaired(noise, base_logs.len(), head_logs.len())
            .map(f64::exp);
        entry.method = Some("mann-whitney-u".to_string());
        // The flag says it; docs/statistics.md and the Markdown say what it costs:
        // drift between the two runs is not cancelled.
        entry.flags.push("unpaired".to_string());
        check_shape(&mut entry, "base trials", &base_logs);
        check_shape(&mut entry, "head trials", &head_logs);
    }
    for (side, observations) in [("base", base), ("head", head)] {
        if observations.unusable > 0 {
            entry.notes.push(format!(
                "{} {side} trials measured a {} of 0, which has no ratio; they are left out",
                observations.unusable,
                metric.label()
            ));
        }
    }
    let ratio = interval.map(f64::exp);
    entry.ratio = Some(Ratio {
        estimate: ratio.estimate,
        ci_low: ratio.low,
        ci_high: ratio.high,
    });
    let mut decided = false;
    if ratio.coverage + 1e-9 < settings.confidence {
        let n = entry.pairs.unwrap_or(base_logs.len().min(head_logs.len()));
        entry.verdict = Verdict::Inconclusive;
        entry.reason = Some(format!(
            "too few {} ({n}) for a {} interval: the one shown covers {}",
            if entry.paired { "pairs" } else { "trials" },
            percent_label(settings.confidence),
            percent_label(ratio.coverage)
        ));
        decided = true;
    }
    Pending { entry, decided }
}

/// Flags far-out values and bimodality of `values` (logarithms), without removing any.
fn check_shape(entry: &mut Entry, what: &str, values: &[f64]) {
    let shape = shape::shape(values);
    if shape.far_out > 0 {
        push_unique(&mut entry.flags, "outliers");
        entry.notes.push(format!(
            "{} far-out value(s) among the {what} (beyond 3 interquartile ranges), kept in \
             the analysis",
            shape.far_out
        ));
    }
    if shape.bimodal() {
        push_unique(&mut entry.flags, "unstable");
        entry.notes.push(format!(
            "the {what} look bimodal (bimodality coefficient {:.2} > 5/9): trials land in \
             one of two modes",
            shape.bimodality.unwrap_or_default()
        ));
    }
}

fn side_estimate(observations: &Observations, settings: &Settings) -> Estimate {
    let values: Vec<f64> = observations.values.iter().map(|o| o.value).collect();
    let interval = stats::median_interval(&values, settings.confidence);
    Estimate {
        estimate: interval.estimate,
        ci_low: interval.low,
        ci_high: interval.high,
        n: values.len(),
    }
}

/// An `incomparable` entry for a whole series, with what each side measured of time
/// per operation when it measured anything.
pub fn incomparable(
    key: &SeriesKey,
    base: Option<&[Source<'_>]>,
    head: Option<&[Source<'_>]>,
    reason: String,
    flag: Option<&str>,
    settings: &Settings,
) -> Pending {
    let mut entry = blank(key, Metric::TimePerOp);
    let estimate = |sources: Option<&[Source<'_>]>| {
        let sources: Vec<Source<'_>> = sources?
            .iter()
            .filter(|s| s.result.status == Status::Ok)
            .copied()
            .collect();
        let observations = series::observations(&sources, Metric::TimePerOp).ok()?;
        (!observations.values.is_empty()).then(|| side_estimate(&observations, settings))
    };
    entry.base = estimate(base);
    entry.head = estimate(head);
    entry.reason = Some(reason);
    entry.flags.extend(flag.map(str::to_string));
    Pending {
        entry,
        decided: true,
    }
}

fn incomparable_metric(key: &SeriesKey, metric: Metric, reason: String) -> Pending {
    let mut entry = blank(key, metric);
    entry.reason = Some(reason);
    Pending {
        entry,
        decided: true,
    }
}

fn blank(key: &SeriesKey, metric: Metric) -> Entry {
    Entry {
        series: key.clone(),
        metric,
        unit: metric.unit().to_string(),
        base: None,
        head: None,
        ratio: None,
        p_value: None,
        q_value: None,
        mde_ratio: None,
        noise_sd_log: None,
        paired: false,
        pairs: None,
        method: None,
        verdict: Verdict::Incomparable,
        reason: None,
        flags: Vec::new(),
        notes: Vec::new(),
    }
}

fn push_unique(flags: &mut Vec<String>, flag: &str) {
    if !flags.iter().any(|f| f == flag) {
        flags.push(flag.to_string());
    }
}

/// `0.95` as `95 %`, `0.9375` as `93.75 %`.
pub fn percent_label(fraction: f64) -> String {
    let percent = format!("{:.2}", fraction * 100.0);
    let trimmed = percent.trim_end_matches('0').trim_end_matches('.');
    format!("{trimmed} %")
}

/// A result's trial shape, (samples, warm-up) per trial: as the result records it, else
/// (older records) the most common sample count of its trials and the protocol's
/// warm-up.
fn shape(source: &Source<'_>) -> (u32, u32) {
    let result = source.result;
    let samples = result.samples_per_trial.unwrap_or_else(|| {
        let mut counts: Vec<u32> = result
            .trials
            .iter()
            .map(|t| match &t.pruned {
                Some(pruned) if t.samples.is_empty() => pruned.samples as u32,
                _ => t.samples.len() as u32,
            })
            .collect();
        counts.sort_unstable();
        counts
            .get(counts.len() / 2)
            .copied()
            .unwrap_or(source.record.protocol.samples_per_trial)
    });
    (
        samples,
        result.warmup.unwrap_or(source.record.protocol.warmup),
    )
}
