//! Starting headless Chromium and making sure it is gone afterwards.
//!
//! Chromium is spawned in its own process group with a fresh temporary
//! profile and `--remote-debugging-port=0`; the DevTools WebSocket URL is
//! read from its stderr. `$HOME` and the XDG dirs also point into the
//! profile, so Chromium writes nothing elsewhere. [`Chromium`]'s `Drop` kills
//! the whole process group with SIGKILL, plus any process naming the profile
//! (the crash handler double-forks out of the group), reaps them (we are
//! child subreaper) and removes the profile; it runs on success, on error and
//! while unwinding from a panic. `PR_SET_PDEATHSIG` additionally kills the
//! browser if `sitecheck` itself is killed outright (the profile then stays).

use anyhow::{bail, Context, Result};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How long Chromium may take to open its DevTools endpoint.
pub const LAUNCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Stderr lines kept for error messages.
const STDERR_TAIL: usize = 25;

/// Flags required by the brief, plus network guards: no DNS answers and a
/// dead loopback proxy, so a page's outside request is still *seen*
/// (Network.requestWillBeSent) but can never leave the machine.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-default-browser-check",
    "--mute-audio",
    "--disable-breakpad",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--remote-debugging-port=0",
];

/// A running Chromium; dropping it kills the process group and removes the
/// temporary profile.
pub struct Chromium {
    child: Child,
    pgid: libc::pid_t,
    profile: Option<TempDir>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    /// The browser's DevTools WebSocket URL (on 127.0.0.1).
    pub ws_url: String,
}

impl Chromium {
    /// Starts Chromium and waits (bounded by [`LAUNCH_TIMEOUT`]) for its
    /// DevTools endpoint.
    pub async fn launch(executable: &Path) -> Result<Chromium> {
        check_executable(executable)?;
        let profile = tempfile::Builder::new()
            .prefix("sitecheck-profile-")
            .tempdir()
            .context("creating a temporary Chromium profile directory")?;

        // Chromium also writes under $HOME (crash database, NSS db, caches):
        // point that into the temporary profile too, so nothing is left behind.
        let home = profile.path().join("home");
        std::fs::create_dir_all(&home).with_context(|| format!("creating {}", home.display()))?;

        let mut cmd = Command::new(executable);
        cmd.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0);
        // SAFETY: prctl is async-signal-safe and touches no memory of ours;
        // it makes the kernel SIGKILL Chromium if this thread (the main
        // thread, as the runtime is single-threaded) dies.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting Chromium at {}", executable.display()))?;
        let pgid = child.id() as libc::pid_t;
        let stderr = child
            .stderr
            .take()
            .context("taking Chromium's stderr pipe")?;

        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let (tx, rx) = tokio::sync::oneshot::channel::<String>();
        {
            let tail = Arc::clone(&tail);
            std::thread::Builder::new()
                .name("chromium-stderr".into())
                .spawn(move || drain_stderr(stderr, tail, tx))
                .context("starting the thread that reads Chromium's stderr")?;
        }

        let mut chromium = Chromium {
            child,
            pgid,
            profile: Some(profile),
            stderr_tail: tail,
            ws_url: String::new(),
        };
        match tokio::time::timeout(LAUNCH_TIMEOUT, rx).await {
            Ok(Ok(url)) => chromium.ws_url = url,
            Ok(Err(_)) => {
                let status = chromium.child.wait().ok();
                bail!(
                    "Chromium at {} exited before opening its DevTools endpoint (status {}).\n\
                     Its last stderr lines:\n{}\n\
                     Fix: check that `{} --headless --no-sandbox --disable-gpu about:blank` runs as this user; \
                     reinstall with `apt-get install -y chromium` if libraries are missing",
                    executable.display(),
                    status.map_or("unknown".to_string(), |s| s.to_string()),
                    chromium.stderr_tail(),
                    executable.display()
                );
            }
            Err(_) => bail!(
                "Chromium at {} did not open its DevTools endpoint within {}s.\n\
                 Its last stderr lines:\n{}",
                executable.display(),
                LAUNCH_TIMEOUT.as_secs(),
                chromium.stderr_tail()
            ),
        }
        Ok(chromium)
    }

    /// Chromium's last stderr lines, for error messages.
    pub fn stderr_tail(&self) -> String {
        let tail = self.stderr_tail.lock().unwrap_or_else(|e| e.into_inner());
        if tail.is_empty() {
            "  (nothing)".to_string()
        } else {
            tail.iter()
                .map(|l| format!("  {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // SAFETY: plain syscalls on the process group we created.
        unsafe {
            libc::kill(-self.pgid, libc::SIGKILL);
        }
        // The crash handler double-forks out of the group; find it (and any
        // other process of this run) by the profile path on its command line.
        if let Some(profile) = &self.profile {
            kill_processes_mentioning(profile.path());
        }
        let _ = self.child.wait();
        // As child subreaper (see `become_subreaper`), the orphaned helpers
        // are ours to reap: wait until none is left (bounded).
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            // SAFETY: reaps any exited child; we have no children but Chromium's.
            let r = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) };
            if r > 0 {
                continue;
            }
            if r < 0 || Instant::now() >= deadline {
                break; // ECHILD: nothing left
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if let Some(profile) = self.profile.take() {
            let path = profile.path().to_path_buf();
            if let Err(e) = profile.close() {
                eprintln!(
                    "sitecheck: warning: could not remove Chromium profile {}: {e}",
                    path.display()
                );
            }
        }
    }
}

/// Makes this process the reaper of its orphaned descendants, so Chromium's
/// helpers are reaped by us (deterministically) rather than by init.
pub fn become_subreaper() {
    // SAFETY: sets a flag on the calling process; no memory is shared.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1);
    }
}

/// SIGKILLs every process whose command line contains `needle` (our unique
/// temporary profile path), by pid.
fn kill_processes_mentioning(needle: &Path) {
    let needle = needle.as_os_str().as_encoded_bytes();
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if cmdline.windows(needle.len()).any(|w| w == needle) {
            // SAFETY: plain syscall on a pid we just identified as ours.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
        }
    }
}

fn check_executable(executable: &Path) -> Result<()> {
    let meta = match std::fs::metadata(executable) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "chromium not found at {}: apt-get install -y chromium (or pass --chromium PATH)",
            executable.display()
        ),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("looking at Chromium at {}", executable.display()))
        }
    };
    if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
        bail!(
            "{} is not an executable file: pass --chromium with the Chromium binary \
             (apt-get install -y chromium puts it at /usr/bin/chromium)",
            executable.display()
        );
    }
    Ok(())
}

/// Reads Chromium's stderr until it closes: reports the DevTools URL once and
/// keeps the last lines (Chromium blocks if nobody drains the pipe).
fn drain_stderr(
    stderr: std::process::ChildStderr,
    tail: Arc<Mutex<VecDeque<String>>>,
    tx: tokio::sync::oneshot::Sender<String>,
) {
    let mut tx = Some(tx);
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        if let Some(pos) = line.find("ws://") {
            if line.contains("DevTools listening on") {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(line[pos..].trim().to_string());
                }
            }
        }
        let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
        if tail.len() == STDERR_TAIL {
            tail.pop_front();
        }
        tail.push_back(line);
    }
}
