//! Order statistics of one sample: the median (`record::summary`'s) and quantiles, the
//! distribution-free confidence interval of the median, and the sample standard
//! deviation.

use super::Interval;

// The median has one definition in the crate, which every reader of a record shares.
pub use crate::record::summary::{median, median_of_sorted};

/// The `p`-quantile of sorted values, interpolating linearly between order statistics
/// (Hyndman and Fan's type 7, the default of numpy and R).
pub fn quantile_of_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = p * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    sorted[below] + (position - below as f64) * (sorted[above] - sorted[below])
}

/// The sample standard deviation (divisor `n − 1`); zero for fewer than two values.
pub fn standard_deviation(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    (squares / (n - 1) as f64).sqrt()
}

/// The median of `values` with its distribution-free confidence interval
/// `[x₍ₖ₎, x₍ₙ₊₁₋ₖ₎]`, where `k − 1` is the largest `c` with `P(B ≤ c) ≤ (1 −
/// confidence)/2` for `B ~ Binomial(n, ½)`: the number of values below the true median.
/// Below 6 values no pair of order statistics reaches 95 %; the interval is then the
/// range, and `coverage` says how much it does reach.
pub fn median_interval(values: &[f64], confidence: f64) -> Interval {
    let n = values.len();
    if n == 0 {
        return Interval::empty();
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    let pmf = binomial_half_pmf(n);
    let mut cumulative = 0.0;
    let mut k = 1;
    let mut below = pmf[0];
    for (c, probability) in pmf.iter().enumerate() {
        cumulative += probability;
        if cumulative <= tail * (1.0 + 1e-12) && c < n.div_ceil(2) {
            k = c + 1;
            below = cumulative;
        } else {
            break;
        }
    }
    Interval {
        estimate: median_of_sorted(&sorted),
        low: sorted[k - 1],
        high: sorted[n - k],
        coverage: 1.0 - 2.0 * below,
    }
}

/// `P(B = c)` for `B ~ Binomial(n, ½)`, `c = 0..=n`, computed in logarithms so that it
/// neither underflows nor overflows for thousands of trials.
fn binomial_half_pmf(n: usize) -> Vec<f64> {
    let mut log_choose = 0.0f64;
    let log_half_n = n as f64 * 0.5f64.ln();
    let mut pmf = Vec::with_capacity(n + 1);
    for c in 0..=n {
        if c > 0 {
            log_choose += ((n - c + 1) as f64).ln() - (c as f64).ln();
        }
        pmf.push((log_choose + log_half_n).exp());
    }
    pmf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_interval_uses_the_binomial_order_statistics() {
        // scipy 1.17.1 (xtask/tests/stats/scipy_reference.py): the largest k with
        // binom.cdf(k - 1, n, 0.5) <= 0.025 is 1 for n = 6, 2 for n = 10, 15 for n = 43,
        // and none for n = 5.
        for (n, k) in [(6, 1), (10, 2), (43, 15)] {
            let values: Vec<f64> = (1..=n).map(f64::from).collect();
            let interval = median_interval(&values, 0.95);
            assert_eq!(interval.low, f64::from(k), "n = {n}");
            assert_eq!(interval.high, f64::from(n + 1 - k), "n = {n}");
            assert!(interval.coverage >= 0.95);
        }
        let five = median_interval(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95);
        assert_eq!((five.low, five.high, five.coverage), (1.0, 5.0, 0.9375));
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let sorted = [1.0, 2.0, 4.0, 8.0];
        assert_eq!(quantile_of_sorted(&sorted, 0.25), 1.75);
        assert_eq!(quantile_of_sorted(&sorted, 0.5), 3.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert!((standard_deviation(&[1.0, 2.0, 3.0, 4.0]) - 1.2909944487358056).abs() < 1e-15);
    }
}
