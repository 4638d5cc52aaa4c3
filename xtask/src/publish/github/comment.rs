//! The pull request comment: what a change did to speed, memory and latency, for a
//! contributor reading it on a phone. The first line says, per machine, how many
//! measurements got faster, slower, stayed unchanged or could not be decided; then the
//! changed ones, grouped by workload, each with its change, interval, the smallest
//! change its series could detect and its recent trend on the main branch; the rest
//! folded away; then where it ran, on what, and links to the run and the site.
//!
//! Rendered from a `versus.compare/1` alone (the commenting workflow never trusts text
//! from the artifact): every string of it goes through [`escape::text`], every link
//! through [`escape::url`]. The body stays under [`LIMIT`] bytes whatever the suite's
//! size: rows that do not fit are left out, with a note saying where the full table is.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::escape;
use super::trend::{sparkline, Trends};
use crate::analyse::compare::{
    decide, percent_label, quantity, signed_percent, summarise, table_rows, unsigned_percent,
    Comparison, Decision, Entry, MachineBrief, Metric, SeriesKey, Verdict, MARKER,
};
use crate::publish::site::escape::is_commit;

/// The most a comment body may be, in bytes (so in characters too): GitHub refuses
/// bodies over 65,536 characters; the rest is margin.
pub const LIMIT: usize = 60_000;

/// Notes and flags shown per entry at most.
const PER_ENTRY: usize = 3;

/// Machines named in the first lines at most.
const MACHINES: usize = 8;

/// What the comment links to and says beside the comparison, all from versus or the
/// trusted event rather than the artifact.
#[derive(Debug, Default)]
pub struct Context {
    /// The workflow run that measured the change.
    pub run_url: Option<String>,
    /// The published site.
    pub site_url: Option<String>,
    /// Sentences of versus's own to show under the first line.
    pub notes: Vec<String>,
    /// The main branch's recent values of the changed series.
    pub trends: Trends,
    /// The byte limit of the body; None renders everything (the job summary).
    pub limit: Option<usize>,
}

/// The comment for `comparison`.
pub fn render(comparison: &Comparison, context: &Context) -> String {
    let rows = ordered(comparison);
    let full = render_rows(comparison, context, &rows, rows.len());
    let Some(limit) = context.limit else {
        return full;
    };
    if full.len() <= limit {
        return full;
    }
    // The most rows that fit, found by bisection: rendering is cheap.
    let (mut fits, mut too_many) = (0, rows.len());
    while too_many - fits > 1 {
        let middle = (fits + too_many) / 2;
        if render_rows(comparison, context, &rows, middle).len() <= limit {
            fits = middle;
        } else {
            too_many = middle;
        }
    }
    let body = render_rows(comparison, context, &rows, fits);
    if body.len() <= limit {
        return body;
    }
    // Even the frame is too long (a comparison of thousands of machines): cut it, on
    // a character boundary, and say so.
    let note = "\n\n… cut here to stay under GitHub's comment limit: the full comparison is \
                in the job summary and the artifact of the run.\n";
    let mut end = limit.saturating_sub(note.len());
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{note}", &body[..end])
}

/// The entries in the order the comment shows them: changes by workload, largest
/// first; then the inconclusive, the incomparable and the unchanged.
fn ordered(comparison: &Comparison) -> Vec<&Entry> {
    let mut entries: Vec<&Entry> = comparison.entries.iter().collect();
    entries.sort_by(|a, b| {
        let folded = |e: &Entry| !e.verdict.is_change();
        let (first, second) = if folded(a) {
            (
                a.verdict.cmp(&b.verdict),
                a.series.workload.cmp(&b.series.workload),
            )
        } else {
            (
                a.series.workload.cmp(&b.series.workload),
                a.verdict.cmp(&b.verdict),
            )
        };
        folded(a)
            .cmp(&folded(b))
            .then(first)
            .then(second)
            .then(magnitude(b).total_cmp(&magnitude(a)))
            .then(a.series.cmp(&b.series))
            .then(a.metric.cmp(&b.metric))
    });
    entries
}

fn render_rows(
    comparison: &Comparison,
    context: &Context,
    rows: &[&Entry],
    shown: usize,
) -> String {
    let mut out = String::new();
    writeln!(out, "{MARKER}").unwrap();
    first_lines(&mut out, comparison);
    // Recomputed from the entries, not read from the artifact's own `decisions`.
    let decisions = decide(&comparison.entries);
    if !decisions.is_empty() {
        let series = summarise(&decisions);
        writeln!(
            out,
            "\nBy series: {} — {}.",
            series.counts(),
            series.deciders()
        )
        .unwrap();
    }
    let decided: BTreeMap<&SeriesKey, &Decision> =
        decisions.iter().map(|d| (&d.series, d)).collect();
    for note in &context.notes {
        writeln!(out, "\n> {}", escape::text(note)).unwrap();
    }

    let machines = machine_names(comparison);
    let several = machines.len() > 1;
    let confidence = percent_label(comparison.settings.confidence);
    let (changed, rest): (Vec<&Entry>, Vec<&Entry>) =
        rows[..shown].iter().partition(|e| e.verdict.is_change());
    let mut workload: Option<&str> = None;
    for entry in &changed {
        if workload != Some(entry.series.workload.as_str()) {
            workload = Some(&entry.series.workload);
            writeln!(out, "\n#### {}\n", escape::text(&entry.series.workload)).unwrap();
        }
        changed_item(
            &mut out,
            entry,
            decided.get(&entry.series).copied(),
            context,
            &confidence,
            several.then_some(&machines),
        );
    }
    if !rest.is_empty() {
        folded(
            &mut out,
            &rest,
            &decided,
            &confidence,
            several.then_some(&machines),
        );
    }
    let left_out = rows.len() - shown;
    if left_out > 0 {
        writeln!(
            out,
            "\n**{left_out} more row{} left out** to stay under GitHub's comment limit: the full \
             table is in the job summary and the artifact of {}.",
            if left_out == 1 { "" } else { "s" },
            link(context.run_url.as_deref(), "the run")
        )
        .unwrap();
    }
    footer(&mut out, comparison, context);
    out
}

/// One line per machine (at most [`MACHINES`]): where it ran, and the counts.
fn first_lines(out: &mut String, comparison: &Comparison) {
    let mut counts: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for entry in &comparison.entries {
        let slot = match entry.verdict {
            Verdict::Slower => 0,
            Verdict::Faster => 1,
            Verdict::Unchanged => 2,
            Verdict::Inconclusive => 3,
            Verdict::Incomparable => 4,
        };
        counts.entry(&entry.series.fingerprint).or_default()[slot] += 1;
    }
    let machines = machine_names(comparison);
    let says = |counts: &[usize; 5]| {
        let words = [
            ("slower", true),
            ("faster", true),
            ("unchanged", false),
            ("inconclusive", false),
            ("not compared", false),
        ];
        let parts: Vec<String> = counts
            .iter()
            .zip(words)
            .filter(|(count, _)| **count > 0)
            .map(|(count, (word, loud))| match loud {
                true => format!("**{count} {word}**"),
                false => format!("{count} {word}"),
            })
            .collect();
        if parts.is_empty() {
            "nothing to compare".to_string()
        } else {
            parts.join(", ")
        }
    };
    match counts.len() {
        0 => writeln!(out, "**versus**: nothing to compare").unwrap(),
        1 => {
            let (print, counts) = counts.iter().next().unwrap();
            writeln!(out, "**versus** on {}: {}", machines[print], says(counts)).unwrap();
        }
        n => {
            writeln!(out, "**versus** on {n} machines:").unwrap();
            for (print, counts) in counts.iter().take(MACHINES) {
                writeln!(out, "- {}: {}", machines[print], says(counts)).unwrap();
            }
            if n > MACHINES {
                writeln!(out, "- and {} more machines", n - MACHINES).unwrap();
            }
        }
    }
}

/// Each fingerprint's name as the comment writes it, escaped: `x86_64 · AMD EPYC 7763
/// · 4 CPUs`, or the fingerprint when the comparison does not describe the machine.
fn machine_names(comparison: &Comparison) -> BTreeMap<&str, String> {
    let described: BTreeMap<&str, &MachineBrief> = comparison
        .machines
        .iter()
        .map(|m| (m.fingerprint.as_str(), m))
        .collect();
    comparison
        .entries
        .iter()
        .map(|e| e.series.fingerprint.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|print| {
            let name = match described.get(print) {
                Some(machine) => {
                    let mut parts = vec![escape::text(&machine.arch)];
                    if let Some(cpu) = &machine.cpu_model {
                        parts.push(escape::text(cpu));
                    }
                    if let Some(cpus) = machine.logical_cpus {
                        parts.push(format!("{cpus} CPUs"));
                    }
                    parts.join(" · ")
                }
                None => format!("machine {}", escape::text(print)),
            };
            (print, name)
        })
        .collect()
}

/// A series without its workload (the heading says it): `iter · rust-1.95.0 ·
/// size=1000000`, escaped.
fn series_name(entry: &Entry) -> String {
    let series = &entry.series;
    let mut parts = vec![
        escape::text(&series.variant),
        escape::text(&series.toolchain),
    ];
    for (key, value) in series.params.iter().take(PER_ENTRY * 2) {
        parts.push(format!("{}={value}", escape::text(key)));
    }
    parts.join(" · ")
}

fn changed_item(
    out: &mut String,
    entry: &Entry,
    decision: Option<&Decision>,
    context: &Context,
    confidence: &str,
    machines: Option<&BTreeMap<&str, String>>,
) {
    let Some(ratio) = entry.ratio else { return };
    let on = machines
        .and_then(|names| names.get(entry.series.fingerprint.as_str()))
        .map(|name| format!(" · on {name}"))
        .unwrap_or_default();
    // Which metric decides this series: this one, or another whose verdict is named.
    let decides = match decision {
        Some(d) if d.metric == entry.metric => " · **decides the series**".to_string(),
        // Time moved where the count says the work did not (or the other way): say
        // which verdict the series has. Memory and latency are their own questions.
        Some(d) if d.metric == Metric::Instructions => format!(
            " · {} decides the series: {}",
            d.metric.label(),
            word(d.verdict)
        ),
        Some(_) => String::new(),
        None => String::new(),
    };
    writeln!(
        out,
        "- **{} {}** {} · {}{on}{decides}",
        entry.verdict.as_str(),
        signed_percent(ratio.estimate),
        entry.metric.label(),
        series_name(entry),
    )
    .unwrap();
    let mut second = vec![format!(
        "{confidence} CI {} … {}",
        signed_percent(ratio.ci_low),
        signed_percent(ratio.ci_high)
    )];
    if let Some(mde) = entry.mde_ratio {
        second.push(format!("detects ±{}", unsigned_percent(mde)));
    }
    if let (Some(base), Some(head)) = (entry.base, entry.head) {
        let unit = entry.metric.unit();
        second.push(format!(
            "{} → {}",
            quantity(base.estimate, unit),
            quantity(head.estimate, unit)
        ));
    }
    let trend = context.trends.of(&entry.series, entry.metric);
    if trend.len() >= 2 {
        second.push(format!("main, last {}: {}", trend.len(), sparkline(trend)));
    }
    writeln!(out, "  {}", second.join(" · ")).unwrap();
    let notes = notes(entry);
    if !notes.is_empty() {
        writeln!(out, "  <sub>{notes}</sub>").unwrap();
    }
}

/// The flags and notes of an entry, escaped and bounded.
fn notes(entry: &Entry) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !entry.flags.is_empty() {
        let flags: Vec<String> = entry
            .flags
            .iter()
            .take(PER_ENTRY)
            .map(|f| escape::text(f))
            .collect();
        parts.push(flags.join(", "));
    }
    parts.extend(entry.reason.iter().map(|r| escape::text(r)));
    parts.extend(entry.notes.iter().take(PER_ENTRY).map(|n| escape::text(n)));
    parts.join("; ")
}

/// The entries that did not change, folded: a table, which the reader opens on purpose.
fn folded(
    out: &mut String,
    entries: &[&Entry],
    decided: &BTreeMap<&SeriesKey, &Decision>,
    confidence: &str,
    machines: Option<&BTreeMap<&str, String>>,
) {
    let mut counts: BTreeMap<Verdict, usize> = BTreeMap::new();
    for entry in entries {
        *counts.entry(entry.verdict).or_default() += 1;
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(verdict, count)| format!("{count} {}", word(*verdict)))
        .collect();
    writeln!(
        out,
        "\n<details><summary>{}</summary>\n",
        summary.join(", ")
    )
    .unwrap();
    writeln!(
        out,
        "| | series | metric | change ({confidence} CI) | detects |\n|---|---|---|--:|--:|"
    )
    .unwrap();
    // The change and detectable change as every comparison table writes them.
    for (entry, row) in entries.iter().zip(table_rows(entries)) {
        let mut series = format!(
            "{} · {}",
            escape::text(&entry.series.workload),
            series_name(entry)
        );
        if let Some(name) = machines.and_then(|names| names.get(entry.series.fingerprint.as_str()))
        {
            series.push_str(&format!(" · on {name}"));
        }
        let notes = notes(entry);
        if !notes.is_empty() {
            series.push_str(&format!("<br><sub>{notes}</sub>"));
        }
        let metric = match decided.get(&entry.series) {
            Some(d) if d.metric == entry.metric => format!("**{}**", entry.metric.label()),
            _ => entry.metric.label().to_string(),
        };
        writeln!(
            out,
            "| {} | {series} | {metric} | {} | {} |",
            word(entry.verdict),
            row.change,
            row.detects
        )
        .unwrap();
    }
    writeln!(out, "\n</details>").unwrap();
}

/// A verdict as the comment says it: `incomparable` reads "not compared".
fn word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Incomparable => "not compared",
        other => other.as_str(),
    }
}

fn footer(out: &mut String, comparison: &Comparison, context: &Context) {
    out.push('\n');
    if let Some(commits) = &comparison.commits {
        let side = |name: &str, commit: &crate::analyse::compare::Commit| {
            let id = match commit.commit.as_deref() {
                Some(id) if is_commit(id) => id[..id.len().min(12)].to_string(),
                Some(other) => escape::text(other),
                None => "(no commit)".to_string(),
            };
            let subject = commit
                .subject
                .as_deref()
                .map(|s| format!(" “{}”", escape::text(s)))
                .unwrap_or_default();
            let dirty = if commit.dirty {
                " with uncommitted changes"
            } else {
                ""
            };
            format!("{name} {id}{subject}{dirty}")
        };
        writeln!(
            out,
            "{} · {}  ",
            side("Base", &commits.base),
            side("head", &commits.head)
        )
        .unwrap();
    }
    let toolchains: BTreeSet<&str> = comparison
        .entries
        .iter()
        .map(|e| e.series.toolchain.as_str())
        .collect();
    if !toolchains.is_empty() {
        let names: Vec<String> = toolchains
            .iter()
            .take(12)
            .map(|t| escape::text(t))
            .collect();
        writeln!(out, "Toolchains: {}  ", names.join(", ")).unwrap();
    }
    let paired = comparison.entries.iter().filter(|e| e.paired).count();
    let tested = comparison
        .entries
        .iter()
        .filter(|e| e.method.is_some())
        .count();
    if tested > 0 {
        let design = if paired == tested {
            "base and head ran interleaved, in the same rounds on the same runner".to_string()
        } else {
            format!("{paired} of {tested} comparisons paired by round; the rest ran apart")
        };
        let counted = comparison
            .entries
            .iter()
            .any(|e| e.metric == Metric::Instructions);
        let instructions = if counted {
            format!(
                " (±{} for instructions/op, which decides a series where both sides were \
                 counted; time/op decides the rest; bold marks the deciding metric)",
                percent_label(comparison.settings.instructions_threshold)
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "Design: {design}; a verdict needs its whole {} interval beyond ±{}{instructions} \
             (q ≤ {}).  ",
            percent_label(comparison.settings.confidence),
            percent_label(comparison.settings.threshold),
            comparison.settings.alpha
        )
        .unwrap();
    }
    let links: Vec<String> = [
        (&context.run_url, "the run"),
        (&context.site_url, "the site"),
    ]
    .into_iter()
    .filter(|(url, _)| url.as_deref().and_then(escape::url).is_some())
    .map(|(url, text)| link(url.as_deref(), text))
    .collect();
    if !links.is_empty() {
        writeln!(out, "See {}.", links.join(" and ")).unwrap();
    }
}

fn link(url: Option<&str>, text: &str) -> String {
    match url.and_then(escape::url) {
        Some(url) => format!("[{text}]({url})"),
        None => text.to_string(),
    }
}

/// How far from no change an entry is, for ordering: `|ln ratio|`, or 0.
fn magnitude(entry: &Entry) -> f64 {
    entry.ratio.map_or(0.0, |r| r.estimate.ln().abs()).max(0.0)
}

#[cfg(test)]
#[path = "comment_tests.rs"]
mod tests;
