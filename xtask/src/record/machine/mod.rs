//! The machine a run happens on: the `machine` field of a run record, and its fingerprint.
//!
//! Numbers from different hardware must never be compared as if alike, so every record
//! says what it ran on (CPU, cores, caches, memory, OS, virtualization, cgroup quota,
//! limits) and carries a fingerprint of the parts that decide performance; a series is
//! only ever compared within one fingerprint. Detection reads Linux's /proc and /sys
//! through a `Root` (so tests can point it at a fake tree) and falls back on `sysinfo`
//! elsewhere. It never fails: whatever the machine does not expose is null or empty.
//! All parsing lives in pure functions of text in the submodules.

mod arm;
mod cgroup;
mod cpuinfo;
mod host;
mod limits;
mod os;
mod root;
mod sysfs;
mod tuning;
mod virt;

use sha2::{Digest, Sha256};

pub use host::HostFacts;
pub use root::Root;

use crate::record::{Limits, Machine};

/// Describes the machine this process runs on, fingerprint included.
pub fn detect() -> Machine {
    detect_in(&Root::system(), &HostFacts::probe())
}

/// Describes the machine whose /proc, /sys and /etc are below `root`, with `host` for
/// what files do not say. Values from files win over `host`, which only fills gaps.
pub fn detect_in(root: &Root, host: &HostFacts) -> Machine {
    let cpu = root
        .read("/proc/cpuinfo")
        .map(|text| cpuinfo::parse(&text))
        .unwrap_or_default();
    let virtualization = virt::classify(&virt::Evidence::read(
        root,
        host.cpuid_signature.clone(),
        cpu.hypervisor_flag,
    ));
    let mut machine = Machine {
        fingerprint: String::new(),
        // The architecture the orchestrator was built for, which is also what it builds
        // the workloads for.
        arch: std::env::consts::ARCH.to_owned(),
        cpu_model: cpu.model.or_else(|| host.cpu_model.clone()),
        cpu_vendor: cpu.vendor.or_else(|| host.cpu_vendor.clone()),
        logical_cpus: cpu
            .logical_cpus
            .or_else(|| sysfs::online_cpus(root))
            .or(host.logical_cpus),
        physical_cores: cpu
            .physical_cores
            .or_else(|| sysfs::physical_cores(root))
            .or(host.physical_cores),
        cpu_flags: cpu.flags,
        caches: sysfs::caches(root),
        memory_bytes: os::memory_bytes(root).or(host.memory_bytes),
        os: os::pretty_name(root).or_else(|| host.os.clone()),
        kernel: os::kernel(root).or_else(|| host.kernel.clone()),
        virtualization,
        cpu_quota: cgroup::cpu_quota(root),
        limits: Limits {
            nofile_soft: host.rlimits.nofile_soft,
            nofile_hard: host.rlimits.nofile_hard,
            nproc_soft: host.rlimits.nproc_soft,
            stack_soft_bytes: host.rlimits.stack_soft_bytes,
            ..limits::from_proc_sys(root)
        },
        tuning: tuning::read(root, host.libc.clone()),
    };
    machine.fingerprint = fingerprint(&machine);
    machine
}

/// The first line of the fingerprint input; a new version means a new input format.
const FINGERPRINT_FORMAT: &str = "versus.machine-fingerprint/1";

const GIB: u64 = 1 << 30;

/// The first 16 hex digits of the SHA-256 of [`fingerprint_input`].
pub fn fingerprint(machine: &Machine) -> String {
    let digest = Sha256::digest(fingerprint_input(machine).as_bytes());
    digest
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The exact text the fingerprint hashes: what decides performance, one `key=value`
/// line each, in this order, each line ending in `\n`, an unknown value left empty:
///
/// ```text
/// versus.machine-fingerprint/1
/// arch=x86_64
/// cpu_vendor=AMD
/// cpu_model=AMD EPYC 7763 64-Core Processor
/// logical_cpus=4
/// physical_cores=2
/// memory_gib=16
/// cpu_quota=
/// ```
///
/// `memory_gib` is `memory_bytes` rounded to the nearest whole GiB, because MemTotal
/// moves by a few MiB between boots of the same kind of VM; `cpu_quota` has three
/// decimals (`2.000`). The kernel, OS, flags, caches, virtualization and limits are left
/// out: they are recorded, but they do not make a different machine. The text is written
/// out by hand rather than serialized so that neither serde's field order nor a crate
/// upgrade can change a fingerprint.
pub fn fingerprint_input(machine: &Machine) -> String {
    // A value with a line break could forge another line; none should have one.
    let text = |value: &Option<String>| value.as_deref().unwrap_or("").replace('\n', " ");
    let number = |value: Option<u64>| value.map(|n| n.to_string()).unwrap_or_default();
    let memory_gib = machine
        .memory_bytes
        .map(|bytes| bytes / GIB + u64::from(bytes % GIB >= GIB / 2));
    let cpu_quota = machine
        .cpu_quota
        .map(|cpus| format!("{cpus:.3}"))
        .unwrap_or_default();
    format!(
        "{FINGERPRINT_FORMAT}\n\
         arch={}\n\
         cpu_vendor={}\n\
         cpu_model={}\n\
         logical_cpus={}\n\
         physical_cores={}\n\
         memory_gib={}\n\
         cpu_quota={}\n",
        machine.arch.replace('\n', " "),
        text(&machine.cpu_vendor),
        text(&machine.cpu_model),
        number(machine.logical_cpus),
        number(machine.physical_cores),
        number(memory_gib),
        cpu_quota,
    )
}

#[cfg(test)]
mod tests {
    use std::fs;

    use expect_test::expect;

    use super::*;
    use crate::record::Cache;

    /// A named edit of a machine, for the fingerprint tests.
    type Change = (&'static str, fn(&mut Machine));

    /// A GitHub-hosted x86_64 runner, as a fixed value.
    fn github_runner() -> Machine {
        Machine {
            fingerprint: String::new(),
            arch: "x86_64".into(),
            cpu_model: Some("AMD EPYC 7763 64-Core Processor".into()),
            cpu_vendor: Some("AMD".into()),
            logical_cpus: Some(4),
            physical_cores: Some(2),
            cpu_flags: vec!["avx2".into(), "sse4_2".into()],
            caches: vec![Cache {
                level: 3,
                kind: "Unified".into(),
                size_bytes: Some(32 << 20),
                shared_by: Some(4),
            }],
            memory_bytes: Some(16_373_272 * 1024),
            os: Some("Ubuntu 24.04.2 LTS".into()),
            kernel: Some("6.8.0-1021-azure".into()),
            virtualization: Some("microsoft".into()),
            cpu_quota: None,
            limits: Limits {
                pid_max: Some(4_194_304),
                nofile_soft: Some(65_536),
                ..Limits::default()
            },
            tuning: Default::default(),
        }
    }

    #[test]
    fn golden_fingerprint() {
        let machine = github_runner();
        expect![[r#"
            versus.machine-fingerprint/1
            arch=x86_64
            cpu_vendor=AMD
            cpu_model=AMD EPYC 7763 64-Core Processor
            logical_cpus=4
            physical_cores=2
            memory_gib=16
            cpu_quota=
        "#]]
        .assert_eq(&fingerprint_input(&machine));
        expect!["c90d059c2a81d162"].assert_eq(&fingerprint(&machine));
    }

    #[test]
    fn fingerprint_is_stable() {
        let machine = github_runner();
        assert_eq!(fingerprint(&machine), fingerprint(&machine.clone()));
        assert_eq!(fingerprint(&machine).len(), 16);
        assert_eq!(detect().fingerprint, detect().fingerprint);
    }

    #[test]
    fn fingerprint_changes_with_what_decides_performance() {
        let base = fingerprint(&github_runner());
        let changes: [Change; 7] = [
            ("cpu model", |m| m.cpu_model = Some("AMD EPYC 9V74".into())),
            ("cpu vendor", |m| m.cpu_vendor = Some("Intel".into())),
            ("arch", |m| m.arch = "aarch64".into()),
            ("logical cpus", |m| m.logical_cpus = Some(8)),
            ("physical cores", |m| m.physical_cores = Some(4)),
            ("memory +1 GiB", |m| {
                m.memory_bytes = m.memory_bytes.map(|b| b + GIB)
            }),
            ("cpu quota", |m| m.cpu_quota = Some(2.0)),
        ];
        for (what, change) in changes {
            let mut machine = github_runner();
            change(&mut machine);
            assert_ne!(fingerprint(&machine), base, "{what} must change it");
        }
    }

    #[test]
    fn fingerprint_ignores_what_does_not() {
        let base = fingerprint(&github_runner());
        let changes: [Change; 8] = [
            ("memory +3 MiB", |m| {
                m.memory_bytes = m.memory_bytes.map(|b| b + 3 * 1024 * 1024)
            }),
            ("memory -3 MiB", |m| {
                m.memory_bytes = m.memory_bytes.map(|b| b - 3 * 1024 * 1024)
            }),
            ("kernel", |m| m.kernel = Some("6.11.0-1018-azure".into())),
            ("os", |m| m.os = Some("Ubuntu 22.04.5 LTS".into())),
            ("limits", |m| m.limits.nofile_soft = Some(1024)),
            ("flags order", |m| m.cpu_flags.reverse()),
            ("virtualization", |m| m.virtualization = None),
            ("old fingerprint", |m| m.fingerprint = "x".into()),
        ];
        for (what, change) in changes {
            let mut machine = github_runner();
            change(&mut machine);
            assert_eq!(fingerprint(&machine), base, "{what} must not change it");
        }
    }

    #[test]
    fn an_empty_root_gives_an_empty_machine() {
        let dir = tempfile::tempdir().unwrap();
        let machine = detect_in(&Root::at(dir.path()), &HostFacts::default());
        let expected = Machine {
            fingerprint: machine.fingerprint.clone(),
            arch: std::env::consts::ARCH.into(),
            cpu_model: None,
            cpu_vendor: None,
            logical_cpus: None,
            physical_cores: None,
            cpu_flags: vec![],
            caches: vec![],
            memory_bytes: None,
            os: None,
            kernel: None,
            virtualization: None,
            cpu_quota: None,
            limits: Limits::default(),
            tuning: Default::default(),
        };
        assert_eq!(machine, expected);
        assert_eq!(machine.fingerprint.len(), 16);
    }

    #[test]
    fn host_facts_fill_what_files_do_not_say() {
        let dir = tempfile::tempdir().unwrap();
        let host = HostFacts {
            cpu_model: Some("Apple M2".into()),
            cpu_vendor: Some("Apple".into()),
            logical_cpus: Some(8),
            physical_cores: Some(8),
            memory_bytes: Some(16 * GIB),
            os: Some("macOS 15.5 Sequoia".into()),
            kernel: Some("24.5.0".into()),
            cpuid_signature: None,
            rlimits: Limits {
                nofile_soft: Some(256),
                nofile_hard: None,
                nproc_soft: Some(2666),
                stack_soft_bytes: Some(8 << 20),
                ..Limits::default()
            },
            libc: None,
        };
        let machine = detect_in(&Root::at(dir.path()), &host);
        assert_eq!(machine.cpu_model.as_deref(), Some("Apple M2"));
        assert_eq!(machine.cpu_vendor.as_deref(), Some("Apple"));
        assert_eq!(machine.logical_cpus, Some(8));
        assert_eq!(machine.physical_cores, Some(8));
        assert_eq!(machine.memory_bytes, Some(16 * GIB));
        assert_eq!(machine.os.as_deref(), Some("macOS 15.5 Sequoia"));
        assert_eq!(machine.kernel.as_deref(), Some("24.5.0"));
        assert_eq!(machine.limits, host.rlimits);
    }

    /// A Cobalt 100 runner laid out as files, read end to end.
    #[test]
    fn a_fake_arm_runner() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::at(dir.path());
        let write = |path: &str, text: &str| {
            let path = root.path(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        };
        write(
            "/proc/cpuinfo",
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/machine/cpuinfo-aarch64-cobalt100.txt"
            )),
        );
        write("/proc/meminfo", "MemTotal:       16373272 kB\n");
        write("/proc/sys/kernel/osrelease", "6.8.0-1021-azure\n");
        write("/proc/sys/kernel/pid_max", "4194304\n");
        write("/proc/sys/kernel/threads-max", "127226\n");
        write("/proc/sys/vm/max_map_count", "65530\n");
        write("/proc/sys/net/core/somaxconn", "4096\n");
        write("/proc/self/cgroup", "0::/system.slice/runner.service\n");
        write("/sys/fs/cgroup/system.slice/cpu.max", "max 100000\n");
        write(
            "/etc/os-release",
            "PRETTY_NAME=\"Ubuntu 24.04.2 LTS\"\nNAME=\"Ubuntu\"\n",
        );
        write("/sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n");
        write("/sys/class/dmi/id/product_name", "Virtual Machine\n");
        for cpu in 0..4 {
            write(
                &format!("/sys/devices/system/cpu/cpu{cpu}/topology/core_cpus_list"),
                &format!("{cpu}\n"),
            );
        }
        for (index, level, kind, size, shared) in [
            (0, "1", "Data", "64K", "0"),
            (1, "1", "Instruction", "64K", "0"),
            (2, "2", "Unified", "1024K", "0"),
            (3, "3", "Unified", "36864K", "0-3"),
        ] {
            let dir = format!("/sys/devices/system/cpu/cpu0/cache/index{index}");
            write(&format!("{dir}/level"), level);
            write(&format!("{dir}/type"), kind);
            write(&format!("{dir}/size"), size);
            write(&format!("{dir}/shared_cpu_list"), shared);
        }

        let mut machine = detect_in(&root, &HostFacts::default());
        assert!(machine.cpu_flags.iter().any(|f| f == "sve2"));
        assert!(machine.cpu_flags.iter().any(|f| f == "i8mm"));
        // The flags and the build architecture are checked above or vary by host; the
        // rest is pinned as the JSON a record would carry.
        machine.cpu_flags.truncate(3);
        machine.arch = "aarch64".into();
        machine.fingerprint = fingerprint(&machine);
        expect![[r#"
            {
              "fingerprint": "6d41d5a1efe79c99",
              "arch": "aarch64",
              "cpu_model": "Neoverse-N2",
              "cpu_vendor": "ARM",
              "logical_cpus": 4,
              "physical_cores": 4,
              "cpu_flags": [
                "aes",
                "asimd",
                "asimddp"
              ],
              "caches": [
                {
                  "level": 1,
                  "type": "Data",
                  "size_bytes": 65536,
                  "shared_by": 1
                },
                {
                  "level": 1,
                  "type": "Instruction",
                  "size_bytes": 65536,
                  "shared_by": 1
                },
                {
                  "level": 2,
                  "type": "Unified",
                  "size_bytes": 1048576,
                  "shared_by": 1
                },
                {
                  "level": 3,
                  "type": "Unified",
                  "size_bytes": 37748736,
                  "shared_by": 4
                }
              ],
              "memory_bytes": 16766230528,
              "os": "Ubuntu 24.04.2 LTS",
              "kernel": "6.8.0-1021-azure",
              "virtualization": "microsoft",
              "cpu_quota": null,
              "limits": {
                "pid_max": 4194304,
                "threads_max": 127226,
                "max_map_count": 65530,
                "somaxconn": 4096,
                "nofile_soft": null,
                "nofile_hard": null,
                "nproc_soft": null,
                "stack_soft_bytes": null
              },
              "tuning": {
                "libc": null,
                "thp_enabled": null,
                "thp_defrag": null,
                "cpu_governor": null,
                "smt": null
              }
            }"#]]
        .assert_eq(&serde_json::to_string_pretty(&machine).unwrap());
    }

    #[test]
    fn detect_reads_this_machine() {
        let machine = detect();
        assert_eq!(machine.arch, std::env::consts::ARCH);
        assert_eq!(machine.fingerprint, fingerprint(&machine));
        assert!(machine.cpu_flags.is_sorted());
        if cfg!(target_os = "linux") {
            assert!(machine.logical_cpus.is_some_and(|n| n > 0));
            assert!(machine.memory_bytes.is_some_and(|n| n > 0));
            assert!(machine.kernel.is_some());
        }
    }
}
