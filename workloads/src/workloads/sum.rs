//! `sum`: add up N 64-bit integers already in memory (claim A3, "Rust ~3.5x faster
//! (SIMD)"). It measures one pass of wrapping additions over a pre-faulted array, two
//! ways: `iter`, the idiomatic `a.iter().sum()` that LLVM auto-vectorizes, and `scalar`,
//! one volatile load per element, the baseline that cannot be vectorized. It does not
//! measure allocation or page faults (the array is written before timing) and does not
//! hand-tune anything beyond what the published code did.

use std::hint::black_box;

use crate::contract::{Failure, Invocation, Report, Workload};
use crate::sampling::{self, Sample};

pub const WORKLOAD: Workload = Workload {
    name: "sum",
    variants: &["iter", "scalar"],
    defaults: |_| vec![("size", 1_000_000)],
    accepts_inject_work: true,
    run,
};

/// The input of `sum` and `membw`: `a[i] = i`. Writing every element faults in every
/// page before timing, and `black_box` hides the values from the optimizer, so the
/// timed sum cannot be computed at compile time as N(N-1)/2.
pub fn input(invocation: &Invocation) -> Result<Vec<u64>, Failure> {
    let n = invocation.count("size")?;
    Ok(black_box((0..n as u64).collect()))
}

fn run(invocation: &Invocation, report: &mut Report) -> Result<(), Failure> {
    let add: fn(&[u64]) -> u64 = match invocation.variant {
        "iter" => iter,
        _ => scalar,
    };
    measure(invocation, report, add)
}

/// The timed loop of `sum` and `membw`: the input built before timing, and each sample
/// only `add` over it.
pub fn measure(
    invocation: &Invocation,
    report: &mut Report,
    add: fn(&[u64]) -> u64,
) -> Result<(), Failure> {
    let n = invocation.param("size");
    report.ops = n;
    let input = input(invocation)?;
    let extra = sampling::extra_ops(n, invocation.inject_work_pct);
    let series = sampling::run(invocation, |clock| {
        // Passing the slice through black_box each sample keeps LLVM from hoisting
        // the sum out of the sample loop.
        let values = black_box(input.as_slice());
        let timer = clock.start();
        let total = black_box(add(values));
        if extra > 0 {
            black_box(add_again(add, values, extra));
        }
        Ok(Sample {
            ns: timer.stop(),
            checksum: total,
            detail: (),
        })
    })?;
    series.write_to(report);
    Ok(())
}

/// The work `--inject-work-pct` adds: `add` over the first `extra` elements, going
/// round the input again when `extra` exceeds it, so that exactly `extra` more elements
/// are added with the sample's own code. The caller discards the total, so the
/// checksum is unchanged.
fn add_again(add: fn(&[u64]) -> u64, values: &[u64], extra: u64) -> u64 {
    let mut total = 0u64;
    let mut remaining = extra;
    // An empty input has nothing to add again (and would never shrink `remaining`).
    while remaining > 0 && !values.is_empty() {
        let take = remaining.min(values.len() as u64);
        total = total.wrapping_add(add(&values[..take as usize]));
        remaining -= take;
    }
    total
}

/// The idiomatic code: wrapping in release builds, where overflow checks are off.
fn iter(values: &[u64]) -> u64 {
    values.iter().sum::<u64>()
}

/// One volatile load per element: the compiler must keep every load, in order, so
/// it cannot vectorize or unroll the additions into several accumulators.
fn scalar(values: &[u64]) -> u64 {
    let mut total = 0u64;
    for value in values {
        // SAFETY: `value` is a reference into a live slice, so it is aligned, valid
        // for reads and initialized.
        total = total.wrapping_add(unsafe { std::ptr::read_volatile(value) });
    }
    total
}

#[cfg(test)]
mod tests {
    use super::{add_again, iter, scalar};
    use crate::workloads::tests::{run_quietly, try_run_line};

    #[test]
    fn checksum_is_n_times_n_minus_one_over_two() {
        for variant in ["iter", "scalar"] {
            let report = run_quietly("sum", variant, &[("size", 1000)]);
            assert_eq!(
                report.checksum,
                (1000u64 * 999 / 2).to_string(),
                "{variant}"
            );
            assert_eq!(report.ops, 1000);
        }
    }

    #[test]
    fn injected_work_keeps_the_checksum() {
        for (workload, variant) in [("sum", "iter"), ("sum", "scalar"), ("membw", "stream-simd")] {
            for pct in ["0.5", "250"] {
                let line = format!(
                    "{workload} --variant {variant} --size 1000 --samples 2 --warmup 1 --inject-work-pct {pct}"
                );
                let report = try_run_line(&line).unwrap_or_else(|f| panic!("{line}: {f:?}"));
                assert_eq!(report.checksum, (1000u64 * 999 / 2).to_string(), "{line}");
                assert_eq!(report.ops, 1000, "{line}");
            }
        }
    }

    #[test]
    fn add_again_adds_exactly_the_extra_elements() {
        // Over ones, the total counts the elements added.
        let ones = [1u64; 10];
        for add in [iter as fn(&[u64]) -> u64, scalar] {
            assert_eq!(add_again(add, &ones, 0), 0);
            assert_eq!(add_again(add, &ones, 3), 3);
            assert_eq!(add_again(add, &ones, 25), 25, "round the input again");
            assert_eq!(add_again(add, &[], 25), 0);
        }
        let values: Vec<u64> = (0..10).collect();
        assert_eq!(
            add_again(iter, &values, 4),
            6,
            "the first elements: 0 + 1 + 2 + 3"
        );
    }
}
