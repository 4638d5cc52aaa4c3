//! Builds the tokio runtimes the workloads use, always with tokio's defaults (worker
//! count from the available parallelism or TOKIO_WORKER_THREADS), and records their
//! shape in `extra` (`tokio_flavor`, `tokio_workers`): fairness rule 3, defaults are
//! recorded, not tuned silently.

use tokio::runtime::{Builder, Runtime, RuntimeFlavor};

use crate::contract::{Failure, Report};

/// A multi-thread runtime with the default number of workers, I/O and timers enabled.
pub fn multi_thread(report: &mut Report) -> Result<Runtime, Failure> {
    recorded(Builder::new_multi_thread().enable_all().build(), report)
}

/// A current-thread runtime: every task runs on the thread that calls `block_on`.
pub fn current_thread(report: &mut Report) -> Result<Runtime, Failure> {
    recorded(Builder::new_current_thread().enable_all().build(), report)
}

fn recorded(built: std::io::Result<Runtime>, report: &mut Report) -> Result<Runtime, Failure> {
    let runtime =
        built.map_err(|err| Failure::Run(format!("building the tokio runtime: {err}")))?;
    let (flavor, workers) = match runtime.handle().runtime_flavor() {
        RuntimeFlavor::CurrentThread => ("current_thread", 1),
        _ => ("multi_thread", runtime.metrics().num_workers()),
    };
    report.set("tokio_flavor", flavor);
    report.set("tokio_workers", workers);
    Ok(runtime)
}

/// A task that panicked or was cancelled, as a run failure.
pub fn joined<T>(result: Result<T, tokio::task::JoinError>, what: &str) -> Result<T, Failure> {
    result.map_err(|err| Failure::Run(format!("{what} did not finish: {err}")))
}

/// Runs `work` as a task of a multi-thread runtime's worker pool, not as the future
/// that `block_on` polls on the calling thread outside the pool: Go's spawning
/// goroutine runs on a P like every other one, and so does this spawner (as actors'
/// driver does).
pub fn in_pool<T: Send + 'static>(
    runtime: &Runtime,
    what: &str,
    work: impl std::future::Future<Output = Result<T, Failure>> + Send + 'static,
) -> Result<T, Failure> {
    runtime.block_on(async { joined(tokio::spawn(work).await, what)? })
}
