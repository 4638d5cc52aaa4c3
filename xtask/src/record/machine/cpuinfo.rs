//! Reads `/proc/cpuinfo`: CPU model, vendor, counts and feature flags.
//!
//! The file is a list of blocks, one per online logical CPU, of `key : value` lines. x86
//! names its model (`model name`) and vendor (`vendor_id`) and lists `flags`; Arm gives
//! only the `CPU implementer` and `CPU part` numbers (named in `arm.rs`) and lists
//! `Features`. Parsing is a pure function of the text, so tests feed it captured files.

use std::collections::BTreeSet;

use super::arm;

/// What /proc/cpuinfo says about the CPUs; a field the file does not give is None.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CpuInfo {
    pub model: Option<String>,
    pub vendor: Option<String>,
    pub logical_cpus: Option<u64>,
    /// Distinct (physical id, core id) pairs: only x86 reports them.
    pub physical_cores: Option<u64>,
    /// Sorted and without duplicates.
    pub flags: Vec<String>,
    /// Whether the x86 `hypervisor` flag is set: the CPU tells the kernel it runs under a
    /// hypervisor. None where the CPU has no such flag (Arm), so absence proves nothing.
    pub hypervisor_flag: Option<bool>,
}

/// Parses the whole text of /proc/cpuinfo. Never fails: unknown or garbled lines are
/// skipped, and what cannot be found stays None.
pub fn parse(text: &str) -> CpuInfo {
    let blocks = blocks(text);
    let processors: Vec<&Block> = blocks
        .iter()
        .filter(|block| {
            block
                .get("processor")
                .is_some_and(|value| value.parse::<u32>().is_ok())
        })
        .collect();

    let (arm_model, arm_vendor) = arm_identity(&processors);
    let model = arm_model.or_else(|| {
        blocks
            .iter()
            .find_map(|block| block.get("model name"))
            .and_then(clean)
    });
    let vendor = arm_vendor.or_else(|| {
        blocks
            .iter()
            .find_map(|block| block.get("vendor_id"))
            .and_then(clean)
            .map(|id| x86_vendor_name(&id))
    });

    let x86_flags = blocks.iter().find_map(|block| block.get("flags"));
    let flags_line = x86_flags.or_else(|| blocks.iter().find_map(|block| block.get("Features")));
    let flags: Vec<String> = flags_line
        .map(|line| {
            line.split_whitespace()
                .map(str::to_owned)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        })
        .unwrap_or_default();
    let hypervisor_flag = x86_flags.map(|line| line.split_whitespace().any(|f| f == "hypervisor"));

    CpuInfo {
        model,
        vendor,
        logical_cpus: Some(processors.len() as u64).filter(|&count| count > 0),
        physical_cores: physical_cores(&processors),
        flags,
        hypervisor_flag,
    }
}

/// The company behind an x86 `vendor_id`, e.g. "AMD" for "AuthenticAMD", so that x86 and
/// Arm vendors read alike ("AMD", "Intel", "ARM", "Apple"). An unknown id is kept as is.
pub fn x86_vendor_name(vendor_id: &str) -> String {
    match vendor_id.trim() {
        "GenuineIntel" => "Intel",
        "AuthenticAMD" => "AMD",
        "HygonGenuine" => "Hygon",
        "CentaurHauls" => "Centaur",
        "Shanghai" => "Zhaoxin",
        other => other,
    }
    .to_string()
}

/// Trims and collapses runs of spaces, which some Intel model names are padded with, so
/// that the same CPU always gives the same string; None when nothing is left.
pub fn clean(text: &str) -> Option<String> {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(joined).filter(|s| !s.is_empty())
}

/// One block of `key : value` lines, in file order.
struct Block<'a> {
    fields: Vec<(&'a str, &'a str)>,
}

impl<'a> Block<'a> {
    fn get(&self, key: &str) -> Option<&'a str> {
        self.fields
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| *value)
    }
}

fn blocks(text: &str) -> Vec<Block<'_>> {
    let mut blocks = Vec::new();
    let mut fields = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !fields.is_empty() {
                blocks.push(Block {
                    fields: std::mem::take(&mut fields),
                });
            }
        } else if let Some((key, value)) = line.split_once(':') {
            fields.push((key.trim(), value.trim()));
        }
    }
    if !fields.is_empty() {
        blocks.push(Block { fields });
    }
    blocks
}

/// Model and vendor from the Arm implementer and part numbers. A big.LITTLE system has
/// several kinds of core; they are all named, in the order the kernel lists them.
fn arm_identity(processors: &[&Block]) -> (Option<String>, Option<String>) {
    let mut models: Vec<String> = Vec::new();
    let mut vendors: Vec<&str> = Vec::new();
    for block in processors {
        let Some(implementer) = block.get("CPU implementer").and_then(arm::parse_id) else {
            continue;
        };
        if let Some(vendor) = arm::vendor(implementer) {
            if !vendors.contains(&vendor) {
                vendors.push(vendor);
            }
        }
        if let Some(part) = block.get("CPU part").and_then(arm::parse_id) {
            let model = arm::model(implementer, part);
            if !models.contains(&model) {
                models.push(model);
            }
        }
    }
    let join = |names: Vec<String>| Some(names.join(" + ")).filter(|s| !s.is_empty());
    (
        join(models),
        join(vendors.into_iter().map(str::to_owned).collect()),
    )
}

/// Counts distinct (physical id, core id) pairs, which is how x86 says which logical CPUs
/// are hyper-threads of one core. None unless every processor gives both.
fn physical_cores(processors: &[&Block]) -> Option<u64> {
    let mut cores = BTreeSet::new();
    for block in processors {
        cores.insert((block.get("physical id")?, block.get("core id")?));
    }
    Some(cores.len() as u64).filter(|&count| count > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COBALT_100: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/machine/cpuinfo-aarch64-cobalt100.txt"
    ));
    const EPYC_7763: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/machine/cpuinfo-x86_64-epyc7763.txt"
    ));

    #[test]
    fn arm_cobalt_100() {
        let info = parse(COBALT_100);
        assert_eq!(info.model.as_deref(), Some("Neoverse-N2"));
        assert_eq!(info.vendor.as_deref(), Some("ARM"));
        assert_eq!(info.logical_cpus, Some(4));
        assert_eq!(info.physical_cores, None, "Arm has no core ids in cpuinfo");
        assert_eq!(info.hypervisor_flag, None);
        for flag in ["sve2", "i8mm", "asimd", "atomics"] {
            assert!(info.flags.iter().any(|f| f == flag), "missing {flag}");
        }
        assert!(info.flags.is_sorted());
        assert_eq!(info.flags.len(), 43);
    }

    #[test]
    fn x86_epyc_7763_two_cores_two_threads() {
        let info = parse(EPYC_7763);
        assert_eq!(
            info.model.as_deref(),
            Some("AMD EPYC 7763 64-Core Processor")
        );
        assert_eq!(info.vendor.as_deref(), Some("AMD"));
        assert_eq!(info.logical_cpus, Some(4));
        assert_eq!(info.physical_cores, Some(2));
        assert_eq!(info.hypervisor_flag, Some(true));
        assert!(info.flags.iter().any(|f| f == "avx2"));
        assert!(info.flags.is_sorted());
    }

    #[test]
    fn x86_without_core_ids_leaves_cores_unknown() {
        let text = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU           E5-2673 v4 @ 2.30GHz\nflags\t\t: fpu sse2\n\nprocessor\t: 1\n";
        let info = parse(text);
        assert_eq!(
            info.model.as_deref(),
            Some("Intel(R) Xeon(R) CPU E5-2673 v4 @ 2.30GHz")
        );
        assert_eq!(info.vendor.as_deref(), Some("Intel"));
        assert_eq!(info.logical_cpus, Some(2));
        assert_eq!(info.physical_cores, None);
        assert_eq!(info.hypervisor_flag, Some(false));
    }

    #[test]
    fn big_little_names_every_kind_of_core() {
        let text = "processor : 0\nCPU implementer : 0x41\nCPU part : 0xd05\n\n\
                    processor : 1\nCPU implementer : 0x41\nCPU part : 0xd05\n\n\
                    processor : 2\nCPU implementer : 0x41\nCPU part : 0xd0b\n";
        let info = parse(text);
        assert_eq!(info.model.as_deref(), Some("Cortex-A55 + Cortex-A76"));
        assert_eq!(info.vendor.as_deref(), Some("ARM"));
        assert_eq!(info.logical_cpus, Some(3));
    }

    #[test]
    fn unknown_arm_part_is_named_by_its_numbers() {
        let info = parse("processor : 0\nCPU implementer : 0x41\nCPU part : 0xd99\n");
        assert_eq!(
            info.model.as_deref(),
            Some("ARM implementer 0x41 part 0xd99")
        );
    }

    #[test]
    fn empty_or_garbled_text_gives_nothing() {
        assert_eq!(parse(""), CpuInfo::default());
        assert_eq!(parse("\n\n::::\nno colon here\n"), CpuInfo::default());
    }
}
