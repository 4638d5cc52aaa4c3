//! Power: the smallest change a series can detect at its measured noise, and how many
//! pairs a planned A/B session needs to detect a given change.
//!
//! A verdict of `slower` needs two things: a significant test (at level `α`) and an
//! estimate beyond the threshold `t` (a log-ratio). Each is given half of the allowed
//! miss rate `β = 1 − power`, so that both hold with probability at least `power`.
//! With `n` pairs of noise `s` (the standard deviation of the paired log-ratios), the
//! Hodges–Lehmann estimate has a standard error of about `se = s / √(e·n)`, where
//! `e = 3/π ≈ 0.955` is the efficiency of the Wilcoxon test against the t-test under
//! normal noise; with Student quantiles of `n − 1` degrees of freedom as the
//! small-sample correction, a true change `δ` is detected when
//!
//! ```text
//! δ ≥ (t₁₋α/₂ + t₁₋β/₂) · se      and      δ ≥ t + t₁₋β/₂ · se
//! ```
//!
//! Few pairs add a discreteness condition the normal formula does not see: with
//! `n` pairs the exact test can reject at all only when `2^(1−n) ≤ α`, and as long as
//! it cannot also reject with the pair of the second-smallest magnitude having the
//! wrong sign (`3·2^(−n) > α/2`), it rejects (nearly) only when every pair has the
//! right sign, which happens with probability `(1 − q)ⁿ`, `q = Φ(−δ/s)`. There `δ` must
//! also satisfy `(1 − q)ⁿ ≥ 1 − β/2`. The seeded simulations in `compare` check that
//! these formulas give at least the promised power.
//!
//! The unpaired design replaces `1/n` by `1/n₁ + 1/n₂` and `n − 1` degrees of freedom
//! by `n₁ + n₂ − 2`, with `s` the pooled standard deviation of the log values.

use std::f64::consts::PI;

use super::normal;

/// Asymptotic relative efficiency of the Wilcoxon tests against the t-test under
/// normal noise.
pub const WILCOXON_EFFICIENCY: f64 = 3.0 / PI;

/// The noise of a paired series: the sample standard deviation of its log-ratios
/// `ln(headᵢ/baseᵢ)`. It is deliberately not a robust scale: heavy tails make a plan
/// longer rather than shorter.
pub fn paired_noise(log_ratios: &[f64]) -> f64 {
    super::standard_deviation(log_ratios)
}

/// The noise of an unpaired comparison: the pooled standard deviation of the log values
/// of the two sides.
pub fn pooled_noise(first: &[f64], second: &[f64]) -> f64 {
    let (n1, n2) = (first.len(), second.len());
    if n1 + n2 < 3 {
        return 0.0;
    }
    let s1 = super::standard_deviation(first);
    let s2 = super::standard_deviation(second);
    let (d1, d2) = (n1.saturating_sub(1) as f64, n2.saturating_sub(1) as f64);
    ((d1 * s1 * s1 + d2 * s2 * s2) / (d1 + d2)).sqrt()
}

/// No plan asks for more pairs than this; an effect that would need more (one barely
/// above the threshold) is reported as undetectable.
pub const MAX_PAIRS: usize = 100_000;

/// What the detectable change depends on besides the noise and the design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Two-sided significance level of one comparison.
    pub alpha: f64,
    /// Probability of detecting a change of the detectable size.
    pub power: f64,
    /// The estimate must also lie beyond this log-ratio (`ln(1 + threshold)`).
    pub threshold_log: f64,
}

impl Detection {
    /// The smallest `|ln ratio|` detected with probability `power` by the normal
    /// formula, given the standard error of the estimate and the degrees of freedom.
    fn by_formula(&self, standard_error: f64, dof: f64) -> f64 {
        let miss = (1.0 - self.power) / 2.0;
        let t_alpha = normal::student_t_quantile(1.0 - self.alpha / 2.0, dof);
        let t_power = normal::student_t_quantile(1.0 - miss, dof);
        ((t_alpha + t_power) * standard_error).max(self.threshold_log + t_power * standard_error)
    }

    /// The detectable `|ln ratio|` of `n` pairs with noise `noise_sd_log`, or `None` when
    /// `n` pairs cannot reach the significance level at all.
    pub fn paired(&self, noise_sd_log: f64, n: usize) -> Option<f64> {
        if n < 2 || 0.5f64.powi(n as i32) > self.alpha / 2.0 {
            return None;
        }
        let standard_error = noise_sd_log / (WILCOXON_EFFICIENCY * n as f64).sqrt();
        let mut detectable = self.by_formula(standard_error, (n - 1) as f64);
        if 3.0 * 0.5f64.powi(n as i32) > self.alpha / 2.0 {
            // Every sign must be right: (1 − q)ⁿ ≥ 1 − β/2 with q = Φ(−δ/s).
            let miss = (1.0 - self.power) / 2.0;
            let wrong_sign = 1.0 - (1.0 - miss).powf(1.0 / n as f64);
            detectable = detectable.max(-normal::quantile(wrong_sign) * noise_sd_log);
        }
        Some(detectable)
    }

    /// The detectable `|ln ratio|` of two unpaired samples, or `None` when they cannot
    /// reach the significance level (the smallest two-sided p-value of the rank-sum test
    /// is `2 / C(n₁ + n₂, n₁)`).
    pub fn unpaired(&self, noise_sd_log: f64, n1: usize, n2: usize) -> Option<f64> {
        if n1 == 0 || n2 == 0 || 2.0 / choose(n1 + n2, n1) > self.alpha {
            return None;
        }
        let scale = (1.0 / n1 as f64 + 1.0 / n2 as f64) / WILCOXON_EFFICIENCY;
        Some(self.by_formula(noise_sd_log * scale.sqrt(), (n1 + n2 - 2) as f64))
    }

    /// The fewest pairs that detect a change of `effect_ratio` (for example 1.02) with
    /// noise `noise_sd_log`, or `None` when no number up to `MAX_PAIRS` does: the change
    /// is not (or barely) beyond the threshold.
    pub fn pairs_needed(&self, noise_sd_log: f64, effect_ratio: f64) -> Option<usize> {
        let effect = effect_ratio.ln().abs();
        if effect.is_nan() || effect <= self.threshold_log || !noise_sd_log.is_finite() {
            return None;
        }
        // The formulas with z instead of t quantiles never ask for more pairs, so the
        // search starts there and walks up.
        let miss = (1.0 - self.power) / 2.0;
        let z_alpha = normal::quantile(1.0 - self.alpha / 2.0);
        let z_power = normal::quantile(1.0 - miss);
        let variance = noise_sd_log * noise_sd_log / WILCOXON_EFFICIENCY;
        let lower = (variance * ((z_alpha + z_power) / effect).powi(2))
            .max(variance * (z_power / (effect - self.threshold_log)).powi(2));
        if lower > MAX_PAIRS as f64 {
            return None;
        }
        ((lower.floor() as usize).max(2)..=MAX_PAIRS)
            .find(|&n| self.paired(noise_sd_log, n).is_some_and(|d| d <= effect))
    }
}

/// `C(n, k)` as a float (exact up to 2⁵³, then rounded).
fn choose(n: usize, k: usize) -> f64 {
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: Detection = Detection {
        alpha: 0.005,
        power: 0.95,
        threshold_log: 0.009950330853168083, // ln 1.01
    };

    #[test]
    fn pairs_needed_follows_the_formulas() {
        // Significance decides at 3 % noise: ((t₀.₉₉₇₅ + t₀.₉₇₅) · 0.03 / ln 1.02)² / (3/π)
        // with 58 degrees of freedom is 58.2.
        assert_eq!(DEFAULT.pairs_needed(0.03, 1.02), Some(59));
        assert_eq!(DEFAULT.pairs_needed(0.02, 1.02), Some(28));
        // At 1 % noise the formula would be content with 10 pairs, but 10 pairs only
        // reject when every sign is right, and (1 − Φ(−2))¹⁰ = 0.79.
        assert_eq!(DEFAULT.pairs_needed(0.01, 1.02), Some(11));
        // Without noise, the fewest pairs the exact test rejects with: 2^(1−9) ≤ 0.005.
        assert_eq!(DEFAULT.pairs_needed(0.0, 1.02), Some(9));
        // A slowdown and the matching speed-up need the same number.
        assert_eq!(DEFAULT.pairs_needed(0.03, 1.0 / 1.02), Some(59));
        assert_eq!(DEFAULT.pairs_needed(0.03, 1.0), None);
        // Without the threshold (any significant change counts) the plan is the same
        // here: significance decides.
        let any_change = Detection {
            threshold_log: 0.0,
            ..DEFAULT
        };
        assert_eq!(any_change.pairs_needed(0.03, 1.02), Some(59));
    }

    #[test]
    fn the_threshold_is_part_of_the_plan() {
        // Close to the threshold, the estimate must clear it: far more pairs.
        assert!(DEFAULT.pairs_needed(0.03, 1.012).unwrap() > 300);
        assert_eq!(DEFAULT.pairs_needed(0.03, 1.01), None);
        assert_eq!(DEFAULT.pairs_needed(0.03, 1.010_000_1), None);
        assert_eq!(DEFAULT.pairs_needed(0.03, 1.005), None);
    }

    #[test]
    fn detectable_change_inverts_pairs_needed() {
        for noise in [0.005, 0.01, 0.02, 0.03, 0.08] {
            let n = DEFAULT.pairs_needed(noise, 1.03).unwrap();
            assert!(DEFAULT.paired(noise, n).unwrap() <= 1.03f64.ln());
            let fewer = DEFAULT.paired(noise, n - 1);
            assert!(fewer.is_none_or(|d| d > 1.03f64.ln()), "noise {noise}");
        }
        assert_eq!(DEFAULT.paired(0.03, 8), None);
        assert_eq!(DEFAULT.unpaired(0.03, 3, 3), None);
        assert!(DEFAULT.unpaired(0.03, 20, 20).is_some());
    }

    #[test]
    fn noise_is_the_standard_deviation_of_the_log_ratios() {
        assert!((paired_noise(&[0.01, -0.01, 0.03, -0.03]) - 0.02582).abs() < 1e-5);
        let pooled = pooled_noise(&[1.0, 2.0, 3.0], &[10.0, 12.0, 14.0]);
        assert!((pooled - 2.5f64.sqrt()).abs() < 1e-12);
    }
}
