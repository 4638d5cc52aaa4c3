//! Kernel and process limits that decide which workload sizes can run at all.
//!
//! A workload that starts 100 000 goroutines or threads, maps many regions, or opens many
//! sockets fails on a machine with low limits, not slowly but outright; recording the
//! limits explains such failures. The kernel-wide ones come from /proc/sys, the
//! per-process ones from getrlimit. An unlimited resource (RLIM_INFINITY) is recorded
//! as null, like an unknown one: both mean "no number to stay below".

use super::root::Root;
use crate::record::Limits;

/// The kernel-wide limits from /proc/sys; the per-process fields stay None.
pub fn from_proc_sys(root: &Root) -> Limits {
    let number = |path: &str| parse_number(&root.read(path)?);
    Limits {
        pid_max: number("/proc/sys/kernel/pid_max"),
        threads_max: number("/proc/sys/kernel/threads-max"),
        max_map_count: number("/proc/sys/vm/max_map_count"),
        somaxconn: number("/proc/sys/net/core/somaxconn"),
        ..Limits::default()
    }
}

/// The per-process limits of this process, which its children (the workloads) inherit;
/// the kernel-wide fields stay None.
pub fn from_getrlimit() -> Limits {
    #[cfg(unix)]
    {
        // The resource's type differs between libc flavours (u32 on glibc, i32 on
        // musl and macOS), so it is left for the compiler to infer.
        let limit = |resource| {
            let mut raw = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: getrlimit only writes the struct we pass, which lives for the call.
            let status = unsafe { libc::getrlimit(resource, &mut raw) };
            (status == 0).then_some((raw.rlim_cur, raw.rlim_max))
        };
        let nofile = limit(libc::RLIMIT_NOFILE);
        Limits {
            nofile_soft: nofile.and_then(|(soft, _)| finite(soft, libc::RLIM_INFINITY)),
            nofile_hard: nofile.and_then(|(_, hard)| finite(hard, libc::RLIM_INFINITY)),
            nproc_soft: limit(libc::RLIMIT_NPROC)
                .and_then(|(soft, _)| finite(soft, libc::RLIM_INFINITY)),
            stack_soft_bytes: limit(libc::RLIMIT_STACK)
                .and_then(|(soft, _)| finite(soft, libc::RLIM_INFINITY)),
            ..Limits::default()
        }
    }
    #[cfg(not(unix))]
    {
        Limits::default()
    }
}

/// A /proc/sys number such as "4194304\n".
pub fn parse_number(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// A getrlimit value, or None when it is the platform's "unlimited".
fn finite(value: u64, infinity: u64) -> Option<u64> {
    (value != infinity).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("4194304\n"), Some(4194304));
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("-1"), None);
    }

    #[test]
    fn infinity_is_null() {
        assert_eq!(finite(u64::MAX, u64::MAX), None);
        assert_eq!(finite(1024, u64::MAX), Some(1024));
    }

    #[test]
    fn getrlimit_reads_this_process() {
        let limits = from_getrlimit();
        if cfg!(unix) {
            // Every process can open at least stdin, stdout and stderr.
            assert!(limits.nofile_soft.is_none_or(|n| n >= 3));
            assert!(limits.nofile_hard >= limits.nofile_soft || limits.nofile_hard.is_none());
        }
        assert_eq!(limits.pid_max, None);
    }
}
