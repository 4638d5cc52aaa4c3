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
    report.ops = invocation.param("size");
    let input = input(invocation)?;
    let series = sampling::run(invocation, |clock| {
        // Passing the slice through black_box each sample keeps LLVM from hoisting
        // the sum out of the sample loop.
        let values = black_box(input.as_slice());
        let timer = clock.start();
        let total = black_box(add(values));
        Ok(Sample {
            ns: timer.stop(),
            checksum: total,
            detail: (),
        })
    })?;
    series.write_to(report);
    Ok(())
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
    use crate::workloads::tests::run_quietly;

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
}
