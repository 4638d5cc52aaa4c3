//! Fuzz target of the workload-output parser: `measure::trial::interpret`
//! (xtask/src/measure/trial.rs), which reads a trial process's stdout as the result
//! object (`WorkloadOutput`, with its base64 HdrHistogram decoded by
//! `record::histogram::decode`) and judges it against the series it was run for.
//!
//! The input is the process's stdout; after a NUL byte, its stderr (a stderr that
//! starts with `!` makes the exit code 1, with `?` the trial timed out, with `#` stdout
//! overflowed its limit). An input that starts with byte 0xFF is a histogram
//! instead: the bytes after it, in base64, become
//! the `histogram` of a valid `actors` result, so that the decoder is fuzzed on the
//! binary encoding rather than through base64 and JSON. The series is the catalogue's
//! (quick size, with its samples per trial) of the workload, variant and language the
//! stdout names, or `noop` when it names none, so that both the checks against the
//! series and what lies behind them are reached.
//!
//! Properties: no panic; a trial that is not `ok` has a reason that starts with the
//! series' label, and a stdout that is not a result object is quoted with the line and
//! column where it breaks; a result object that was accepted, printed again and
//! interpreted again, gives the same trial.
//!
//! The histogram inputs that found the decoder's bugs (docs/fuzzing.md) are kept in
//! fuzz/regressions/workload_output, and as tests in xtask/src/record/fuzz_regressions.rs.
#![no_main]

use std::collections::BTreeMap;

use base64::Engine;
use libfuzzer_sys::{fuzz_mutator, fuzz_target};
use versus_fuzz::json;
use versus_fuzz::measure::catalogue::{self, Lang};
use versus_fuzz::measure::plan::Series;
use versus_fuzz::measure::process::{ExitKind, TrialProcess};
use versus_fuzz::measure::trial::interpret;
use versus_fuzz::record::{histogram, Status};

/// A valid result object of `actors` (quick size), printed by versus-rs.
const ACTORS: &str = include_str!("../seeds/workload_output/actors-rust.json");

fn series_for(stdout: &str) -> (Series, u32) {
    let value: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_default();
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).unwrap_or("");
    let workload = catalogue::find(text("workload"))
        .or_else(|| catalogue::find("noop"))
        .expect("the catalogue has noop");
    let lang = if text("lang") == "go" {
        Lang::Go
    } else {
        Lang::Rust
    };
    let variant = workload
        .variants
        .iter()
        .find(|v| v.lang == lang && v.name == text("variant"))
        .or_else(|| workload.variants.iter().find(|v| v.lang == lang))
        .unwrap_or(&workload.variants[0]);
    let params: BTreeMap<String, u64> = workload
        .quick
        .iter()
        .chain(variant.params)
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    let toolchain = match variant.lang {
        Lang::Rust => "rust-1.95.0",
        Lang::Go => "go-1.26.8",
    };
    let series = Series {
        workload,
        variant: variant.name,
        lang: variant.lang,
        toolchain: toolchain.to_string(),
        params,
    };
    (series, workload.quick_sampling.samples)
}

fn run(stdout: &[u8], stderr: &[u8]) {
    let text = String::from_utf8_lossy(stdout);
    let (series, samples) = series_for(&text);
    let label = series.label();
    let process = TrialProcess {
        exit: if stderr.first() == Some(&b'!') {
            ExitKind::Code(1)
        } else {
            ExitKind::Code(0)
        },
        timed_out: stderr.first() == Some(&b'?'),
        stdout: stdout.to_vec(),
        output_overflow: stderr.first() == Some(&b'#'),
        stderr: stderr.to_vec(),
        wall_ns: 1_000_000,
        user_ns: 900_000,
        sys_ns: 100_000,
        max_rss_bytes: 12 << 20,
    };
    let outcome = interpret(&series, 0, samples, &process);
    match (&outcome.status, &outcome.reason) {
        (Status::Ok, None) => assert!(outcome.trial.error.is_none()),
        (Status::Ok, Some(reason)) => panic!("an ok trial with a reason: {reason}"),
        (status, None) => panic!("a {status:?} trial without a reason"),
        (_, Some(reason)) => {
            assert!(
                reason.starts_with(&label),
                "the reason does not name the series {label}: {reason}"
            );
            if reason.contains("printed no valid result object") {
                assert!(
                    json::has_line_and_column(reason),
                    "the reason does not say where stdout breaks: {reason}"
                );
            }
        }
    }
    if let Some(output) = &outcome.output {
        let printed = serde_json::to_vec(output).expect("a result object serialises");
        let again = interpret(
            &series,
            0,
            samples,
            &TrialProcess {
                stdout: printed,
                ..process
            },
        );
        assert_eq!(
            outcome.status, again.status,
            "the status, interpreted again"
        );
        assert_eq!(
            outcome.reason, again.reason,
            "the reason, interpreted again"
        );
        json::assert_same("the trial", &outcome.trial, &again.trial);
        json::assert_same("the result object", &outcome.output, &again.output);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some(histogram) = data.strip_prefix(&[0xff]) {
        let mut actors: serde_json::Value = serde_json::from_str(ACTORS).expect("the seed parses");
        let text = base64::engine::general_purpose::STANDARD.encode(histogram);
        // The quick reading the site and the tables use agrees with the decoder: both
        // accept a histogram or both refuse it, and the counts and values are the same.
        let wanted = [0.0, 0.5, 0.99, 1.0];
        match (histogram::decode(&text), histogram::quantiles(&text, &wanted)) {
            (Ok(decoded), Ok((count, values))) => {
                assert_eq!(count, decoded.len(), "the count, read without decoding");
                if count > 0 {
                    assert_eq!(values[1], decoded.value_at_quantile(0.5), "p50");
                    assert_eq!(values[3], decoded.value_at_quantile(1.0), "max");
                }
            }
            (Err(_), Err(_)) => {}
            (decoded, read) => panic!(
                "decode and quantiles disagree: {:?} vs {:?}",
                decoded.map(|h| h.len()).map_err(|e| format!("{e:#}")),
                read.map_err(|e| format!("{e:#}"))
            ),
        }
        actors["histogram"] = text.into();
        run(
            &serde_json::to_vec(&actors).expect("a value serialises"),
            b"",
        );
        return;
    }
    match data.iter().position(|&b| b == 0) {
        Some(at) => run(&data[..at], &data[at + 1..]),
        None => run(data, b""),
    }
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    json::mutate(data, size, max_size, seed)
});
