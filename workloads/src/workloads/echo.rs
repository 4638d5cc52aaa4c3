//! `echo`: C clients each do R round trips of a 64-byte message with a TCP echo server
//! on 127.0.0.1 (claim A4, Go's netpoller scales without async code, and E's "Go wins
//! I/O-bound"). `tokio` serves and drives every connection as a task on a multi-thread
//! runtime; `thread` uses std::net with one server thread and one client thread per
//! connection. It measures connect, the round trips and close over loopback, with
//! per-round-trip latency; it does not measure a real network, TLS, or a server that
//! does work. The listening socket is made with libc so that every variant gets the
//! backlog min(4096, net.core.somaxconn) instead of std's fixed 128.

use std::hint::black_box;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;

use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::contract::{self, Failure, Invocation, Report, Workload};
use crate::latency;
use crate::limits::{self, Rlimit};
use crate::runtime;
use crate::sampling::{self, nanos, Clock, Sample};

pub const WORKLOAD: Workload = Workload {
    name: "echo",
    variants: &["tokio", "thread"],
    defaults: |_| {
        vec![
            ("size", 10),
            ("rounds", 10),
            ("message", MESSAGE_BYTES as u64),
        ]
    },
    accepts_inject_work: false,
    run,
};

const MESSAGE_BYTES: usize = 64;

/// The backlog asked for, before the kernel caps it at net.core.somaxconn.
const BACKLOG_WANTED: u64 = 4096;

/// Files the process needs besides its sockets (stdio, the runtime's epoll and
/// eventfd, /proc reads), as the spec's `2·C + 64` counts them.
const SPARE_FILES: u64 = 64;

type Message = [u8; MESSAGE_BYTES];

fn run(invocation: &Invocation, report: &mut Report) -> Result<(), Failure> {
    let connections = invocation.param("size");
    let rounds = invocation.param("rounds");
    invocation.count("size")?;
    invocation.count("rounds")?;
    if rounds == 0 {
        return Err(invocation.usage("rounds must be at least 1".to_string()));
    }
    if invocation.param("message") != MESSAGE_BYTES as u64 {
        return Err(invocation.usage(format!("message is fixed at {MESSAGE_BYTES} bytes")));
    }
    report.ops = connections.saturating_mul(rounds);
    report.set("connections", connections);

    let (nofile_soft, nofile_hard) = limits::raise_nofile()
        .map_err(|err| Failure::Run(format!("raising RLIMIT_NOFILE: {err}")))?;
    report.set("nofile_soft", rlimit_value(nofile_soft));
    report.set("nofile_hard", rlimit_value(nofile_hard));
    let backlog = limits::somaxconn().map_or(BACKLOG_WANTED, |max| max.min(BACKLOG_WANTED));
    report.set("listen_backlog", backlog);

    let files = connections.saturating_mul(2).saturating_add(SPARE_FILES);
    if let Rlimit::Limited(soft) = nofile_soft {
        if files > soft {
            return Err(Failure::Skipped(format!(
                "needs {files} open files but RLIMIT_NOFILE is {soft}"
            )));
        }
    }

    let listener = listen_loopback(backlog as i32)
        .map_err(|err| Failure::Run(format!("listening on 127.0.0.1: {err}")))?;
    let address = listener
        .local_addr()
        .map_err(|err| Failure::Run(format!("reading the listening address: {err}")))?;

    let series = if invocation.variant == "thread" {
        report.set("thread_stack_bytes", contract::thread_stack_bytes());
        let threads = connections.saturating_mul(2);
        limits::check_threads(threads)?;
        limits::check_memory(threads, limits::thread_cost_bytes(), "thread")?;
        let server = ThreadServer::start(listener)?;
        sampling::run(invocation, |clock| {
            server.sample(address, connections, rounds, clock)
        })?
    } else {
        let runtime = runtime::multi_thread(report)?;
        let server_error = Arc::new(Mutex::new(None));
        let listener = {
            let _entered = runtime.enter();
            listener
                .set_nonblocking(true)
                .and_then(|()| tokio::net::TcpListener::from_std(listener))
                .map_err(|err| Failure::Run(format!("registering the listener: {err}")))?
        };
        runtime.spawn(serve_tasks(listener, Arc::clone(&server_error)));
        sampling::run(invocation, |clock| {
            runtime::in_pool(
                &runtime,
                "the client-spawning task",
                tasks(address, connections, rounds, clock),
            )
            .map_err(|failure| explained(failure, &server_error))
        })?
    };
    series.write_to(report);
    latency::report(report, series.last())?;
    report.set(
        "throughput_per_s",
        latency::throughput_per_s(report.ops, series.last_ns()),
    );
    Ok(())
}

fn rlimit_value(limit: Rlimit) -> serde_json::Value {
    match limit {
        Rlimit::Limited(value) => value.into(),
        Rlimit::Unlimited => "unlimited".into(),
    }
}

/// Byte `j` of round `r` of connection `c`: `(c * 31 + r * 7 + j) mod 256`. Wrapping
/// arithmetic is exact here, since 256 divides 2^64.
fn message(connection: u64, round: u64) -> Message {
    let mut bytes = [0u8; MESSAGE_BYTES];
    let base = connection
        .wrapping_mul(31)
        .wrapping_add(round.wrapping_mul(7));
    for (j, byte) in bytes.iter_mut().enumerate() {
        *byte = base.wrapping_add(j as u64) as u8;
    }
    bytes
}

fn byte_sum(bytes: &Message) -> u64 {
    bytes.iter().map(|byte| u64::from(*byte)).sum()
}

/// A listening TCP socket on 127.0.0.1, an ephemeral port, and the given backlog.
fn listen_loopback(backlog: i32) -> io::Result<TcpListener> {
    // SAFETY: plain socket calls on a descriptor this function owns from creation; the
    // address and option pointers refer to live locals of the right size.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // Owned at once, so every early return below closes it.
        let socket = OwnedFd::from_raw_fd(fd);
        let one: libc::c_int = 1;
        if libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        ) != 0
        {
            return Err(io::Error::last_os_error());
        }
        let mut address: libc::sockaddr_in = std::mem::zeroed();
        address.sin_family = libc::AF_INET as libc::sa_family_t;
        address.sin_port = 0;
        address.sin_addr.s_addr = u32::from(Ipv4Addr::LOCALHOST).to_be();
        if libc::bind(
            fd,
            (&address as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        ) != 0
        {
            return Err(io::Error::last_os_error());
        }
        if libc::listen(fd, backlog) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(TcpListener::from(socket))
    }
}

/// What every sample returns: the latencies of all round trips and the byte sum.
fn finish_sample(
    ns: u64,
    results: Vec<(Vec<u64>, u64)>,
) -> Result<Sample<Histogram<u64>>, Failure> {
    let mut histogram = latency::histogram();
    let mut total = 0u64;
    for (latencies, sum) in results {
        for waited in latencies {
            latency::record(&mut histogram, waited);
        }
        total = total.wrapping_add(sum);
    }
    Ok(Sample {
        ns,
        checksum: black_box(total),
        detail: histogram,
    })
}

/// A client failure explained by the server's, when the server stopped first.
fn explained(failure: Failure, server_error: &Mutex<Option<Failure>>) -> Failure {
    let stored = server_error
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    stored.unwrap_or(failure)
}

fn client_error(connection: u64, err: io::Error) -> Failure {
    Failure::Run(format!("client {connection}: {err}"))
}

fn mismatch(connection: u64, round: u64) -> Failure {
    Failure::Run(format!(
        "client {connection}: round {round} came back different from what was sent"
    ))
}

async fn serve_tasks(listener: tokio::net::TcpListener, server_error: Arc<Mutex<Option<Failure>>>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(echo_task(stream));
            }
            Err(err) => {
                // Returning drops the listener, so connections still waiting in the
                // backlog are reset and their clients fail instead of hanging.
                *server_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(Failure::Run(
                    format!("the echo server stopped accepting: {err}"),
                ));
                return;
            }
        }
    }
}

/// Each client's latency list, allocated and written once before timing (then emptied,
/// keeping its pages), as Go writes its latency slices in setup: no page fault of
/// these lists falls inside the timed region.
fn latency_lists(connections: u64, rounds: u64) -> Vec<Vec<u64>> {
    (0..connections)
        .map(|_| {
            let mut list = vec![u64::MAX; rounds as usize];
            list.clear();
            list
        })
        .collect()
}

async fn echo_task(mut stream: tokio::net::TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    // A message's size, as Go's server reads: the same system calls per echo.
    let mut buffer = [0u8; MESSAGE_BYTES];
    loop {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Ok(());
        }
        stream.write_all(&buffer[..read]).await?;
    }
}

async fn tasks(
    address: SocketAddr,
    connections: u64,
    rounds: u64,
    clock: Clock,
) -> Result<Sample<Histogram<u64>>, Failure> {
    let mut lists = latency_lists(connections, rounds);
    let mut handles = Vec::with_capacity(connections as usize);
    let timer = clock.start();
    for (connection, latencies) in (0..connections).zip(lists.drain(..)) {
        handles.push(tokio::spawn(client_task(
            address, connection, rounds, latencies,
        )));
    }
    let mut results = Vec::with_capacity(connections as usize);
    for handle in handles {
        results.push(runtime::joined(handle.await, "a client task")??);
    }
    let ns = timer.stop();
    finish_sample(ns, results)
}

async fn client_task(
    address: SocketAddr,
    connection: u64,
    rounds: u64,
    mut latencies: Vec<u64>,
) -> Result<(Vec<u64>, u64), Failure> {
    let io = |err| client_error(connection, err);
    let mut stream = tokio::net::TcpStream::connect(address).await.map_err(io)?;
    stream.set_nodelay(true).map_err(io)?;
    let mut received = [0u8; MESSAGE_BYTES];
    let mut sum = 0u64;
    for round in 0..rounds {
        let sent = message(connection, round);
        let started = Instant::now();
        stream.write_all(&sent).await.map_err(io)?;
        stream.read_exact(&mut received).await.map_err(io)?;
        latencies.push(nanos(started.elapsed()));
        if received != sent {
            return Err(mismatch(connection, round));
        }
        sum = sum.wrapping_add(byte_sum(&received));
    }
    // Closing is part of the timed region: the client is done when its socket is.
    drop(stream);
    Ok((latencies, sum))
}

/// The std::net server: an accept thread, started before timing, that spawns one
/// thread per connection. A failure to accept or to spawn is kept so that a client
/// that then fails reports the server's cause (a refused thread is `skipped`).
struct ThreadServer {
    error: Arc<Mutex<Option<Failure>>>,
}

impl ThreadServer {
    fn start(listener: TcpListener) -> Result<ThreadServer, Failure> {
        let error = Arc::new(Mutex::new(None));
        let stored = Arc::clone(&error);
        thread::Builder::new()
            .spawn(move || accept_threads(listener, &stored))
            .map_err(|err| Failure::Run(format!("spawning the accept thread: {err}")))?;
        Ok(ThreadServer { error })
    }

    fn sample(
        &self,
        address: SocketAddr,
        connections: u64,
        rounds: u64,
        clock: Clock,
    ) -> Result<Sample<Histogram<u64>>, Failure> {
        let mut lists = latency_lists(connections, rounds);
        let mut handles = Vec::with_capacity(connections as usize);
        let timer = clock.start();
        for (connection, latencies) in (0..connections).zip(lists.drain(..)) {
            let spawned = thread::Builder::new()
                .spawn(move || client_thread(address, connection, rounds, latencies));
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(error) => {
                    let created = handles.len();
                    for handle in handles {
                        let _ = handle.join();
                    }
                    return Err(limits::thread_refused(
                        &limits::spawned_before_refusal(created, connections),
                        &error,
                    ));
                }
            }
        }
        let mut results = Vec::with_capacity(connections as usize);
        let mut first_failure = None;
        for handle in handles {
            match handle.join() {
                Ok(Ok(result)) => results.push(result),
                Ok(Err(failure)) => {
                    first_failure.get_or_insert(failure);
                }
                Err(_) => {
                    first_failure
                        .get_or_insert(Failure::Run("a client thread panicked".to_string()));
                }
            }
        }
        let ns = timer.stop();
        if let Some(failure) = first_failure {
            return Err(explained(failure, &self.error));
        }
        finish_sample(ns, results)
    }
}

fn accept_threads(listener: TcpListener, error: &Mutex<Option<Failure>>) {
    let store = |failure: Failure| {
        error
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get_or_insert(failure);
    };
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                // On a refusal the stream is dropped, which closes it: its client
                // fails at once and the sample reports this refusal as the cause.
                if let Err(err) = thread::Builder::new().spawn(move || echo_thread(stream)) {
                    store(limits::thread_refused(
                        "the echo server could not start a thread for a new connection",
                        &err,
                    ));
                }
            }
            Err(err) => {
                store(Failure::Run(format!(
                    "the echo server stopped accepting: {err}"
                )));
                return;
            }
        }
    }
}

fn echo_thread(mut stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    // A message's size, as Go's server reads: the same system calls per echo.
    let mut buffer = [0u8; MESSAGE_BYTES];
    loop {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            return Ok(());
        }
        stream.write_all(&buffer[..read])?;
    }
}

fn client_thread(
    address: SocketAddr,
    connection: u64,
    rounds: u64,
    mut latencies: Vec<u64>,
) -> Result<(Vec<u64>, u64), Failure> {
    let io = |err| client_error(connection, err);
    let mut stream = TcpStream::connect(address).map_err(io)?;
    stream.set_nodelay(true).map_err(io)?;
    let mut received = [0u8; MESSAGE_BYTES];
    let mut sum = 0u64;
    for round in 0..rounds {
        let sent = message(connection, round);
        let started = Instant::now();
        stream.write_all(&sent).map_err(io)?;
        stream.read_exact(&mut received).map_err(io)?;
        latencies.push(nanos(started.elapsed()));
        if received != sent {
            return Err(mismatch(connection, round));
        }
        sum = sum.wrapping_add(byte_sum(&received));
    }
    drop(stream);
    Ok((latencies, sum))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::tests::{run_quietly, try_run};

    /// The spec's formula, computed the slow way.
    fn expected(connections: u64, rounds: u64) -> u64 {
        let mut total = 0;
        for c in 0..connections {
            for r in 0..rounds {
                for j in 0..64 {
                    total += (c * 31 + r * 7 + j) % 256;
                }
            }
        }
        total
    }

    #[test]
    fn message_bytes_follow_the_formula() {
        let bytes = message(9, 3);
        assert_eq!(bytes[0], (9 * 31 + 3 * 7) as u8);
        assert_eq!(bytes[63], ((9 * 31 + 3 * 7 + 63) % 256) as u8);
    }

    #[test]
    fn checksum_is_the_sum_of_received_bytes() {
        for variant in ["tokio", "thread"] {
            let report = run_quietly("echo", variant, &[("size", 4), ("rounds", 3)]);
            assert_eq!(report.checksum, expected(4, 3).to_string(), "{variant}");
            assert_eq!(report.ops, 12);
            assert_eq!(report.extra["count"], 12);
        }
    }

    #[test]
    fn message_size_is_fixed() {
        let failure = try_run("echo", "tokio", &[("message", 32)]).unwrap_err();
        assert!(matches!(failure, Failure::Usage(_)), "{failure:?}");
    }
}
