//! Facts about the running machine that do not come from files below the root.
//!
//! These are the process's own resource limits, the x86 CPUID hypervisor signature, and
//! what the `sysinfo` crate reports. sysinfo reads the same /proc files on Linux, so
//! there it rarely adds anything; it matters on macOS (a contributor's laptop), where
//! there is no /proc and it asks the system through sysctl instead. Gathering them in
//! one value keeps detection a pure function of (root, host facts) for tests.

use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

use super::cpuinfo;
use super::limits;
use crate::record::Limits;

/// What the process can learn about the machine without reading /proc or /sys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostFacts {
    pub cpu_model: Option<String>,
    pub cpu_vendor: Option<String>,
    pub logical_cpus: Option<u64>,
    pub physical_cores: Option<u64>,
    pub memory_bytes: Option<u64>,
    pub os: Option<String>,
    pub kernel: Option<String>,
    /// The vendor signature of CPUID leaf 0x40000000, read only when CPUID says a
    /// hypervisor is present.
    pub cpuid_signature: Option<String>,
    /// Only the per-process fields (nofile, nproc, stack) are filled.
    pub rlimits: Limits,
    /// The C library the process runs on, e.g. "glibc 2.36".
    pub libc: Option<String>,
}

impl HostFacts {
    /// Asks the running system.
    pub fn probe() -> HostFacts {
        let system = System::new_with_specifics(
            RefreshKind::nothing()
                .with_cpu(CpuRefreshKind::nothing())
                .with_memory(MemoryRefreshKind::nothing().with_ram()),
        );
        let first_cpu = system.cpus().first();
        HostFacts {
            cpu_model: first_cpu.and_then(|cpu| cpuinfo::clean(cpu.brand())),
            cpu_vendor: first_cpu
                .and_then(|cpu| cpuinfo::clean(cpu.vendor_id()))
                .map(|id| cpuinfo::x86_vendor_name(&id)),
            logical_cpus: Some(system.cpus().len() as u64).filter(|&n| n > 0),
            physical_cores: System::physical_core_count().map(|n| n as u64),
            memory_bytes: Some(system.total_memory()).filter(|&n| n > 0),
            os: System::long_os_version().and_then(|name| cpuinfo::clean(&name)),
            kernel: System::kernel_version().and_then(|release| cpuinfo::clean(&release)),
            cpuid_signature: cpuid_hypervisor_signature(),
            rlimits: limits::from_getrlimit(),
            libc: super::tuning::libc(),
        }
    }
}

/// The hypervisor's vendor signature from CPUID, e.g. "KVMKVMKVM" or "Microsoft Hv".
/// Leaf 0x40000000 is only meaningful when leaf 1 sets the hypervisor bit (ECX bit 31);
/// on bare metal it returns unrelated data, so the bit is checked first.
#[cfg(target_arch = "x86_64")]
fn cpuid_hypervisor_signature() -> Option<String> {
    use std::arch::x86_64::__cpuid;
    // `__cpuid` became a safe function in recent Rust and was `unsafe` before; the block
    // keeps older compilers building, and CPUID exists on every x86_64 CPU.
    #[allow(unused_unsafe)]
    let features = unsafe { __cpuid(1) };
    if features.ecx & (1 << 31) == 0 {
        return None;
    }
    #[allow(unused_unsafe)]
    let vendor = unsafe { __cpuid(0x4000_0000) };
    let bytes: Vec<u8> = [vendor.ebx, vendor.ecx, vendor.edx]
        .iter()
        .flat_map(|register| register.to_le_bytes())
        .collect();
    let signature = String::from_utf8_lossy(&bytes)
        .trim_end_matches('\0')
        .to_owned();
    (!signature.trim().is_empty()).then_some(signature)
}

#[cfg(not(target_arch = "x86_64"))]
fn cpuid_hypervisor_signature() -> Option<String> {
    None
}
