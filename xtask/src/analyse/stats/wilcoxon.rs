//! The Wilcoxon signed-rank test and the Hodges–Lehmann estimate with its
//! distribution-free confidence interval: the paired analysis of log-ratios.
//!
//! Zeros (pairs where both sides measured the same value, common for max RSS) are
//! treated by Pratt's method: they take part in the ranking of `|d|` and then add
//! nothing to the statistic, which keeps the test conservative when many pairs agree.
//! Up to `EXACT_MAX` non-zero differences the p-value is exact, from the permutation
//! distribution of the signs given the observed (mid)ranks — exact with ties and zeros
//! too, the same distribution scipy's permutation method enumerates. Above that it is
//! the normal approximation with the tie, zero and continuity corrections.

use super::normal;
use super::rank::{self, midranks};
use super::Interval;

/// Up to this many non-zero differences the p-value comes from the exact conditional
/// distribution; the table it needs has about `n²` entries.
pub const EXACT_MAX: usize = 100;

/// The outcome of a two-sided signed-rank test.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedRank {
    /// Number of differences, zeros included.
    pub n: usize,
    pub zeros: usize,
    /// The sum of the ranks of the positive differences (`T⁺`).
    pub statistic: f64,
    pub p_value: f64,
    /// The p-value is exact rather than the normal approximation.
    pub exact: bool,
}

/// Two-sided signed-rank test of "the differences are symmetric about zero".
pub fn signed_rank_test(differences: &[f64]) -> SignedRank {
    let nonzero = differences
        .iter()
        .filter(|d| d.abs() > rank::TIE_TOLERANCE)
        .count();
    if nonzero <= EXACT_MAX {
        signed_rank_exact(differences)
    } else {
        signed_rank_normal(differences)
    }
}

/// The signed-rank test with the exact conditional null distribution.
pub fn signed_rank_exact(differences: &[f64]) -> SignedRank {
    let (ranking, positive, zeros) = rank_magnitudes(differences);
    let doubled = ranking.doubled();
    let weights: Vec<usize> = doubled
        .iter()
        .zip(differences)
        .filter(|(_, d)| d.abs() > rank::TIE_TOLERANCE)
        .map(|(&w, _)| w)
        .collect();
    let observed: usize = doubled
        .iter()
        .zip(differences)
        .filter(|(_, d)| **d > rank::TIE_TOLERANCE)
        .map(|(&w, _)| w)
        .sum();
    let (lower, upper) = if zeros == 0 && ranking.ties.is_empty() {
        // Untied ranks: the shared table of 1..=n, at half the observed doubled sum.
        let distribution = rank::untied_signed_rank_distribution(weights.len());
        rank::tails(&distribution, observed / 2)
    } else {
        rank::tails(&rank::sign_flip_distribution(&weights), observed)
    };
    SignedRank {
        n: differences.len(),
        zeros,
        statistic: positive,
        p_value: (2.0 * lower.min(upper)).min(1.0),
        exact: true,
    }
}

/// The signed-rank test with the normal approximation, corrected for ties among the
/// non-zero differences, for zeros (Pratt, after Cureton) and for continuity: the same
/// computation as scipy's `wilcoxon(d, zero_method="pratt", correction=True,
/// method="asymptotic")`.
pub fn signed_rank_normal(differences: &[f64]) -> SignedRank {
    let (ranking, positive, zeros) = rank_magnitudes(differences);
    let n = differences.len() as f64;
    let z0 = zeros as f64;
    let mean = n * (n + 1.0) / 4.0 - z0 * (z0 + 1.0) / 4.0;
    // Ties among the zeros are accounted for by the zero term, not the tie term.
    let zero_ties = if zeros > 1 { z0 * z0 * z0 - z0 } else { 0.0 };
    let variance = (n * (n + 1.0) * (2.0 * n + 1.0)
        - z0 * (z0 + 1.0) * (2.0 * z0 + 1.0)
        - (ranking.tie_term() - zero_ties) / 2.0)
        / 24.0;
    let p_value = if variance <= 0.0 {
        1.0
    } else {
        let deviation = positive - mean;
        let corrected = deviation - 0.5 * deviation.signum();
        let z = corrected / variance.sqrt();
        (2.0 * normal::sf(z.abs())).min(1.0)
    };
    SignedRank {
        n: differences.len(),
        zeros,
        statistic: positive,
        p_value,
        exact: false,
    }
}

/// Ranks `|d|` (zeros included, as Pratt's method asks) and returns the ranking, `T⁺`
/// and the number of zeros.
fn rank_magnitudes(differences: &[f64]) -> (rank::Ranking, f64, usize) {
    let magnitudes: Vec<f64> = differences
        .iter()
        .map(|d| {
            if d.abs() > rank::TIE_TOLERANCE {
                d.abs()
            } else {
                0.0
            }
        })
        .collect();
    let ranking = midranks(&magnitudes);
    let positive = ranking
        .ranks
        .iter()
        .zip(differences)
        .filter(|(_, d)| **d > rank::TIE_TOLERANCE)
        .map(|(r, _)| r)
        .sum();
    let zeros = magnitudes.iter().filter(|m| **m == 0.0).count();
    (ranking, positive, zeros)
}

/// The Hodges–Lehmann estimate of the centre of symmetry of `values` — the median of
/// the Walsh averages `(vᵢ + vⱼ)/2, i ≤ j` — with the confidence interval that inverts
/// the signed-rank test: `[W₍ₖ₎, W₍ₘ₊₁₋ₖ₎]` where `M = n(n+1)/2` and `k − 1` is the
/// largest `c` with `P(T⁺ ≤ c) ≤ (1 − confidence)/2` under the untied null
/// distribution (exact up to `EXACT_MAX`, normal beyond).
pub fn hodges_lehmann(values: &[f64], confidence: f64) -> Interval {
    let n = values.len();
    if n == 0 {
        return Interval::empty();
    }
    let mut walsh = Vec::with_capacity(n * (n + 1) / 2);
    for i in 0..n {
        for j in i..n {
            walsh.push((values[i] + values[j]) / 2.0);
        }
    }
    walsh.sort_by(f64::total_cmp);
    let nf = n as f64;
    let normal = (
        walsh.len() as f64,
        (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0).sqrt(),
    );
    let exact = (n <= EXACT_MAX).then(|| rank::untied_signed_rank_distribution(n));
    Interval::of_sorted(
        &walsh,
        rank::interval_order(exact.as_deref().map(|d| d.as_slice()), normal, confidence),
    )
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
    // xtask/tests/stats/scipy_reference.py (run `python3 scipy_reference.py`):
    //   exact:  scipy.stats.wilcoxon(d, zero_method="pratt", method="exact")
    //   ties:   scipy.stats.wilcoxon(d, zero_method="pratt",
    //               method=scipy.stats.PermutationMethod())  (n ≤ 13: every sign pattern)
    //   normal: scipy.stats.wilcoxon(d, zero_method="pratt", correction=True,
    //               method="asymptotic")

    const NO_TIES: [f64; 10] = [
        0.013, -0.004, 0.021, 0.008, -0.011, 0.017, 0.026, 0.002, -0.007, 0.015,
    ];
    const WITH_TIES_AND_ZEROS: [f64; 12] = [
        0.0, 0.01, -0.01, 0.02, 0.02, 0.0, 0.03, -0.005, 0.01, 0.04, 0.015, 0.02,
    ];

    /// `d[i] = 0.02·sin(1.7·i) + 0.003` for `i` in `1..=n`: long vectors written as a
    /// formula so that the test and the Python script build the same values.
    fn formula(n: usize) -> Vec<f64> {
        (1..=n)
            .map(|i| 0.02 * (1.7 * i as f64).sin() + 0.003)
            .collect()
    }

    #[test]
    fn exact_p_value_without_ties_matches_scipy() {
        let test = signed_rank_exact(&NO_TIES);
        assert_eq!(test.statistic, 45.0);
        assert_close(test.p_value, 0.083984375, 1e-12);
        let long = signed_rank_exact(&formula(20));
        assert_close(long.p_value, 0.17685317993164062, 1e-12);
    }

    #[test]
    fn exact_p_value_with_ties_and_zeros_matches_scipy_permutation() {
        let test = signed_rank_exact(&WITH_TIES_AND_ZEROS);
        assert_eq!(test.zeros, 2);
        assert_eq!(test.statistic, 67.0);
        assert_close(test.p_value, 0.017578125, 1e-12);
    }

    #[test]
    fn normal_p_value_matches_scipy_asymptotic() {
        assert_close(
            signed_rank_normal(&NO_TIES).p_value,
            0.08313114270080386,
            1e-12,
        );
        assert_close(
            signed_rank_normal(&WITH_TIES_AND_ZEROS).p_value,
            0.021971380994988958,
            1e-12,
        );
        assert_close(
            signed_rank_normal(&formula(60)).p_value,
            0.058992239278376886,
            1e-12,
        );
        assert_close(
            signed_rank_normal(&formula(200)).p_value,
            0.0013065446234910851,
            1e-12,
        );
    }

    #[test]
    fn all_zero_differences_give_p_one() {
        assert_eq!(signed_rank_exact(&[0.0; 8]).p_value, 1.0);
        assert_eq!(signed_rank_normal(&[0.0; 8]).p_value, 1.0);
    }

    #[test]
    fn hodges_lehmann_matches_a_brute_force_reference() {
        // From xtask/tests/stats/scipy_reference.py: the median of the Walsh averages,
        // and the interval from the null distribution of T⁺ counted over all 2ⁿ sign
        // patterns (k = 9 for n = 10 at 95 %).
        let interval = hodges_lehmann(&NO_TIES, 0.95);
        assert_close(interval.estimate, 0.008, 1e-12);
        assert_close(interval.low, -0.0015, 1e-12);
        assert_close(interval.high, 0.017, 1e-12);
        assert_close(interval.coverage, 0.951171875, 1e-12);
    }

    #[test]
    fn hodges_lehmann_of_a_constant_is_that_constant() {
        let interval = hodges_lehmann(&[0.1; 12], 0.95);
        assert_eq!(
            (interval.estimate, interval.low, interval.high),
            (0.1, 0.1, 0.1)
        );
    }

    #[test]
    fn hodges_lehmann_says_when_the_confidence_is_out_of_reach() {
        // With 5 values the extreme Walsh averages cover only 1 − 2/32 = 93.75 %.
        let interval = hodges_lehmann(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95);
        assert_eq!((interval.low, interval.high), (1.0, 5.0));
        assert_eq!(interval.coverage, 0.9375);
    }
}
