//! Turning one finished workload process into a trial, and a series' trials into its
//! result: the rules that decide `ok`, `failed`, `timeout`, `skipped`, `mismatch`, and
//! `implausible`. Pure functions over what the process printed and what the kernel
//! measured, so every failure path is tested with fixed inputs.

use std::collections::BTreeMap;

use super::plan::Series;
use super::process::{ExitKind, TrialProcess};
use crate::record::summary::{median_ns_per_op, series_median_ns_per_op};
use crate::record::{histogram, ResultRecord, Status, Trial, WorkloadOutput};

/// One trial and how it ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub trial: Trial,
    pub status: Status,
    /// Why the trial is not `ok`, naming the workload.
    pub reason: Option<String>,
    /// What the workload printed about itself, when it printed a valid object.
    pub output: Option<WorkloadOutput>,
}

/// How many characters of a misbehaving process's output to quote in a reason.
const QUOTE: usize = 200;

/// Interprets a finished trial process of `series`.
pub fn interpret(
    series: &Series,
    round: u32,
    expected_samples: u32,
    process: &TrialProcess,
) -> Outcome {
    let mut trial = Trial {
        round,
        samples: Vec::new(),
        checksum: None,
        extra: BTreeMap::new(),
        histogram: None,
        wall_ns: process.wall_ns,
        user_ns: process.user_ns,
        sys_ns: process.sys_ns,
        max_rss_bytes: process.max_rss_bytes,
        error: None,
        instructions: None,
        pruned: None,
    };
    let label = series.label();
    let stderr_tail = tail(&String::from_utf8_lossy(&process.stderr));
    let fail = |mut trial: Trial, status: Status, reason: String| {
        trial.error = Some(reason.clone());
        Outcome {
            trial,
            status,
            reason: Some(reason),
            output: None,
        }
    };
    if process.timed_out {
        let reason = format!(
            "{label}: timed out after {:.1} s and was killed{}",
            process.wall_ns as f64 / 1e9,
            quoted_stderr(&stderr_tail)
        );
        return fail(trial, Status::Timeout, reason);
    }
    if process.exit != ExitKind::Code(0) {
        let what = match process.exit {
            ExitKind::Signal(_) => format!("crashed ({})", process.exit),
            ExitKind::Code(2) => "refused its arguments (exit code 2)".to_string(),
            ExitKind::Code(_) => format!("failed ({})", process.exit),
        };
        return fail(
            trial,
            Status::Failed,
            format!("{label}: {what}{}", quoted_stderr(&stderr_tail)),
        );
    }
    if process.output_overflow {
        let reason = format!(
            "{label}: printed more than {} MiB on stdout (an output flood; a result is one \
             JSON line), so nothing it printed was read",
            super::process::OUTPUT_LIMIT >> 20
        );
        return fail(trial, Status::Failed, reason);
    }
    let stdout = String::from_utf8_lossy(&process.stdout);
    let output: WorkloadOutput = match serde_json::from_str(stdout.trim()) {
        Ok(output) => output,
        Err(error) => {
            let shown = if stdout.trim().is_empty() {
                "nothing".to_string()
            } else {
                format!("{:?}", truncate(stdout.trim(), QUOTE))
            };
            let reason =
                format!("{label}: printed no valid result object ({error}); stdout was {shown}");
            return fail(trial, Status::Failed, reason);
        }
    };
    let identity = (
        output.workload.as_str(),
        output.variant.as_str(),
        output.lang.as_str(),
    );
    if identity != (series.workload.name, series.variant, series.lang.as_str()) {
        let reason = format!(
            "{label}: the result object is for {}/{} ({}), not for this series",
            output.workload, output.variant, output.lang
        );
        return fail(trial, Status::Failed, reason);
    }
    trial.extra = output.extra.clone();
    if let Some(why) = &output.skipped {
        let reason = format!("{label}: skipped: {why}");
        return Outcome {
            trial,
            status: Status::Skipped,
            reason: Some(reason),
            output: Some(output),
        };
    }
    if output.params != series.params {
        let reason = format!(
            "{label}: the workload ran with parameters {:?}, not the requested {:?}",
            output.params, series.params
        );
        return fail(trial, Status::Failed, reason);
    }
    if output.samples.len() != expected_samples as usize || output.ops == 0 {
        let reason = format!(
            "{label}: printed {} samples of {} operations, expected {expected_samples} samples",
            output.samples.len(),
            output.ops
        );
        return fail(trial, Status::Failed, reason);
    }
    if let Some(text) = &output.histogram {
        // A histogram nobody can read is not a result: both languages must write the
        // one encoding the orchestrator decodes (docs/workload-spec.md).
        if let Err(error) = histogram::decode(text) {
            let reason = format!("{label}: printed a histogram that does not decode: {error:#}");
            return fail(trial, Status::Failed, reason);
        }
    }
    trial.samples = output.samples.clone();
    trial.checksum = Some(output.checksum.clone());
    trial.histogram = output.histogram.clone();
    if let Some(expected) = (series.workload.expected_checksum)(&series.params) {
        if output.checksum != expected {
            let reason = format!(
                "{label}: checksum {} differs from the expected {expected}: the work done is \
                 not the work specified in docs/workload-spec.md",
                output.checksum
            );
            trial.error = Some(reason.clone());
            return Outcome {
                trial,
                status: Status::Mismatch,
                reason: Some(reason),
                output: Some(output),
            };
        }
    }
    Outcome {
        trial,
        status: Status::Ok,
        reason: None,
        output: Some(output),
    }
}

/// Combines a series' trials into its result. The first trial that is not `ok` decides
/// the status and reason; trials that agree but whose checksums differ from each
/// other are a mismatch; a result faster than the workload's physical floor is flagged.
pub fn assemble(series: &Series, outcomes: Vec<Outcome>) -> ResultRecord {
    let first_bad = outcomes.iter().find(|o| o.status != Status::Ok);
    let (mut status, mut reason) = match first_bad {
        Some(outcome) => (outcome.status, outcome.reason.clone()),
        None => (Status::Ok, None),
    };
    let (unit, ops) = outcomes
        .iter()
        .find_map(|o| o.output.as_ref().map(|out| (out.unit.clone(), out.ops)))
        .unwrap_or_else(|| ("ns".to_string(), 0));
    let mut checksums: Vec<&String> = outcomes
        .iter()
        .filter_map(|o| o.trial.checksum.as_ref())
        .collect();
    checksums.dedup();
    let checksum = match checksums.as_slice() {
        [one] => Some((*one).clone()),
        [] => None,
        [first, second, ..] => {
            if status == Status::Ok {
                status = Status::Mismatch;
                reason = Some(format!(
                    "{}: trials disagree on the checksum ({first} and {second})",
                    series.label()
                ));
            }
            None
        }
    };
    let trials: Vec<Trial> = outcomes.into_iter().map(|o| o.trial).collect();
    let implausible = if status == Status::Ok {
        implausibility(series, ops, &trials)
    } else {
        None
    };
    ResultRecord {
        workload: series.workload.name.to_string(),
        variant: series.variant.to_string(),
        lang: series.lang.as_str().to_string(),
        toolchain: series.toolchain.clone(),
        params: series.params.clone(),
        unit,
        ops,
        status,
        reason,
        checksum,
        implausible,
        trials,
        pruned: None,
        samples_per_trial: None,
        warmup: None,
    }
}

fn implausibility(series: &Series, ops: u64, trials: &[Trial]) -> Option<String> {
    let floor = series.workload.floor_ns_per_op?;
    let median = series_median_ns_per_op(trials, ops)?;
    (median < floor).then(|| {
        format!(
            "median {median:.3} ns per operation is below the physical floor of {floor} ns for \
             {}: the compiler has probably removed the work, so this is not a result",
            series.workload.name
        )
    })
}

/// Flags results that run in under a tenth of the time per operation of their
/// workload's honest variant (same language, toolchain and parameters other than the
/// variant's own): the gap that separates elided work from real work, wherever the
/// absolute floor sits on this machine.
pub fn flag_against_honest_variants(results: &mut [ResultRecord]) {
    let medians: Vec<Option<f64>> = results.iter().map(median_ns_per_op).collect();
    for index in 0..results.len() {
        let result = &results[index];
        let Some(workload) = super::catalogue::find(&result.workload) else {
            continue;
        };
        let Some(honest) = workload.honest_variant else {
            continue;
        };
        if result.variant == honest || result.status != Status::Ok || result.implausible.is_some() {
            continue;
        }
        let reference = results.iter().zip(&medians).find(|(other, _)| {
            other.workload == result.workload
                && other.variant == honest
                && other.lang == result.lang
                && other.toolchain == result.toolchain
                && other.params == result.params
                && other.status == Status::Ok
        });
        let (Some((_, Some(honest_median))), Some(median)) = (reference, medians[index]) else {
            continue;
        };
        if median < honest_median / 10.0 {
            results[index].implausible = Some(format!(
                "median {median:.3} ns per operation is under a tenth of the {honest_median:.3} ns \
                 of `{honest}`, which provably does the work: the compiler has probably removed \
                 the work, so this is not a result"
            ));
        }
    }
}

fn tail(text: &str) -> String {
    let trimmed = text.trim();
    let start = trimmed
        .char_indices()
        .rev()
        .nth(QUOTE)
        .map_or(0, |(i, _)| i);
    trimmed[start..].to_string()
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

fn quoted_stderr(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!("; stderr: {stderr:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Trial;

    fn result(variant: &str, samples: &[u64]) -> ResultRecord {
        ResultRecord {
            workload: "alloc".into(),
            variant: variant.into(),
            lang: "rust".into(),
            toolchain: "rust-1.95.0".into(),
            params: BTreeMap::from([("size".to_string(), 1000)]),
            unit: "ns".into(),
            ops: 1000,
            status: Status::Ok,
            reason: None,
            checksum: Some("1000".into()),
            implausible: None,
            trials: vec![Trial {
                round: 0,
                samples: samples.to_vec(),
                checksum: Some("1000".into()),
                extra: BTreeMap::new(),
                histogram: None,
                wall_ns: 1,
                user_ns: 1,
                sys_ns: 0,
                max_rss_bytes: 1,
                error: None,
                instructions: None,
                pruned: None,
            }],
            pruned: None,
            samples_per_trial: None,
            warmup: None,
        }
    }

    #[test]
    fn elided_work_above_the_floor_is_caught_by_the_honest_variant() {
        // 3 ns/op is above the 2.5 ns floor, but a tenth of `box`'s 32 ns/op.
        let mut results = vec![
            result("box", &[32_000, 33_000]),
            result("box-elidable", &[3_000, 3_100]),
        ];
        flag_against_honest_variants(&mut results);
        assert!(results[0].implausible.is_none());
        let why = results[1].implausible.as_deref().unwrap();
        assert!(
            why.contains("under a tenth of the 32.500 ns of `box`"),
            "{why}"
        );
    }

    #[test]
    fn comparable_variants_are_not_flagged() {
        let mut results = vec![result("box", &[32_000]), result("box-elidable", &[30_000])];
        flag_against_honest_variants(&mut results);
        assert!(results.iter().all(|r| r.implausible.is_none()));
    }
}
