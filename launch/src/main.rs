//! `versus-launch PROGRAM [ARGS...]`: run one workload process and report what the
//! kernel measured of it, on the last line of stderr.
//!
//! Why it exists: Linux carries a process's peak resident set into the children it
//! spawns (at `exec`, the old address space's high-water mark is folded into the new
//! process's `ru_maxrss`, for `fork` and `vfork` alike), so a workload started directly
//! by the orchestrator could never report less than the orchestrator's own peak RSS. This
//! launcher is small and starts with a fresh address space, so the workload it spawns
//! inherits at most the launcher's own ~1-2 MB, and it reads the workload's usage with
//! `wait4` on that one process.
//!
//! stdin, stdout and stderr are inherited, so the workload's output reaches the
//! orchestrator untouched; the report follows as one line:
//! `versus-launch {"wall_ns":…,"user_ns":…,"sys_ns":…,"max_rss_bytes":…,"exit_code":…,"signal":…}`.

use std::io::Write;
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: versus-launch PROGRAM [ARGS...]");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let child = match Command::new(&program).args(args).spawn() {
        Ok(child) => child,
        Err(error) => {
            eprintln!(
                "versus-launch: could not start {}: {error}",
                program.to_string_lossy()
            );
            return ExitCode::from(127);
        }
    };
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live, writable locals of the right types.
        let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if waited == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            eprintln!(
                "versus-launch: waiting for {}: {error}",
                program.to_string_lossy()
            );
            return ExitCode::from(125);
        }
    }
    let wall_ns = start.elapsed().as_nanos();
    let timeval_ns =
        |t: libc::timeval| t.tv_sec as i128 * 1_000_000_000 + t.tv_usec as i128 * 1_000;
    let (exit_code, signal) = if libc::WIFSIGNALED(status) {
        ("null".to_string(), libc::WTERMSIG(status).to_string())
    } else {
        (libc::WEXITSTATUS(status).to_string(), "null".to_string())
    };
    let report = format!(
        "\nversus-launch {{\"wall_ns\":{wall_ns},\"user_ns\":{},\"sys_ns\":{},\"max_rss_bytes\":{},\"exit_code\":{exit_code},\"signal\":{signal}}}\n",
        timeval_ns(usage.ru_utime),
        timeval_ns(usage.ru_stime),
        // Linux reports ru_maxrss in kibibytes.
        usage.ru_maxrss.max(0) as i128 * 1024,
    );
    let _ = std::io::stderr().write_all(report.as_bytes());
    ExitCode::SUCCESS
}
