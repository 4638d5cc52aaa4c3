//! `alloc`: N heap allocations of a zeroed 1 KiB object, each written, read and
//! dropped at once (claim A2, "Rust ~84x faster" than Go's 1.18 s with 3,137 GC runs).
//! `box` keeps every allocation real by passing it through `black_box`; `box-elidable`
//! is the published code, which the compiler is free to delete entirely, kept to show
//! that the published 14 ms may measure an empty loop (the harness flags a time under
//! the physical floor as implausible). It measures malloc/free of the system allocator
//! on one thread; it does not measure a tuned allocator or memory held over time.

use std::hint::black_box;

use crate::contract::{Failure, Invocation, Report, Workload};
use crate::sampling::{self, Sample};

pub const WORKLOAD: Workload = Workload {
    name: "alloc",
    variants: &["box", "box-elidable"],
    defaults: |_| vec![("size", 100_000)],
    accepts_inject_work: true,
    run,
};

const OBJECT_BYTES: usize = 1024;

fn run(invocation: &Invocation, report: &mut Report) -> Result<(), Failure> {
    let n = invocation.param("size");
    report.ops = n;
    let allocate: fn(u64) -> u64 = match invocation.variant {
        "box" => boxed,
        _ => elidable,
    };
    let extra = sampling::extra_ops(n, invocation.inject_work_pct);
    let series = sampling::run(invocation, |clock| {
        let n = black_box(n);
        let timer = clock.start();
        let checksum = black_box(allocate(n));
        // `--inject-work-pct`: more allocations of the same kind, their count
        // discarded so the checksum stays N.
        if extra > 0 {
            black_box(allocate(black_box(extra)));
        }
        Ok(Sample {
            ns: timer.stop(),
            checksum,
            detail: (),
        })
    })?;
    series.write_to(report);
    Ok(())
}

/// The allocation goes through `black_box` before it is touched, so the compiler must
/// assume it escapes and cannot remove it. Byte `(i + 512) % 1024` is still 0, so each
/// iteration adds 1: the checksum is N.
fn boxed(n: u64) -> u64 {
    let mut checksum = 0u64;
    for i in 0..n {
        let mut object = black_box(Box::new([0u8; OBJECT_BYTES]));
        let at = (i % OBJECT_BYTES as u64) as usize;
        object[at] = 1;
        checksum += u64::from(object[at]) + u64::from(object[(at + 512) % OBJECT_BYTES]);
    }
    checksum
}

/// The published code: the box is never used, so the allocation may be elided and
/// only the loop counter remains.
fn elidable(n: u64) -> u64 {
    let mut count = 0u64;
    for _ in 0..n {
        let _x = Box::new([0u8; OBJECT_BYTES]);
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use crate::workloads::tests::{run_quietly, try_run_line};

    #[test]
    fn checksum_is_n() {
        for variant in ["box", "box-elidable"] {
            let report = run_quietly("alloc", variant, &[("size", 3000)]);
            assert_eq!(report.checksum, "3000", "{variant}");
        }
    }

    #[test]
    fn injected_work_keeps_the_checksum() {
        for variant in ["box", "box-elidable"] {
            let line = format!(
                "alloc --variant {variant} --size 3000 --samples 2 --warmup 1 --inject-work-pct 5"
            );
            let report = try_run_line(&line).unwrap_or_else(|f| panic!("{line}: {f:?}"));
            assert_eq!(report.checksum, "3000", "{line}");
        }
    }
}
