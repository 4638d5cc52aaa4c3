//! `noop`, a harness reference: a sample that does nothing, so the runner can see its
//! own per-trial overhead (process start, JSON, timer reads) apart from any work. It
//! measures no claim and deliberately does no work at all; `size` is accepted and
//! ignored so that every workload takes the same flags.

use std::hint::black_box;

use crate::contract::{Failure, Invocation, Report, Workload};
use crate::sampling::{self, Sample};

pub const WORKLOAD: Workload = Workload {
    name: "noop",
    variants: &["none"],
    defaults: |_| vec![("size", 1)],
    accepts_inject_work: false,
    run,
};

fn run(invocation: &Invocation, report: &mut Report) -> Result<(), Failure> {
    report.ops = 1;
    let series = sampling::run(invocation, |clock| {
        let timer = clock.start();
        black_box(());
        Ok(Sample {
            ns: timer.stop(),
            checksum: 0,
            detail: (),
        })
    })?;
    series.write_to(report);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::workloads::tests::run_quietly;

    #[test]
    fn checksum_is_zero() {
        let report = run_quietly("noop", "none", &[]);
        assert_eq!(report.checksum, "0");
        assert_eq!(report.ops, 1);
    }
}
