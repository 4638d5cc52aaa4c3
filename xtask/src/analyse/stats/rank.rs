//! Ranks with ties, the common ground of the signed-rank and rank-sum tests.
//!
//! Tied values share the average of the ranks they occupy (midranks), so every rank is
//! a multiple of one half: doubled ranks are integers, which is what lets the exact
//! null distributions be counted with integer-indexed tables even when there are ties.
//! Values are compared with a tolerance of `TIE_TOLERANCE`, because the inputs are
//! logarithms and log-ratios, where two equal ratios can differ in the last bit.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Two values closer than this are tied. The inputs are natural logarithms of times and
/// sizes, or differences of them, so this is a relative difference of about 1e-12.
pub const TIE_TOLERANCE: f64 = 1e-12;

/// The midranks of some values and the sizes of their tie groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// The rank of each value, in input order, starting at 1; ties share their average.
    pub ranks: Vec<f64>,
    /// The size of every group of two or more tied values.
    pub ties: Vec<usize>,
}

impl Ranking {
    /// `Σ (t³ − t)` over the tie groups: the tie correction of the normal approximations.
    pub fn tie_term(&self) -> f64 {
        self.ties
            .iter()
            .map(|&t| {
                let t = t as f64;
                t * t * t - t
            })
            .sum()
    }

    /// Each rank doubled, as an integer: the weights of the exact null distributions.
    pub fn doubled(&self) -> Vec<usize> {
        self.ranks
            .iter()
            .map(|r| (2.0 * r).round() as usize)
            .collect()
    }
}

/// Ranks `values` (which must not contain NaN) from 1 upwards.
pub fn midranks(values: &[f64]) -> Ranking {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut ties = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let first = values[order[start]];
        let mut end = start + 1;
        while end < order.len() && values[order[end]] - first <= TIE_TOLERANCE {
            end += 1;
        }
        // Positions start..end hold ranks start+1 ..= end; their average is the midrank.
        let midrank = (start + 1 + end) as f64 / 2.0;
        for &index in &order[start..end] {
            ranks[index] = midrank;
        }
        if end - start > 1 {
            ties.push(end - start);
        }
        start = end;
    }
    Ranking { ranks, ties }
}

/// The distribution of `Σ wᵢ·sᵢ` where each `sᵢ` is 0 or 1 with probability ½,
/// independently: the null distribution of the signed-rank statistic with (doubled)
/// rank weights `w`. Index `s` holds the probability of the sum `s`.
pub fn sign_flip_distribution(weights: &[usize]) -> Vec<f64> {
    let total: usize = weights.iter().sum();
    let mut probability = vec![0.0; total + 1];
    probability[0] = 1.0;
    let mut reached = 0;
    for &weight in weights {
        reached += weight;
        for sum in (0..=reached).rev() {
            let without = probability[sum];
            let with = if sum >= weight {
                probability[sum - weight]
            } else {
                0.0
            };
            probability[sum] = 0.5 * (without + with);
        }
    }
    probability
}

/// `sign_flip_distribution` of the untied ranks `1..=n`: the null distribution of the
/// signed-rank statistic without ties or zeros. It is kept per `n` for the life of the
/// thread, because a suite (and a simulation) tests many series with the same number
/// of pairs, and building it costs `n³/2` steps.
pub fn untied_signed_rank_distribution(n: usize) -> Rc<Vec<f64>> {
    thread_local! {
        static CACHE: RefCell<HashMap<usize, Rc<Vec<f64>>>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|cache| {
        Rc::clone(cache.borrow_mut().entry(n).or_insert_with(|| {
            let weights: Vec<usize> = (1..=n).collect();
            Rc::new(sign_flip_distribution(&weights))
        }))
    })
}

/// The distribution of the sum of `k` weights drawn without replacement from `weights`,
/// every subset equally likely: the null distribution of a rank sum with (doubled) rank
/// weights. Index `s` holds the probability of the sum `s`.
pub fn subset_sum_distribution(weights: &[usize], k: usize) -> Vec<f64> {
    let mut sorted = weights.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let max_sum: usize = sorted.iter().take(k).sum();
    // counts[j][s]: how many subsets of size j of the weights seen so far sum to s.
    let mut counts = vec![vec![0.0f64; max_sum + 1]; k + 1];
    counts[0][0] = 1.0;
    for (seen, &weight) in weights.iter().enumerate() {
        for j in (1..=k.min(seen + 1)).rev() {
            let (lower, upper) = counts.split_at_mut(j);
            let from = &lower[j - 1];
            let to = &mut upper[0];
            for sum in (weight..=max_sum).rev() {
                to[sum] += from[sum - weight];
            }
        }
    }
    let total: f64 = counts[k].iter().sum();
    counts[k].iter().map(|c| c / total).collect()
}

/// `P(X ≤ x)` and `P(X ≥ x)` for a distribution given as probabilities by index.
pub fn tails(distribution: &[f64], x: usize) -> (f64, f64) {
    let lower: f64 = distribution.iter().take(x + 1).sum();
    let upper: f64 = distribution.iter().skip(x).sum();
    (lower.min(1.0), upper.min(1.0))
}

/// The order `k` of a rank interval's ends and its coverage, from the null
/// distribution of the rank statistic: exact from `distribution` when given, else by
/// the normal approximation with `m` values ranked and standard deviation `sd`.
pub fn interval_order(
    distribution: Option<&[f64]>,
    (m, sd): (f64, f64),
    confidence: f64,
) -> (usize, f64) {
    let tail = (1.0 - confidence) / 2.0;
    match distribution {
        Some(distribution) => match lower_critical(distribution, tail) {
            Some(c) => {
                let below: f64 = distribution[..=c].iter().sum();
                (c + 1, 1.0 - 2.0 * below)
            }
            // Not even the extreme values reach the requested confidence.
            None => (1, 1.0 - 2.0 * distribution[0]),
        },
        None => {
            let c = (m / 2.0 - super::normal::quantile(1.0 - tail) * sd - 0.5).floor();
            ((c.max(0.0) as usize) + 1, confidence)
        }
    }
}

/// The largest `c` with `P(X ≤ c) ≤ level`, or `None` when even `P(X ≤ 0)` is larger:
/// the critical value behind the distribution-free confidence intervals.
pub fn lower_critical(distribution: &[f64], level: f64) -> Option<usize> {
    let mut cumulative = 0.0;
    let mut critical = None;
    for (value, probability) in distribution.iter().enumerate() {
        cumulative += probability;
        // A relative slack of 1e-12 keeps an exact boundary (for example 0.025 reached
        // exactly) from being lost to rounding in the running sum.
        if cumulative <= level * (1.0 + 1e-12) {
            critical = Some(value);
        } else {
            break;
        }
    }
    critical
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midranks_average_ties() {
        // scipy 1.17.1: scipy.stats.rankdata([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5])
        let ranking = midranks(&[3., 1., 4., 1., 5., 9., 2., 6., 5., 3., 5.]);
        assert_eq!(
            ranking.ranks,
            [4.5, 1.5, 6.0, 1.5, 8.0, 11.0, 3.0, 10.0, 8.0, 4.5, 8.0]
        );
        assert_eq!(ranking.ties, [2, 2, 3]);
        assert_eq!(ranking.tie_term(), 6.0 + 6.0 + 24.0);
    }

    #[test]
    fn sign_flip_distribution_counts_subsets() {
        // Weights 1, 2, 3: sums 0,1,2,3,3,4,5,6 over the 8 sign patterns.
        let distribution = sign_flip_distribution(&[1, 2, 3]);
        let counts: Vec<f64> = distribution.iter().map(|p| p * 8.0).collect();
        assert_eq!(counts, [1., 1., 1., 2., 1., 1., 1.]);
    }

    #[test]
    fn subset_sum_distribution_counts_subsets() {
        // Two of 1, 2, 3, 4: sums 3,4,5,5,6,7 over the 6 subsets.
        let distribution = subset_sum_distribution(&[1, 2, 3, 4], 2);
        let counts: Vec<f64> = distribution.iter().map(|p| p * 6.0).collect();
        assert_eq!(counts, [0., 0., 0., 1., 1., 2., 1., 1.]);
    }

    #[test]
    fn lower_critical_is_the_last_value_within_the_level() {
        let distribution = [0.1, 0.1, 0.3, 0.5];
        assert_eq!(lower_critical(&distribution, 0.05), None);
        assert_eq!(lower_critical(&distribution, 0.2), Some(1));
        assert_eq!(tails(&distribution, 1), (0.2, 0.9));
    }
}
