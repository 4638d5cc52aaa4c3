//! The sample loop every workload shares: run the warm-up samples and the measured
//! ones, insist that all of them computed the same checksum, and keep what the report
//! needs from the first and the last measured sample. The [`Clock`] it hands each
//! sample is the only way a workload times itself, so `--inject-pct` is applied in one
//! place and always inside the timed region. `--inject-work-pct` cannot be: only the
//! workload knows what one more operation is, so this file only says how many
//! ([`extra_ops`]) and each workload that accepts it does them itself.

use std::hint::spin_loop;
use std::time::Instant;

use crate::contract::{Failure, Invocation, Report};

/// Starts the timer of one sample. Copy, so that a workload can move it into the
/// thread or task that does the timed work.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    inject_pct: f64,
}

impl Clock {
    pub fn new(inject_pct: f64) -> Clock {
        Clock { inject_pct }
    }

    /// Starts timing.
    pub fn start(self) -> Timer {
        Timer {
            started: Instant::now(),
            inject_pct: self.inject_pct,
        }
    }
}

/// A running timer.
#[derive(Debug)]
pub struct Timer {
    started: Instant,
    inject_pct: f64,
}

impl Timer {
    /// Stops timing and returns the sample in nanoseconds. With `--inject-pct P` it
    /// first busy-waits until the elapsed time is `(1 + P/100)` times the work's own,
    /// so the calibration sees a slowdown of exactly that size; spinning rather than
    /// sleeping keeps the scheduler's wake-up latency out of it.
    pub fn stop(self) -> u64 {
        let work = self.started.elapsed();
        if self.inject_pct > 0.0 {
            let target = work.mul_f64(1.0 + self.inject_pct / 100.0);
            while self.started.elapsed() < target {
                spin_loop();
            }
        }
        nanos(self.started.elapsed())
    }
}

/// A duration in whole nanoseconds, saturating (584 years do not fit in a u64).
pub fn nanos(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// How many operations `--inject-work-pct pct` adds to a sample of `n`:
/// `ceil(n * pct / 100)`, computed in f64 in that order, as the Go binary does, so that
/// both add the same count. Zero when `pct` is zero, so no extra work is done at all.
pub fn extra_ops(n: u64, pct: f64) -> u64 {
    // `as` saturates; a count past u64 could not be run anyway.
    (n as f64 * pct / 100.0).ceil() as u64
}

/// What one sample produced: its time, its checksum, and whatever else the workload
/// reports from it (memory readings, a latency histogram).
#[derive(Debug)]
pub struct Sample<T> {
    pub ns: u64,
    pub checksum: u64,
    pub detail: T,
}

/// The measured samples of a run.
#[derive(Debug)]
pub struct Series<T> {
    pub samples_ns: Vec<u64>,
    pub checksum: u64,
    first: Option<T>,
    last: T,
}

impl<T> Series<T> {
    /// The detail of the first sample the process ran, warm-up included (the spec
    /// takes memory from it, since later samples reuse memory the first one freed).
    pub fn first(&self) -> &T {
        self.first.as_ref().unwrap_or(&self.last)
    }

    /// The detail of the last measured sample (the spec takes histograms from it).
    pub fn last(&self) -> &T {
        &self.last
    }

    /// The time of the last measured sample.
    pub fn last_ns(&self) -> u64 {
        *self
            .samples_ns
            .last()
            .expect("a series has at least one sample")
    }

    /// Puts the samples and the checksum into the report.
    pub fn write_to(&self, report: &mut Report) {
        report.samples = self.samples_ns.clone();
        report.checksum = self.checksum.to_string();
    }
}

/// Runs `invocation.warmup` unrecorded samples, then `invocation.samples` recorded
/// ones. Every sample, warm-up included, must compute the checksum of the first one; a
/// sample that computes another fails the run naming both values.
pub fn run<T>(
    invocation: &Invocation,
    mut one: impl FnMut(Clock) -> Result<Sample<T>, Failure>,
) -> Result<Series<T>, Failure> {
    let clock = Clock::new(invocation.inject_pct);
    let total = invocation.warmup + invocation.samples;
    let mut expected: Option<u64> = None;
    let mut samples_ns = Vec::with_capacity(invocation.samples as usize);
    let mut first = None;
    let mut last = None;
    for index in 0..total {
        let sample = one(clock)?;
        match expected {
            None => expected = Some(sample.checksum),
            Some(checksum) if checksum != sample.checksum => {
                return Err(Failure::Run(format!(
                    "versus-rs {}: sample {index} computed checksum {} but sample 0 computed {checksum}",
                    invocation.workload, sample.checksum
                )));
            }
            Some(_) => {}
        }
        // Keep only the first detail the process computed (warm-up included: the spec
        // takes memory from the only sample that could not reuse memory an earlier one
        // freed) and the latest measured one, so that a workload whose detail is large
        // (a histogram) does not hold one per sample.
        if index == 0 && invocation.warmup > 0 {
            first = Some(sample.detail);
            continue;
        }
        if index < invocation.warmup {
            continue;
        }
        samples_ns.push(sample.ns);
        if first.is_none() && last.is_none() {
            last = Some(sample.detail);
        } else {
            if first.is_none() {
                first = last.take();
            }
            last = Some(sample.detail);
        }
    }
    let (Some(checksum), Some(last)) = (expected, last) else {
        unreachable!("the command line guarantees at least one measured sample");
    };
    Ok(Series {
        samples_ns,
        checksum,
        first,
        last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn invocation(warmup: u32, samples: u32) -> Invocation {
        Invocation {
            workload: "test",
            variant: "test",
            params: BTreeMap::new(),
            samples,
            warmup,
            inject_pct: 0.0,
            inject_work_pct: 0.0,
        }
    }

    #[test]
    fn keeps_the_first_detail_run_and_the_last_measured_and_skips_warmup_samples() {
        let mut index = 0;
        let series = run(&invocation(2, 4), |_| {
            index += 1;
            Ok(Sample {
                ns: index,
                checksum: 7,
                detail: index,
            })
        })
        .unwrap();
        assert_eq!(series.samples_ns, vec![3, 4, 5, 6]);
        assert_eq!(*series.first(), 1, "the first sample run, a warm-up one");
        assert_eq!(*series.last(), 6);
        assert_eq!(series.checksum, 7);
    }

    #[test]
    fn one_sample_is_both_first_and_last() {
        let series = run(&invocation(0, 1), |_| {
            Ok(Sample {
                ns: 1,
                checksum: 0,
                detail: "only",
            })
        })
        .unwrap();
        assert_eq!(*series.first(), "only");
        assert_eq!(*series.last(), "only");
    }

    #[test]
    fn inject_pct_stretches_the_sample_at_least_that_much() {
        // Only a lower bound is checked: the spin guarantees it whatever the load.
        let timer = Clock::new(100.0).start();
        let work_started = Instant::now();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let work = nanos(work_started.elapsed());
        assert!(timer.stop() >= 2 * work);
    }

    #[test]
    fn extra_ops_is_the_ceiling_of_pct_percent_of_n() {
        assert_eq!(extra_ops(1_000_000, 0.0), 0);
        assert_eq!(extra_ops(0, 5.0), 0);
        assert_eq!(extra_ops(1_000_000, 0.5), 5_000);
        assert_eq!(extra_ops(1_000_000, 5.0), 50_000);
        assert_eq!(extra_ops(100_000, 1.0), 1_000);
        assert_eq!(extra_ops(3, 0.5), 1, "any fraction of an op rounds up");
        assert_eq!(
            extra_ops(1_000, 250.0),
            2_500,
            "more than the sample's own work"
        );
    }

    #[test]
    fn a_different_checksum_fails_naming_both_values() {
        let mut checksum = 10;
        let failure = run(&invocation(1, 2), |_| {
            checksum += 1;
            Ok(Sample {
                ns: 1,
                checksum,
                detail: (),
            })
        })
        .unwrap_err();
        let Failure::Run(message) = failure else {
            panic!("expected a run failure, got {failure:?}");
        };
        assert!(
            message.contains("11") && message.contains("12"),
            "{message}"
        );
    }
}
