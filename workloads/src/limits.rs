//! What the kernel allows and what the process holds: the resident set (`VmRSS`), the
//! limits that decide how many threads and files a workload may have (kernel.pid_max,
//! kernel.threads-max, vm.max_map_count, RLIMIT_NPROC, RLIMIT_NOFILE, MemAvailable), and
//! the sentences a `skipped` result gives when one of them makes a size impossible.
//! Linux only, like the rest of the harness: everything is read from /proc and
//! getrlimit.

use std::fmt;
use std::io;

use crate::contract::Failure;

/// The least memory per OS thread that `sleepers` and `echo` assume when checking
/// MemAvailable, and what they assume where [`thread_cost_bytes`] cannot measure.
pub const THREAD_RESIDENT_BYTES: u64 = 16 * 1024;

/// Threads spawned to measure what one costs.
const PROBE_THREADS: usize = 256;

/// What one sleeping OS thread costs this machine, measured before a run: 256 threads
/// spawned and parked, their growth of the trial's own memory cgroup ([`Cgroup`]) or,
/// without one, their resident growth plus the kernel's share (kernel stack, page
/// tables, task structs; [`MemInfo::kernel_task`]) per thread, never less than
/// [`THREAD_RESIDENT_BYTES`]. Measured here it is about 38 KiB, where a constant of
/// 16 KiB let a run of a million threads pass the check and exhaust the machine.
pub fn thread_cost_bytes() -> u64 {
    probe_thread_cost()
        .unwrap_or(THREAD_RESIDENT_BYTES)
        .max(THREAD_RESIDENT_BYTES)
}

fn probe_thread_cost() -> Option<u64> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{mpsc, Arc};
    // The trial's own cgroup where the harness made one (everything a thread costs,
    // charged to this process alone), else resident growth plus the machine-wide
    // kernel share.
    let cost_now = || -> Option<u64> {
        match Cgroup::from_env() {
            Some(group) => group.read().total,
            None => Some(vm_rss_bytes().ok()? + MemInfo::read().kernel_task?),
        }
    };
    let before = cost_now()?;
    let parked = Arc::new(AtomicUsize::new(0));
    let (release, wait) = mpsc::channel::<()>();
    let wait = Arc::new(std::sync::Mutex::new(wait));
    let mut handles = Vec::with_capacity(PROBE_THREADS);
    for _ in 0..PROBE_THREADS {
        let (parked, wait) = (Arc::clone(&parked), Arc::clone(&wait));
        let spawned = std::thread::Builder::new().spawn(move || {
            parked.fetch_add(1, Ordering::AcqRel);
            // Every thread blocks on the mutex or the channel until the sender is
            // dropped: parked, as a sleeper is.
            let _ = wait.lock().map(|receiver| receiver.recv());
        });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(_) => break,
        }
    }
    while parked.load(Ordering::Acquire) < handles.len() {
        std::thread::yield_now();
    }
    let measured = (handles.len() == PROBE_THREADS)
        .then(|| Some(cost_now()?.saturating_sub(before) / PROBE_THREADS as u64));
    drop(release);
    for handle in handles {
        let _ = handle.join();
    }
    measured.flatten()
}

/// Resident memory per tokio task assumed by the same check.
pub const TASK_RESIDENT_BYTES: u64 = 1024;

/// The resident set of this process in bytes: the `Rss:` line of
/// /proc/self/smaps_rollup, which sums every mapping exactly, or where the kernel lacks
/// it (before 4.14) the `VmRSS` line of /proc/self/status, which proc(5) calls
/// approximate (before Linux 6.2 each thread's counter folds into it only every ~64
/// faults, undercounting idle threads).
pub fn vm_rss_bytes() -> Result<u64, Failure> {
    if let Some(rss) = std::fs::read_to_string("/proc/self/smaps_rollup")
        .ok()
        .and_then(|text| kilobytes_field(&text, "Rss:"))
    {
        return Ok(rss);
    }
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|err| Failure::Run(format!("reading /proc/self/status: {err}")))?;
    kilobytes_field(&status, "VmRSS:")
        .ok_or_else(|| Failure::Run("no VmRSS line in /proc/self/status".to_string()))
}

/// Where [`vm_rss_bytes`] reads, for the result to say.
pub fn rss_source() -> &'static str {
    if std::path::Path::new("/proc/self/smaps_rollup").exists() {
        "smaps_rollup"
    } else {
        "VmRSS"
    }
}

/// What /proc/meminfo says about the machine's memory, from one read of it; each field
/// None where the file lacks it. Machine-wide, so other processes move it too: a delta
/// over thousands of threads is what it is good for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemInfo {
    /// The kernel's memory for tasks that no process's resident set shows:
    /// KernelStack (a thread's kernel stack), PageTables and SUnreclaim (task structs
    /// and other unreclaimable slab), in bytes.
    pub kernel_task: Option<u64>,
    /// MemAvailable, in bytes.
    pub available: Option<u64>,
    /// MemFree, in bytes: the other cross-check (MemAvailable also counts reclaimable
    /// cache, which the kernel may reclaim during a run).
    pub free: Option<u64>,
}

impl MemInfo {
    /// Reads /proc/meminfo once; all None where it cannot be read.
    pub fn read() -> MemInfo {
        std::fs::read_to_string("/proc/meminfo")
            .map(|text| MemInfo::parse(&text))
            .unwrap_or_default()
    }

    /// The fields of a /proc/meminfo text.
    pub fn parse(meminfo: &str) -> MemInfo {
        MemInfo {
            kernel_task: ["KernelStack:", "PageTables:", "SUnreclaim:"]
                .iter()
                .map(|name| kilobytes_field(meminfo, name))
                .sum(),
            available: kilobytes_field(meminfo, "MemAvailable:"),
            free: kilobytes_field(meminfo, "MemFree:"),
        }
    }
}

/// The memory cgroup the harness placed this process in, named by `VERSUS_MEMORY_CGROUP`
/// (the orchestrator's `measure::cgroup` makes one per trial where the machine lets
/// it). It charges this process's memory and nothing else's, the kernel's share
/// included, so its usage around a peak is the total a task costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cgroup {
    dir: std::path::PathBuf,
    v2: bool,
}

/// One reading of a memory cgroup, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CgroupUsage {
    /// Everything charged: v2 `memory.current`, v1 `memory.usage_in_bytes`.
    pub total: Option<u64>,
    /// The kernel's part of it: v2 `memory.stat`'s `kernel`, v1
    /// `memory.kmem.usage_in_bytes`.
    pub kernel: Option<u64>,
}

impl Cgroup {
    /// The group of `VERSUS_MEMORY_CGROUP`, read once per process.
    pub fn from_env() -> Option<&'static Cgroup> {
        static GROUP: std::sync::OnceLock<Option<Cgroup>> = std::sync::OnceLock::new();
        GROUP
            .get_or_init(|| Cgroup::at(std::env::var_os("VERSUS_MEMORY_CGROUP")?))
            .as_ref()
    }

    /// The group in `dir`, of whichever version its files say; None where it has no
    /// memory controller's files.
    pub fn at(dir: impl Into<std::path::PathBuf>) -> Option<Cgroup> {
        let dir = dir.into();
        if dir.join("memory.current").is_file() {
            Some(Cgroup { dir, v2: true })
        } else if dir.join("memory.usage_in_bytes").is_file() {
            Some(Cgroup { dir, v2: false })
        } else {
            None
        }
    }

    pub fn read(&self) -> CgroupUsage {
        let number = |file: &str| -> Option<u64> {
            std::fs::read_to_string(self.dir.join(file))
                .ok()?
                .trim()
                .parse()
                .ok()
        };
        if self.v2 {
            let kernel = std::fs::read_to_string(self.dir.join("memory.stat"))
                .ok()
                .and_then(|stat| {
                    stat.lines()
                        .find_map(|line| line.strip_prefix("kernel "))
                        .and_then(|value| value.trim().parse().ok())
                });
            CgroupUsage {
                total: number("memory.current"),
                kernel,
            }
        } else {
            CgroupUsage {
                total: number("memory.usage_in_bytes"),
                kernel: number("memory.kmem.usage_in_bytes"),
            }
        }
    }

    /// How the result says its total was measured.
    pub fn method(&self) -> &'static str {
        if self.v2 {
            "own memory cgroup (v2 memory.current, kernel share from memory.stat) around the peak"
        } else {
            "own memory cgroup (v1 memory.usage_in_bytes, kernel share from memory.kmem.usage_in_bytes) around the peak"
        }
    }
}

/// What a memory-per-task workload reads before spawning and at the peak: the
/// machine's /proc/meminfo and, where the harness made one, the trial's own cgroup.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryReading {
    pub machine: MemInfo,
    pub group: Option<CgroupUsage>,
}

impl MemoryReading {
    pub fn take() -> MemoryReading {
        MemoryReading {
            group: Cgroup::from_env().map(Cgroup::read),
            machine: MemInfo::read(),
        }
    }
}

/// Parses a `Name:   1234 kB` line of a /proc file into bytes.
fn kilobytes_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|line| line.starts_with(name))?;
    let kilobytes: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kilobytes * 1024)
}

/// A single number from a /proc/sys file, or None where it cannot be read.
fn sysctl(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The listen backlog the kernel will honour at most (net.core.somaxconn).
pub fn somaxconn() -> Option<u64> {
    sysctl("/proc/sys/net/core/somaxconn")
}

/// A resource limit: a number, or unlimited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rlimit {
    Limited(u64),
    Unlimited,
}

impl fmt::Display for Rlimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rlimit::Limited(value) => write!(f, "{value}"),
            Rlimit::Unlimited => f.write_str("unlimited"),
        }
    }
}

impl Rlimit {
    fn from_raw(value: libc::rlim_t) -> Rlimit {
        if value == libc::RLIM_INFINITY {
            Rlimit::Unlimited
        } else {
            Rlimit::Limited(value)
        }
    }

    /// True when `needed` is more than this limit allows.
    fn exceeded_by(self, needed: u64) -> bool {
        matches!(self, Rlimit::Limited(limit) if needed > limit)
    }
}

/// The resource limits the workloads read.
#[derive(Debug, Clone, Copy)]
enum Resource {
    Nproc,
    Nofile,
}

/// The soft and hard values of one resource limit. The libc constants are named in
/// the call rather than passed in, because their type differs between C libraries.
fn getrlimit(resource: Resource) -> io::Result<(Rlimit, Rlimit)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit for the duration of the call.
    let status = unsafe {
        match resource {
            Resource::Nproc => libc::getrlimit(libc::RLIMIT_NPROC, &mut limit),
            Resource::Nofile => libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit),
        }
    };
    if status != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((
        Rlimit::from_raw(limit.rlim_cur),
        Rlimit::from_raw(limit.rlim_max),
    ))
}

/// Raises the soft open-files limit to the hard one, as `echo` does at start, and
/// returns both afterwards.
pub fn raise_nofile() -> io::Result<(Rlimit, Rlimit)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit for both calls; setrlimit only reads it.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return Err(io::Error::last_os_error());
        }
        limit.rlim_cur = limit.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    getrlimit(Resource::Nofile)
}

/// The limits that decide how many threads can exist at once, read when needed so a
/// skipped result names the values in force at that moment.
#[derive(Debug, Clone)]
pub struct ThreadLimits {
    pid_max: Option<u64>,
    threads_max: Option<u64>,
    nproc: Option<Rlimit>,
    max_map_count: Option<u64>,
    maps_in_use: u64,
}

impl ThreadLimits {
    pub fn read() -> ThreadLimits {
        ThreadLimits {
            pid_max: sysctl("/proc/sys/kernel/pid_max"),
            threads_max: sysctl("/proc/sys/kernel/threads-max"),
            nproc: getrlimit(Resource::Nproc).ok().map(|(soft, _)| soft),
            max_map_count: sysctl("/proc/sys/vm/max_map_count"),
            maps_in_use: std::fs::read_to_string("/proc/self/maps")
                .map_or(0, |maps| maps.lines().count() as u64),
        }
    }

    /// Why `threads` OS threads cannot all exist at once, or None when no limit
    /// forbids it. Each thread needs a pid, a slot under threads-max and RLIMIT_NPROC,
    /// and memory maps (see [`MAPS_PER_THREAD`]).
    pub fn refusal(&self, threads: u64) -> Option<String> {
        if let Some(pid_max) = self.pid_max.filter(|limit| threads > *limit) {
            return Some(format!(
                "needs {threads} threads but kernel.pid_max is {pid_max}"
            ));
        }
        if let Some(threads_max) = self.threads_max.filter(|limit| threads > *limit) {
            return Some(format!(
                "needs {threads} threads but kernel.threads-max is {threads_max}"
            ));
        }
        if let Some(nproc) = self.nproc.filter(|limit| limit.exceeded_by(threads)) {
            return Some(format!(
                "needs {threads} threads but RLIMIT_NPROC is {nproc}"
            ));
        }
        self.map_refusal(threads)
    }

    /// Why the memory maps of `threads` threads do not fit under vm.max_map_count,
    /// counting the maps the process already has.
    pub fn map_refusal(&self, threads: u64) -> Option<String> {
        let maps = threads
            .saturating_mul(MAPS_PER_THREAD)
            .saturating_add(self.maps_in_use);
        let max_map_count = self.max_map_count.filter(|limit| maps > *limit)?;
        Some(format!(
            "needs {maps} memory maps ({MAPS_PER_THREAD} per thread for {threads} threads, plus {} in use) but vm.max_map_count is {max_map_count}",
            self.maps_in_use
        ))
    }

    /// The values, for a sentence that says which limits were in force.
    fn describe(&self) -> String {
        let show = |value: Option<u64>| value.map_or("unreadable".to_string(), |v| v.to_string());
        format!(
            "kernel.pid_max is {}, kernel.threads-max is {}, RLIMIT_NPROC is {}, vm.max_map_count is {}",
            show(self.pid_max),
            show(self.threads_max),
            self.nproc.map_or("unreadable".to_string(), |v| v.to_string()),
            show(self.max_map_count)
        )
    }
}

/// Memory maps one live std thread holds: its stack and guard page (glibc), and the
/// alternate signal stack and its guard page that std maps in every thread to report
/// stack overflows. The last two matter: when that map fails, std aborts the whole
/// process from inside the new thread, so the check must happen before spawning.
pub const MAPS_PER_THREAD: u64 = 4;

/// Skips a size whose thread count no limit allows, all threads alive at once.
pub fn check_threads(threads: u64) -> Result<(), Failure> {
    match ThreadLimits::read().refusal(threads) {
        Some(reason) => Err(Failure::Skipped(reason)),
        None => Ok(()),
    }
}

/// Skips a size whose threads' memory maps cannot fit, for threads that may exit
/// before the others start (so pids are reused) but keep their maps until joined.
pub fn check_thread_maps(threads: u64) -> Result<(), Failure> {
    match ThreadLimits::read().map_refusal(threads) {
        Some(reason) => Err(Failure::Skipped(reason)),
        None => Ok(()),
    }
}

/// Skips a size whose estimated resident memory does not fit in MemAvailable.
pub fn check_memory(tasks: u64, bytes_per_task: u64, kind: &str) -> Result<(), Failure> {
    let needed = tasks.saturating_mul(bytes_per_task);
    match MemInfo::read().available {
        Some(available) if needed > available => Err(Failure::Skipped(format!(
            "needs about {needed} bytes resident ({bytes_per_task} per {kind} for {tasks}) but MemAvailable is {available} bytes"
        ))),
        _ => Ok(()),
    }
}

/// The skipped result for a thread spawn the OS refused although the checks passed:
/// what had been done (`context`), the OS error, and every limit that could be the
/// cause, with its value.
pub fn thread_refused(context: &str, error: &io::Error) -> Failure {
    Failure::Skipped(format!(
        "{context} ({error}); {}",
        ThreadLimits::read().describe()
    ))
}

/// The context of [`thread_refused`] for a workload that spawns `wanted` threads.
pub fn spawned_before_refusal(created: usize, wanted: u64) -> String {
    format!("created {created} of {wanted} threads before the OS refused another")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_share_sums_kernel_stack_page_tables_and_unreclaimable_slab() {
        let meminfo = "MemTotal:       24000000 kB\nKernelStack:       16000 kB\nPageTables:        4000 kB\nSReclaimable:     99999 kB\nSUnreclaim:        6000 kB\n";
        let info = MemInfo::parse(meminfo);
        assert_eq!(info.kernel_task, Some(26_000 * 1024));
        assert_eq!((info.available, info.free), (None, None));
        assert_eq!(MemInfo::parse("KernelStack: 1 kB\n").kernel_task, None);
    }

    /// A fresh directory under the system's temporary directory, removed at the end.
    struct FakeGroup(std::path::PathBuf);

    impl FakeGroup {
        fn new(name: &str, files: &[(&str, &str)]) -> FakeGroup {
            let dir = std::env::temp_dir().join(format!("versus-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for (file, text) in files {
                std::fs::write(dir.join(file), text).unwrap();
            }
            FakeGroup(dir)
        }
    }

    impl Drop for FakeGroup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_v1_group_reads_usage_with_kernel_memory_and_the_kmem_counter() {
        let fake = FakeGroup::new(
            "cgroup-v1",
            &[
                ("memory.usage_in_bytes", "96018432\n"),
                ("memory.kmem.usage_in_bytes", "54861824\n"),
            ],
        );
        let group = Cgroup::at(&fake.0).expect("a v1 group");
        assert_eq!(
            group.read(),
            CgroupUsage {
                total: Some(96_018_432),
                kernel: Some(54_861_824)
            }
        );
        assert!(group.method().contains("v1 memory.usage_in_bytes"));
    }

    #[test]
    fn a_v2_group_reads_memory_current_and_the_kernel_line_of_memory_stat() {
        let fake = FakeGroup::new(
            "cgroup-v2",
            &[
                ("memory.current", "8024064\n"),
                (
                    "memory.stat",
                    "anon 4096\nfile 0\nkernel_stack 16384\nkernel 184320\npagetables 4096\n",
                ),
            ],
        );
        let group = Cgroup::at(&fake.0).expect("a v2 group");
        assert_eq!(
            group.read(),
            CgroupUsage {
                total: Some(8_024_064),
                kernel: Some(184_320)
            },
            "`kernel`, not `kernel_stack`"
        );
        assert!(group.method().contains("v2 memory.current"));
    }

    #[test]
    fn a_directory_without_memory_files_is_no_group_and_a_bad_value_is_none() {
        let fake = FakeGroup::new("cgroup-none", &[("cgroup.procs", "")]);
        assert_eq!(Cgroup::at(&fake.0), None);
        let fake = FakeGroup::new("cgroup-bad", &[("memory.usage_in_bytes", "lots\n")]);
        let usage = Cgroup::at(&fake.0).unwrap().read();
        assert_eq!((usage.total, usage.kernel), (None, None));
    }

    #[test]
    fn a_thread_costs_at_least_the_floor() {
        // Machine-wide figures move with other processes, so only the floor is
        // certain; the measured figure is in the sleepers result.
        let cost = thread_cost_bytes();
        assert!(cost >= THREAD_RESIDENT_BYTES, "{cost}");
    }

    fn limits() -> ThreadLimits {
        ThreadLimits {
            pid_max: Some(32768),
            threads_max: Some(192730),
            nproc: Some(Rlimit::Limited(96365)),
            max_map_count: Some(65530),
            maps_in_use: 100,
        }
    }

    #[test]
    fn refusal_names_the_limit_and_its_value() {
        assert_eq!(
            limits().refusal(100_000).as_deref(),
            Some("needs 100000 threads but kernel.pid_max is 32768")
        );
        assert_eq!(
            limits().refusal(20_000).as_deref(),
            Some("needs 80100 memory maps (4 per thread for 20000 threads, plus 100 in use) but vm.max_map_count is 65530")
        );
        assert_eq!(limits().refusal(10_000), None);
        assert!(limits().map_refusal(100_000).is_some());
    }

    #[test]
    fn unlimited_nproc_never_refuses() {
        let unlimited = ThreadLimits {
            pid_max: None,
            threads_max: None,
            nproc: Some(Rlimit::Unlimited),
            max_map_count: None,
            maps_in_use: 0,
        };
        assert_eq!(unlimited.refusal(u64::MAX / 4), None);
    }

    #[test]
    fn reads_kilobyte_fields() {
        let status = "Name:\tversus-rs\nVmPeak:\t  9000 kB\nVmRSS:\t  1234 kB\n";
        assert_eq!(kilobytes_field(status, "VmRSS:"), Some(1234 * 1024));
        assert_eq!(kilobytes_field(status, "VmSwap:"), None);
        assert!(vm_rss_bytes().unwrap() > 0);
    }
}
