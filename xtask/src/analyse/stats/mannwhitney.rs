//! The Mann–Whitney U (Wilcoxon rank-sum) test and the Hodges–Lehmann shift estimate
//! with its distribution-free confidence interval: the unpaired fallback, used when
//! base and head were not measured in the same interleaved rounds.
//!
//! Up to `EXACT_MAX` values in all the p-value is exact, from the distribution of the
//! rank sum over every way of choosing which ranks belong to the first sample given the
//! observed (mid)ranks — exact with ties too. Above that it is the normal approximation
//! with the tie and continuity corrections.

use super::normal;
use super::rank::{self, midranks};
use super::Interval;

/// Up to this many values in both samples together, the p-value is exact.
pub const EXACT_MAX: usize = 60;

/// The outcome of a two-sided rank-sum test.
#[derive(Debug, Clone, PartialEq)]
pub struct RankSum {
    /// `U` of the first sample: the number of pairs where it is the larger, ties ½.
    pub statistic: f64,
    pub p_value: f64,
    pub exact: bool,
}

/// Two-sided rank-sum test of "both samples come from the same distribution".
pub fn rank_sum_test(first: &[f64], second: &[f64]) -> RankSum {
    if first.len() + second.len() <= EXACT_MAX {
        rank_sum_exact(first, second)
    } else {
        rank_sum_normal(first, second)
    }
}

/// The rank-sum test with the exact conditional null distribution.
pub fn rank_sum_exact(first: &[f64], second: &[f64]) -> RankSum {
    let (ranking, u) = rank_pooled(first, second);
    if first.is_empty() || second.is_empty() {
        return RankSum {
            statistic: u,
            p_value: 1.0,
            exact: true,
        };
    }
    let doubled = ranking.doubled();
    // Counting subsets of the smaller sample's size keeps the table small; the
    // two-sided p-value is the same whichever sample is counted.
    let (weights_of_chosen, k) = if first.len() <= second.len() {
        (&doubled[..first.len()], first.len())
    } else {
        (&doubled[first.len()..], second.len())
    };
    let observed: usize = weights_of_chosen.iter().sum();
    let distribution = rank::subset_sum_distribution(&doubled, k);
    let (lower, upper) = rank::tails(&distribution, observed);
    RankSum {
        statistic: u,
        p_value: (2.0 * lower.min(upper)).min(1.0),
        exact: true,
    }
}

/// The rank-sum test with the normal approximation, corrected for ties and for
/// continuity: the same computation as scipy's `mannwhitneyu(x, y,
/// use_continuity=True, method="asymptotic")`.
pub fn rank_sum_normal(first: &[f64], second: &[f64]) -> RankSum {
    let (ranking, u) = rank_pooled(first, second);
    let n1 = first.len() as f64;
    let n2 = second.len() as f64;
    let n = n1 + n2;
    let mean = n1 * n2 / 2.0;
    let variance = if n > 1.0 {
        n1 * n2 / 12.0 * ((n + 1.0) - ranking.tie_term() / (n * (n - 1.0)))
    } else {
        0.0
    };
    let p_value = if variance <= 0.0 {
        1.0
    } else {
        let z = ((u - mean).abs() - 0.5) / variance.sqrt();
        (2.0 * normal::sf(z)).min(1.0)
    };
    RankSum {
        statistic: u,
        p_value,
        exact: false,
    }
}

/// Ranks the pooled samples (first sample's values first) and returns the ranking and
/// the first sample's `U`.
fn rank_pooled(first: &[f64], second: &[f64]) -> (rank::Ranking, f64) {
    let pooled: Vec<f64> = first.iter().chain(second).copied().collect();
    let ranking = midranks(&pooled);
    let n1 = first.len() as f64;
    let rank_sum: f64 = ranking.ranks[..first.len()].iter().sum();
    (ranking, rank_sum - n1 * (n1 + 1.0) / 2.0)
}

/// The Hodges–Lehmann estimate of the shift `second − first` — the median of all
/// differences `yⱼ − xᵢ` — with the confidence interval that inverts the rank-sum test:
/// `[D₍ₖ₎, D₍ₘ₊₁₋ₖ₎]` where `M = n₁n₂` and `k − 1` is the largest `c` with
/// `P(U ≤ c) ≤ (1 − confidence)/2` under the untied null distribution (exact up to
/// `EXACT_MAX` values, normal beyond).
pub fn shift(first: &[f64], second: &[f64], confidence: f64) -> Interval {
    if first.is_empty() || second.is_empty() {
        return Interval::empty();
    }
    let mut differences: Vec<f64> = Vec::with_capacity(first.len() * second.len());
    for x in first {
        for y in second {
            differences.push(y - x);
        }
    }
    differences.sort_by(f64::total_cmp);
    let (n1, n2) = (first.len(), second.len());
    let m = (n1 * n2) as f64;
    let normal = (m, (m * (n1 + n2 + 1) as f64 / 12.0).sqrt());
    let order = if n1 + n2 <= EXACT_MAX {
        let small = n1.min(n2);
        let weights: Vec<usize> = (1..=n1 + n2).collect();
        // The distribution of the smaller sample's rank sum, shifted to start at U = 0.
        let sums = rank::subset_sum_distribution(&weights, small);
        rank::interval_order(Some(&sums[small * (small + 1) / 2..]), normal, confidence)
    } else {
        rank::interval_order(None, normal, confidence)
    };
    Interval::of_sorted(&differences, order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: f64, expected: f64, relative: f64) {
        assert!(
            ((actual - expected) / expected).abs() <= relative,
            "{actual} is not within {relative} of {expected}"
        );
    }

    // The vectors and p-values below are from scipy 1.17.1, produced by
    // xtask/tests/stats/scipy_reference.py:
    //   exact:  scipy.stats.mannwhitneyu(x, y, method="exact")
    //   ties:   scipy.stats.mannwhitneyu(x, y, method=scipy.stats.PermutationMethod())
    //           (462 ways to choose 5 of 11: all enumerated)
    //   normal: scipy.stats.mannwhitneyu(x, y, use_continuity=True, method="asymptotic")

    const X: [f64; 7] = [0.31, 0.35, 0.29, 0.40, 0.33, 0.37, 0.30];
    const Y: [f64; 9] = [0.36, 0.42, 0.39, 0.34, 0.45, 0.41, 0.38, 0.44, 0.43];
    const X_TIED: [f64; 5] = [1.0, 2.0, 2.0, 3.0, 5.0];
    const Y_TIED: [f64; 6] = [2.0, 3.0, 4.0, 4.0, 6.0, 7.0];

    /// Two samples of log-times written as formulas, as in the Python script.
    fn formula_pair(n1: usize, n2: usize) -> (Vec<f64>, Vec<f64>) {
        let x = (1..=n1)
            .map(|i| 12.0 + 0.03 * (2.3 * i as f64).sin())
            .collect();
        let y = (1..=n2)
            .map(|i| 12.01 + 0.03 * (1.9 * i as f64).cos())
            .collect();
        (x, y)
    }

    #[test]
    fn exact_p_value_without_ties_matches_scipy() {
        let test = rank_sum_exact(&X, &Y);
        assert_eq!(test.statistic, 7.0);
        assert_close(test.p_value, 0.007867132867132868, 1e-12);
        // The same with the samples swapped: the two-sided p-value is symmetric.
        assert_close(rank_sum_exact(&Y, &X).p_value, 0.007867132867132868, 1e-12);
        let (x, y) = formula_pair(12, 15);
        let test = rank_sum_exact(&x, &y);
        assert_eq!(test.statistic, 76.0);
        assert_close(test.p_value, 0.5163649500168548, 1e-12);
    }

    #[test]
    fn exact_p_value_with_ties_matches_scipy_permutation() {
        let test = rank_sum_exact(&X_TIED, &Y_TIED);
        assert_eq!(test.statistic, 6.5);
        assert_close(test.p_value, 0.12554112554112554, 1e-12);
    }

    #[test]
    fn normal_p_value_matches_scipy_asymptotic() {
        assert_close(rank_sum_normal(&X, &Y).p_value, 0.011071644553191878, 1e-12);
        assert_close(
            rank_sum_normal(&X_TIED, &Y_TIED).p_value,
            0.13862587987892763,
            1e-12,
        );
        let (x, y) = formula_pair(40, 35);
        let test = rank_sum_normal(&x, &y);
        assert_eq!(test.statistic, 520.0);
        assert_close(test.p_value, 0.056615270479028236, 1e-12);
    }

    #[test]
    fn shift_matches_a_brute_force_reference() {
        // From xtask/tests/stats/scipy_reference.py: the median of the 63 differences
        // and the interval from the null distribution of U counted over all C(16, 7)
        // subsets of ranks (k = 13 at 95 %).
        let interval = shift(&X, &Y, 0.95);
        assert_close(interval.estimate, 0.07, 1e-12);
        assert_close(interval.low, 0.02, 1e-9);
        assert_close(interval.high, 0.12, 1e-12);
    }

    #[test]
    fn identical_samples_have_no_shift_and_p_one() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(rank_sum_exact(&values, &values).p_value, 1.0);
        assert_eq!(rank_sum_normal(&values, &values).p_value, 1.0);
        assert_eq!(shift(&values, &values, 0.95).estimate, 0.0);
    }
}
