//! Says whether the machine is a virtual machine, and whose.
//!
//! The answer uses the identifiers of `systemd-detect-virt` ("kvm", "microsoft",
//! "amazon", "google", "xen", "vmware", ...), so a record reads the same as the tool
//! people already know, plus "none" for bare metal and "vm-other" for a hypervisor that
//! does not say who it is. None means we could not tell. The evidence, strongest first:
//! the firmware's DMI strings, which name the cloud even when its hypervisor is KVM
//! underneath (AWS Nitro, Google); /sys/hypervisor/type (Xen); the hypervisor's CPUID
//! signature on x86; and the x86 `hypervisor` CPU flag, whose absence on x86 proves bare
//! metal. Arm has no such flag, so an Arm machine without DMI hints stays None.

use super::root::Root;

/// Everything the decision looks at, gathered so that the decision is a pure function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// /sys/class/dmi/id/sys_vendor, e.g. "Microsoft Corporation".
    pub sys_vendor: Option<String>,
    /// /sys/class/dmi/id/product_name, e.g. "Virtual Machine".
    pub product_name: Option<String>,
    /// /sys/hypervisor/type, e.g. "xen".
    pub hypervisor_type: Option<String>,
    /// The 12-byte vendor signature of CPUID leaf 0x40000000, e.g. "KVMKVMKVM".
    pub cpuid_signature: Option<String>,
    /// The x86 `hypervisor` flag of /proc/cpuinfo; None where there is no such flag.
    pub hypervisor_flag: Option<bool>,
}

impl Evidence {
    /// Reads the files; the CPUID signature and the flag come from elsewhere.
    pub fn read(
        root: &Root,
        cpuid_signature: Option<String>,
        hypervisor_flag: Option<bool>,
    ) -> Evidence {
        Evidence {
            sys_vendor: root.read_trimmed("/sys/class/dmi/id/sys_vendor"),
            product_name: root.read_trimmed("/sys/class/dmi/id/product_name"),
            hypervisor_type: root.read_trimmed("/sys/hypervisor/type"),
            cpuid_signature,
            hypervisor_flag,
        }
    }
}

/// The virtualization identifier, or None when the evidence does not tell.
pub fn classify(evidence: &Evidence) -> Option<String> {
    let from_dmi = || {
        from_dmi(
            evidence.sys_vendor.as_deref().unwrap_or(""),
            evidence.product_name.as_deref().unwrap_or(""),
        )
    };
    let from_hypervisor_type = || match evidence.hypervisor_type.as_deref()? {
        "xen" => Some("xen"),
        _ => Some("vm-other"),
    };
    let from_cpuid = || from_cpuid_signature(evidence.cpuid_signature.as_deref()?);
    let from_flag = || match evidence.hypervisor_flag? {
        true => Some("vm-other"),
        false => Some("none"),
    };
    from_dmi()
        .or_else(from_hypervisor_type)
        .or_else(from_cpuid)
        .or_else(from_flag)
        .map(str::to_owned)
}

/// The DMI strings that name a hypervisor or a cloud, as systemd-detect-virt reads them.
fn from_dmi(sys_vendor: &str, product_name: &str) -> Option<&'static str> {
    const PREFIXES: &[(&str, &str)] = &[
        ("KVM", "kvm"),
        ("OpenStack", "kvm"),
        ("KubeVirt", "kvm"),
        ("Amazon EC2", "amazon"),
        ("QEMU", "qemu"),
        ("VMware", "vmware"),
        ("VMW", "vmware"),
        ("innotek GmbH", "oracle"),
        ("VirtualBox", "oracle"),
        ("Xen", "xen"),
        ("Bochs", "bochs"),
        ("Parallels", "parallels"),
        ("BHYVE", "bhyve"),
        ("Hyper-V", "microsoft"),
        ("Apple Virtualization", "apple"),
        ("Google", "google"),
    ];
    // Microsoft also sells laptops, so its name alone does not mean Hyper-V or Azure.
    if sys_vendor == "Microsoft Corporation" && product_name == "Virtual Machine" {
        return Some("microsoft");
    }
    let id = [sys_vendor, product_name].iter().find_map(|text| {
        PREFIXES
            .iter()
            .find(|(prefix, _)| !text.is_empty() && text.starts_with(prefix))
            .map(|(_, id)| *id)
    })?;
    // EC2 bare-metal instances carry Amazon's DMI strings too, with a `.metal` type.
    if id == "amazon" && product_name.ends_with(".metal") {
        return Some("none");
    }
    Some(id)
}

/// The hypervisor named by its CPUID signature; "vm-other" for one we do not know.
pub fn from_cpuid_signature(signature: &str) -> Option<&'static str> {
    const SIGNATURES: &[(&str, &str)] = &[
        ("KVMKVMKVM", "kvm"),
        ("Linux KVM Hv", "kvm"),
        ("Microsoft Hv", "microsoft"),
        ("VMwareVMware", "vmware"),
        ("XenVMMXenVMM", "xen"),
        ("TCGTCGTCGTCG", "qemu"),
        ("bhyve bhyve ", "bhyve"),
        ("ACRNACRNACRN", "acrn"),
        ("VBoxVBoxVBox", "oracle"),
        (" lrpepyh vr", "parallels"),
    ];
    let trimmed = signature.trim_end_matches('\0');
    if trimmed.trim().is_empty() {
        return None;
    }
    Some(
        SIGNATURES
            .iter()
            .find(|(known, _)| trimmed.trim() == known.trim())
            .map_or("vm-other", |(_, id)| *id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dmi(sys_vendor: &str, product_name: &str) -> Evidence {
        Evidence {
            sys_vendor: Some(sys_vendor.into()),
            product_name: Some(product_name.into()),
            ..Evidence::default()
        }
    }

    #[test]
    fn clouds_from_dmi() {
        let id = |e: Evidence| classify(&e);
        assert_eq!(
            id(dmi("Microsoft Corporation", "Virtual Machine")).as_deref(),
            Some("microsoft")
        );
        assert_eq!(
            id(dmi("Amazon EC2", "c7g.large")).as_deref(),
            Some("amazon")
        );
        assert_eq!(id(dmi("Amazon EC2", "c7g.metal")).as_deref(), Some("none"));
        assert_eq!(
            id(dmi("Google", "Google Compute Engine")).as_deref(),
            Some("google")
        );
        assert_eq!(
            id(dmi("QEMU", "Standard PC (Q35 + ICH9, 2009)")).as_deref(),
            Some("qemu")
        );
    }

    #[test]
    fn a_surface_laptop_is_not_hyper_v() {
        let evidence = Evidence {
            hypervisor_flag: Some(false),
            ..dmi("Microsoft Corporation", "Surface Laptop 5")
        };
        assert_eq!(classify(&evidence).as_deref(), Some("none"));
    }

    #[test]
    fn dmi_wins_over_cpuid() {
        let evidence = Evidence {
            cpuid_signature: Some("KVMKVMKVM\0\0\0".into()),
            hypervisor_flag: Some(true),
            ..dmi("Amazon EC2", "m7i.large")
        };
        assert_eq!(classify(&evidence).as_deref(), Some("amazon"));
    }

    #[test]
    fn cpuid_and_flag_without_dmi() {
        let kvm = Evidence {
            cpuid_signature: Some("KVMKVMKVM\0\0\0".into()),
            hypervisor_flag: Some(true),
            ..Evidence::default()
        };
        assert_eq!(classify(&kvm).as_deref(), Some("kvm"));
        let unnamed = Evidence {
            hypervisor_flag: Some(true),
            ..Evidence::default()
        };
        assert_eq!(classify(&unnamed).as_deref(), Some("vm-other"));
        let metal = Evidence {
            hypervisor_flag: Some(false),
            ..Evidence::default()
        };
        assert_eq!(classify(&metal).as_deref(), Some("none"));
    }

    #[test]
    fn xen_from_sys_hypervisor() {
        let xen = Evidence {
            hypervisor_type: Some("xen".into()),
            ..Evidence::default()
        };
        assert_eq!(classify(&xen).as_deref(), Some("xen"));
    }

    #[test]
    fn nothing_known_is_none() {
        assert_eq!(classify(&Evidence::default()), None);
        // An Arm server with ordinary DMI strings: no flag to prove bare metal.
        assert_eq!(classify(&dmi("Ampere Computing", "Mt.Jade")), None);
    }

    #[test]
    fn cpuid_signatures() {
        assert_eq!(from_cpuid_signature("Microsoft Hv"), Some("microsoft"));
        assert_eq!(from_cpuid_signature("KVMKVMKVM\0\0\0"), Some("kvm"));
        assert_eq!(from_cpuid_signature("SomethingNew"), Some("vm-other"));
        assert_eq!(from_cpuid_signature("\0\0\0"), None);
    }
}
