//! `spawn`: create N tasks that do nothing but return their index, then wait for all
//! (claim A1, goroutines vs OS threads, "Go ~195x faster per task"). `thread` spawns
//! std threads with the default stack size and joins each; `tokio` spawns tasks on a
//! multi-thread runtime built before timing and awaits each handle. It measures
//! creation plus teardown, not memory per task (`sleepers` does) and not the
//! published 1 ns sleep inside each task, which only adds timer noise. A thread the OS
//! refuses ends in `skipped`, never in a panic.

use std::hint::black_box;
use std::thread;

use crate::contract::{self, Failure, Invocation, Report, Workload};
use crate::limits;
use crate::runtime;
use crate::sampling::{self, Clock, Sample};

pub const WORKLOAD: Workload = Workload {
    name: "spawn",
    variants: &["thread", "tokio"],
    defaults: |_| vec![("size", 1_000)],
    accepts_inject_work: false,
    run,
};

fn run(invocation: &Invocation, report: &mut Report) -> Result<(), Failure> {
    let n = invocation.param("size");
    invocation.count("size")?;
    report.ops = n;
    let series = if invocation.variant == "thread" {
        report.set("thread_stack_bytes", contract::thread_stack_bytes());
        // A thread that has returned still holds its stack until it is joined, and
        // std aborts the process (not the spawn) when it cannot map a new thread's
        // signal stack, so the maps are checked first. Pids are not: threads that
        // return at once free theirs, and a refused pid is an ordinary spawn error.
        limits::check_thread_maps(n)?;
        sampling::run(invocation, |clock| threads(n, clock))?
    } else {
        let runtime = runtime::multi_thread(report)?;
        sampling::run(invocation, |clock| {
            runtime::in_pool(&runtime, "the spawning task", tasks(n, clock))
        })?
    };
    series.write_to(report);
    Ok(())
}

fn threads(n: u64, clock: Clock) -> Result<Sample<()>, Failure> {
    // The handles' vector is allocated before timing, as Go's results slice is.
    let mut handles = Vec::with_capacity(n as usize);
    let timer = clock.start();
    for index in 0..n {
        // Builder::spawn, unlike thread::spawn, returns the OS's refusal instead of
        // panicking; it uses the same default stack size.
        match thread::Builder::new().spawn(move || index) {
            Ok(handle) => handles.push(handle),
            Err(error) => {
                let created = handles.len();
                join(handles)?;
                return Err(limits::thread_refused(
                    &limits::spawned_before_refusal(created, n),
                    &error,
                ));
            }
        }
    }
    let total = join(handles)?;
    let ns = timer.stop();
    Ok(Sample {
        ns,
        checksum: black_box(total),
        detail: (),
    })
}

/// Joins every thread and sums what they returned.
fn join(handles: Vec<thread::JoinHandle<u64>>) -> Result<u64, Failure> {
    let mut total = 0u64;
    for handle in handles {
        let index = handle
            .join()
            .map_err(|_| Failure::Run("a spawned thread panicked".to_string()))?;
        total = total.wrapping_add(index);
    }
    Ok(total)
}

async fn tasks(n: u64, clock: Clock) -> Result<Sample<()>, Failure> {
    let mut handles = Vec::with_capacity(n as usize);
    let timer = clock.start();
    for index in 0..n {
        handles.push(tokio::spawn(async move { index }));
    }
    let mut total = 0u64;
    for handle in handles {
        total = total.wrapping_add(runtime::joined(handle.await, "a spawned task")?);
    }
    let ns = timer.stop();
    Ok(Sample {
        ns,
        checksum: black_box(total),
        detail: (),
    })
}

#[cfg(test)]
mod tests {
    use crate::contract::Failure;
    use crate::workloads::tests::{run_quietly, try_run};

    #[test]
    fn threads_whose_maps_cannot_fit_are_skipped_before_spawning() {
        let failure = try_run("spawn", "thread", &[("size", 1 << 40)]).unwrap_err();
        let Failure::Skipped(reason) = failure else {
            panic!("expected skipped, got {failure:?}");
        };
        assert!(reason.contains("vm.max_map_count"), "{reason}");
    }

    #[test]
    fn checksum_is_the_sum_of_indices() {
        for variant in ["thread", "tokio"] {
            let report = run_quietly("spawn", variant, &[("size", 50)]);
            assert_eq!(report.checksum, (50u64 * 49 / 2).to_string(), "{variant}");
        }
    }
}
