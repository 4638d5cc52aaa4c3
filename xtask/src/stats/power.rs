//! Power: the smallest change a series can detect at its measured noise, and how many
//! pairs a planned A/B session needs to detect a given change.
//!
//! Both come from the normal approximation of the rank tests: the Hodges–Lehmann
//! estimate of a log-ratio from `n` pairs with noise `s` (the standard deviation of the
//! paired log-ratios) has a standard error of about `s / √(e·n)`, where `e = 3/π ≈
//! 0.955` is the asymptotic relative efficiency of the Wilcoxon tests against the t-test
//! under normal noise. A verdict of `slower` needs both a significant test (at level
//! `α`) and an estimate beyond the threshold `t` (as a log-ratio), so a true change `δ`
//! is detected with probability `power` when
//!
//! ```text
//! δ ≥ (z₁₋α/₂ + z_power) · s/√(e·n)     and     δ ≥ t + z_power · s/√(e·n)
//! ```
//!
//! and no fewer pairs than the exact test needs to reach `α` at all (`2^(1−n) ≤ α`).
//! The unpaired design replaces `1/n` by `1/n₁ + 1/n₂`, with `s` the pooled standard
//! deviation of the log values of one side.

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
    let dof = (n1.saturating_sub(1) + n2.saturating_sub(1)) as f64;
    ((n1.saturating_sub(1) as f64 * s1 * s1 + n2.saturating_sub(1) as f64 * s2 * s2) / dof)
        .sqrt()
}

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
    /// The smallest `|ln ratio|` detected with probability `power`, given the standard
    /// error of the estimate.
    fn detectable(&self, standard_error: f64) -> f64 {
        let z_alpha = normal::quantile(1.0 - self.alpha / 2.0);
        let z_power = normal::quantile(self.power);
        ((z_alpha + z_power) * standard_error).max(self.threshold_log + z_power * standard_error)
    }

    /// The detectable `|ln ratio|` of `n` pairs with noise `noise_sd_log`, or `None` when
    /// `n` pairs cannot reach the significance level at all.
    pub fn paired(&self, noise_sd_log: f64, n: usize) -> Option<f64> {
        if n == 0 || 2f64.powi(1 - n as i32) > self.alpha {
            return None;
        }
        Some(self.detectable(noise_sd_log / (WILCOXON_EFFICIENCY * n as f64).sqrt()))
    }

    /// The detectable `|ln ratio|` of two unpaired samples, or `None` when they cannot
    /// reach the significance level (the smallest two-sided p-value of the rank-sum test
    /// is `2 / C(n₁ + n₂, n₁)`).
    pub fn unpaired(&self, noise_sd_log: f64, n1: usize, n2: usize) -> Option<f64> {
        if n1 == 0 || n2 == 0 || 2.0 / choose(n1 + n2, n1) > self.alpha {
            return None;
        }
        let scale = (1.0 / n1 as f64 + 1.0 / n2 as f64) / WILCOXON_EFFICIENCY;
        Some(self.detectable(noise_sd_log * scale.sqrt()))
    }

    /// The fewest pairs that detect a change of `effect_ratio` (for example 1.02) with
    /// noise `noise_sd_log`, or `None` when no number does: the change is not beyond the
    /// threshold.
    pub fn pairs_needed(&self, noise_sd_log: f64, effect_ratio: f64) -> Option<usize> {
        let effect = effect_ratio.ln().abs();
        if !(effect > self.threshold_log) || !noise_sd_log.is_finite() {
            return None;
        }
        let z_alpha = normal::quantile(1.0 - self.alpha / 2.0);
        let z_power = normal::quantile(self.power);
        let variance_per_pair = noise_sd_log * noise_sd_log / WILCOXON_EFFICIENCY;
        let for_significance = variance_per_pair * ((z_alpha + z_power) / effect).powi(2);
        let for_threshold =
            variance_per_pair * (z_power / (effect - self.threshold_log)).powi(2);
        let for_exactness = 1.0 + (1.0 / self.alpha).log2();
        let n = for_significance
            .max(for_threshold)
            .max(for_exactness)
            .max(1.0)
            .ceil();
        Some(n as usize)
    }
}

/// The fewest pairs that detect a change of `effect_ratio` with probability `power` at
/// two-sided level `alpha`, with noise `noise_sd_log` (from `paired_noise`), when any
/// significant change counts (no threshold); `None` for an effect of 1. Under the
/// Benjamini–Hochberg adjustment a lone change among `m` comparisons needs `p ≤ α/m`:
/// pass `alpha / m` to plan for that.
pub fn pairs_needed(
    noise_sd_log: f64,
    effect_ratio: f64,
    alpha: f64,
    power: f64,
) -> Option<usize> {
    let detection = Detection {
        alpha,
        power,
        threshold_log: 0.0,
    };
    detection.pairs_needed(noise_sd_log, effect_ratio)
}

/// `C(n, k)` as a float (exact up to 2⁵³, then rounded).
fn choose(n: usize, k: usize) -> f64 {
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_needed_follows_the_normal_formula() {
        // ((z₀.₉₉₅ + z₀.₉₅) · 0.03 / ln 1.02)² / (3/π) = 42.5…, so 43 pairs.
        assert_eq!(pairs_needed(0.03, 1.02, 0.01, 0.95), Some(43));
        // Halving the noise quarters the pairs, down to the exact test's minimum of 8
        // pairs at α = 0.01 (2^(1−8) = 0.0078).
        assert_eq!(pairs_needed(0.015, 1.02, 0.01, 0.95), Some(11));
        assert_eq!(pairs_needed(0.0, 1.02, 0.01, 0.95), Some(8));
        // A slowdown and the matching speed-up need the same number.
        assert_eq!(pairs_needed(0.03, 1.0 / 1.02, 0.01, 0.95), Some(43));
        assert_eq!(pairs_needed(0.03, 1.0, 0.01, 0.95), None);
    }

    #[test]
    fn the_threshold_is_part_of_the_plan() {
        let detection = Detection {
            alpha: 0.01,
            power: 0.95,
            threshold_log: 1.01f64.ln(),
        };
        // Far above the threshold, significance decides; close to it, the threshold.
        assert_eq!(detection.pairs_needed(0.03, 1.02), Some(43));
        assert!(detection.pairs_needed(0.03, 1.012).unwrap() > 200);
        assert_eq!(detection.pairs_needed(0.03, 1.01), None);
    }

    #[test]
    fn detectable_change_inverts_pairs_needed() {
        let detection = Detection {
            alpha: 0.01,
            power: 0.95,
            threshold_log: 1.01f64.ln(),
        };
        let n = detection.pairs_needed(0.03, 1.02).unwrap();
        assert!(detection.paired(0.03, n).unwrap() <= 1.02f64.ln());
        assert!(detection.paired(0.03, n - 1).unwrap() > 1.02f64.ln());
        assert_eq!(detection.paired(0.03, 7), None);
        assert_eq!(detection.unpaired(0.03, 3, 3), None);
        assert!(detection.unpaired(0.03, 20, 20).is_some());
    }

    #[test]
    fn noise_is_the_standard_deviation_of_the_log_ratios() {
        assert!((paired_noise(&[0.01, -0.01, 0.03, -0.03]) - 0.02582).abs() < 1e-5);
        let pooled = pooled_noise(&[1.0, 2.0, 3.0], &[10.0, 12.0, 14.0]);
        assert!((pooled - 2.5f64.sqrt()).abs() < 1e-12);
    }
}
