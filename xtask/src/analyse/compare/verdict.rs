//! The verdict rule (docs/statistics.md, "Verdict"). With `t = threshold` (the
//! metric's: `instructions_threshold` for instructions), `α = alpha`,
//! the ratio `r = head/base` and its interval `[L, U]`:
//!
//! - `slower`: `q ≤ α`, `r ≥ 1 + t` and `L > 1`;
//! - `faster`: `q ≤ α`, `r ≤ 1/(1 + t)` and `U < 1`;
//! - `unchanged`: `1/(1 + t) ≤ L` and `U ≤ 1 + t` — the interval shows that any change
//!   is within the threshold (an equivalence test at level `(1 − confidence)/2` per
//!   side);
//! - `inconclusive`: anything else, with the reason.
//!
//! A change must be both statistically significant after the false discovery rate
//! adjustment and estimated beyond the threshold, so neither noise nor a real but
//! negligible difference raises an alarm.

use super::analysis::{percent_label, Pending};
use super::{Entry, Settings, Verdict};

/// Decides the verdict of an entry whose q-value is known.
pub fn decide(pending: Pending, settings: &Settings) -> Entry {
    let mut entry = pending.entry;
    if pending.decided {
        return entry;
    }
    let (Some(ratio), Some(p), Some(q)) = (entry.ratio, entry.p_value, entry.q_value) else {
        entry.verdict = Verdict::Inconclusive;
        entry.reason = Some("no test could be made".to_string());
        return entry;
    };
    let up = 1.0 + settings.threshold_of(entry.metric);
    let down = 1.0 / up;
    let significant = q <= settings.alpha;
    let (verdict, reason) = if significant && ratio.estimate >= up && ratio.ci_low > 1.0 {
        (Verdict::Slower, None)
    } else if significant && ratio.estimate <= down && ratio.ci_high < 1.0 {
        (Verdict::Faster, None)
    } else if ratio.ci_low >= down && ratio.ci_high <= up {
        (Verdict::Unchanged, None)
    } else {
        (
            Verdict::Inconclusive,
            Some(inconclusive_reason(&entry, p, q, settings)),
        )
    };
    entry.verdict = verdict;
    entry.reason = reason;
    entry
}

fn inconclusive_reason(entry: &Entry, p: f64, q: f64, settings: &Settings) -> String {
    let ratio = entry.ratio.expect("an inconclusive entry has a ratio");
    let threshold = percent_label(settings.threshold_of(entry.metric));
    let interval = format!(
        "{} … {}",
        signed_percent(ratio.ci_low),
        signed_percent(ratio.ci_high)
    );
    let detectable = match entry.mde_ratio {
        Some(mde) => format!("this series detects changes of ±{}", unsigned_percent(mde)),
        None => "this series has too few trials to detect any change".to_string(),
    };
    if q <= settings.alpha {
        format!(
            "the change of {} is significant (q = {}) but not beyond ±{threshold}, and its \
             interval {interval} reaches past ±{threshold}",
            signed_percent(ratio.estimate),
            short_number(q)
        )
    } else if p <= settings.alpha {
        format!(
            "p = {} alone, but q = {} after adjusting for every comparison of the suite; the \
             interval {interval} is wider than ±{threshold}; {detectable}",
            short_number(p),
            short_number(q)
        )
    } else {
        format!("the interval {interval} is wider than ±{threshold}; {detectable}")
    }
}

/// A ratio as a signed percentage change: 1.023 → "+2.3 %".
pub fn signed_percent(ratio: f64) -> String {
    let change = (ratio - 1.0) * 100.0;
    let digits = if change.abs() < 0.995 { 2 } else { 1 };
    let text = format!("{change:+.digits$}");
    // "-0.00" and "+0.00" both mean no change.
    let text = if text
        .trim_start_matches(['+', '-'])
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        format!("{:.digits$}", 0.0)
    } else {
        text.replace('-', "−")
    };
    format!("{text} %")
}

/// A ratio above 1 as an unsigned percentage: 1.013 → "1.3 %".
pub fn unsigned_percent(ratio: f64) -> String {
    let change = (ratio - 1.0).abs() * 100.0;
    let digits = if change < 0.995 { 2 } else { 1 };
    format!("{change:.digits$} %")
}

/// A p- or q-value in a few characters: 0.0123 → "0.012", 3.2e-7 → "3e-7".
pub fn short_number(value: f64) -> String {
    if value >= 0.001 {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        let text = format!("{value:.0e}");
        text.replace("e-", "e−")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_signed() {
        assert_eq!(signed_percent(1.023), "+2.3 %");
        assert_eq!(signed_percent(0.98), "−2.0 %");
        assert_eq!(signed_percent(1.0042), "+0.42 %");
        assert_eq!(signed_percent(1.0), "0.00 %");
        assert_eq!(signed_percent(0.99999), "0.00 %");
        assert_eq!(unsigned_percent(1.0131), "1.3 %");
        assert_eq!(short_number(0.0123), "0.012");
        assert_eq!(short_number(0.5), "0.5");
        assert_eq!(short_number(1.0), "1");
        assert_eq!(short_number(3.2e-7), "3e−7");
    }
}
