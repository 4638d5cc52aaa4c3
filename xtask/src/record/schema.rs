//! The run record `versus.run/1` (docs/run-record.md) and the workload's result object.
//!
//! These are the typed values that flow between the orchestrator's steps; JSON appears
//! only when a record is written to or read from `history/`, and when a workload process
//! prints its result. Field names are the contract: other tools and the site read them,
//! so a field is only ever added (as `Option` or with a default), never renamed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The schema tag of a run record.
pub const RUN_SCHEMA: &str = "versus.run/1";

/// One run of the suite on one machine: everything needed to interpret its numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub schema: String,
    /// Unique and sortable: start time, commit and machine fingerprint.
    pub id: String,
    pub started_at: String,
    pub finished_at: String,
    pub source: Source,
    pub ci: Option<Ci>,
    pub machine: Machine,
    pub protocol: Protocol,
    pub toolchains: Vec<ToolchainRecord>,
    pub results: Vec<ResultRecord>,
    /// What `cargo xtask calibrate` measured of the harness on this machine; absent
    /// from other runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
}

/// The harness's measured power on one machine (`cargo xtask calibrate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub experiments: u32,
    /// Pairs of trials each experiment compared: the most any series had, when each
    /// series' pairs were planned from a pilot (`SeriesCalibration.pairs` has each).
    pub pairs_per_experiment: u32,
    /// The comparison threshold, as a fraction.
    pub threshold: f64,
    /// The threshold of instructions per operation, as a fraction, when they were counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions_threshold: Option<f64>,
    /// A/A comparisons (series × metric × experiment) whose verdict was a change.
    pub false_alarms: u32,
    pub aa_comparisons: u32,
    /// Of those, the comparisons of instructions per operation, and their false alarms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction_false_alarms: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction_aa_comparisons: Option<u32>,
    pub series: Vec<SeriesCalibration>,
}

/// One series' calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesCalibration {
    pub workload: String,
    pub variant: String,
    pub lang: String,
    pub toolchain: String,
    pub params: BTreeMap<String, u64>,
    /// Standard deviation of ln(A′/A) of the time per operation over every round.
    pub paired_noise: Option<f64>,
    /// Seconds of measurement (both sides' trial processes, wall time) that one
    /// experiment's comparison of this series took.
    pub seconds_per_experiment: f64,
    /// Fraction of A/A experiments in which any metric of this series was flagged.
    pub false_alarm_rate: f64,
    /// Injected slowdown in percent (as text, "2") → fraction of experiments whose time
    /// per operation came out `slower`.
    pub detection: BTreeMap<String, f64>,
    /// Pairs each of this series' experiments compared (absent in older records, whose
    /// series all had `Calibration.pairs_per_experiment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairs: Option<u32>,
    /// Standard deviation of ln(A′/A) of instructions per operation, when counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction_noise: Option<f64>,
    /// Fraction of A/A experiments whose instructions per operation were flagged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction_false_alarm_rate: Option<f64>,
    /// Injected work in percent (`--inject-work-pct`, as text, "0.5") → fraction of
    /// experiments whose instructions per operation came out `slower`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub instruction_detection: BTreeMap<String, f64>,
    /// Injected work in percent → the median ratio of instructions per operation of the
    /// injected arm to A, over every counted round: the change the injection made.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub instruction_change: BTreeMap<String, f64>,
}

/// The commit that was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// 40 hex digits, or null outside a git checkout.
    pub commit: Option<String>,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub subject: Option<String>,
    pub committed_at: Option<String>,
    /// Uncommitted changes were present in the work tree.
    pub dirty: bool,
    pub pr: Option<u64>,
}

/// Where the run happened when it ran under continuous integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ci {
    pub provider: String,
    pub repository: Option<String>,
    pub run_id: Option<String>,
    pub run_attempt: Option<String>,
    pub workflow: Option<String>,
    pub job: Option<String>,
    pub runner_name: Option<String>,
    pub runner_image: Option<String>,
    pub runner_image_version: Option<String>,
}

/// What decides performance on the machine, and the limits that decide what can run.
/// A field the machine does not expose is null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Stable hash of the fields that decide performance; see `machine::fingerprint`.
    pub fingerprint: String,
    pub arch: String,
    pub cpu_model: Option<String>,
    pub cpu_vendor: Option<String>,
    pub logical_cpus: Option<u64>,
    pub physical_cores: Option<u64>,
    pub cpu_flags: Vec<String>,
    pub caches: Vec<Cache>,
    pub memory_bytes: Option<u64>,
    pub os: Option<String>,
    pub kernel: Option<String>,
    pub virtualization: Option<String>,
    /// CPUs granted by the cgroup quota (cpu.max), null when unlimited or unknown.
    pub cpu_quota: Option<f64>,
    pub limits: Limits,
    /// Settings that move results without making another machine: recorded, never
    /// fingerprinted. Added after the first records, which have none.
    #[serde(default)]
    pub tuning: Tuning,
}

/// The machine's settings that move results: the C library the Rust workloads (and
/// their allocator) link, transparent huge pages (the 800 MB `sum` arrays, stacks), CPU
/// frequency scaling and SMT. A field the machine does not expose is null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tuning {
    /// e.g. "glibc 2.36".
    pub libc: Option<String>,
    /// The selected mode of /sys/kernel/mm/transparent_hugepage/enabled ("always",
    /// "madvise", "never").
    pub thp_enabled: Option<String>,
    /// The selected mode of .../transparent_hugepage/defrag.
    pub thp_defrag: Option<String>,
    /// cpufreq's scaling governor ("performance", "powersave", …; "a, b" when CPUs
    /// differ); null on VMs without cpufreq.
    pub cpu_governor: Option<String>,
    /// /sys/devices/system/cpu/smt/control ("on", "off", "forceoff",
    /// "notsupported", "notimplemented").
    pub smt: Option<String>,
}

/// One level of the CPU cache hierarchy, as /sys describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cache {
    pub level: u32,
    /// "Data", "Instruction" or "Unified".
    #[serde(rename = "type")]
    pub kind: String,
    pub size_bytes: Option<u64>,
    /// How many logical CPUs share one instance of this cache.
    pub shared_by: Option<u64>,
}

/// Kernel and process limits that decide which sizes can run at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub pid_max: Option<u64>,
    pub threads_max: Option<u64>,
    pub max_map_count: Option<u64>,
    pub somaxconn: Option<u64>,
    pub nofile_soft: Option<u64>,
    pub nofile_hard: Option<u64>,
    pub nproc_soft: Option<u64>,
    pub stack_soft_bytes: Option<u64>,
}

/// How the run was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Protocol {
    pub rounds: u32,
    pub warmup: u32,
    pub samples_per_trial: u32,
    /// Seed of the interleaving order; the same seed and plan give the same order.
    pub seed: u64,
    pub order: String,
    pub quick: bool,
    /// Shared by the two records of one A/B session, else null.
    pub session: Option<String>,
    /// Per-trial time limit in seconds.
    #[serde(default)]
    pub timeout_s: Option<f64>,
}

/// One toolchain the workloads were built with, exactly as it was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolchainRecord {
    /// The pin id from toolchains.toml, e.g. `rust-1.95.0`.
    pub id: String,
    pub lang: String,
    pub version: String,
    /// `rustc -vV`, or `go version` plus the relevant `go env` values.
    pub detail: BTreeMap<String, String>,
    /// Environment that changes generated code or runtime behaviour; null when unset.
    pub flags: BTreeMap<String, Option<String>>,
    pub lockfile_sha256: Option<String>,
}

/// The outcome of one (workload, variant, lang, toolchain, params) series in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRecord {
    pub workload: String,
    pub variant: String,
    pub lang: String,
    pub toolchain: String,
    pub params: BTreeMap<String, u64>,
    pub unit: String,
    pub ops: u64,
    pub status: Status,
    pub reason: Option<String>,
    /// The checksum all trials agreed on, or null.
    pub checksum: Option<String>,
    /// Set when the time per operation is below the physical floor for this workload:
    /// the result is kept, with the reason, but never published as a win.
    #[serde(default)]
    pub implausible: Option<String>,
    pub trials: Vec<Trial>,
    /// Set by `cargo xtask history prune` when it dropped this result's raw samples and
    /// histograms: the figures computed from them, kept so that the site, the tables
    /// and `compare` show what they showed before. Absent from a result with raw data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pruned: Option<PrunedResult>,
    /// The trial shape of this result: measured samples and warm-up samples per trial
    /// process. Absent from records written before it was recorded per result (then
    /// each trial's sample count and the protocol's warm-up tell it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples_per_trial: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<u32>,
}

/// What a pruned result keeps of its raw samples: the time per operation over all its
/// samples (as `record::summary::time_per_op` computed it before pruning).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrunedResult {
    /// When the raw data was dropped, RFC 3339.
    pub at: String,
    /// How many samples there were, over all trials.
    pub samples: u64,
    pub median_ns_per_op: f64,
    pub min_ns_per_op: f64,
    pub max_ns_per_op: f64,
}

/// What a pruned trial keeps of its samples and histogram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrunedTrial {
    /// How many samples the trial had.
    pub samples: u64,
    /// The median of its samples, in ns per sample (`record::summary::trial_median`).
    pub median_ns: f64,
    pub min_ns: u64,
    pub max_ns: u64,
    /// The latency percentiles its histogram gave (`p50_ns`, `p99_ns`, `p999_ns`), when
    /// it had one; empty otherwise.
    #[serde(default)]
    pub latency_ns: BTreeMap<String, f64>,
}

/// How a series ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
    Timeout,
    Skipped,
    Mismatch,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Timeout => "timeout",
            Status::Skipped => "skipped",
            Status::Mismatch => "mismatch",
        }
    }
}

/// One process of one series: its in-process samples and what the kernel measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    pub round: u32,
    pub samples: Vec<u64>,
    pub checksum: Option<String>,
    pub extra: BTreeMap<String, serde_json::Value>,
    pub histogram: Option<String>,
    pub wall_ns: u64,
    pub user_ns: u64,
    pub sys_ns: u64,
    pub max_rss_bytes: u64,
    /// Why this trial failed, when it did (exit status, timeout, malformed output).
    #[serde(default)]
    pub error: Option<String>,
    /// Instructions retired per measured sample, for the CPU-bound workloads, where a
    /// counter was available: `perf stat` or Valgrind. Unlike time, this does not move
    /// with a neighbour's load.
    #[serde(default)]
    pub instructions: Option<InstructionCount>,
    /// Set by `cargo xtask history prune`, which then empties `samples` and `histogram`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pruned: Option<PrunedTrial>,
}

/// Instructions retired in one measured sample of a trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstructionCount {
    pub per_sample: f64,
    /// "perf" or "valgrind".
    pub tool: String,
    /// Environment the counted processes ran with beyond the trial's own
    /// (docs/instructions.md: GOMAXPROCS=1 and asyncpreemptoff for Go).
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// The file name of the binary counted: the trial's own (`versus-rs`), or Go's
    /// counting build (`versus-go-count`, built without the randomised heap base; the
    /// toolchain's `detail` names its GOEXPERIMENT). Absent in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary: Option<String>,
}

/// The object a workload process prints on stdout (docs/workload-spec.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadOutput {
    pub workload: String,
    pub variant: String,
    pub lang: String,
    pub params: BTreeMap<String, u64>,
    pub unit: String,
    pub ops: u64,
    pub samples: Vec<u64>,
    pub checksum: String,
    #[serde(default)]
    pub extra: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub histogram: Option<String>,
    #[serde(default)]
    pub skipped: Option<String>,
}

/// Where and on what a measurement ran: the parts of a run record that are known before
/// its results, shared by the records of one measurement.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub started_at: time::OffsetDateTime,
    pub source: Source,
    pub ci: Option<Ci>,
    pub machine: Machine,
}

impl Provenance {
    /// This machine, now, measuring the commit that `git` sees (the trimmed output of
    /// `git ARGS` in the checkout): read before anything is built, so that a long
    /// measurement records the commit it built, not one checked out while it ran.
    pub fn detect(git: impl Fn(&[&str]) -> Option<String>) -> Provenance {
        Provenance {
            started_at: time::OffsetDateTime::now_utc(),
            source: super::source::detect(git),
            ci: super::source::ci_from_env(|key| std::env::var(key).ok()),
            machine: super::machine::detect(),
        }
    }
}

impl RunRecord {
    /// The record of a measurement that finished at `finished_at`, with no id yet
    /// (`history::write_run` gives it one) and no calibration.
    pub fn new(
        provenance: Provenance,
        finished_at: time::OffsetDateTime,
        protocol: Protocol,
        toolchains: Vec<ToolchainRecord>,
        results: Vec<ResultRecord>,
    ) -> RunRecord {
        RunRecord {
            schema: RUN_SCHEMA.to_string(),
            id: String::new(),
            started_at: rfc3339(provenance.started_at),
            finished_at: rfc3339(finished_at),
            source: provenance.source,
            ci: provenance.ci,
            machine: provenance.machine,
            protocol,
            toolchains,
            results,
            calibration: None,
        }
    }

    /// Parses a record of any schema this build reads ([`READS`]) through [`migrate`],
    /// and refuses any other, naming the schemas it reads, so that a future
    /// `versus.run/2` is never misread as this one.
    pub fn from_json(text: &str) -> anyhow::Result<RunRecord> {
        // The schema first, from a parse that skips everything else, so that a record
        // of another schema is refused for that and not for a field it lacks.
        #[derive(Deserialize)]
        struct Schema {
            schema: Option<String>,
        }
        // Text that is not JSON at all gets the strict parser's message, which says
        // where and whether it is cut off.
        let schema: Schema = match serde_json::from_str(text) {
            Ok(schema) => schema,
            Err(_) => return parse_json::<RunRecord>(text),
        };
        match schema.schema.as_deref() {
            Some(schema) => {
                let record = migrate(schema, text)?;
                record.validate()?;
                Ok(record)
            }
            None => anyhow::bail!("no \"schema\" field: not a versus run record"),
        }
    }
}

/// The run-record schemas this build reads, oldest first; it writes the last.
pub const READS: &[&str] = &[RUN_SCHEMA];

/// The one way a stored record becomes a [`RunRecord`]: a record of an older schema is
/// read as that schema's own type and converted, field by field, to the current one;
/// a record of the current schema is parsed as it is; any other is refused with the
/// list of schemas this build reads.
///
/// Within `versus.run/1` every change has been an addition with a default
/// (docs/run-record.md), so every `/1` record ever written — the golden records of
/// earlier builds are kept in `xtask/tests/golden/older` — parses as the current type,
/// its missing fields at their defaults. A `versus.run/2` would add an arm here
/// reading `/1` as a frozen copy of today's types and converting it, and put `/2` last
/// in [`READS`].
pub fn migrate(schema: &str, text: &str) -> anyhow::Result<RunRecord> {
    match schema {
        RUN_SCHEMA => parse_json(text),
        other => anyhow::bail!(
            "schema is {other:?}; this build reads {} (a newer versus wrote it, or it is \
             not a run record)",
            READS
                .iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl RunRecord {
    /// What the types cannot say: an `ok` result did work (`ops` > 0) and every sample
    /// took time (> 0 ns). A record that breaks either would divide by zero or chart
    /// an infinite speed; it is refused, naming the field.
    pub fn validate(&self) -> anyhow::Result<()> {
        for (i, result) in self.results.iter().enumerate() {
            if result.status != Status::Ok {
                continue;
            }
            if result.ops == 0 {
                anyhow::bail!(
                    "invalid at `results[{i}].ops`: 0 for an ok result ({}/{}): a result that \
                     did no operation has no time per operation",
                    result.workload,
                    result.variant
                );
            }
            if let Some(pruned) = &result.pruned {
                let kept = [
                    ("median_ns_per_op", pruned.median_ns_per_op),
                    ("min_ns_per_op", pruned.min_ns_per_op),
                    ("max_ns_per_op", pruned.max_ns_per_op),
                ];
                if let Some((field, value)) =
                    kept.iter().find(|(_, v)| !(v.is_finite() && *v > 0.0))
                {
                    anyhow::bail!(
                        "invalid at `results[{i}].pruned.{field}`: {value} ({}/{}): a kept time \
                         per operation is a positive number",
                        result.workload,
                        result.variant
                    );
                }
            }
            for (j, trial) in result.trials.iter().enumerate() {
                if let Some(pruned) = &trial.pruned {
                    if pruned.samples > 0
                        && !(pruned.median_ns.is_finite() && pruned.median_ns > 0.0)
                    {
                        anyhow::bail!(
                            "invalid at `results[{i}].trials[{j}].pruned.median_ns`: {} ({}/{}): \
                             a kept median is a positive number",
                            pruned.median_ns,
                            result.workload,
                            result.variant
                        );
                    }
                }
                if let Some(k) = trial.samples.iter().position(|&ns| ns == 0) {
                    anyhow::bail!(
                        "invalid at `results[{i}].trials[{j}].samples[{k}]`: 0 ns ({}/{}): a \
                         sample cannot take no time",
                        result.workload,
                        result.variant
                    );
                }
            }
        }
        Ok(())
    }
}

/// Parses strict JSON into `T` through serde_path_to_error, so that a wrong field is
/// named by its place (`invalid at `results[3].trials[0].samples`: invalid type: ...`),
/// a cut-off text is called truncated, and text after the value is refused.
pub fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> anyhow::Result<T> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let kind = if error.inner().is_eof() {
            "truncated"
        } else {
            "invalid"
        };
        anyhow::anyhow!("{kind} at `{}`: {}", error.path(), error.inner())
    })?;
    deserializer
        .end()
        .map_err(|error| anyhow::anyhow!("text after the JSON value: {error}"))?;
    Ok(value)
}

/// A time as the record writes it: RFC 3339, in whole seconds.
pub fn rfc3339(at: time::OffsetDateTime) -> String {
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
