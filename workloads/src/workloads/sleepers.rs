//! `sleepers`: N tasks alive at once, each then sleeping S ms (claims D1 and D2,
//! 1,000,000 OS threads vs goroutines, and claim B3 and E's "threads cost MBs"). Every
//! task announces itself and waits on a start barrier, so that all N exist together;
//! the sample is the time to spawn them all, and the resident set at that moment in the
//! first sample the process runs (warm-up included) gives `bytes_per_task`. It does not
//! measure the sleep itself (only `total_ns` includes it) nor virtual memory, which for
//! threads is mostly untouched stack. `thread` uses OS threads with the default stack size, `tokio`
//! tasks on a multi-thread runtime. Sizes beyond a kernel limit or MemAvailable are
//! `skipped` before anything is spawned, and a spawn refused anyway is `skipped` after
//! the tasks already spawned are released and joined.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};

use crate::contract::{self, Failure, Invocation, Report, Workload};
use crate::limits::{self, MemInfo, MemoryReading};
use crate::runtime;
use crate::sampling::{self, nanos, Clock, Sample, Series};

pub const WORKLOAD: Workload = Workload {
    name: "sleepers",
    variants: &["thread", "tokio"],
    defaults: |_| vec![("size", 1_000), ("sleep_ms", 10)],
    accepts_inject_work: false,
    run,
};

/// What one sample knows beyond its time.
#[derive(Debug)]
struct Memory {
    rss_baseline_bytes: u64,
    rss_peak_bytes: u64,
    /// /proc/meminfo and the trial's cgroup before spawning and at the peak: the
    /// kernel's share of the tasks, MemAvailable and MemFree.
    machine: (MemoryReading, MemoryReading),
    total_ns: u64,
}

fn run(invocation: &Invocation, report: &mut Report) -> Result<(), Failure> {
    let n = invocation.param("size");
    invocation.count("size")?;
    let sleep = Duration::from_millis(invocation.param("sleep_ms"));
    report.ops = n;
    let series = if invocation.variant == "thread" {
        report.set("thread_stack_bytes", contract::thread_stack_bytes());
        limits::check_threads(n)?;
        let cost = limits::thread_cost_bytes();
        report.set("thread_cost_estimate_bytes", cost);
        limits::check_memory(n, cost, "thread")?;
        sampling::run(invocation, |clock| threads(n, sleep, clock))?
    } else {
        let runtime = runtime::multi_thread(report)?;
        limits::check_memory(n, limits::TASK_RESIDENT_BYTES, "task")?;
        sampling::run(invocation, |clock| {
            runtime::in_pool(&runtime, "the spawning task", tasks(n, sleep, clock))
        })?
    };
    series.write_to(report);
    write_memory(report, &series, n);
    Ok(())
}

fn write_memory(report: &mut Report, series: &Series<Memory>, n: u64) {
    let first = series.first();
    report.set("rss_baseline_bytes", first.rss_baseline_bytes);
    report.set("rss_peak_bytes", first.rss_peak_bytes);
    // Signed: memory returned to the OS between the two readings could make the
    // difference negative, and a negative figure is more honest than a clamped one.
    let grown = first.rss_peak_bytes as i64 - first.rss_baseline_bytes as i64;
    let per = |bytes: i64| bytes / n.max(1) as i64;
    // The user figure: what the process's resident set grew by.
    report.set("bytes_per_task", per(grown));
    report.set("user_bytes_per_task", per(grown));
    report.set("rss_source", limits::rss_source());
    // The kernel's share that no resident set shows (a thread's kernel stack, task
    // struct, page tables), and the total a task costs the machine.
    let (before, peak) = first.machine;
    // How much a field grew from before to the peak, per task, where both readings have it.
    let grew = |field: fn(&MemInfo) -> Option<u64>| {
        Some(per(
            field(&peak.machine)? as i64 - field(&before.machine)? as i64
        ))
    };
    let meminfo_kernel = grew(|m| m.kernel_task);
    if let Some(kernel) = meminfo_kernel {
        report.set("meminfo_kernel_bytes_per_task", kernel);
        report.set("meminfo_total_bytes_per_task", per(grown) + kernel);
    }
    let group = limits::Cgroup::from_env().zip(before.group.zip(peak.group));
    let group_total =
        group.and_then(|(_, (before, peak))| Some(per(peak.total? as i64 - before.total? as i64)));
    match (group, group_total, meminfo_kernel) {
        (Some((cgroup, (before, peak))), Some(total), _) => {
            // The group's own kernel counter where it has one, else what the total
            // holds beyond the resident set.
            let kernel = match (before.kernel, peak.kernel) {
                (Some(b), Some(p)) => per(p as i64 - b as i64),
                _ => total - per(grown),
            };
            report.set("kernel_bytes_per_task", kernel);
            report.set("total_bytes_per_task", total);
            report.set("memory_method", cgroup.method());
        }
        (_, _, Some(kernel)) => {
            report.set("kernel_bytes_per_task", kernel);
            report.set("total_bytes_per_task", per(grown) + kernel);
            report.set(
                "memory_method",
                "resident set growth + /proc/meminfo KernelStack, PageTables, SUnreclaim deltas",
            );
        }
        _ => report.set(
            "memory_method",
            "resident set growth only (no /proc/meminfo)",
        ),
    }
    if let Some(grown) = grew(|m| m.available) {
        report.set("mem_available_drop_per_task", -grown);
    }
    if let Some(grown) = grew(|m| m.free) {
        report.set("mem_free_drop_per_task", -grown);
    }
    report.set("live_tasks", n);
    report.set("total_ns", first.total_ns);
}

/// The start barrier of the thread variant: a flag under a mutex and a condition
/// variable that every thread waits on until the flag is set.
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while !*open {
            open = self
                .opened
                .wait(open)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn release(&self) {
        *self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = true;
        self.opened.notify_all();
    }
}

/// A vector for `n` handles whose pages are already resident, so that neither the
/// timed region nor the memory per task pays for the bookkeeping vector, as in Go, whose
/// results slice is written before the baseline is read.
fn prefaulted<T>(n: u64) -> Vec<T> {
    let mut handles = Vec::with_capacity(n as usize);
    for slot in handles.spare_capacity_mut() {
        *slot = std::mem::MaybeUninit::zeroed();
    }
    handles
}

fn threads(n: u64, sleep: Duration, clock: Clock) -> Result<Sample<Memory>, Failure> {
    let mut handles = prefaulted(n);
    let rss_baseline_bytes = limits::vm_rss_bytes()?;
    let machine_before = MemoryReading::take();
    let alive = Arc::new(AtomicU64::new(0));
    let gate = Arc::new(Gate {
        open: Mutex::new(false),
        opened: Condvar::new(),
    });
    let main = thread::current();

    let started = Instant::now();
    let timer = clock.start();
    for index in 0..n {
        let (announce, barrier, waiter) = (Arc::clone(&alive), Arc::clone(&gate), main.clone());
        let spawned = thread::Builder::new().spawn(move || {
            // The last thread to announce itself wakes the main thread, which parks
            // instead of spinning so it does not steal a core from the spawns.
            if announce.fetch_add(1, Ordering::AcqRel) + 1 == n {
                waiter.unpark();
            }
            barrier.wait();
            thread::sleep(sleep);
            index
        });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(error) => {
                let created = handles.len();
                gate.release();
                join(handles)?;
                return Err(limits::thread_refused(
                    &limits::spawned_before_refusal(created, n),
                    &error,
                ));
            }
        }
    }
    while alive.load(Ordering::Acquire) < n {
        thread::park();
    }
    let ns = timer.stop();
    let rss_peak_bytes = limits::vm_rss_bytes()?;
    let machine_peak = MemoryReading::take();
    gate.release();
    let total = join(handles)?;
    let total_ns = nanos(started.elapsed());
    Ok(Sample {
        ns,
        checksum: black_box(total),
        detail: Memory {
            rss_baseline_bytes,
            rss_peak_bytes,
            machine: (machine_before, machine_peak),
            total_ns,
        },
    })
}

fn join(handles: Vec<thread::JoinHandle<u64>>) -> Result<u64, Failure> {
    let mut total = 0u64;
    for handle in handles {
        let index = handle
            .join()
            .map_err(|_| Failure::Run("a sleeper thread panicked".to_string()))?;
        total = total.wrapping_add(index);
    }
    Ok(total)
}

async fn tasks(n: u64, sleep: Duration, clock: Clock) -> Result<Sample<Memory>, Failure> {
    let mut handles = prefaulted(n);
    let rss_baseline_bytes = limits::vm_rss_bytes()?;
    let machine_before = MemoryReading::take();
    let alive = Arc::new(AtomicU64::new(0));
    let all_alive = Arc::new(Notify::new());
    // A watch channel is the start barrier: a task that subscribes after the value
    // changed still sees it, so no task can miss the release.
    let (release, gate) = watch::channel(false);

    let started = Instant::now();
    let timer = clock.start();
    for index in 0..n {
        let (announce, last_alive, mut barrier) =
            (Arc::clone(&alive), Arc::clone(&all_alive), gate.clone());
        handles.push(tokio::spawn(async move {
            if announce.fetch_add(1, Ordering::AcqRel) + 1 == n {
                // notify_one stores a permit when nobody waits yet, so the wake-up
                // cannot be lost.
                last_alive.notify_one();
            }
            // An error means the sender is gone, which only happens once the sample
            // is over; either way the task goes on to sleep and return.
            let _ = barrier.wait_for(|open| *open).await;
            tokio::time::sleep(sleep).await;
            index
        }));
    }
    while alive.load(Ordering::Acquire) < n {
        all_alive.notified().await;
    }
    let ns = timer.stop();
    let rss_peak_bytes = limits::vm_rss_bytes()?;
    let machine_peak = MemoryReading::take();
    release.send_replace(true);
    let mut total = 0u64;
    for handle in handles {
        total = total.wrapping_add(runtime::joined(handle.await, "a sleeper task")?);
    }
    let total_ns = nanos(started.elapsed());
    Ok(Sample {
        ns,
        checksum: black_box(total),
        detail: Memory {
            rss_baseline_bytes,
            rss_peak_bytes,
            machine: (machine_before, machine_peak),
            total_ns,
        },
    })
}

#[cfg(test)]
mod tests {
    use crate::contract::Failure;
    use crate::workloads::tests::{run_quietly, try_run};

    #[test]
    fn checksum_is_the_sum_of_indices_and_memory_is_reported() {
        for variant in ["thread", "tokio"] {
            let report = run_quietly("sleepers", variant, &[("size", 20), ("sleep_ms", 1)]);
            assert_eq!(report.checksum, (20u64 * 19 / 2).to_string(), "{variant}");
            assert_eq!(report.extra["live_tasks"], 20);
            assert!(report.extra["rss_peak_bytes"].as_u64().unwrap() > 0);
        }
    }

    #[test]
    fn more_threads_than_any_machine_allows_are_skipped_before_spawning() {
        let failure = try_run("sleepers", "thread", &[("size", 1 << 40)]).unwrap_err();
        let Failure::Skipped(reason) = failure else {
            panic!("expected skipped, got {failure:?}");
        };
        assert!(reason.starts_with("needs "), "{reason}");
    }
}
