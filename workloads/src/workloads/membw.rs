//! `membw`, a harness reference: the read bandwidth a plain streaming loop reaches over
//! the array of `sum`, so that `sum`'s figures (claim A3) can be judged against what
//! memory allows on this machine. Eight independent accumulators over
//! `chunks_exact(8)` hide the latency of each addition; it tests no published claim and
//! deliberately uses no intrinsics, prefetching or threads.

use crate::contract::{Failure, Invocation, Report, Workload};
use crate::workloads::sum;

pub const WORKLOAD: Workload = Workload {
    name: "membw",
    variants: &["stream-simd"],
    defaults: |_| vec![("size", 1_000_000)],
    accepts_inject_work: true,
    run,
};

fn run(invocation: &Invocation, report: &mut Report) -> Result<(), Failure> {
    sum::measure(invocation, report, stream)
}

/// Eight wrapping accumulators, one per lane of a chunk, added together at the end
/// with the tail.
fn stream(values: &[u64]) -> u64 {
    let chunks = values.chunks_exact(8);
    let tail = chunks.remainder();
    let mut lanes = [0u64; 8];
    for chunk in chunks {
        for (lane, value) in lanes.iter_mut().zip(chunk) {
            *lane = lane.wrapping_add(*value);
        }
    }
    let mut total = lanes.iter().fold(0u64, |sum, lane| sum.wrapping_add(*lane));
    for value in tail {
        total = total.wrapping_add(*value);
    }
    total
}

#[cfg(test)]
mod tests {
    use crate::workloads::tests::run_quietly;

    #[test]
    fn checksum_is_n_times_n_minus_one_over_two_with_a_tail() {
        let report = run_quietly("membw", "stream-simd", &[("size", 1003)]);
        assert_eq!(report.checksum, (1003u64 * 1002 / 2).to_string());
    }
}
