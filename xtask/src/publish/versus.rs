//! Rust against Go, as people read it: each comparison of a run (`analyse::versus`) as
//! a row of words and numbers, shown by the site's home page and at the end of
//! `cargo xtask bench`, so that both say the same.

use comfy_table::{CellAlignment, ContentLineStyle, LineStyle, Table, TableStyle};
use serde::Serialize;

use super::site::svg::quantity;
use crate::analyse::versus::{Method, Outcome, Versus};

/// A setup's parameters, large round numbers shortened: `size=100M sleep_ms=1000`.
pub fn params(params: &std::collections::BTreeMap<String, u64>) -> String {
    let short = |v: u64| match v {
        v if v >= 1_000_000 && v % 1_000_000 == 0 => format!("{}M", v / 1_000_000),
        v if v >= 10_000 && v % 1_000 == 0 => format!("{}k", v / 1_000),
        v => v.to_string(),
    };
    params
        .iter()
        .map(|(k, v)| format!("{k}={}", short(*v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A ratio to three significant digits: 0.790, 1.13, 29.8, 111.
pub fn significant3(x: f64) -> String {
    match x.abs() {
        a if a >= 99.95 => format!("{x:.0}"),
        a if a >= 9.995 => format!("{x:.1}"),
        a if a >= 0.9995 => format!("{x:.2}"),
        _ => format!("{x:.3}"),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VersusRow {
    pub workload: String,
    pub comparison: String,
    pub params: String,
    pub rust: String,
    pub go: String,
    pub ratio: String,
    pub verdict: String,
    /// `win-rust`, `win-go`, `no-winner`, `implausible` or `not-measured`.
    pub class: &'static str,
    pub why: String,
    pub rounds: String,
    pub toolchains: String,
}

/// One comparison as the table (and the terminal) shows it.
pub fn versus_row(row: &Versus) -> VersusRow {
    let ns = |v: Option<f64>| v.map_or("–".to_string(), |v| quantity(v, "ns"));
    let ratio = row.ratio.map_or("–".to_string(), |r| {
        if row.method == Some(Method::OneRound) {
            format!("{}×", significant3(r.estimate))
        } else {
            format!(
                "{}× [{}, {}]",
                significant3(r.estimate),
                significant3(r.low),
                significant3(r.high)
            )
        }
    });
    let (verdict, class, why) = match &row.outcome {
        Outcome::RustFaster => (
            format!(
                "Rust {}× faster",
                significant3(1.0 / row.ratio.map_or(1.0, |r| r.estimate))
            ),
            "win-rust",
            String::new(),
        ),
        Outcome::GoFaster => (
            format!(
                "Go {}× faster",
                significant3(row.ratio.map_or(1.0, |r| r.estimate))
            ),
            "win-go",
            String::new(),
        ),
        Outcome::NoClearWinner => (
            "no clear winner".to_string(),
            "no-winner",
            "the 95 % interval holds 1".to_string(),
        ),
        Outcome::Implausible(why) => ("implausible".to_string(), "implausible", why.clone()),
        Outcome::NotMeasured(why) => ("not measured".to_string(), "not-measured", why.clone()),
    };
    VersusRow {
        workload: row.workload.clone(),
        comparison: format!("{} vs {}", row.rust_variant, row.go_variant),
        params: params(&row.params),
        rust: ns(row.rust_ns),
        go: ns(row.go_ns),
        ratio,
        verdict,
        class,
        why,
        rounds: match row.method {
            Some(Method::HodgesLehmann) => row.rounds.to_string(),
            Some(Method::StudentT) => format!("{} (t)", row.rounds),
            Some(Method::OneRound) => "1".to_string(),
            None => "–".to_string(),
        },
        toolchains: format!("{} / {}", row.rust_toolchain, row.go_toolchain),
    }
}

/// The rows as a terminal table, grouped by workload.
pub fn terminal_table(rows: &[VersusRow]) -> String {
    const STYLE: TableStyle = TableStyle::new()
        .header_lines(ContentLineStyle::none().junction(' '))
        .header_separator(LineStyle::none().fill('-').junction(' '))
        .content_lines(ContentLineStyle::none().junction(' '));
    let mut table = Table::new();
    let header = [
        "workload",
        "Rust vs Go",
        "params",
        "Rust",
        "Go",
        "Rust/Go [95 %]",
        "who wins",
        "rounds",
    ];
    table.load_style(STYLE).set_header(header.to_vec());
    for index in 0..header.len() {
        if let Some(column) = table.column_mut(index) {
            column.set_padding((0, 1));
            if (3..=5).contains(&index) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
    }
    let mut previous = "";
    for row in rows {
        let workload = if row.workload == previous {
            ""
        } else {
            &row.workload
        };
        previous = &row.workload;
        table.add_row(vec![
            workload,
            &row.comparison,
            &row.params,
            &row.rust,
            &row.go,
            &row.ratio,
            &row.verdict,
            &row.rounds,
        ]);
    }
    table.trim_fmt()
}
