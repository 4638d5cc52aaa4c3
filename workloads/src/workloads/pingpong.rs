//! `pingpong`: two tasks bounce a 4-byte integer over two channels N times (claims
//! C1-C7, "Lightweight Tasks Switch in Go vs Rust"). Ping sends `v`, pong answers
//! `v + 1`, ping sends `w + 1` next, so after N round trips ping holds 2N. `std-thread`
//! uses two OS threads and `sync_channel(B)`, whose B = 0 is a rendezvous like Go's
//! unbuffered channel; `tokio-current` and `tokio-multi` use `tokio::sync::mpsc` on a
//! current-thread and a multi-thread runtime. It measures the cost of a hand-off
//! between two tasks, nothing else: channels and both tasks exist before timing, and
//! ping itself times the N round trips once both have met at a barrier.

use std::hint::black_box;
use std::sync::{mpsc, Arc, Barrier};
use std::thread;

use tokio::sync::mpsc as tokio_mpsc;

use crate::contract::{self, Failure, Invocation, Report, Workload};
use crate::runtime;
use crate::sampling::{self, Clock, Sample};

pub const WORKLOAD: Workload = Workload {
    name: "pingpong",
    variants: &["std-thread", "tokio-current", "tokio-multi"],
    // tokio's bounded channel has no capacity 0, so its variants start at 1, the
    // nearest to the published buffer 0.
    defaults: |variant| match variant {
        "std-thread" => vec![("size", 10_000), ("buffer", 0)],
        _ => vec![("size", 10_000), ("buffer", 1)],
    },
    accepts_inject_work: false,
    run,
};

fn run(invocation: &Invocation, report: &mut Report) -> Result<(), Failure> {
    let n = invocation.param("size");
    let buffer = invocation.count("buffer")?;
    report.ops = n;
    let series = match invocation.variant {
        "std-thread" => {
            report.set("thread_stack_bytes", contract::thread_stack_bytes());
            sampling::run(invocation, |clock| threads(n, buffer, clock))?
        }
        variant => {
            if buffer == 0 {
                return Err(invocation.usage(format!(
                    "variant {variant} needs buffer >= 1 (tokio's mpsc channel has no capacity 0)"
                )));
            }
            let runtime = if variant == "tokio-current" {
                runtime::current_thread(report)?
            } else {
                runtime::multi_thread(report)?
            };
            sampling::run(invocation, |clock| {
                runtime.block_on(tasks(n, buffer, clock))
            })?
        }
    };
    series.write_to(report);
    Ok(())
}

fn threads(n: u64, buffer: usize, clock: Clock) -> Result<Sample<()>, Failure> {
    let (to_pong, from_ping) = mpsc::sync_channel::<u32>(buffer);
    let (to_ping, from_pong) = mpsc::sync_channel::<u32>(buffer);
    let met = Arc::new(Barrier::new(2));
    let pong_met = Arc::clone(&met);
    let pong = spawn("pong", move || {
        pong_met.wait();
        for _ in 0..n {
            let v = from_ping.recv().map_err(|_| "ping hung up")?;
            to_ping
                .send(v.wrapping_add(1))
                .map_err(|_| "ping hung up")?;
        }
        Ok(())
    })?;
    let ping = spawn("ping", move || {
        met.wait();
        let timer = clock.start();
        let mut v = 0u32;
        for _ in 0..n {
            to_pong.send(v).map_err(|_| "pong hung up")?;
            let w = from_pong.recv().map_err(|_| "pong hung up")?;
            v = w.wrapping_add(1);
        }
        Ok((timer.stop(), v))
    })?;
    let (ns, v) = finish(ping)?;
    finish(pong)?;
    Ok(Sample {
        ns,
        checksum: u64::from(black_box(v)),
        detail: (),
    })
}

type Side<T> = thread::JoinHandle<Result<T, &'static str>>;

fn spawn<T: Send + 'static>(
    name: &str,
    body: impl FnOnce() -> Result<T, &'static str> + Send + 'static,
) -> Result<Side<T>, Failure> {
    thread::Builder::new()
        .spawn(body)
        .map_err(|err| Failure::Run(format!("spawning the {name} thread: {err}")))
}

fn finish<T>(side: Side<T>) -> Result<T, Failure> {
    match side.join() {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(problem)) => Err(Failure::Run(problem.to_string())),
        Err(_) => Err(Failure::Run("a pingpong thread panicked".to_string())),
    }
}

async fn tasks(n: u64, buffer: usize, clock: Clock) -> Result<Sample<()>, Failure> {
    let (to_pong, mut from_ping) = tokio_mpsc::channel::<u32>(buffer);
    let (to_ping, mut from_pong) = tokio_mpsc::channel::<u32>(buffer);
    let met = Arc::new(tokio::sync::Barrier::new(2));
    let pong_met = Arc::clone(&met);
    let pong = tokio::spawn(async move {
        pong_met.wait().await;
        for _ in 0..n {
            let v = from_ping.recv().await.ok_or("ping hung up")?;
            to_ping
                .send(v.wrapping_add(1))
                .await
                .map_err(|_| "ping hung up")?;
        }
        Ok::<(), &'static str>(())
    });
    let ping = tokio::spawn(async move {
        met.wait().await;
        let timer = clock.start();
        let mut v = 0u32;
        for _ in 0..n {
            to_pong.send(v).await.map_err(|_| "pong hung up")?;
            let w = from_pong.recv().await.ok_or("pong hung up")?;
            v = w.wrapping_add(1);
        }
        Ok::<(u64, u32), &'static str>((timer.stop(), v))
    });
    let (ns, v) = runtime::joined(ping.await, "ping")?.map_err(|p| Failure::Run(p.to_string()))?;
    runtime::joined(pong.await, "pong")?.map_err(|p| Failure::Run(p.to_string()))?;
    Ok(Sample {
        ns,
        checksum: u64::from(black_box(v)),
        detail: (),
    })
}

#[cfg(test)]
mod tests {
    use crate::contract::Failure;
    use crate::workloads::tests::{run_quietly, try_run};

    #[test]
    fn checksum_is_two_n() {
        for variant in ["std-thread", "tokio-current", "tokio-multi"] {
            for buffer in [1, 16] {
                let report = run_quietly("pingpong", variant, &[("size", 200), ("buffer", buffer)]);
                assert_eq!(report.checksum, "400", "{variant} buffer {buffer}");
            }
        }
        let rendezvous = run_quietly("pingpong", "std-thread", &[("size", 200)]);
        assert_eq!(rendezvous.params["buffer"], 0);
        assert_eq!(rendezvous.checksum, "400");
    }

    #[test]
    fn tokio_buffer_zero_is_a_usage_error() {
        let failure = try_run("pingpong", "tokio-current", &[("buffer", 0)]).unwrap_err();
        assert!(matches!(failure, Failure::Usage(_)), "{failure:?}");
    }
}
