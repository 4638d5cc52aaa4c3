//! The catalogue: every workload, its variants in each language, its sizes, how many
//! samples a trial takes, its time limit, its physical floor and its expected checksum.
//!
//! This table is the orchestrator's single source of truth about workloads;
//! `docs/workload-spec.md` defines what each one does, and a tidy check in
//! `cargo xtask test` holds both binaries' `list` output to this table.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::analyse::versus::Pairing;

/// A language the workloads are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    Rust,
    Go,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Rust, Lang::Go];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Go => "go",
        }
    }

    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "rust" => Some(Lang::Rust),
            "go" => Some(Lang::Go),
            _ => None,
        }
    }

    /// The workload binary's file name.
    pub fn binary(self) -> &'static str {
        match self {
            Lang::Rust => "versus-rs",
            Lang::Go => "versus-go",
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parameters of one size, e.g. `[("size", 2_000_000)]`.
pub type Params = &'static [(&'static str, u64)];

/// One variant of a workload in one language, with the parameters that make it what it
/// is (pingpong's `buffer`): a variant with two buffer sizes is listed twice.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    pub lang: Lang,
    pub name: &'static str,
    pub params: Params,
}

/// How many samples one trial process takes, after how many warm-up samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sampling {
    pub samples: u32,
    pub warmup: u32,
}

#[derive(Debug, Clone, Copy)]
pub struct Workload {
    pub name: &'static str,
    /// What it measures, in a line (docs/workloads.md says why).
    pub what: &'static str,
    /// Harness references (`noop`, `membw`) run only when asked for by name.
    pub reference: bool,
    pub variants: &'static [Variant],
    /// Sizes that reproduce the published setups.
    pub full: &'static [Params],
    /// The same code in well under a second.
    pub quick: Params,
    pub full_sampling: Sampling,
    pub quick_sampling: Sampling,
    /// Time limit of one trial process at full size (quick trials get `QUICK_TIMEOUT`).
    pub full_timeout: Duration,
    /// Below this many nanoseconds per operation the work cannot have happened on any
    /// hardware; a faster result is flagged as implausible.
    pub floor_ns_per_op: Option<f64>,
    /// A variant that certainly does the work (its result is consumed); a variant of
    /// the same language, toolchain and parameters that runs in under a tenth of its time
    /// per operation is flagged as implausible, even above the absolute floor.
    pub honest_variant: Option<&'static str>,
    /// CPU-bound: `--instructions` counts its instructions per operation beside time.
    pub counts_instructions: bool,
    /// Writes a per-operation latency histogram, so that its series are also compared
    /// on latency percentiles.
    pub reports_latency: bool,
    /// The workload reports memory per task: each trial runs in a memory cgroup of its
    /// own where the machine allows one (`measure::cgroup`).
    pub reports_memory_per_task: bool,
    /// The checksum every correct implementation prints, from the effective parameters.
    pub expected_checksum: fn(&BTreeMap<String, u64>) -> Option<String>,
}

/// Time limit of a trial at quick size: generous, since quick sizes take well under a
/// second, but short enough that a hung workload does not stall a test run.
pub const QUICK_TIMEOUT: Duration = Duration::from_secs(60);

const fn v(lang: Lang, name: &'static str) -> Variant {
    Variant {
        lang,
        name,
        params: &[],
    }
}

const fn vp(lang: Lang, name: &'static str, params: Params) -> Variant {
    Variant { lang, name, params }
}

const fn sampling(samples: u32, warmup: u32) -> Sampling {
    Sampling { samples, warmup }
}

use Lang::{Go, Rust};

pub static WORKLOADS: &[Workload] = &[
    Workload {
        name: "noop",
        what: "nothing: the runner's own cost per trial",
        reference: true,
        variants: &[v(Rust, "none"), v(Go, "none")],
        full: &[&[("size", 1)]],
        quick: &[("size", 1)],
        full_sampling: sampling(1, 0),
        quick_sampling: sampling(1, 0),
        full_timeout: Duration::from_secs(30),
        floor_ns_per_op: None,
        honest_variant: None,
        reports_latency: false,
        reports_memory_per_task: false,
        counts_instructions: false,
        expected_checksum: |_| Some("0".to_string()),
    },
    Workload {
        name: "membw",
        what: "the read bandwidth a plain streaming loop reaches, to judge sum against",
        reference: true,
        variants: &[v(Rust, "stream-simd"), v(Go, "stream-scalar")],
        full: &[&[("size", 100_000_000)]],
        quick: &[("size", 1_000_000)],
        full_sampling: sampling(10, 2),
        quick_sampling: sampling(5, 1),
        full_timeout: Duration::from_secs(120),
        floor_ns_per_op: Some(0.005),
        honest_variant: None,
        reports_latency: false,
        reports_memory_per_task: false,
        counts_instructions: false,
        expected_checksum: triangular,
    },
    Workload {
        name: "sum",
        what: "sum N 64-bit integers already in memory",
        reference: false,
        variants: &[
            v(Rust, "iter"),
            v(Rust, "scalar"),
            v(Go, "range"),
            v(Go, "unrolled"),
        ],
        full: &[&[("size", 100_000_000)]],
        quick: &[("size", 1_000_000)],
        full_sampling: sampling(10, 2),
        quick_sampling: sampling(5, 1),
        full_timeout: Duration::from_secs(120),
        // 8 bytes per operation: 0.005 ns/op would be 1.6 TB/s, beyond any memory.
        floor_ns_per_op: Some(0.005),
        honest_variant: None,
        reports_latency: false,
        reports_memory_per_task: false,
        counts_instructions: true,
        expected_checksum: triangular,
    },
    Workload {
        name: "spawn",
        what: "create N tasks that do nothing, and wait for all of them",
        reference: false,
        variants: &[v(Rust, "thread"), v(Rust, "tokio"), v(Go, "goroutine")],
        full: &[&[("size", 10_000)], &[("size", 100_000)]],
        quick: &[("size", 1_000)],
        full_sampling: sampling(5, 1),
        quick_sampling: sampling(5, 1),
        full_timeout: Duration::from_secs(180),
        // Creating and finishing a task costs at least a few atomic operations.
        floor_ns_per_op: Some(5.0),
        honest_variant: None,
        reports_latency: false,
        reports_memory_per_task: false,
        counts_instructions: false,
        expected_checksum: triangular,
    },
    Workload {
        name: "alloc",
        what: "N heap allocations of a zeroed 1 KiB object, each dropped at once",
        reference: false,
        variants: &[v(Rust, "box"), v(Rust, "box-elidable"), v(Go, "heap")],
        full: &[&[("size", 10_000_000)]],
        quick: &[("size", 100_000)],
        full_sampling: sampling(5, 1),
        quick_sampling: sampling(5, 1),
        full_timeout: Duration::from_secs(180),
        // Zeroing 1 KiB alone takes 16 cycles at 64 bytes stored per cycle, the widest
        // store path of current cores; at 6 GHz that is 2.7 ns. Nothing allocates and
        // zeroes 1 KiB faster than 2.5 ns. (The published elided loop still calls the
        // allocator shim, at 1.4 to 2 ns per iteration here.)
        floor_ns_per_op: Some(2.5),
        honest_variant: Some("box"),
        reports_latency: false,
        reports_memory_per_task: false,
        counts_instructions: true,
        expected_checksum: |params| Some(params.get("size")?.to_string()),
    },
    Workload {
        name: "pingpong",
        what: "two tasks bounce a 4-byte message N times over channels",
        reference: false,
        variants: &[
            vp(Rust, "std-thread", &[("buffer", 0)]),
            vp(Rust, "tokio-current", &[("buffer", 1)]),
            vp(Rust, "tokio-current", &[("buffer", 4096)]),
            vp(Rust, "tokio-multi", &[("buffer", 1)]),
            vp(Rust, "tokio-multi", &[("buffer", 4096)]),
            vp(Go, "unbuffered", &[("buffer", 0)]),
            vp(Go, "buffered", &[("buffer", 4096)]),
        ],
        full: &[&[("size", 2_000_000)]],
        quick: &[("size", 10_000)],
        // A round trip between OS threads costs 17 to 42 us on a loaded 2-core VM: the
        // 2,000,000 of a full-size std-thread sample take 35 to 85 s. One sample per
        // trial (the trial is the unit of replication) keeps the suite within minutes;
        // 2,000,000 round trips amortize any warm-up.
        full_sampling: sampling(1, 0),
        quick_sampling: sampling(5, 1),
        full_timeout: Duration::from_secs(400),
        floor_ns_per_op: Some(5.0),
        honest_variant: None,
        reports_latency: false,
        reports_memory_per_task: false,
        counts_instructions: false,
        expected_checksum: |params| Some((2 * params.get("size")?).to_string()),
    },
    Workload {
        name: "sleepers",
        what: "N tasks alive at once, each sleeping: memory per task and spawn cost",
        reference: false,
        variants: &[v(Rust, "thread"), v(Rust, "tokio"), v(Go, "goroutine")],
        full: &[
            &[("size", 10_000), ("sleep_ms", 1000)],
            &[("size", 100_000), ("sleep_ms", 1000)],
            &[("size", 1_000_000), ("sleep_ms", 1000)],
        ],
        quick: &[("size", 1_000), ("sleep_ms", 10)],
        // Memory per task is read from the first measured sample of a fresh process,
        // so each trial takes one sample and no warm-up (docs/workload-spec.md).
        full_sampling: sampling(1, 0),
        quick_sampling: sampling(1, 0),
        full_timeout: Duration::from_secs(300),
        floor_ns_per_op: Some(5.0),
        honest_variant: None,
        reports_latency: false,
        reports_memory_per_task: true,
        counts_instructions: false,
        expected_checksum: triangular,
    },
    Workload {
        name: "actors",
        what: "A actors with bounded mailboxes pass M messages: latency, throughput, memory",
        reference: false,
        variants: &[v(Rust, "tokio"), v(Go, "goroutine")],
        // Unpaced (rate 0): throughput, and latency that is mostly queueing behind an
        // unpaced producer. Paced at 1,000,000 messages/s, below saturation on the
        // machines measured (5 to 10 million/s unpaced): hand-off latency, from each
        // message's intended send time.
        full: &[
            &[("size", 1_000_000), ("actors", 10_000), ("mailbox", 64), ("rate", 0)],
            &[
                ("size", 1_000_000),
                ("actors", 10_000),
                ("mailbox", 64),
                ("rate", 1_000_000),
            ],
        ],
        quick: &[("size", 10_000), ("actors", 100), ("mailbox", 64), ("rate", 0)],
        full_sampling: sampling(3, 1),
        quick_sampling: sampling(3, 1),
        full_timeout: Duration::from_secs(300),
        floor_ns_per_op: Some(5.0),
        honest_variant: None,
        reports_latency: true,
        reports_memory_per_task: false,
        counts_instructions: false,
        expected_checksum: routed,
    },
    Workload {
        name: "echo",
        what: "a loopback TCP echo server, C concurrent connections of R round trips: latency and throughput",
        reference: false,
        variants: &[v(Rust, "tokio"), v(Rust, "thread"), v(Go, "net")],
        full: &[
            &[("size", 1_000), ("rounds", 100), ("message", 64)],
            &[("size", 10_000), ("rounds", 100), ("message", 64)],
        ],
        quick: &[("size", 10), ("rounds", 10), ("message", 64)],
        full_sampling: sampling(3, 1),
        quick_sampling: sampling(3, 1),
        full_timeout: Duration::from_secs(300),
        // A loopback round trip is at least two system calls on each side.
        floor_ns_per_op: Some(100.0),
        honest_variant: None,
        reports_latency: true,
        reports_memory_per_task: false,
        counts_instructions: false,
        expected_checksum: echo_checksum,
    },
];

/// The Rust-against-Go comparisons the site's home page and `cargo xtask bench` show,
/// each a Rust variant against the Go variant that does the same work the same way.
pub static PAIRINGS: &[Pairing] = &[
    pair("sum", "iter", &[], "range", &[]),
    pair("sum", "scalar", &[], "unrolled", &[]),
    pair("spawn", "tokio", &[], "goroutine", &[]),
    pair("spawn", "thread", &[], "goroutine", &[]),
    pair("alloc", "box", &[], "heap", &[]),
    pair(
        "pingpong",
        "tokio-current",
        &[("buffer", 1)],
        "unbuffered",
        &[("buffer", 0)],
    ),
    pair(
        "pingpong",
        "tokio-current",
        &[("buffer", 4096)],
        "buffered",
        &[("buffer", 4096)],
    ),
    pair(
        "pingpong",
        "tokio-multi",
        &[("buffer", 1)],
        "unbuffered",
        &[("buffer", 0)],
    ),
    pair(
        "pingpong",
        "tokio-multi",
        &[("buffer", 4096)],
        "buffered",
        &[("buffer", 4096)],
    ),
    pair(
        "pingpong",
        "std-thread",
        &[("buffer", 0)],
        "unbuffered",
        &[("buffer", 0)],
    ),
    pair("sleepers", "tokio", &[], "goroutine", &[]),
    pair("sleepers", "thread", &[], "goroutine", &[]),
    pair("actors", "tokio", &[], "goroutine", &[]),
    pair("echo", "tokio", &[], "net", &[]),
    pair("echo", "thread", &[], "net", &[]),
];

const fn pair(
    workload: &'static str,
    rust: &'static str,
    rust_params: Params,
    go: &'static str,
    go_params: Params,
) -> Pairing {
    Pairing {
        workload,
        rust: (rust, rust_params),
        go: (go, go_params),
    }
}

/// `N(N-1)/2`: the sum of the indices `0..N`, the checksum of most workloads.
fn triangular(params: &BTreeMap<String, u64>) -> Option<String> {
    let n = u128::from(*params.get("size")?);
    Some((n * n.saturating_sub(1) / 2).to_string())
}

/// actors' checksum: message `k` goes to actor `k mod A` and counts `k · (k mod A + 1)`,
/// so only messages delivered to their own actor give it (wrapping at 64 bits, as
/// both binaries add).
fn routed(params: &BTreeMap<String, u64>) -> Option<String> {
    let messages = *params.get("size")?;
    let actors = *params.get("actors")?;
    if actors == 0 {
        return None;
    }
    let sum = (0..messages).fold(0u64, |sum, k| {
        sum.wrapping_add(k.wrapping_mul(k % actors + 1))
    });
    Some(sum.to_string())
}

/// The sum of every byte echoed: byte `j` of round `r` of connection `c` is
/// `(c * 31 + r * 7 + j) mod 256`.
fn echo_checksum(params: &BTreeMap<String, u64>) -> Option<String> {
    let connections = *params.get("size")?;
    let rounds = *params.get("rounds")?;
    let message = *params.get("message")?;
    let mut sum: u64 = 0;
    for c in 0..connections {
        for r in 0..rounds {
            let base = c * 31 + r * 7;
            for j in 0..message {
                sum = sum.wrapping_add((base + j) % 256);
            }
        }
    }
    Some(sum.to_string())
}

/// How many processes and threads a trial of `variant` may have at once, its pids
/// cgroup's `pids.max`: a margin for the runtimes' own threads (Go's, tokio's workers,
/// the launcher), plus one thread per task where the variant makes one (`thread`
/// variants: `size` threads; echo's: a client and a server thread per connection).
/// A workload that forks without end stops there instead of filling the machine's
/// process table.
pub fn tasks_allowed(workload: &Workload, variant: &str, params: &BTreeMap<String, u64>) -> u64 {
    const MARGIN: u64 = 4096;
    let size = params.get("size").copied().unwrap_or(0);
    let per_task = match (workload.name, variant) {
        ("spawn" | "sleepers", "thread") => size,
        ("echo", "thread") => 2 * size,
        _ => 0,
    };
    MARGIN + per_task + per_task / 8
}

pub fn find(name: &str) -> Option<&'static Workload> {
    WORKLOADS.iter().find(|workload| workload.name == name)
}

/// The names a person can ask for, for error messages.
pub fn names() -> String {
    WORKLOADS
        .iter()
        .map(|w| w.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Workload {
    /// The variant names of one language, each once.
    pub fn variant_names(&self, lang: Lang) -> Vec<&'static str> {
        let mut names: Vec<&str> = self
            .variants
            .iter()
            .filter(|v| v.lang == lang)
            .map(|v| v.name)
            .collect();
        names.dedup();
        names
    }

    pub fn sizes(&self, quick: bool) -> Vec<Params> {
        if quick {
            vec![self.quick]
        } else {
            self.full.to_vec()
        }
    }

    pub fn sampling(&self, quick: bool) -> Sampling {
        if quick {
            self.quick_sampling
        } else {
            self.full_sampling
        }
    }

    pub fn timeout(&self, quick: bool) -> Duration {
        if quick {
            QUICK_TIMEOUT
        } else {
            self.full_timeout
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every claim's test names a workload, variants and sizes this catalogue runs, so
    /// that a claim is never "not measured" for a typo.
    #[test]
    fn every_claim_test_names_a_workload_variant_and_size_of_the_catalogue() {
        let claims = crate::analyse::claims::Claims::built_in();
        for claim in &claims.claim {
            for test in &claim.test {
                let at = format!("claim {} test `{}`", claim.id, test.label);
                let workload = find(&test.workload).unwrap_or_else(|| panic!("{at}: no workload"));
                for side in std::iter::once(&test.a).chain(&test.b) {
                    let variants: Vec<&Variant> = workload
                        .variants
                        .iter()
                        .filter(|v| v.lang.as_str() == side.lang && v.name == side.variant)
                        .collect();
                    assert!(
                        !variants.is_empty(),
                        "{at}: no {} {}",
                        side.lang,
                        side.variant
                    );
                    let runs = workload.full.iter().any(|full| {
                        variants.iter().any(|variant| {
                            side.params.iter().all(|(key, value)| {
                                full.iter()
                                    .chain(variant.params.iter())
                                    .any(|(k, v)| k == key && v == value)
                            })
                        })
                    });
                    assert!(
                        runs,
                        "{at}: {:?} is no full size of {}",
                        side.params, test.workload
                    );
                }
            }
        }
    }

    /// A fake actor system that sends every message to actor 0 returns the plain sum
    /// of indices; the expected checksum must tell it from correct routing at every
    /// size the catalogue runs.
    #[test]
    fn the_actors_checksum_catches_misrouting() {
        let actors = find("actors").unwrap();
        for params in actors.full.iter().copied().chain([actors.quick]) {
            let params: BTreeMap<String, u64> =
                params.iter().map(|(k, v)| (k.to_string(), *v)).collect();
            let expected = (actors.expected_checksum)(&params).unwrap();
            let misrouted = triangular(&params).unwrap();
            assert_ne!(expected, misrouted, "{params:?}");
        }
        let one: BTreeMap<String, u64> = [("size".into(), 1000), ("actors".into(), 1)].into();
        assert_eq!(routed(&one), triangular(&one), "one actor gets everything");
    }

    fn params(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn names_are_unique_and_variants_exist_in_both_languages() {
        for (i, workload) in WORKLOADS.iter().enumerate() {
            assert!(
                WORKLOADS[..i].iter().all(|w| w.name != workload.name),
                "{}",
                workload.name
            );
            for lang in Lang::ALL {
                assert!(
                    !workload.variant_names(lang).is_empty(),
                    "{} has no {lang} variant",
                    workload.name
                );
            }
        }
    }

    #[test]
    fn every_size_has_an_expected_checksum() {
        for workload in WORKLOADS {
            for size in workload.full.iter().chain([&workload.quick]) {
                assert!(
                    (workload.expected_checksum)(&params(size)).is_some(),
                    "{} {size:?}",
                    workload.name
                );
            }
        }
    }

    #[test]
    fn every_pairing_names_variants_of_the_catalogue() {
        for pairing in PAIRINGS {
            let workload = find(pairing.workload).expect("a workload of the catalogue");
            for (lang, (name, params)) in [(Lang::Rust, pairing.rust), (Lang::Go, pairing.go)] {
                assert!(
                    workload
                        .variants
                        .iter()
                        .any(|v| v.lang == lang && v.name == name && v.params == params),
                    "{}: no {lang} variant {name} {params:?}",
                    pairing.workload
                );
            }
        }
    }

    #[test]
    fn checksums_match_the_spec() {
        let sum = find("sum").unwrap();
        assert_eq!(
            (sum.expected_checksum)(&params(&[("size", 100_000_000)])).unwrap(),
            "4999999950000000"
        );
        let pingpong = find("pingpong").unwrap();
        assert_eq!(
            (pingpong.expected_checksum)(&params(&[("size", 10)])).unwrap(),
            "20"
        );
        // One connection, one round: bytes 0..64 sum to 2016.
        let echo = find("echo").unwrap();
        let one = params(&[("size", 1), ("rounds", 1), ("message", 64)]);
        assert_eq!((echo.expected_checksum)(&one).unwrap(), "2016");
    }
}
