//! When wall time and instruction count tell different stories about one change.
//!
//! Each metric's change is a ratio head/base with a confidence interval. A metric
//! *moved* when its interval excludes 1: up when the whole interval is above 1, down
//! when it is below. The two disagree when
//!
//! - they moved in opposite directions (time went up while instructions went down, or
//!   the reverse); or
//! - one moved and the other did not, and the other's interval does not even overlap
//!   the moved one's interval: the still metric rules out the change the moving one
//!   reports.
//!
//! Both moving the same way is agreement even when the sizes differ: a change that adds
//! 1% of instructions can cost 10% of time through cache misses, and the other way
//! round. A still metric with an interval wide enough to overlap the change says
//! nothing either way, so it is no disagreement. A disagreement is not an error; it
//! points a reader at what instructions cannot see (memory stalls, frequency, a noisy
//! neighbour) or at what time is too noisy to show.

/// Which way a metric moved, as its interval says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Movement {
    Up,
    Down,
    Still,
}

fn movement((low, high): (f64, f64)) -> Movement {
    if low > 1.0 {
        Movement::Up
    } else if high < 1.0 {
        Movement::Down
    } else {
        Movement::Still
    }
}

fn overlap((low_a, high_a): (f64, f64), (low_b, high_b): (f64, f64)) -> bool {
    low_a <= high_b && low_b <= high_a
}

/// Whether wall time and instructions disagree about a change (see the module
/// documentation for the rule). The ratios are head/base; each interval is (low, high)
/// around its ratio. Anything that is not a finite, ordered interval around its ratio
/// cannot be judged, and is not marked.
pub fn disagree(
    time_ratio: f64,
    time_ci: (f64, f64),
    instr_ratio: f64,
    instr_ci: (f64, f64),
) -> bool {
    if !well_formed(time_ratio, time_ci) || !well_formed(instr_ratio, instr_ci) {
        return false;
    }
    match (movement(time_ci), movement(instr_ci)) {
        (Movement::Up, Movement::Down) | (Movement::Down, Movement::Up) => true,
        (Movement::Still, Movement::Still) => false,
        (Movement::Still, _) | (_, Movement::Still) => !overlap(time_ci, instr_ci),
        _ => false,
    }
}

fn well_formed(ratio: f64, (low, high): (f64, f64)) -> bool {
    [ratio, low, high].iter().all(|x| x.is_finite()) && low <= ratio && ratio <= high
}

#[cfg(test)]
mod tests {
    use super::disagree;

    #[test]
    fn opposite_directions_disagree() {
        assert!(disagree(1.05, (1.03, 1.07), 0.98, (0.97, 0.99)));
        assert!(disagree(0.95, (0.93, 0.97), 1.01, (1.005, 1.015)));
    }

    #[test]
    fn same_direction_agrees_whatever_the_sizes() {
        assert!(!disagree(1.11, (1.10, 1.12), 1.015, (1.01, 1.02)));
        assert!(!disagree(0.99, (0.985, 0.995), 0.80, (0.79, 0.81)));
    }

    #[test]
    fn time_moved_while_instructions_confidently_stayed() {
        // The typical memory-bound change: 5% slower with the same instructions.
        assert!(disagree(1.05, (1.03, 1.07), 1.0, (0.999, 1.001)));
        // A deterministic count has an interval of zero width.
        assert!(disagree(0.97, (0.96, 0.98), 1.0, (1.0, 1.0)));
    }

    #[test]
    fn instructions_moved_while_time_confidently_stayed() {
        assert!(disagree(1.0, (0.995, 1.005), 1.02, (1.015, 1.025)));
    }

    #[test]
    fn a_still_metric_too_wide_to_rule_out_the_change_does_not_disagree() {
        assert!(!disagree(1.0, (0.94, 1.06), 1.02, (1.015, 1.025)));
        assert!(!disagree(1.05, (1.03, 1.07), 1.01, (0.99, 1.03)));
    }

    #[test]
    fn both_still_agree() {
        assert!(!disagree(1.0, (0.99, 1.01), 1.0, (0.999, 1.001)));
    }

    #[test]
    fn intervals_touching_at_an_end_overlap() {
        assert!(!disagree(1.02, (1.01, 1.03), 1.0, (0.99, 1.01)));
    }

    #[test]
    fn malformed_input_is_not_marked() {
        assert!(!disagree(f64::NAN, (1.03, 1.07), 0.98, (0.97, 0.99)));
        assert!(!disagree(1.05, (1.03, f64::INFINITY), 0.98, (0.97, 0.99)));
        assert!(!disagree(1.05, (1.07, 1.03), 0.98, (0.97, 0.99)));
        assert!(!disagree(1.05, (1.03, 1.07), 0.5, (0.97, 0.99)));
    }
}
