//! Benjamini–Hochberg q-values: the false discovery rate adjustment across every
//! comparison of a suite, so that flagging the comparisons with `q ≤ α` keeps the
//! expected share of false alarms among the flagged ones at most `α`.

/// The BH-adjusted p-values, in input order:
/// `q₍ᵢ₎ = min over j ≥ i of (m / j) · p₍ⱼ₎`, capped at 1, for p sorted ascending.
pub fn q_values(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut q = vec![0.0; m];
    let mut running_min = 1.0f64;
    for (position, &index) in order.iter().enumerate().rev() {
        let adjusted = p_values[index] * m as f64 / (position + 1) as f64;
        running_min = running_min.min(adjusted);
        q[index] = running_min;
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_values_match_scipy() {
        // scipy 1.17.1: scipy.stats.false_discovery_control(p, method="bh"), from
        // xtask/tests/stats/scipy_reference.py.
        let p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.9, 0.04, 0.0001];
        let expected = [
            0.026666666666666665,
            0.05333333333333333,
            0.05333333333333333,
            0.02,
            0.22857142857142856,
            0.9,
            0.05333333333333333,
            0.0008,
        ];
        for (q, e) in q_values(&p).iter().zip(expected) {
            assert!((q - e).abs() <= 1e-15, "{q} != {e}");
        }
    }

    #[test]
    fn a_single_p_value_is_its_own_q_value() {
        assert_eq!(q_values(&[0.03]), [0.03]);
        assert!(q_values(&[]).is_empty());
    }
}
