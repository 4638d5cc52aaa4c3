//! The one layer through which the orchestrator starts processes.
//!
//! Two kinds of process are started: tools (cargo, go, git, rustc), whose output is
//! captured and whose failure is an error naming the command; and trials, whose
//! resource use is read from the kernel with `wait4` (wall, user and system time, max
//! RSS), which are killed with their whole process group when they pass their time
//! limit, and whose failure is data, not an error. Nothing here goes through a shell.

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// A command to run: program, arguments, environment and directory, printable as the
/// line a person would type to run it again.
#[derive(Clone)]
pub struct Cmd {
    program: PathBuf,
    args: Vec<OsString>,
    envs: Vec<(OsString, Option<OsString>)>,
    /// Variables whose values are never printed (tokens): shown as `***`.
    secrets: Vec<OsString>,
    dir: Option<PathBuf>,
    /// The trial's cgroups (their `cgroup.procs`), which the trial process joins
    /// before `exec`: see [`super::cgroup`].
    cgroup_procs: Vec<PathBuf>,
}

/// As [`Display`](std::fmt::Display): a derived Debug would print secret values.
impl std::fmt::Debug for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cmd({self})")
    }
}

impl Cmd {
    pub fn new(program: impl Into<PathBuf>) -> Cmd {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            envs: Vec::new(),
            secrets: Vec::new(),
            dir: None,
            cgroup_procs: Vec::new(),
        }
    }

    /// Sets a variable whose value is secret: it reaches the process, never a message.
    pub fn env_secret(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Cmd {
        let key = key.into();
        self.secrets.push(key.clone());
        self.envs.push((key, Some(value.into())));
        self
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Cmd {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Cmd {
        self.envs.push((key.into(), Some(value.into())));
        self
    }

    pub fn env_remove(mut self, key: impl Into<OsString>) -> Cmd {
        self.envs.push((key.into(), None));
        self
    }

    pub fn dir(mut self, dir: impl AsRef<Path>) -> Cmd {
        self.dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Starts the process inside a cgroup, given by its `cgroup.procs` file (one per
    /// hierarchy: on cgroup v1 memory and pids are two).
    pub fn in_cgroup(mut self, procs: impl Into<PathBuf>) -> Cmd {
        self.cgroup_procs.push(procs.into());
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        for (key, value) in &self.envs {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        command
    }

    /// Runs a tool to completion with inherited stdout and stderr, so a build's own
    /// progress and errors reach the person; fails naming the command when it fails.
    pub fn run(&self) -> Result<()> {
        let status = self
            .command()
            .stdin(Stdio::null())
            .status()
            .with_context(|| format!("could not start `{self}`: is it installed and on PATH?"))?;
        if !status.success() {
            bail!("`{self}` failed with {status}");
        }
        Ok(())
    }

    /// Runs a tool and returns its stdout; stderr is included in the error when it fails.
    pub fn read(&self) -> Result<String> {
        let output = self
            .command()
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("could not start `{self}`: is it installed and on PATH?"))?;
        if !output.status.success() {
            bail!(
                "`{self}` failed with {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        String::from_utf8(output.stdout)
            .with_context(|| format!("`{self}` printed non-UTF-8 output"))
    }

    /// Runs a trial process: stdout and stderr captured, killed with its process group
    /// after `timeout`, resource use read from the kernel. With a `launcher`
    /// (`versus-launch`), the process is started through it and its resource use is the
    /// launcher's report: see `launch/src/main.rs` for why a process started directly
    /// would report the orchestrator's own peak RSS as its own.
    pub fn run_trial(&self, timeout: Duration, launcher: Option<&Path>) -> Result<TrialProcess> {
        let mut command = match launcher {
            Some(launcher) => {
                let mut through = self.clone();
                through.args.insert(0, through.program.into_os_string());
                through.program = launcher.to_path_buf();
                through.command()
            }
            None => self.command(),
        };
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group, so that a timeout kills whatever the workload started.
        command.process_group(0);
        // Opened here (close-on-exec, as std opens every file), written in the child.
        let procs = self
            .cgroup_procs
            .iter()
            .map(|path| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("opening {} for trial `{self}`", path.display()))
            })
            .collect::<Result<Vec<std::fs::File>>>()?;
        if !procs.is_empty() {
            use std::os::fd::AsRawFd;
            let fds: Vec<libc::c_int> = procs.iter().map(AsRawFd::as_raw_fd).collect();
            // SAFETY: the closure runs in the forked child before exec and calls only
            // write(2), which is async-signal-safe, over a vector made before the fork;
            // the fds stay open until after spawn.
            unsafe {
                command.pre_exec(move || {
                    for &fd in &fds {
                        // "0" is the writing process itself, in cgroup v1 and v2 alike.
                        if libc::write(fd, b"0".as_ptr().cast(), 1) != 1 {
                            return Err(std::io::Error::last_os_error());
                        }
                    }
                    Ok(())
                });
            }
        }
        let start = Instant::now();
        let mut child = command
            .spawn()
            .with_context(|| format!("could not start trial `{self}`"))?;
        drop(procs);
        let pid = child.id() as libc::pid_t;
        let stdout = drain(child.stdout.take().expect("stdout was piped"));
        let stderr = drain(child.stderr.take().expect("stderr was piped"));

        // wait4 blocks, so it runs on its own thread while this one keeps the clock.
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || {
            let _ = sender.send(wait4(pid));
        });
        let (waited, timed_out) = match receiver.recv_timeout(timeout) {
            Ok(waited) => (waited, false),
            Err(_) => {
                // SAFETY: kill has no memory-safety preconditions; the group is the
                // child's own (process_group(0) above), so nothing else is signalled.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
                let waited = receiver
                    .recv()
                    .context("the wait4 thread of a killed trial ended")?;
                (waited, true)
            }
        };
        let wall = start.elapsed();
        let (status, usage) = waited.with_context(|| format!("waiting for trial `{self}`"))?;
        // The process has exited; if it left children holding the pipes, the group kill
        // above (or their own exit) closes them, so these joins end.
        if !timed_out {
            // SAFETY: as above; a group whose members have all exited makes this a no-op.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
        let (stdout, output_overflow) = stdout.join().unwrap_or_default();
        let (mut stderr, _) = stderr.join().unwrap_or_default();
        drop(child);
        let mut process = TrialProcess {
            exit: ExitKind::from_wait_status(status),
            timed_out,
            stdout,
            output_overflow,
            stderr: Vec::new(),
            wall_ns: wall.as_nanos() as u64,
            user_ns: timeval_ns(usage.ru_utime),
            sys_ns: timeval_ns(usage.ru_stime),
            // Linux reports ru_maxrss in kibibytes.
            max_rss_bytes: (usage.ru_maxrss.max(0) as u64) * 1024,
        };
        if launcher.is_some() {
            // A launcher killed at the timeout has no report; what was measured of it
            // stands, and the trial is a timeout anyway.
            if let Some(report) = take_launch_report(&mut stderr) {
                process.exit = report.exit;
                process.wall_ns = report.wall_ns;
                process.user_ns = report.user_ns;
                process.sys_ns = report.sys_ns;
                process.max_rss_bytes = report.max_rss_bytes;
            } else if !timed_out {
                bail!(
                    "the launcher of `{self}` ended ({}) without its report; stderr: {}",
                    process.exit,
                    String::from_utf8_lossy(&stderr).trim()
                );
            }
        }
        process.stderr = stderr;
        Ok(process)
    }
}

impl std::fmt::Display for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (key, value) in &self.envs {
            if let Some(value) = value {
                let value = if self.secrets.contains(key) {
                    "***".into()
                } else {
                    value.to_string_lossy()
                };
                write!(f, "{}={value} ", key.to_string_lossy())?;
            }
        }
        write!(f, "{}", self.program.display())?;
        for arg in &self.args {
            let arg = arg.to_string_lossy();
            if arg.is_empty() || arg.contains(char::is_whitespace) {
                write!(f, " '{arg}'")?;
            } else {
                write!(f, " {arg}")?;
            }
        }
        Ok(())
    }
}

/// The trimmed output of `git -C dir ARGS`, or None when git fails or is not installed:
/// the reader through which `record::source` learns the commit.
pub fn git_reader(dir: &Path) -> impl Fn(&[&str]) -> Option<String> + '_ {
    move |args: &[&str]| {
        Cmd::new("git")
            .arg("-C")
            .arg(dir)
            .args(args.iter().copied())
            .read()
            .ok()
            .map(|s| s.trim().to_string())
    }
}

/// Whether `program` is an executable file in one of the PATH directories.
pub fn on_path(program: &str) -> bool {
    find_on_path(program).is_some()
}

/// The first file named `program` in the PATH directories.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// What a trial process did, as the kernel saw it.
#[derive(Debug, Clone)]
pub struct TrialProcess {
    pub exit: ExitKind,
    pub timed_out: bool,
    /// The first [`OUTPUT_LIMIT`] bytes of stdout.
    pub stdout: Vec<u8>,
    /// stdout was longer than [`OUTPUT_LIMIT`]: the rest was read and dropped.
    pub output_overflow: bool,
    /// The first [`OUTPUT_LIMIT`] bytes of stderr.
    pub stderr: Vec<u8>,
    pub wall_ns: u64,
    pub user_ns: u64,
    pub sys_ns: u64,
    pub max_rss_bytes: u64,
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    Code(i32),
    Signal(i32),
}

impl ExitKind {
    fn from_wait_status(status: libc::c_int) -> ExitKind {
        if libc::WIFSIGNALED(status) {
            ExitKind::Signal(libc::WTERMSIG(status))
        } else {
            ExitKind::Code(libc::WEXITSTATUS(status))
        }
    }
}

impl std::fmt::Display for ExitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExitKind::Code(code) => write!(f, "exit code {code}"),
            ExitKind::Signal(signal) => write!(f, "signal {signal} ({})", signal_name(*signal)),
        }
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGTERM => "SIGTERM",
        _ => "other",
    }
}

/// What `versus-launch` reported of the process it ran.
#[derive(Debug, serde::Deserialize)]
struct LaunchReportLine {
    wall_ns: u64,
    user_ns: u64,
    sys_ns: u64,
    max_rss_bytes: u64,
    exit_code: Option<i32>,
    signal: Option<i32>,
}

struct LaunchReport {
    exit: ExitKind,
    wall_ns: u64,
    user_ns: u64,
    sys_ns: u64,
    max_rss_bytes: u64,
}

/// Removes the launcher's report line from the end of `stderr` and parses it.
fn take_launch_report(stderr: &mut Vec<u8>) -> Option<LaunchReport> {
    const MARKER: &[u8] = b"\nversus-launch ";
    let at = stderr
        .windows(MARKER.len())
        .rposition(|window| window == MARKER)?;
    let line: LaunchReportLine =
        serde_json::from_slice(stderr[at + MARKER.len()..].trim_ascii()).ok()?;
    stderr.truncate(at);
    let exit = match (line.exit_code, line.signal) {
        (_, Some(signal)) => ExitKind::Signal(signal),
        (Some(code), None) => ExitKind::Code(code),
        (None, None) => return None,
    };
    Some(LaunchReport {
        exit,
        wall_ns: line.wall_ns,
        user_ns: line.user_ns,
        sys_ns: line.sys_ns,
        max_rss_bytes: line.max_rss_bytes,
    })
}

/// The most of a trial's stdout or stderr that is kept: a workload prints one JSON
/// object of at most a few hundred KB (its histogram), so more is a flood, read to the
/// end (the process must not block on a full pipe) and dropped, not held in memory.
pub const OUTPUT_LIMIT: usize = 16 << 20;

/// Reads a pipe to its end, keeping the first [`OUTPUT_LIMIT`] bytes; the flag says
/// whether there was more.
fn drain<R: Read + Send + 'static>(mut reader: R) -> thread::JoinHandle<(Vec<u8>, bool)> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut chunk = vec![0u8; 64 << 10];
        let mut overflow = false;
        loop {
            match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    let room = OUTPUT_LIMIT - bytes.len();
                    if n > room {
                        overflow = true;
                    }
                    bytes.extend_from_slice(&chunk[..n.min(room)]);
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        (bytes, overflow)
    })
}

fn wait4(pid: libc::pid_t) -> std::io::Result<(libc::c_int, libc::rusage)> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live, writable locals of the right types.
        let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if waited == pid {
            return Ok((status, usage));
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

fn timeval_ns(time: libc::timeval) -> u64 {
    (time.tv_sec as u64) * 1_000_000_000 + (time.tv_usec as u64) * 1_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_command_line() {
        let cmd = Cmd::new("go")
            .args(["build", "-o", "out dir/x"])
            .env("GOTOOLCHAIN", "local");
        assert_eq!(cmd.to_string(), "GOTOOLCHAIN=local go build -o 'out dir/x'");
    }

    #[test]
    fn trial_reports_exit_code_output_and_usage() {
        let trial = Cmd::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .run_trial(Duration::from_secs(10), None)
            .unwrap();
        assert_eq!(trial.exit, ExitKind::Code(3));
        assert!(!trial.timed_out);
        assert_eq!(trial.stdout, b"out\n");
        assert_eq!(trial.stderr, b"err\n");
        assert!(
            trial.max_rss_bytes > 0,
            "the kernel reports a max RSS for every process"
        );
        assert!(trial.wall_ns > 0);
    }

    #[test]
    fn trial_past_its_timeout_is_killed_with_its_children() {
        // The shell starts a child that would outlive it if only the shell were killed.
        let trial = Cmd::new("sh")
            .args(["-c", "sleep 30 & sleep 30; echo never"])
            .run_trial(Duration::from_millis(200), None)
            .unwrap();
        assert!(trial.timed_out);
        assert_eq!(trial.exit, ExitKind::Signal(libc::SIGKILL));
        assert!(trial.stdout.is_empty());
        assert!(
            trial.wall_ns < 20_000_000_000,
            "the pipes closed once the group was killed"
        );
    }

    #[test]
    fn the_launch_report_is_taken_from_the_end_of_stderr() {
        let mut stderr = b"diagnostics\n\nversus-launch {\"wall_ns\":5,\"user_ns\":3,\"sys_ns\":1,\"max_rss_bytes\":2048,\"exit_code\":null,\"signal\":11}\n".to_vec();
        let report = take_launch_report(&mut stderr).unwrap();
        assert_eq!(report.exit, ExitKind::Signal(11));
        assert_eq!(
            (
                report.wall_ns,
                report.user_ns,
                report.sys_ns,
                report.max_rss_bytes
            ),
            (5, 3, 1, 2048)
        );
        assert_eq!(stderr, b"diagnostics\n");
        let mut garbage = b"\nversus-launch {not json".to_vec();
        assert!(take_launch_report(&mut garbage).is_none());
    }

    #[test]
    fn failing_tool_names_the_command() {
        let error = Cmd::new("sh")
            .args(["-c", "echo broken >&2; exit 1"])
            .read()
            .unwrap_err();
        let message = format!("{error:#}");
        assert!(message.contains("sh -c"), "{message}");
        assert!(message.contains("broken"), "{message}");
    }

    #[test]
    fn missing_tool_says_so() {
        let error = Cmd::new("/nonexistent/versus-tool").read().unwrap_err();
        assert!(format!("{error:#}").contains("could not start `/nonexistent/versus-tool`"));
    }
}
