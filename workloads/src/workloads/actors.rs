//! `actors`: A actors with bounded mailboxes receive M messages from one driver task
//! (claims B1, "1,000,000 messages across 10,000 actors, Rust p99 1.2 ms", B2, Go
//! matches Rust's throughput until GC saturation, and B3, peak memory). Message `k`
//! goes to actor `k % A` carrying its send time; the actor writes the latency into
//! slot `k` of a preallocated array and adds `k · (a + 1)` to its sum (`a` its number,
//! so that the checksum proves routing). It measures send-to-receive
//! latency under a full fan-out and the throughput of the whole exchange; it does not
//! measure actor creation (done before timing) or any work inside an actor.
//!
//! With `rate` R above 0 the driver is paced: message `k` is due at `k / R` seconds
//! after the start, the driver waits (yielding to the scheduler) until it is due, and its
//! latency runs from that intended time, not from when the driver got to send it —
//! without coordinated omission, as wrk2 measures — so a driver that falls behind
//! shows as latency rather than hiding it. At a load below saturation this is the
//! hand-off latency; unpaced (R = 0), the latency is mostly the queue ahead of a
//! message, which measures the scheduler's policy under a producer that never waits.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use hdrhistogram::Histogram;
use tokio::sync::{mpsc, Notify};

use crate::contract::{Failure, Invocation, Report, Workload};
use crate::latency;
use crate::runtime;
use crate::sampling::{self, nanos, Clock, Sample};

pub const WORKLOAD: Workload = Workload {
    name: "actors",
    variants: &["tokio"],
    defaults: |_| {
        vec![
            ("size", 10_000),
            ("actors", 100),
            ("mailbox", 64),
            ("rate", 0),
        ]
    },
    accepts_inject_work: false,
    run,
};

/// A latency slot no actor has written yet. Filling the array with it before timing
/// also faults in every page, so page faults stay out of the timed region.
const UNWRITTEN: u64 = u64::MAX;

/// One message: its index and when the driver sent it.
struct Message {
    k: u64,
    /// When the message was sent, or when it was due, paced.
    sent: Instant,
}

fn run(invocation: &Invocation, report: &mut Report) -> Result<(), Failure> {
    let messages = invocation.param("size");
    let actors = invocation.count("actors")?;
    let mailbox = invocation.count("mailbox")?;
    if actors == 0 || mailbox == 0 {
        return Err(invocation.usage("actors and mailbox must be at least 1".to_string()));
    }
    report.ops = messages;
    report.set("actors", actors as u64);
    report.set("mailbox", mailbox as u64);
    let rate = invocation.param("rate");
    report.set("offered_rate_per_s", rate);
    let latency: Arc<[AtomicU64]> = (0..invocation.count("size")?)
        .map(|_| AtomicU64::new(UNWRITTEN))
        .collect();
    let runtime = runtime::multi_thread(report)?;
    let series = sampling::run(invocation, |clock| {
        for slot in latency.iter() {
            slot.store(UNWRITTEN, Ordering::Relaxed);
        }
        runtime.block_on(exchange(actors, mailbox, rate, Arc::clone(&latency), clock))
    })?;
    series.write_to(report);
    latency::report(report, series.last())?;
    report.set(
        "throughput_per_s",
        latency::throughput_per_s(messages, series.last_ns()),
    );
    Ok(())
}

async fn exchange(
    actors: usize,
    mailbox: usize,
    rate: u64,
    latency: Arc<[AtomicU64]>,
    clock: Clock,
) -> Result<Sample<Histogram<u64>>, Failure> {
    let messages = latency.len() as u64;
    let mut mailboxes = Vec::with_capacity(actors);
    let mut handles = Vec::with_capacity(actors);
    // Every actor has run once, and waits on its mailbox, before the timer starts, as in
    // Go (its start WaitGroup): the spec puts spawning, and so each task's first poll,
    // outside the timed region. A countdown rather than a barrier, which would wake
    // every actor again once the driver passes it, inside the timed region.
    let waiting = Arc::new(AtomicUsize::new(actors));
    let all_waiting = Arc::new(Notify::new());
    for actor in 0..actors {
        let (sender, mut receiver) = mpsc::channel::<Message>(mailbox);
        // Each message counts k times this actor's number: a message delivered to
        // another actor than k mod A changes the checksum.
        let weight = actor as u64 + 1;
        let latency = Arc::clone(&latency);
        let waiting = Arc::clone(&waiting);
        let all_waiting = Arc::clone(&all_waiting);
        mailboxes.push(sender);
        handles.push(tokio::spawn(async move {
            if waiting.fetch_sub(1, Ordering::AcqRel) == 1 {
                all_waiting.notify_one();
            }
            let mut sum = 0u64;
            while let Some(message) = receiver.recv().await {
                let waited = nanos(message.sent.elapsed());
                latency[message.k as usize].store(waited, Ordering::Relaxed);
                sum = sum.wrapping_add(message.k.wrapping_mul(weight));
            }
            sum
        }));
    }
    // The driver is a task of its own, like every actor, rather than the future
    // `block_on` polls on the main thread outside the worker pool.
    let driver = tokio::spawn(async move {
        // notify_one keeps a permit when no one waits yet, so the last actor's signal
        // is not lost if it comes first.
        while waiting.load(Ordering::Acquire) > 0 {
            all_waiting.notified().await;
        }
        let timer = clock.start();
        let start = Instant::now();
        for k in 0..messages {
            let sent = if rate == 0 {
                Instant::now()
            } else {
                // Due k / rate seconds after the start, in nanoseconds without
                // overflow (u128), as the Go binary computes it.
                let due = start
                    + std::time::Duration::from_nanos(
                        (u128::from(k) * 1_000_000_000 / u128::from(rate)) as u64,
                    );
                // Waiting yields, so that the actors this worker woke run meanwhile
                // (a spinning driver would hold the worker, and on two cores half the
                // machine), as Go's driver yields with runtime.Gosched.
                while Instant::now() < due {
                    tokio::task::yield_now().await;
                }
                due
            };
            let message = Message { k, sent };
            if mailboxes[(k % actors as u64) as usize]
                .send(message)
                .await
                .is_err()
            {
                return Err(Failure::Run(format!(
                    "actor {} stopped early",
                    k % actors as u64
                )));
            }
        }
        // Dropping the senders closes every mailbox; each actor returns once its
        // mailbox is drained.
        drop(mailboxes);
        let mut total = 0u64;
        for handle in handles {
            total = total.wrapping_add(runtime::joined(handle.await, "an actor")?);
        }
        Ok((timer.stop(), total))
    });
    let (ns, total) = runtime::joined(driver.await, "the driver")??;

    let mut histogram = latency::histogram();
    for (k, slot) in latency.iter().enumerate() {
        let waited = slot.load(Ordering::Relaxed);
        if waited == UNWRITTEN {
            return Err(Failure::Run(format!("message {k} was never received")));
        }
        latency::record(&mut histogram, waited);
    }
    Ok(Sample {
        ns,
        checksum: black_box(total),
        detail: histogram,
    })
}

#[cfg(test)]
mod tests {
    use crate::workloads::tests::run_quietly;

    /// The checksum of M messages routed to A actors: Σ k·(k mod A + 1).
    fn routed(messages: u64, actors: u64) -> u64 {
        (0..messages).map(|k| k * (k % actors + 1)).sum()
    }

    #[test]
    fn checksum_proves_each_message_reached_its_actor() {
        let report = run_quietly(
            "actors",
            "tokio",
            &[("size", 1000), ("actors", 7), ("mailbox", 2)],
        );
        assert_eq!(report.checksum, routed(1000, 7).to_string());
        // Everything sent to actor 0 would give the plain sum of indices.
        assert_ne!(routed(1000, 7), 1000 * 999 / 2);
        assert_eq!(report.extra["count"], 1000);
        assert!(report.histogram.is_some());
    }

    /// Paced: the driver never runs ahead of the offered rate, the checksum is the same
    /// and the offered rate is recorded.
    #[test]
    fn a_paced_driver_keeps_to_its_rate() {
        let report = run_quietly(
            "actors",
            "tokio",
            &[
                ("size", 2000),
                ("actors", 7),
                ("mailbox", 64),
                ("rate", 200_000),
            ],
        );
        assert_eq!(report.checksum, routed(2000, 7).to_string());
        assert_eq!(report.extra["offered_rate_per_s"], 200_000);
        let achieved = report.extra["throughput_per_s"].as_f64().unwrap();
        assert!(achieved <= 200_000.0 * 1.05, "{achieved}");
    }
}
