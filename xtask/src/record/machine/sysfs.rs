//! Reads CPU topology and caches from `/sys/devices/system/cpu`.
//!
//! The kernel describes each cache of CPU 0 in `cache/index*/` (level, type, size, and
//! which CPUs share it), and each CPU's hyper-thread siblings in `topology/`. These are
//! the same on every architecture, so they fill what /proc/cpuinfo leaves out on Arm
//! (cores, caches). Parsing is split from reading so tests need no /sys.

use std::collections::BTreeSet;

use super::root::Root;
use crate::record::Cache;

const CPU_DIR: &str = "/sys/devices/system/cpu";

/// The caches of CPU 0, ordered by level and type. An index whose level or type cannot
/// be read is left out, as a cache we cannot place in the hierarchy says nothing useful.
pub fn caches(root: &Root) -> Vec<Cache> {
    let dir = format!("{CPU_DIR}/cpu0/cache");
    let mut caches: Vec<Cache> = root
        .list(&dir)
        .iter()
        .filter(|name| name.starts_with("index"))
        .filter_map(|index| {
            let read = |file: &str| root.read(&format!("{dir}/{index}/{file}"));
            parse_cache(
                &read("level")?,
                &read("type")?,
                read("size").as_deref(),
                read("shared_cpu_list").as_deref(),
            )
        })
        .collect();
    caches.sort_by(|a, b| (a.level, &a.kind).cmp(&(b.level, &b.kind)));
    caches
}

/// One cache from the texts of its `level`, `type`, `size` and `shared_cpu_list` files.
pub fn parse_cache(
    level: &str,
    kind: &str,
    size: Option<&str>,
    shared_cpu_list: Option<&str>,
) -> Option<Cache> {
    let kind = kind.trim();
    if kind.is_empty() {
        return None;
    }
    Some(Cache {
        level: level.trim().parse().ok()?,
        kind: kind.to_owned(),
        size_bytes: size.and_then(parse_size),
        shared_by: shared_cpu_list
            .and_then(parse_cpu_list)
            .map(|cpus| cpus.len() as u64),
    })
}

/// A sysfs size such as `32K`, `1024K` or `32M`, in bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let (digits, multiplier) = match text.chars().last()? {
        'K' | 'k' => (&text[..text.len() - 1], 1 << 10),
        'M' | 'm' => (&text[..text.len() - 1], 1 << 20),
        'G' | 'g' => (&text[..text.len() - 1], 1 << 30),
        _ => (text, 1),
    };
    digits.trim().parse::<u64>().ok()?.checked_mul(multiplier)
}

/// Above the kernel's largest NR_CPUS; a garbled list must not make us expand a range of
/// four billion numbers.
const MAX_CPU: u32 = 1 << 16;

/// A kernel CPU list such as `0-3,8,10-11`, as the sorted CPU numbers. None when the
/// text is empty or malformed, rather than a wrong count.
pub fn parse_cpu_list(text: &str) -> Option<BTreeSet<u32>> {
    let mut cpus = BTreeSet::new();
    for part in text.trim().split(',') {
        let (first, last) = part.split_once('-').unwrap_or((part, part));
        let (first, last): (u32, u32) = (first.parse().ok()?, last.parse().ok()?);
        if first > last || last >= MAX_CPU {
            return None;
        }
        cpus.extend(first..=last);
    }
    Some(cpus)
}

/// How many logical CPUs are online, from `/sys/devices/system/cpu/online`.
pub fn online_cpus(root: &Root) -> Option<u64> {
    let cpus = parse_cpu_list(&root.read(&format!("{CPU_DIR}/online"))?)?;
    Some(cpus.len() as u64).filter(|&count| count > 0)
}

/// How many physical cores there are: each core's hyper-threads share one sibling list,
/// so the number of distinct lists is the number of cores. This works where cpuinfo
/// has no core ids (Arm) and for SMT on any architecture.
pub fn physical_cores(root: &Root) -> Option<u64> {
    let lists = root
        .list(CPU_DIR)
        .into_iter()
        .filter(|name| is_cpu_dir(name))
        .filter_map(|cpu| {
            let topology = format!("{CPU_DIR}/{cpu}/topology");
            root.read(&format!("{topology}/core_cpus_list"))
                .or_else(|| root.read(&format!("{topology}/thread_siblings_list")))
        })
        .collect::<Vec<_>>();
    count_cores(lists.iter().map(String::as_str))
}

/// The number of distinct sibling lists; None when there are none or one is malformed.
pub fn count_cores<'a>(sibling_lists: impl Iterator<Item = &'a str>) -> Option<u64> {
    let mut cores = BTreeSet::new();
    for list in sibling_lists {
        cores.insert(parse_cpu_list(list)?);
    }
    Some(cores.len() as u64).filter(|&count| count > 0)
}

/// `cpu0`, `cpu17`; not `cpufreq` or `cpuidle`.
fn is_cpu_dir(name: &str) -> bool {
    name.strip_prefix("cpu")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("32K\n"), Some(32 * 1024));
        assert_eq!(parse_size("1024K"), Some(1024 * 1024));
        assert_eq!(parse_size("32M"), Some(32 * 1024 * 1024));
        assert_eq!(parse_size("512"), Some(512));
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("K"), None);
        assert_eq!(parse_size("lots"), None);
    }

    #[test]
    fn cpu_lists() {
        let count = |text| parse_cpu_list(text).map(|cpus| cpus.len());
        assert_eq!(count("0\n"), Some(1));
        assert_eq!(count("0-1"), Some(2));
        assert_eq!(count("0-3,8,10-11"), Some(7));
        assert_eq!(count(""), None);
        assert_eq!(count("3-1"), None);
        assert_eq!(count("0-x"), None);
        assert_eq!(count("0-4294967295"), None);
    }

    #[test]
    fn caches_from_their_files() {
        assert_eq!(
            parse_cache("1\n", "Data\n", Some("32K\n"), Some("0-1\n")),
            Some(Cache {
                level: 1,
                kind: "Data".into(),
                size_bytes: Some(32768),
                shared_by: Some(2),
            })
        );
        assert_eq!(
            parse_cache("3", "Unified", None, None),
            Some(Cache {
                level: 3,
                kind: "Unified".into(),
                size_bytes: None,
                shared_by: None,
            })
        );
        assert_eq!(parse_cache("x", "Data", None, None), None);
        assert_eq!(parse_cache("2", " ", None, None), None);
    }

    #[test]
    fn caches_from_a_tree_are_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::at(dir.path());
        let write = |index: &str, level: &str, kind: &str, size: &str, shared: &str| {
            let path = root.path(&format!("{CPU_DIR}/cpu0/cache/{index}"));
            std::fs::create_dir_all(&path).unwrap();
            for (file, text) in [
                ("level", level),
                ("type", kind),
                ("size", size),
                ("shared_cpu_list", shared),
            ] {
                std::fs::write(path.join(file), format!("{text}\n")).unwrap();
            }
        };
        write("index3", "3", "Unified", "32768K", "0-3");
        write("index1", "1", "Instruction", "64K", "0");
        write("index0", "1", "Data", "64K", "0");
        write("index2", "2", "Unified", "1024K", "0");
        let summary: Vec<_> = caches(&root)
            .into_iter()
            .map(|c| (c.level, c.kind, c.size_bytes, c.shared_by))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, "Data".to_string(), Some(65536), Some(1)),
                (1, "Instruction".to_string(), Some(65536), Some(1)),
                (2, "Unified".to_string(), Some(1 << 20), Some(1)),
                (3, "Unified".to_string(), Some(32 << 20), Some(4)),
            ]
        );
    }

    #[test]
    fn cores_are_distinct_sibling_lists() {
        assert_eq!(
            count_cores(["0-1", "0-1", "2-3", "2-3"].into_iter()),
            Some(2)
        );
        assert_eq!(count_cores(["0", "1", "2", "3"].into_iter()), Some(4));
        assert_eq!(
            count_cores(["0,2", "1,3", "0,2", "1,3"].into_iter()),
            Some(2)
        );
        assert_eq!(count_cores(std::iter::empty()), None);
        assert_eq!(count_cores(["0", "bad"].into_iter()), None);
    }

    #[test]
    fn cpu_dirs() {
        assert!(is_cpu_dir("cpu0"));
        assert!(is_cpu_dir("cpu127"));
        assert!(!is_cpu_dir("cpu"));
        assert!(!is_cpu_dir("cpufreq"));
        assert!(!is_cpu_dir("cpuidle"));
    }
}
