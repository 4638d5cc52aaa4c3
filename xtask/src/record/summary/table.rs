//! The tables printed on a terminal: a run's results at the end of `cargo xtask run`
//! and `bench`, and a calibration at the end of `cargo xtask calibrate`. Drawn with
//! comfy-table, so that columns stay aligned whatever the lengths of series names and
//! toolchain ids (`rust-nightly-2026-05-20`).

use comfy_table::{CellAlignment, ContentLineStyle, LineStyle, Table, TableStyle};

use super::calibration::{calibration_table, CalibrationTable, Measured};
use super::{format_ns, median_ns_per_op, mib, peak_rss_bytes};
use crate::record::{Calibration, RunRecord};

/// No borders; a line under the header; two spaces between columns.
const STYLE: TableStyle = TableStyle::new()
    .header_lines(ContentLineStyle::none().junction(' '))
    .header_separator(LineStyle::none().fill('-').junction(' '))
    .content_lines(ContentLineStyle::none().junction(' '));

fn table(header: Vec<String>, right_aligned_from: usize) -> Table {
    let mut table = Table::new();
    table.load_style(STYLE).set_header(header.clone());
    for index in 0..header.len() {
        if let Some(column) = table.column_mut(index) {
            column.set_padding((0, 1));
            if index >= right_aligned_from {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
    }
    table
}

/// A run's results grouped by workload, in the record's order: per series its variant,
/// parameters, toolchain, status (`implaus.` for a result under its physical floor),
/// median time per operation and peak max RSS.
pub fn results_table(record: &RunRecord) -> String {
    let mut table = table(
        [
            "workload",
            "variant",
            "params",
            "toolchain",
            "status",
            "ns/op",
            "max RSS MiB",
        ]
        .map(String::from)
        .to_vec(),
        5,
    );
    let mut workloads: Vec<&str> = Vec::new();
    for result in &record.results {
        if !workloads.contains(&result.workload.as_str()) {
            workloads.push(&result.workload);
        }
    }
    for (group, workload) in workloads.iter().enumerate() {
        if group > 0 {
            table.add_row(vec![String::new(); 7]);
        }
        for (index, result) in record
            .results
            .iter()
            .filter(|r| r.workload == *workload)
            .enumerate()
        {
            let params = super::params_text(&result.params, " ");
            let status = if result.implausible.is_some() {
                "implaus."
            } else {
                result.status.as_str()
            };
            table.add_row(vec![
                if index == 0 {
                    workload.to_string()
                } else {
                    String::new()
                },
                result.variant.clone(),
                params,
                result.toolchain.clone(),
                status.to_string(),
                median_ns_per_op(result).map_or("-".to_string(), format_ns),
                format!("{:.1}", mib(peak_rss_bytes(result))),
            ]);
        }
    }
    table.trim_fmt()
}

/// A calibration as `cargo xtask calibrate` prints it: the time table, then the
/// instruction table when instructions were counted, each with its A/A line.
pub fn calibration_text(calibration: &Calibration) -> String {
    [Measured::Time, Measured::Instructions]
        .into_iter()
        .filter_map(|measured| calibration_table(calibration, measured))
        .map(|view| text(&view))
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn text(view: &CalibrationTable) -> String {
    let what = match view.measured {
        Measured::Time => "time per operation",
        Measured::Instructions => "instructions per operation",
    };
    let mut header: Vec<String> = [what, "pairs", "noise", "s/exp", "A/A"]
        .map(String::from)
        .to_vec();
    header.extend(view.injected.iter().cloned());
    let mut table = table(header, 1);
    for row in &view.rows {
        let mut cells = vec![
            row.series.clone(),
            row.pairs.clone(),
            row.noise.clone(),
            row.seconds.clone(),
            row.false_alarm_rate.clone(),
        ];
        cells.extend(row.detection.iter().cloned());
        table.add_row(cells);
    }
    format!(
        "{}\nA/A: {} series-metric comparisons flagged over {} experiments, at a threshold \
         of {}",
        table.trim_fmt(),
        view.false_alarms,
        view.experiments,
        view.threshold
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::fixtures::{record, result, FINGERPRINT};

    #[test]
    fn the_results_table_stays_aligned_with_long_names_and_groups_by_workload() {
        let mut nightly = result("sum", "iter", &[0.31, 0.33]);
        nightly.toolchain = "rust-nightly-2026-05-20".to_string();
        let mut go = result("sum", "unrolled", &[0.41, 0.43]);
        go.lang = "go".to_string();
        go.toolchain = "go-1.26.8".to_string();
        let mut pingpong = result("pingpong", "tokio-current", &[210.0, 212.0, 250.0]);
        pingpong.params.insert("buffer".to_string(), 4096);
        let mut elided = result("alloc", "box-elidable", &[1.35]);
        elided.implausible = Some("below the floor".to_string());
        let mut failed = result("alloc", "box", &[]);
        failed.status = crate::record::Status::Failed;
        let record = record(
            "run",
            None,
            FINGERPRINT,
            vec![nightly, go, pingpong, elided, failed],
        );
        expect_test::expect![[r#"
            workload  variant        params                 toolchain                status     ns/op  max RSS MiB
            --------- -------------- ---------------------- ------------------------ --------- ------- ------------
            sum       iter           size=1000              rust-nightly-2026-05-20  ok        0.3200         12.0
                      unrolled       size=1000              go-1.26.8                ok        0.4200         12.0

            pingpong  tokio-current  buffer=4096 size=1000  rust-1.95.0              ok           212         12.0

            alloc     box-elidable   size=1000              rust-1.95.0              implaus.    1.35         12.0
                      box            size=1000              rust-1.95.0              failed         -          0.0"#]]
        .assert_eq(&results_table(&record));
    }
}
