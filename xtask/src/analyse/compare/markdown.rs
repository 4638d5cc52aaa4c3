//! The Markdown a pull request comment (and a job summary) shows: a hidden marker so
//! the comment is updated in place, a one-line summary, the entries that changed or
//! could not be decided first, the unchanged ones folded away, footnotes with the
//! reasons, and the method in one paragraph.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::analysis::percent_label;
use super::verdict::{short_number, signed_percent, unsigned_percent};
use super::{Comparison, Entry, Metric, Verdict};

/// The first line of every comparison comment: the GitHub step finds its own comment
/// by it and edits it instead of adding another.
pub const MARKER: &str = "<!-- versus:compare -->";

/// Renders a comparison as Markdown.
pub fn render_markdown(comparison: &Comparison) -> String {
    let mut out = String::new();
    let summary = &comparison.summary;
    let total = comparison.entries.len();
    writeln!(out, "{MARKER}").unwrap();
    writeln!(out, "### versus: head compared with base\n").unwrap();
    let mut counts = Vec::new();
    for (count, word, loud) in [
        (summary.slower, "slower", true),
        (summary.faster, "faster", true),
        (summary.unchanged, "unchanged", false),
        (summary.inconclusive, "inconclusive", false),
        (summary.incomparable, "incomparable", false),
    ] {
        if count > 0 {
            counts.push(if loud {
                format!("**{count} {word}**")
            } else {
                format!("{count} {word}")
            });
        }
    }
    if counts.is_empty() {
        counts.push("nothing to compare".to_string());
    }
    writeln!(
        out,
        "{} ({total} comparison{})\n",
        counts.join(", "),
        if total == 1 { "" } else { "s" }
    )
    .unwrap();
    let decisions = super::decide(&comparison.entries);
    if !decisions.is_empty() {
        let series = super::summarise(&decisions);
        writeln!(
            out,
            "By series, each read from the metric that decides it (in bold below): {} \
             ({} series; {}).\n",
            series.counts(),
            decisions.len(),
            series.deciders()
        )
        .unwrap();
    }
    writeln!(out, "{}\n", provenance(comparison)).unwrap();

    let mut entries: Vec<&Entry> = comparison.entries.iter().collect();
    entries.sort_by(|a, b| {
        a.verdict
            .cmp(&b.verdict)
            .then(magnitude(b).total_cmp(&magnitude(a)))
            .then(a.series.cmp(&b.series))
            .then(a.metric.cmp(&b.metric))
    });
    let show_machine = comparison
        .entries
        .iter()
        .map(|e| &e.series.fingerprint)
        .collect::<BTreeSet<_>>()
        .len()
        > 1;
    let confidence = percent_label(comparison.settings.confidence);
    let (interesting, unchanged): (Vec<&Entry>, Vec<&Entry>) = entries
        .into_iter()
        .partition(|e| e.verdict != Verdict::Unchanged);
    let mut footnotes = Vec::new();
    let deciding = super::deciding(&comparison.entries);
    if !interesting.is_empty() {
        table(
            &mut out,
            &interesting,
            &deciding,
            &confidence,
            show_machine,
            &mut footnotes,
        );
        out.push('\n');
    }
    if !unchanged.is_empty() {
        writeln!(
            out,
            "<details><summary>{} unchanged</summary>\n",
            unchanged.len()
        )
        .unwrap();
        table(
            &mut out,
            &unchanged,
            &deciding,
            &confidence,
            show_machine,
            &mut footnotes,
        );
        writeln!(out, "\n</details>\n").unwrap();
    }
    for (number, text) in footnotes.iter().enumerate() {
        writeln!(out, "{}. {text}", number + 1).unwrap();
    }
    if !footnotes.is_empty() {
        out.push('\n');
    }
    writeln!(out, "{}", method(comparison)).unwrap();
    out
}

fn provenance(comparison: &Comparison) -> String {
    let ids = |ids: &[String]| match ids {
        [] => "none".to_string(),
        [one] => format!("`{one}`"),
        [first, ..] => format!("`{first}` and {} more", ids.len() - 1),
    };
    let prints: BTreeSet<&str> = comparison
        .entries
        .iter()
        .map(|e| e.series.fingerprint.as_str())
        .collect();
    let machine = match prints.iter().collect::<Vec<_>>().as_slice() {
        [one] => format!(" Machine `{one}`."),
        _ => String::new(),
    };
    let tested = comparison.entries.iter().filter(|e| e.method.is_some());
    let paired = tested.clone().filter(|e| e.paired).count();
    let design = match (paired, tested.count()) {
        (_, 0) => String::new(),
        (p, t) if p == t => " Paired: base and head ran in the same interleaved rounds.".into(),
        (0, _) => " Unpaired: base and head ran separately, so drift between them is not \
                   cancelled."
            .into(),
        (p, t) => format!(" Paired by round: {p} of {t} comparisons; the rest unpaired."),
    };
    format!(
        "Base {}, head {}.{machine}{design}",
        ids(&comparison.base),
        ids(&comparison.head)
    )
}

/// One entry as the tables show it, in plain words and numbers: the Markdown here and
/// the site's comparison pages format the same rows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableRow {
    pub verdict: String,
    /// Whether the verdict is a change (`faster` or `slower`), which tables emphasise.
    pub changed: bool,
    pub flags: Vec<String>,
    pub series: String,
    pub machine: String,
    pub metric: String,
    pub base: String,
    pub head: String,
    /// The change with its interval, `+2.1 % (+0.4 … +3.9)`, or `—`.
    pub change: String,
    pub q: String,
    pub detects: String,
    /// The reason and notes, `; `-separated; empty when there are none.
    pub note: String,
}

/// The rows of `entries`, in their order.
pub fn table_rows(entries: &[&Entry]) -> Vec<TableRow> {
    entries
        .iter()
        .map(|entry| {
            let mut note = entry.reason.clone().unwrap_or_default();
            for extra in &entry.notes {
                if !note.is_empty() {
                    note.push_str("; ");
                }
                note.push_str(extra);
            }
            let side = |estimate: Option<super::Estimate>| {
                estimate.map_or("—".to_string(), |e| quantity(e.estimate, &entry.unit))
            };
            let change = match entry.ratio {
                Some(ratio) => format!(
                    "{} ({} … {})",
                    signed_percent(ratio.estimate),
                    signed_percent(ratio.ci_low).trim_end_matches(" %"),
                    signed_percent(ratio.ci_high).trim_end_matches(" %")
                ),
                None => "—".to_string(),
            };
            TableRow {
                verdict: entry.verdict.as_str().to_string(),
                changed: entry.verdict.is_change(),
                flags: entry.flags.clone(),
                series: entry.series.label(),
                machine: entry.series.fingerprint.clone(),
                metric: entry.metric.label().to_string(),
                base: side(entry.base),
                head: side(entry.head),
                change,
                q: entry.q_value.map_or("—".to_string(), short_number),
                detects: entry
                    .mde_ratio
                    .map_or("—".to_string(), |m| format!("±{}", unsigned_percent(m))),
                note,
            }
        })
        .collect()
}

fn table(
    out: &mut String,
    entries: &[&Entry],
    deciding: &BTreeSet<(super::SeriesKey, Metric)>,
    confidence: &str,
    show_machine: bool,
    footnotes: &mut Vec<String>,
) {
    writeln!(
        out,
        "| verdict | series | metric | base | head | change ({confidence} CI) | q | detects |"
    )
    .unwrap();
    writeln!(out, "|---|---|---|--:|--:|--:|--:|--:|").unwrap();
    for (entry, row) in entries.iter().zip(table_rows(entries)) {
        let metric = if deciding.contains(&(entry.series.clone(), entry.metric)) {
            format!("**{}**", row.metric)
        } else {
            row.metric.clone()
        };
        let mut verdict = if row.changed {
            format!("**{}**", row.verdict)
        } else {
            row.verdict.clone()
        };
        if !row.flags.is_empty() {
            verdict.push_str(&format!(" · *{}*", row.flags.join(", ")));
        }
        if !row.note.is_empty() {
            footnotes.push(format!("{}, {}: {}", row.series, row.metric, row.note));
            verdict.push_str(&format!(" <sup>{}</sup>", footnotes.len()));
        }
        let mut series = format!("`{}`", row.series);
        if show_machine {
            series.push_str(&format!(" on `{}`", row.machine));
        }
        let change = match row.change.split_once(" (") {
            Some((point, interval)) if row.changed => format!("**{point}** ({interval}"),
            _ => row.change.clone(),
        };
        writeln!(
            out,
            "| {verdict} | {series} | {metric} | {} | {} | {change} | {} | {} |",
            row.base, row.head, row.q, row.detects,
        )
        .unwrap();
    }
}

fn method(comparison: &Comparison) -> String {
    let settings = &comparison.settings;
    let threshold = percent_label(settings.threshold);
    let instructions = if comparison
        .entries
        .iter()
        .any(|e| e.metric == Metric::Instructions)
    {
        format!(
            " (±{} for instructions)",
            percent_label(settings.instructions_threshold)
        )
    } else {
        String::new()
    };
    format!(
        "<sub>Each trial (one process) is summarised by the median of its samples; base and \
         head trials of the same round are paired and compared on their log-ratios with the \
         Wilcoxon signed-rank test and the Hodges–Lehmann estimate (unpaired series: \
         Mann–Whitney U). Change is head / base − 1 with its {} interval; q is the \
         Benjamini–Hochberg adjustment across all {} comparisons. **slower**/**faster**: q ≤ \
         {} and a change beyond ±{threshold}{instructions}; unchanged: the whole interval \
         within that margin. detects: the change this series would catch with {} probability. \
         Method: docs/statistics.md.</sub>",
        percent_label(settings.confidence),
        comparison.entries.len(),
        short_number(settings.alpha),
        percent_label(settings.power),
    )
}

/// How far from no change an entry is, for ordering: `|ln ratio|`, or 0.
fn magnitude(entry: &Entry) -> f64 {
    entry.ratio.map_or(0.0, |r| r.estimate.ln().abs())
}

/// A measured value with three significant digits and a readable unit.
pub fn quantity(value: f64, unit: &str) -> String {
    let (scaled, suffix) = match unit {
        "ns" => match value {
            v if v >= 1e9 => (v / 1e9, "s"),
            v if v >= 1e6 => (v / 1e6, "ms"),
            v if v >= 1e3 => (v / 1e3, "µs"),
            v => (v, "ns"),
        },
        "bytes" => match value {
            v if v >= 1024.0 * 1024.0 * 1024.0 => (v / (1024.0 * 1024.0 * 1024.0), "GiB"),
            v if v >= 1024.0 * 1024.0 => (v / (1024.0 * 1024.0), "MiB"),
            v if v >= 1024.0 => (v / 1024.0, "KiB"),
            v => (v, "B"),
        },
        other => (value, other),
    };
    format!("{} {suffix}", significant(scaled, 3))
}

/// `value` with `digits` significant digits, without exponent.
fn significant(value: f64, digits: i32) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    format!("{value:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_have_three_significant_digits() {
        assert_eq!(quantity(0.3124, "ns"), "0.312 ns");
        assert_eq!(quantity(312.4, "ns"), "312 ns");
        assert_eq!(quantity(31_240.0, "ns"), "31.2 µs");
        assert_eq!(quantity(2.5e9, "ns"), "2.50 s");
        assert_eq!(quantity(12_582_912.0, "bytes"), "12.0 MiB");
        assert_eq!(quantity(512.0, "bytes"), "512 B");
    }
}
