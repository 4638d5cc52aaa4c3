//! Synthetic run records for tests (of `compare`, calibration, the tables and the
//! site): only the fields the code under test reads are meaningful; the rest hold fixed
//! plausible values.

use std::collections::BTreeMap;

use crate::record::{Limits, Machine, Protocol, ResultRecord, RunRecord, Source, Status, Trial};

pub const FINGERPRINT: &str = "c90d059c2a81d162";

/// A record with the given results, in an A/B session when `session` is set.
pub fn record(
    id: &str,
    session: Option<&str>,
    fingerprint: &str,
    results: Vec<ResultRecord>,
) -> RunRecord {
    let rounds = results
        .iter()
        .flat_map(|r| r.trials.iter().map(|t| t.round + 1))
        .max()
        .unwrap_or(0);
    RunRecord {
        schema: crate::record::RUN_SCHEMA.to_string(),
        id: id.to_string(),
        started_at: "2026-11-22T08:00:00Z".to_string(),
        finished_at: "2026-11-22T08:01:00Z".to_string(),
        source: Source {
            commit: Some("0123456789abcdef0123456789abcdef01234567".to_string()),
            git_ref: Some("refs/heads/main".to_string()),
            subject: Some("Measure".to_string()),
            committed_at: None,
            dirty: false,
            pr: None,
        },
        ci: None,
        machine: Machine {
            fingerprint: fingerprint.to_string(),
            arch: "x86_64".to_string(),
            cpu_model: Some("AMD EPYC 7763 64-Core Processor".to_string()),
            cpu_vendor: Some("AMD".to_string()),
            logical_cpus: Some(2),
            physical_cores: Some(1),
            cpu_flags: Vec::new(),
            caches: Vec::new(),
            memory_bytes: Some(8 << 30),
            os: None,
            kernel: None,
            virtualization: None,
            cpu_quota: None,
            limits: Limits::default(),
            tuning: Default::default(),
        },
        protocol: Protocol {
            rounds,
            warmup: 1,
            samples_per_trial: 1,
            seed: 42,
            order: "interleaved".to_string(),
            quick: false,
            session: session.map(str::to_string),
            timeout_s: None,
        },
        toolchains: Vec::new(),
        results,
        calibration: None,
    }
}

/// An `ok` result of `workload/variant` in Rust whose trial in round `i` took
/// `ns_per_op[i]` per operation (one sample of 1000 operations), with a fixed max RSS.
pub fn result(workload: &str, variant: &str, ns_per_op: &[f64]) -> ResultRecord {
    let trials = ns_per_op
        .iter()
        .enumerate()
        .map(|(round, &ns)| trial(round as u32, ns, 12 << 20))
        .collect();
    ResultRecord {
        workload: workload.to_string(),
        variant: variant.to_string(),
        lang: "rust".to_string(),
        toolchain: "rust-1.95.0".to_string(),
        params: BTreeMap::from([("size".to_string(), 1000)]),
        unit: "ns".to_string(),
        ops: 1000,
        status: Status::Ok,
        reason: None,
        checksum: Some("499500".to_string()),
        implausible: None,
        trials,
        pruned: None,
        samples_per_trial: None,
        warmup: None,
    }
}

/// One trial: a single sample of 1000 operations at `ns_per_op`.
pub fn trial(round: u32, ns_per_op: f64, max_rss_bytes: u64) -> Trial {
    Trial {
        round,
        samples: vec![(ns_per_op * 1000.0).round() as u64],
        checksum: Some("499500".to_string()),
        extra: BTreeMap::new(),
        histogram: None,
        wall_ns: 1_000_000,
        user_ns: 900_000,
        sys_ns: 100_000,
        max_rss_bytes,
        error: None,
        instructions: None,
        pruned: None,
    }
}

/// `n` values around `center` with a deterministic spread of about `spread` (relative):
/// low-noise data without a random generator.
pub fn around(center: f64, spread: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| center * (1.0 + spread * (2.7 * i as f64 + 0.3).sin()))
        .collect()
}
