//! The machine's settings that move results without making it another machine: the C
//! library, transparent huge pages, the CPU frequency governor and SMT. Recorded with
//! every run (the site's Machines page shows them), never part of the fingerprint.

use super::root::Root;
use crate::record::Tuning;

/// Reads the settings below `root`; `libc` comes from the process (see
/// [`HostFacts`](super::HostFacts)).
pub fn read(root: &Root, libc: Option<String>) -> Tuning {
    Tuning {
        libc,
        thp_enabled: root
            .read("/sys/kernel/mm/transparent_hugepage/enabled")
            .and_then(|text| selected(&text)),
        thp_defrag: root
            .read("/sys/kernel/mm/transparent_hugepage/defrag")
            .and_then(|text| selected(&text)),
        cpu_governor: governor(root),
        smt: root.read_trimmed("/sys/devices/system/cpu/smt/control"),
    }
}

/// The bracketed choice of a sysfs mode file: `always [madvise] never` → `madvise`.
pub fn selected(text: &str) -> Option<String> {
    let start = text.find('[')?;
    let end = start + text[start..].find(']')?;
    let mode = text[start + 1..end].trim();
    (!mode.is_empty()).then(|| mode.to_string())
}

/// Every CPU's scaling governor, once each, in order: `performance`, or
/// `performance, powersave` when they differ.
fn governor(root: &Root) -> Option<String> {
    let mut governors: Vec<String> = root
        .list("/sys/devices/system/cpu")
        .iter()
        .filter(|name| {
            name.strip_prefix("cpu")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|cpu| {
            root.read_trimmed(&format!(
                "/sys/devices/system/cpu/{cpu}/cpufreq/scaling_governor"
            ))
        })
        .collect();
    governors.sort();
    governors.dedup();
    (!governors.is_empty()).then(|| governors.join(", "))
}

/// The C library this process runs on, as "glibc 2.36"; None elsewhere (musl says
/// nothing about its version to a program).
pub fn libc() -> Option<String> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: gnu_get_libc_version returns a pointer to a static, NUL-terminated
        // string that lives as long as the process.
        let version = unsafe { std::ffi::CStr::from_ptr(libc::gnu_get_libc_version()) };
        version
            .to_str()
            .ok()
            .map(|version| format!("glibc {version}"))
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &std::path::Path, path: &str, text: &str) {
        let file = dir.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }

    #[test]
    fn the_settings_are_read_from_a_fake_tree() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            "/sys/kernel/mm/transparent_hugepage/enabled",
            "always [madvise] never\n",
        );
        write(
            d,
            "/sys/kernel/mm/transparent_hugepage/defrag",
            "always defer defer+madvise [madvise] never\n",
        );
        write(
            d,
            "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
            "performance\n",
        );
        write(
            d,
            "/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor",
            "powersave\n",
        );
        write(
            d,
            "/sys/devices/system/cpu/cpu10/cpufreq/scaling_governor",
            "performance\n",
        );
        write(
            d,
            "/sys/devices/system/cpu/cpufreq/policy0/scaling_governor",
            "schedutil\n",
        );
        write(d, "/sys/devices/system/cpu/smt/control", "on\n");
        let tuning = read(&Root::at(d), Some("glibc 2.36".into()));
        assert_eq!(
            tuning,
            Tuning {
                libc: Some("glibc 2.36".into()),
                thp_enabled: Some("madvise".into()),
                thp_defrag: Some("madvise".into()),
                cpu_governor: Some("performance, powersave".into()),
                smt: Some("on".into()),
            }
        );
        // A VM that exposes none of it.
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(read(&Root::at(empty.path()), None), Tuning::default());
    }

    #[test]
    fn mode_files_give_their_selected_choice() {
        assert_eq!(
            selected("[always] madvise never").as_deref(),
            Some("always")
        );
        assert_eq!(selected("always madvise never"), None);
        assert_eq!(selected("[]"), None);
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn this_process_knows_its_glibc() {
        let libc = libc().unwrap();
        assert!(libc.starts_with("glibc 2."), "{libc}");
    }
}
