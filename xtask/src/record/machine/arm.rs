//! Names for Arm CPUs, which identify themselves by numbers rather than by a model string.
//!
//! On Arm, `/proc/cpuinfo` has no `model name`: each CPU reports the `CPU implementer`
//! (the company that designed the core) and the `CPU part` (the core design) from its
//! MIDR register. These tables turn the two numbers into the names that `lscpu` prints
//! (util-linux `sys-utils/lscpu-arm.c`), so that a record reads "Neoverse-N2" just as the
//! machine's own tools say it. Cloud processors are sold under their own names but report
//! the Arm core they are built from: AWS Graviton2 is a Neoverse-N1, Graviton3 a
//! Neoverse-V1, Graviton4 a Neoverse-V2; Ampere Altra is a Neoverse-N1 as well.

/// One implementer: its MIDR code, the vendor name, and the parts it is known to make.
struct Implementer {
    code: u32,
    vendor: &'static str,
    parts: &'static [(u32, &'static str)],
}

const IMPLEMENTERS: &[Implementer] = &[
    Implementer {
        code: 0x41,
        vendor: "ARM",
        parts: ARM_PARTS,
    },
    Implementer {
        code: 0x42,
        vendor: "Broadcom",
        parts: &[
            (0x00f, "Brahma-B15"),
            (0x100, "Brahma-B53"),
            (0x516, "ThunderX2"),
        ],
    },
    Implementer {
        code: 0x43,
        vendor: "Cavium",
        parts: &[
            (0x0a1, "ThunderX-88XX"),
            (0x0a2, "ThunderX-81XX"),
            (0x0a3, "ThunderX-83XX"),
            (0x0af, "ThunderX2-99xx"),
            (0x0b8, "ThunderX3-T110"),
        ],
    },
    Implementer {
        code: 0x46,
        vendor: "Fujitsu",
        parts: &[(0x001, "A64FX")],
    },
    Implementer {
        code: 0x48,
        vendor: "HiSilicon",
        parts: &[(0xd01, "Kunpeng-920"), (0xd40, "Cortex-A76")],
    },
    Implementer {
        code: 0x4e,
        vendor: "NVIDIA",
        parts: &[
            (0x000, "Denver"),
            (0x003, "Denver-2"),
            (0x004, "Carmel"),
            (0x010, "Olympus"),
        ],
    },
    Implementer {
        code: 0x50,
        vendor: "APM",
        parts: &[(0x000, "X-Gene")],
    },
    Implementer {
        code: 0x51,
        vendor: "Qualcomm",
        parts: &[
            (0x001, "Oryon"),
            (0x800, "Falkor-V1/Kryo"),
            (0x801, "Kryo-V2"),
            (0x802, "Kryo-3XX-Gold"),
            (0x803, "Kryo-3XX-Silver"),
            (0x804, "Kryo-4XX-Gold"),
            (0x805, "Kryo-4XX-Silver"),
            (0xc00, "Falkor"),
            (0xc01, "Saphira"),
        ],
    },
    Implementer {
        code: 0x53,
        vendor: "Samsung",
        parts: &[
            (0x001, "exynos-m1"),
            (0x002, "exynos-m3"),
            (0x003, "exynos-m4"),
            (0x004, "exynos-m5"),
        ],
    },
    Implementer {
        code: 0x61,
        vendor: "Apple",
        parts: APPLE_PARTS,
    },
    // Azure Cobalt 100 reports either Arm's code or Microsoft's, with the Neoverse-N2
    // part number in both cases.
    Implementer {
        code: 0x6d,
        vendor: "Microsoft",
        parts: &[(0xd49, "Azure-Cobalt-100")],
    },
    Implementer {
        code: 0x70,
        vendor: "Phytium",
        parts: &[
            (0x660, "FTC660"),
            (0x661, "FTC661"),
            (0x662, "FTC662"),
            (0x663, "FTC663"),
            (0x664, "FTC664"),
            (0x862, "FTC862"),
        ],
    },
    Implementer {
        code: 0xc0,
        vendor: "Ampere",
        parts: &[(0xac3, "Ampere-1"), (0xac4, "Ampere-1a")],
    },
];

/// Arm Ltd's own core designs, which most Arm servers and phones are built from.
const ARM_PARTS: &[(u32, &str)] = &[
    (0xc07, "Cortex-A7"),
    (0xc08, "Cortex-A8"),
    (0xc09, "Cortex-A9"),
    (0xc0d, "Cortex-A17"),
    (0xc0e, "Cortex-A17"),
    (0xc0f, "Cortex-A15"),
    (0xd01, "Cortex-A32"),
    (0xd02, "Cortex-A34"),
    (0xd03, "Cortex-A53"),
    (0xd04, "Cortex-A35"),
    (0xd05, "Cortex-A55"),
    (0xd06, "Cortex-A65"),
    (0xd07, "Cortex-A57"),
    (0xd08, "Cortex-A72"),
    (0xd09, "Cortex-A73"),
    (0xd0a, "Cortex-A75"),
    (0xd0b, "Cortex-A76"),
    (0xd0c, "Neoverse-N1"),
    (0xd0d, "Cortex-A77"),
    (0xd0e, "Cortex-A76AE"),
    (0xd40, "Neoverse-V1"),
    (0xd41, "Cortex-A78"),
    (0xd42, "Cortex-A78AE"),
    (0xd43, "Cortex-A65AE"),
    (0xd44, "Cortex-X1"),
    (0xd46, "Cortex-A510"),
    (0xd47, "Cortex-A710"),
    (0xd48, "Cortex-X2"),
    (0xd49, "Neoverse-N2"),
    (0xd4a, "Neoverse-E1"),
    (0xd4b, "Cortex-A78C"),
    (0xd4c, "Cortex-X1C"),
    (0xd4d, "Cortex-A715"),
    (0xd4e, "Cortex-X3"),
    (0xd4f, "Neoverse-V2"),
    (0xd80, "Cortex-A520"),
    (0xd81, "Cortex-A720"),
    (0xd82, "Cortex-X4"),
    (0xd83, "Neoverse-V3AE"),
    (0xd84, "Neoverse-V3"),
    (0xd85, "Cortex-X925"),
    (0xd87, "Cortex-A725"),
    (0xd8e, "Neoverse-N3"),
];

/// Apple's cores, as Linux sees them on Apple silicon (Asahi) and in its virtual machines.
const APPLE_PARTS: &[(u32, &str)] = &[
    (0x020, "Icestorm-A14"),
    (0x021, "Firestorm-A14"),
    (0x022, "Icestorm-M1"),
    (0x023, "Firestorm-M1"),
    (0x024, "Icestorm-M1-Pro"),
    (0x025, "Firestorm-M1-Pro"),
    (0x028, "Icestorm-M1-Max"),
    (0x029, "Firestorm-M1-Max"),
    (0x030, "Blizzard-A15"),
    (0x031, "Avalanche-A15"),
    (0x032, "Blizzard-M2"),
    (0x033, "Avalanche-M2"),
    (0x034, "Blizzard-M2-Pro"),
    (0x035, "Avalanche-M2-Pro"),
    (0x038, "Blizzard-M2-Max"),
    (0x039, "Avalanche-M2-Max"),
];

fn implementer(code: u32) -> Option<&'static Implementer> {
    IMPLEMENTERS.iter().find(|known| known.code == code)
}

/// The vendor that designed the core, e.g. "ARM" for 0x41; None for an unknown code.
pub fn vendor(implementer_code: u32) -> Option<&'static str> {
    implementer(implementer_code).map(|known| known.vendor)
}

/// The core's name, e.g. "Neoverse-N2" for (0x41, 0xd49). An unknown pair still gets a
/// name that carries both numbers, so that two different unknown cores never look alike.
pub fn model(implementer_code: u32, part: u32) -> String {
    implementer(implementer_code)
        .and_then(|known| known.parts.iter().find(|(code, _)| *code == part))
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|| format!("ARM implementer {implementer_code:#04x} part {part:#05x}"))
}

/// Reads a MIDR field as /proc/cpuinfo prints it: `0x41`, `0xd49`.
pub fn parse_id(text: &str) -> Option<u32> {
    let text = text.trim();
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    u32::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_parts_have_lscpu_names() {
        assert_eq!(model(0x41, 0xd49), "Neoverse-N2");
        assert_eq!(model(0x41, 0xd0c), "Neoverse-N1");
        assert_eq!(model(0x41, 0xd40), "Neoverse-V1");
        assert_eq!(model(0x41, 0xd4f), "Neoverse-V2");
        assert_eq!(model(0x41, 0xd84), "Neoverse-V3");
        assert_eq!(model(0x41, 0xd8e), "Neoverse-N3");
        assert_eq!(model(0x41, 0xd03), "Cortex-A53");
        assert_eq!(model(0xc0, 0xac4), "Ampere-1a");
        assert_eq!(model(0x61, 0x023), "Firestorm-M1");
        assert_eq!(model(0x6d, 0xd49), "Azure-Cobalt-100");
    }

    #[test]
    fn vendors_come_from_the_implementer() {
        assert_eq!(vendor(0x41), Some("ARM"));
        assert_eq!(vendor(0x61), Some("Apple"));
        assert_eq!(vendor(0xc0), Some("Ampere"));
        assert_eq!(vendor(0x51), Some("Qualcomm"));
        assert_eq!(vendor(0x48), Some("HiSilicon"));
        assert_eq!(vendor(0x46), Some("Fujitsu"));
        assert_eq!(vendor(0x4e), Some("NVIDIA"));
        assert_eq!(vendor(0x99), None);
    }

    #[test]
    fn unknown_parts_keep_their_numbers() {
        assert_eq!(model(0x41, 0xd99), "ARM implementer 0x41 part 0xd99");
        assert_eq!(model(0x99, 0x1), "ARM implementer 0x99 part 0x001");
    }

    #[test]
    fn ids_are_hexadecimal_with_a_prefix() {
        assert_eq!(parse_id("0x41"), Some(0x41));
        assert_eq!(parse_id(" 0xd49 "), Some(0xd49));
        assert_eq!(parse_id("65"), None);
        assert_eq!(parse_id("0xzz"), None);
        assert_eq!(parse_id(""), None);
    }
}
