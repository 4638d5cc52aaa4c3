//! A memory cgroup of its own for each trial whose workload reports memory per task.
//!
//! A thread costs the machine more than its resident set: its kernel stack, task struct
//! and page tables never appear in RSS (docs/workload-spec.md, `sleepers`). A memory
//! cgroup charges both to the processes in it and nothing else, so a trial placed in a
//! fresh one can read its total memory without the machine-wide noise of
//! `/proc/meminfo`. The orchestrator makes the group, the trial process joins it before
//! `exec` (so every thread of the workload is charged from its first instruction), the
//! workload reads the group's usage around its peak through `VERSUS_MEMORY_CGROUP`, and
//! the group is removed when the trial has ended.
//!
//! cgroup v2 (`memory.current`, `memory.stat`'s `kernel`, `memory.peak`) is used where
//! its memory controller is enabled for this process's group; otherwise cgroup v1's
//! memory hierarchy (`memory.usage_in_bytes`, which charges kernel memory too, and
//! `memory.kmem.usage_in_bytes`). Where neither can be made (no controller, or no right
//! to create a group: GitHub's runners need root), the workloads fall back to
//! `/proc/meminfo` deltas and say so in `memory_method`.
//!
//! The locating functions read the texts of /proc/self/cgroup and /proc/self/mountinfo
//! and a root directory, so tests run them against a fake tree.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable through which a workload learns its cgroup's directory.
pub const ENV: &str = "VERSUS_MEMORY_CGROUP";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
}

/// The two controllers trials are held by: memory (measured) and pids (limited).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Controller {
    Memory,
    Pids,
}

impl Controller {
    fn name(self) -> &'static str {
        match self {
            Controller::Memory => "memory",
            Controller::Pids => "pids",
        }
    }

    /// A file every group with this controller has.
    fn probe(self, version: Version) -> &'static str {
        match (self, version) {
            (Controller::Memory, Version::V1) => "memory.usage_in_bytes",
            (Controller::Memory, Version::V2) => "memory.current",
            (Controller::Pids, _) => "pids.max",
        }
    }
}

/// The cgroup of one controller this process is in: where trial groups are made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parent {
    pub version: Version,
    pub dir: PathBuf,
    pub controller: Controller,
}

impl Parent {
    /// This process's cgroup of `controller`, where the machine has one this process
    /// may use.
    pub fn of_this_process(controller: Controller) -> Option<Parent> {
        let cgroups = fs::read_to_string("/proc/self/cgroup").ok()?;
        let mountinfo = fs::read_to_string("/proc/self/mountinfo").ok()?;
        Parent::locate(controller, &cgroups, &mountinfo, Path::new("/"))
    }

    /// The memory cgroup named by a /proc/self/cgroup text, under the mount point that
    /// a /proc/self/mountinfo text gives for its hierarchy, with paths taken under
    /// `root` (`/` on a real machine, a temporary directory in tests). cgroup v1's
    /// memory hierarchy is preferred where both exist, because on a hybrid machine the
    /// memory controller is bound to v1 and the v2 tree has none.
    pub fn locate(
        controller: Controller,
        cgroups: &str,
        mountinfo: &str,
        root: &Path,
    ) -> Option<Parent> {
        let name = controller.name();
        let mounts: Vec<Mount> = mountinfo.lines().filter_map(Mount::parse).collect();
        let v1 = cgroups.lines().find_map(|line| {
            let mut fields = line.splitn(3, ':');
            let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
            controllers.split(',').any(|c| c == name).then_some(path)
        });
        if let Some(path) = v1 {
            let mount = mounts
                .iter()
                .find(|m| m.fstype == "cgroup" && m.super_options.split(',').any(|o| o == name))?;
            let dir = mount.dir_of(path, root)?;
            // The hierarchy's root group has no limit files (no pids.max): a group is
            // known by its cgroup.procs, and a child's files are checked when made.
            return dir.join("cgroup.procs").is_file().then_some(Parent {
                version: Version::V1,
                dir,
                controller,
            });
        }
        let path = cgroups.lines().find_map(|line| line.strip_prefix("0::"))?;
        let mount = mounts.iter().find(|m| m.fstype == "cgroup2")?;
        let dir = mount.dir_of(path, root)?;
        // The children of this group get a memory controller only if this group hands
        // it down.
        let handed_down = fs::read_to_string(dir.join("cgroup.subtree_control")).ok()?;
        handed_down
            .split_whitespace()
            .any(|c| c == name)
            .then_some(Parent {
                version: Version::V2,
                dir,
                controller,
            })
    }

    /// Makes a fresh group for one trial, named after this process and a counter. Fails
    /// where this process may not create groups (not root, no delegation).
    pub fn create(&self) -> io::Result<TrialCgroup> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "versus-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let dir = self.dir.join(name);
        fs::create_dir(&dir)?;
        let group = TrialCgroup {
            version: self.version,
            dir,
        };
        let probe = group.dir.join(self.controller.probe(self.version));
        if !probe.is_file() {
            return Err(io::Error::other(format!(
                "{} has no {} (no {} controller)",
                group.dir.display(),
                probe.display(),
                self.controller.name()
            )));
        }
        Ok(group)
    }
}

/// One line of /proc/self/mountinfo, the fields this module needs.
struct Mount {
    /// The path inside the mounted filesystem that is mounted (`/` for a whole tree).
    root: String,
    mount_point: String,
    fstype: String,
    super_options: String,
}

impl Mount {
    /// `36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue`:
    /// optional fields end at the ` - ` separator (proc(5)).
    fn parse(line: &str) -> Option<Mount> {
        let (before, after) = line.split_once(" - ")?;
        let before: Vec<&str> = before.split(' ').collect();
        let mut after = after.split(' ');
        Some(Mount {
            root: before.get(3)?.to_string(),
            mount_point: before.get(4)?.to_string(),
            fstype: after.next()?.to_string(),
            super_options: after.nth(1).unwrap_or("").to_string(),
        })
    }

    /// The directory of the cgroup `path` (as /proc/self/cgroup gives it, relative to the
    /// hierarchy's root) under this mount; None where the mount shows another subtree.
    fn dir_of(&self, path: &str, root: &Path) -> Option<PathBuf> {
        let inside = if self.root == "/" {
            path
        } else {
            path.strip_prefix(self.root.as_str())?
        };
        let mount_point = root.join(self.mount_point.trim_start_matches('/'));
        Some(mount_point.join(inside.trim_start_matches('/')))
    }
}

/// A trial's own memory cgroup; removed when dropped (the trial has exited by then, and
/// memory still charged to it, page cache, moves to the parent).
#[derive(Debug)]
pub struct TrialCgroup {
    version: Version,
    dir: PathBuf,
}

impl TrialCgroup {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a process writes `0` into to join the group.
    pub fn procs(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }

    /// Holds the group to at most `tasks` processes and threads (`pids.max`): a
    /// workload that forks without end fails its next fork instead of exhausting the
    /// machine's process table.
    pub fn limit_tasks(&self, tasks: u64) -> io::Result<()> {
        fs::write(self.dir.join("pids.max"), tasks.to_string())
    }

    /// The group's high-water mark: everything the trial's processes were charged at
    /// once, kernel memory included.
    pub fn peak_bytes(&self) -> Option<u64> {
        let file = match self.version {
            Version::V1 => "memory.max_usage_in_bytes",
            Version::V2 => "memory.peak",
        };
        fs::read_to_string(self.dir.join(file))
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for TrialCgroup {
    fn drop(&mut self) {
        // A group whose last process has just been reaped can be busy for a moment.
        for _ in 0..50 {
            match fs::remove_dir(&self.dir) {
                Err(error) if error.raw_os_error() == Some(libc::EBUSY) => {
                    std::thread::sleep(std::time::Duration::from_millis(10))
                }
                _ => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID_MOUNTS: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
    const V2_MOUNTS: &str = "\
25 30 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
";

    fn fake_tree() -> tempfile::TempDir {
        tempfile::tempdir().expect("a temporary directory")
    }

    #[test]
    fn a_v1_memory_hierarchy_is_found_under_its_mount() {
        let root = fake_tree();
        let dir = root.path().join("sys/fs/cgroup/memory/process_api/abc");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("cgroup.procs"), "").unwrap();
        let cgroups = "4:memory:/process_api/abc\n1:cpu:/\n0::/\n";
        let parent =
            Parent::locate(Controller::Memory, cgroups, HYBRID_MOUNTS, root.path()).unwrap();
        assert_eq!(
            parent,
            Parent {
                version: Version::V1,
                dir,
                controller: Controller::Memory,
            }
        );
    }

    #[test]
    fn a_v2_group_is_used_only_where_it_hands_the_memory_controller_down() {
        let root = fake_tree();
        let dir = root.path().join("sys/fs/cgroup/user.slice/runner");
        fs::create_dir_all(&dir).unwrap();
        let cgroups = "0::/user.slice/runner\n";
        fs::write(dir.join("cgroup.subtree_control"), "cpu io\n").unwrap();
        assert_eq!(
            Parent::locate(Controller::Memory, cgroups, V2_MOUNTS, root.path()),
            None
        );
        fs::write(dir.join("cgroup.subtree_control"), "cpu memory pids\n").unwrap();
        let parent = Parent::locate(Controller::Memory, cgroups, V2_MOUNTS, root.path()).unwrap();
        assert_eq!(parent.version, Version::V2);
        assert_eq!(parent.dir, dir);
    }

    #[test]
    fn a_mount_of_a_subtree_strips_its_root_from_the_path() {
        // In a container the hierarchy's own group is mounted at the usual place.
        let root = fake_tree();
        let mounts =
            "35 31 0:32 /docker/c1 /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n";
        let dir = root.path().join("sys/fs/cgroup/memory/job");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("cgroup.procs"), "").unwrap();
        let parent = Parent::locate(
            Controller::Memory,
            "9:memory:/docker/c1/job\n",
            mounts,
            root.path(),
        )
        .unwrap();
        assert_eq!(parent.dir, dir);
        // A path outside the mounted subtree is not reachable: no group.
        assert_eq!(
            Parent::locate(
                Controller::Memory,
                "9:memory:/elsewhere\n",
                mounts,
                root.path()
            ),
            None
        );
    }

    #[test]
    fn the_pids_hierarchy_is_found_as_the_memory_one_is() {
        let root = fake_tree();
        let dir = root.path().join("sys/fs/cgroup/pids/job");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("cgroup.procs"), "").unwrap();
        let mounts = format!(
            "{HYBRID_MOUNTS}39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
        );
        let cgroups = "8:pids:/job\n4:memory:/\n0::/\n";
        let parent = Parent::locate(Controller::Pids, cgroups, &mounts, root.path()).unwrap();
        assert_eq!((parent.version, parent.dir), (Version::V1, dir));
    }

    #[test]
    fn no_memory_controller_means_no_group() {
        let root = fake_tree();
        assert_eq!(
            Parent::locate(
                Controller::Memory,
                "1:cpu:/\n0::/\n",
                HYBRID_MOUNTS,
                root.path()
            ),
            None,
            "a v1 memory line is missing and the unified tree has no subtree_control"
        );
        assert_eq!(
            Parent::locate(Controller::Memory, "", "", root.path()),
            None
        );
    }

    #[test]
    fn a_trial_group_is_made_read_and_removed() {
        let root = fake_tree();
        let parent = Parent {
            version: Version::V2,
            dir: root.path().to_path_buf(),
            controller: Controller::Memory,
        };
        // A plain directory has no memory.current: refused, and named.
        let error = parent.create().unwrap_err().to_string();
        assert!(error.contains("memory.current"), "{error}");

        let parent = Parent {
            version: Version::V1,
            dir: root.path().join("v1"),
            controller: Controller::Memory,
        };
        fs::create_dir(&parent.dir).unwrap();
        // What the kernel would put in a new group, written by hand in a fake tree: the
        // group is made, so the test fills it in before checking.
        let group = TrialCgroup {
            version: Version::V1,
            dir: parent.dir.join("g"),
        };
        fs::create_dir(group.dir()).unwrap();
        fs::write(group.dir().join("memory.max_usage_in_bytes"), "96018432\n").unwrap();
        assert_eq!(group.peak_bytes(), Some(96_018_432));
        fs::remove_file(group.dir().join("memory.max_usage_in_bytes")).unwrap();
        let dir = group.dir().to_path_buf();
        drop(group);
        assert!(!dir.exists(), "the group is removed when dropped");
    }
}
