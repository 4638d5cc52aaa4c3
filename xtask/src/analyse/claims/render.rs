//! The verdicts for people: a terminal table, Markdown to quote, one paragraph per
//! article generated from the rows (so that no hand-written conclusion can outlive the
//! data), and the kernel limits the published setups needed.

use std::collections::BTreeMap;

use serde::Serialize;

use super::judge::{Judged, Row, Verdict};
use super::Claims;

/// Where a row was measured, or "—".
fn place(row: &Row) -> (String, String) {
    (
        row.machine_label.clone().unwrap_or_else(|| "—".to_string()),
        row.toolchains.clone().unwrap_or_else(|| "—".to_string()),
    )
}

/// The table for a terminal: one block per claim, one line per test and place.
pub fn text(claims: &Claims, judged: &Judged) -> String {
    let mut out = format!(
        "Published claims against {} run{} on {} machine{} (docs/claims.md)\n",
        judged.runs,
        if judged.runs == 1 { "" } else { "s" },
        judged.machines,
        if judged.machines == 1 { "" } else { "s" },
    );
    for claim in &claims.claim {
        out.push_str(&format!(
            "\n{}  {}\n    published: {}\n",
            claim.id, claim.statement, claim.published
        ));
        let mut last_test = None;
        for row in judged.rows.iter().filter(|r| r.claim == claim.id) {
            if last_test != Some(row.test) {
                out.push_str(&format!(
                    "  - {}{} (published: {})\n",
                    if row.published_setup {
                        "[published setup] "
                    } else {
                        ""
                    },
                    row.label,
                    row.published
                ));
                last_test = Some(row.test);
            }
            if row.machine.is_none() {
                out.push_str(&format!("      {}: {}\n", row.verdict.text(), row.detail));
                continue;
            }
            let (machine, toolchains) = place(row);
            out.push_str(&format!(
                "      {}: {}\n        {machine}, {toolchains}{}{}\n",
                row.verdict.text(),
                row.measured,
                if row.values.is_empty() {
                    String::new()
                } else {
                    format!("; {}", row.values)
                },
                if row.detail.is_empty() {
                    String::new()
                } else {
                    format!("\n        {}", row.detail)
                },
            ));
        }
    }
    out
}

/// A Markdown table cell: pipes escaped, line breaks folded, so that text from a record
/// cannot break the table.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The table as Markdown, for a README or an article to quote.
pub fn markdown(claims: &Claims, judged: &Judged) -> String {
    let mut out = String::from(
        "| claim | test | published | measured | verdict | where |\n|---|---|---|---|---|---|\n",
    );
    for claim in &claims.claim {
        for row in judged.rows.iter().filter(|r| r.claim == claim.id) {
            let (machine, toolchains) = place(row);
            let why = if row.detail.is_empty() {
                String::new()
            } else {
                format!(": {}", row.detail)
            };
            out.push_str(&format!(
                "| {} | {}{} | {} | {} | **{}**{} | {} ({}) |\n",
                cell(&claim.id),
                if row.published_setup {
                    "published setup: "
                } else {
                    ""
                },
                cell(&row.label),
                cell(&row.published),
                cell(&row.measured),
                row.verdict.text(),
                cell(&why),
                cell(&machine),
                cell(&toolchains),
            ));
        }
    }
    out
}

/// What the data says of one article, in sentences made from the rows.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleParagraph {
    pub id: String,
    pub title: String,
    pub hardware: String,
    pub text: String,
}

pub fn paragraphs(claims: &Claims, judged: &Judged) -> Vec<ArticleParagraph> {
    claims
        .article
        .iter()
        .map(|article| {
            let ids: Vec<&str> = claims
                .claim
                .iter()
                .filter(|c| c.article == article.id)
                .map(|c| c.id.as_str())
                .collect();
            let rows: Vec<&Row> = judged
                .rows
                .iter()
                .filter(|r| r.article == article.id)
                .collect();
            let mut by_verdict: BTreeMap<Verdict, Vec<&str>> = BTreeMap::new();
            for row in &rows {
                let claims = by_verdict.entry(row.verdict).or_default();
                if !claims.contains(&row.claim.as_str()) {
                    claims.push(&row.claim);
                }
            }
            let machines: std::collections::BTreeSet<&String> =
                rows.iter().filter_map(|r| r.machine.as_ref()).collect();
            let toolchains: std::collections::BTreeSet<&str> = rows
                .iter()
                .filter_map(|r| r.toolchains.as_deref())
                .flat_map(|t| t.split(" / "))
                .collect();
            let mut text = format!(
                "{} claim{} ({}), checked by {} test{}",
                ids.len(),
                if ids.len() == 1 { "" } else { "s" },
                ids.join(", "),
                rows.iter()
                    .map(|r| (&r.claim, r.test))
                    .collect::<std::collections::BTreeSet<_>>()
                    .len(),
                if rows.len() == 1 { "" } else { "s" },
            );
            if machines.is_empty() {
                text.push_str("; none has been measured in this history.");
            } else {
                text.push_str(&format!(
                    " on {} machine{} with {} toolchain{} ({}). ",
                    machines.len(),
                    if machines.len() == 1 { "" } else { "s" },
                    toolchains.len(),
                    if toolchains.len() == 1 { "" } else { "s" },
                    toolchains.into_iter().collect::<Vec<_>>().join(", ")
                ));
                let parts: Vec<String> = Verdict::ALL
                    .iter()
                    .filter_map(|verdict| {
                        let claims = by_verdict.get(verdict)?;
                        let n = rows.iter().filter(|r| r.verdict == *verdict).count();
                        Some(format!("{} {} ({})", n, verdict.text(), claims.join(", ")))
                    })
                    .collect();
                text.push_str(&format!(
                    "Of its {} result{}: {}.",
                    rows.len(),
                    if rows.len() == 1 { "" } else { "s" },
                    parts.join("; ")
                ));
            }
            ArticleParagraph {
                id: article.id.clone(),
                title: article.title.clone(),
                hardware: article.hardware.clone(),
                text,
            }
        })
        .collect()
}

/// For `cargo xtask doctor`: each kernel limit a published setup needed, what this
/// machine has (`read` gives a sysctl's value, None where it cannot be read) and the
/// command that would raise it. Nothing here changes the machine.
pub fn limits_report(claims: &Claims, read: impl Fn(&str) -> Option<u64>) -> String {
    let mut needs: BTreeMap<&str, (u64, Vec<&str>)> = BTreeMap::new();
    for claim in &claims.claim {
        for test in &claim.test {
            for limit in &test.limits {
                let entry = needs.entry(&limit.sysctl).or_insert((0, Vec::new()));
                entry.0 = entry.0.max(limit.needs);
                if !entry.1.contains(&claim.id.as_str()) {
                    entry.1.push(&claim.id);
                }
            }
        }
    }
    let mut out =
        String::from("Kernel limits the published setups needed (this command changes nothing):\n");
    for (sysctl, (wanted, ids)) in needs {
        let have = read(sysctl);
        let state = match have {
            Some(have) if have >= wanted => format!("this machine has {have}: enough"),
            Some(have) => format!(
                "this machine has {have}: too low; to raise it (until reboot): sudo sysctl -w {sysctl}={wanted}"
            ),
            None => format!(
                "not readable here (/proc/sys/{}); where it exists: sudo sysctl -w {sysctl}={wanted}",
                sysctl.replace('.', "/")
            ),
        };
        out.push_str(&format!(
            "  {sysctl} >= {wanted} for {}: {state}\n",
            ids.join(", ")
        ));
    }
    out
}
