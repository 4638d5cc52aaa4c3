//! Finds the CPU quota a cgroup puts on this process, in CPUs.
//!
//! A container or a systemd slice can be given, say, 2 CPUs' worth of time on a 64-CPU
//! host; the workloads then see 64 CPUs but are throttled to 2, which decides their
//! speed as much as the hardware does. cgroup v2 states the quota in `cpu.max` as
//! "quota period" (or "max"); cgroup v1 in `cpu.cfs_quota_us` (-1 for none) and
//! `cpu.cfs_period_us`. Each ancestor cgroup can set its own quota and the smallest one
//! wins, so we read the process's cgroup and every parent up to the root of the mount.

use super::root::Root;

/// The quota in CPUs (quota / period), or None when unlimited or unknown.
pub fn cpu_quota(root: &Root) -> Option<f64> {
    let membership = root.read("/proc/self/cgroup").unwrap_or_default();
    let (unified, cpu_v1) = cgroup_paths(&membership);

    let v2 = ancestors(unified.as_deref()).into_iter().filter_map(|dir| {
        let file = join(&["/sys/fs/cgroup", &dir, "cpu.max"]);
        parse_cpu_max(&root.read(&file)?)
    });
    // v1 mounts the cpu controller under one of several names, depending on the
    // distribution; a combined mount is usually also linked under the others.
    let v1_mounts = [
        "/sys/fs/cgroup/cpu",
        "/sys/fs/cgroup/cpu,cpuacct",
        "/sys/fs/cgroup/cpuacct,cpu",
    ];
    let v1 = v1_mounts.into_iter().flat_map(|mount| {
        ancestors(cpu_v1.as_deref())
            .into_iter()
            .filter_map(move |dir| {
                let quota = root.read(&join(&[mount, &dir, "cpu.cfs_quota_us"]))?;
                let period = root.read(&join(&[mount, &dir, "cpu.cfs_period_us"]))?;
                parse_cfs(&quota, &period)
            })
    });
    v2.chain(v1).reduce(f64::min)
}

/// cgroup v2 `cpu.max`: "200000 100000" is 2.0 CPUs; "max 100000" is no limit.
pub fn parse_cpu_max(text: &str) -> Option<f64> {
    let mut fields = text.split_whitespace();
    let quota = fields.next()?;
    // The kernel writes the period too, but accepts a quota alone with the default
    // period of 100 ms, so a hand-made file may have only one field.
    let period = fields.next().unwrap_or("100000");
    ratio(quota, period)
}

/// cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`: a quota of -1 is no limit.
pub fn parse_cfs(quota: &str, period: &str) -> Option<f64> {
    ratio(quota.trim(), period.trim())
}

fn ratio(quota: &str, period: &str) -> Option<f64> {
    let quota: u64 = quota.parse().ok()?;
    let period: u64 = period.parse().ok()?;
    (quota > 0 && period > 0).then(|| quota as f64 / period as f64)
}

/// The cgroup paths of this process from /proc/self/cgroup: the unified (v2) one from
/// the `0::` line, and the v1 one of the hierarchy that has the `cpu` controller.
fn cgroup_paths(membership: &str) -> (Option<String>, Option<String>) {
    let mut unified = None;
    let mut cpu_v1 = None;
    for line in membership.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if id == "0" && controllers.is_empty() {
            unified = Some(path.to_owned());
        } else if controllers.split(',').any(|c| c == "cpu") {
            cpu_v1 = Some(path.to_owned());
        }
    }
    (unified, cpu_v1)
}

/// The directories to look in, relative to the mount: the cgroup itself, then each
/// parent, ending with the mount's root. Inside a container the process's path often
/// does not exist under the container's own mount; the mount's root is then the
/// container's cgroup, so it is always included. A path that climbs out with `..`
/// (a cgroup outside our namespace) is not followed.
fn ancestors(path: Option<&str>) -> Vec<String> {
    let parts: Vec<&str> = path
        .unwrap_or("")
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    if parts.contains(&"..") {
        return vec![String::new()];
    }
    (0..=parts.len())
        .rev()
        .map(|depth| parts[..depth].join("/"))
        .collect()
}

fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|part| !part.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_max() {
        assert_eq!(parse_cpu_max("max 100000\n"), None);
        assert_eq!(parse_cpu_max("200000 100000\n"), Some(2.0));
        assert_eq!(parse_cpu_max("150000 100000"), Some(1.5));
        assert_eq!(parse_cpu_max("50000"), Some(0.5));
        assert_eq!(parse_cpu_max("100000 0"), None);
        assert_eq!(parse_cpu_max(""), None);
        assert_eq!(parse_cpu_max("lots 100000"), None);
    }

    #[test]
    fn cfs() {
        assert_eq!(parse_cfs("-1\n", "100000\n"), None);
        assert_eq!(parse_cfs("400000\n", "100000\n"), Some(4.0));
        assert_eq!(parse_cfs("", "100000"), None);
    }

    #[test]
    fn membership() {
        let v2 = "0::/system.slice/runner.service\n";
        assert_eq!(
            cgroup_paths(v2),
            (Some("/system.slice/runner.service".into()), None)
        );
        let v1 = "4:memory:/x\n2:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n0::/\n";
        assert_eq!(
            cgroup_paths(v1),
            (Some("/".into()), Some("/docker/abc".into()))
        );
        assert_eq!(cgroup_paths(""), (None, None));
    }

    #[test]
    fn ancestors_end_at_the_mount_root() {
        assert_eq!(ancestors(Some("/a/b")), vec!["a/b", "a", ""]);
        assert_eq!(ancestors(Some("/")), vec![""]);
        assert_eq!(ancestors(None), vec![""]);
        assert_eq!(ancestors(Some("/../../x")), vec![""]);
    }

    #[test]
    fn smallest_quota_on_the_path_wins() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::at(dir.path());
        let write = |path: &str, text: &str| {
            let path = root.path(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        assert_eq!(cpu_quota(&root), None);

        write("/proc/self/cgroup", "0::/slice/job\n");
        write("/sys/fs/cgroup/slice/job/cpu.max", "max 100000\n");
        write("/sys/fs/cgroup/slice/cpu.max", "300000 100000\n");
        assert_eq!(cpu_quota(&root), Some(3.0));

        write("/sys/fs/cgroup/cpu.max", "200000 100000\n");
        assert_eq!(cpu_quota(&root), Some(2.0));
    }

    #[test]
    fn v1_quota_is_found_under_its_mount() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::at(dir.path());
        let write = |path: &str, text: &str| {
            let path = root.path(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("/proc/self/cgroup", "3:cpu,cpuacct:/docker/abc\n0::/\n");
        write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "150000\n");
        write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
        assert_eq!(cpu_quota(&root), Some(1.5));
    }
}
