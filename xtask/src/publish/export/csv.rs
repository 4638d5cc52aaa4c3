//! CSV, one row per trial, quoted as RFC 4180 says: a field holding a comma, a double
//! quote or a line break is enclosed in double quotes, with its double quotes doubled,
//! and records end in CRLF.
//!
//! Unlike the other formats, CSV lists every result: a series that did not finish `ok`
//! gets one row with its status and reason and empty numbers (its surviving trials are
//! not a result), and an implausible one keeps its numbers with the reason in the
//! `implausible` column, so the file is the whole record in a table.

use anyhow::Result;

use super::{benchmark_name, Exporter};
use crate::record::summary::{
    trial_instructions_per_op, trial_latency_ns, trial_time_per_op, LATENCY_PERCENTILES,
};
use crate::record::{ResultRecord, RunRecord, Status, Trial};

pub struct Csv;

const COLUMNS: [&str; 23] = [
    "run_id",
    "machine",
    "benchmark",
    "workload",
    "variant",
    "lang",
    "toolchain",
    "params",
    "status",
    "reason",
    "implausible",
    "round",
    "samples",
    "ops",
    "median_ns_per_op",
    "min_ns_per_op",
    "wall_ns",
    "user_ns",
    "sys_ns",
    "max_rss_bytes",
    "instructions_per_op",
    "p50_ns",
    "p99_ns",
];

impl Exporter for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn export(&self, run: &RunRecord) -> Result<Vec<u8>> {
        let mut text = String::new();
        push_record(&mut text, COLUMNS.iter().map(|column| column.to_string()));
        for result in &run.results {
            if result.status == Status::Ok {
                for trial in &result.trials {
                    push_record(&mut text, row(run, result, Some(trial)));
                }
            } else {
                push_record(&mut text, row(run, result, None));
            }
        }
        Ok(text.into_bytes())
    }

    fn lists_every_result(&self) -> bool {
        true
    }
}

/// The fields of one row: a trial of an `ok` series, or a series that is not `ok`.
fn row(run: &RunRecord, result: &ResultRecord, trial: Option<&Trial>) -> Vec<String> {
    let params: Vec<String> = result
        .params
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    let mut fields = vec![
        run.id.clone(),
        run.machine.fingerprint.clone(),
        benchmark_name(result),
        result.workload.clone(),
        result.variant.clone(),
        result.lang.clone(),
        result.toolchain.clone(),
        params.join(";"),
        result.status.as_str().to_string(),
        result.reason.clone().unwrap_or_default(),
        result.implausible.clone().unwrap_or_default(),
    ];
    let numbers = match trial {
        Some(trial) => trial_numbers(result, trial),
        None => Vec::new(),
    };
    fields.extend(numbers);
    fields.resize(COLUMNS.len(), String::new());
    fields
}

fn trial_numbers(result: &ResultRecord, trial: &Trial) -> Vec<String> {
    let time = trial_time_per_op(trial, result.ops);
    let optional = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
    let mut numbers = vec![
        trial.round.to_string(),
        match &trial.pruned {
            Some(pruned) if trial.samples.is_empty() => pruned.samples.to_string(),
            _ => trial.samples.len().to_string(),
        },
        result.ops.to_string(),
        optional(time.map(|time| time.median)),
        optional(time.map(|time| time.min)),
        trial.wall_ns.to_string(),
        trial.user_ns.to_string(),
        trial.sys_ns.to_string(),
        trial.max_rss_bytes.to_string(),
        optional(trial_instructions_per_op(trial, result.ops)),
    ];
    for (key, _) in LATENCY_PERCENTILES {
        numbers.push(optional(trial_latency_ns(trial, key)));
    }
    numbers
}

fn push_record(text: &mut String, fields: impl IntoIterator<Item = String>) {
    let fields: Vec<String> = fields.into_iter().map(|field| quoted(&field)).collect();
    text.push_str(&fields.join(","));
    text.push_str("\r\n");
}

/// A field as RFC 4180 writes it: enclosed in double quotes, with its double quotes
/// doubled, when it holds a comma, a double quote or a line break.
fn quoted(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::export::tests::fixture;

    /// A strict RFC 4180 reader: records end in CRLF; a field is either plain (no comma,
    /// quote, CR or LF) or enclosed in quotes with its quotes doubled, line breaks
    /// allowed inside.
    fn parse(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut chars = text.chars().peekable();
        while chars.peek().is_some() {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next().expect("a quoted field is closed") {
                        '"' if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        '"' => break,
                        c => field.push(c),
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == '\r' {
                        break;
                    }
                    assert!(c != '"' && c != '\n', "unquoted {c:?} in {field:?}");
                    field.push(c);
                    chars.next();
                }
            }
            record.push(field);
            match chars.next() {
                Some(',') => {}
                Some('\r') => {
                    assert_eq!(chars.next(), Some('\n'), "a record ends in CRLF");
                    records.push(std::mem::take(&mut record));
                }
                other => panic!("a field is followed by {other:?}"),
            }
        }
        assert!(record.is_empty(), "the last record ends in CRLF");
        records
    }

    #[test]
    fn every_row_parses_back_to_its_fields() {
        let mut run = fixture();
        // A parameter name with a comma and a quote must not shift the columns.
        run.results[1].params.insert("odd,\"key\"".to_string(), 7);
        let text = String::from_utf8(Csv.export(&run).unwrap()).unwrap();
        let records = parse(&text);
        assert_eq!(records[0], COLUMNS);
        assert!(records.iter().all(|record| record.len() == COLUMNS.len()));
        let column = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap();
        // Three trials of each of five ok series, one row for each of the other two.
        assert_eq!(records.len(), 1 + 5 * 3 + 2);
        let odd = &records[4];
        assert_eq!(odd[column("params")], "odd,\"key\"=7;size=1000000");
        let failed = records
            .iter()
            .find(|record| record[column("status")] == "failed")
            .unwrap();
        assert_eq!(
            failed[column("reason")],
            run.results[5].reason.clone().unwrap()
        );
        assert!(failed[column("round")..].iter().all(String::is_empty));
        let elided = records
            .iter()
            .find(|record| record[column("variant")] == "box-elidable")
            .unwrap();
        assert!(elided[column("implausible")].starts_with("median 0.300 ns"));
        assert_eq!(elided[column("median_ns_per_op")], "0.306");
        let first = &records[1];
        assert_eq!(
            first[column("benchmark")],
            "sum/iter/rust-1.95.0/size=1000000"
        );
        assert_eq!(first[column("instructions_per_op")], "3.00012");
        assert_eq!(first[column("p50_ns")], "");
    }
}
