//! Which metric decides a series' verdict. Every metric of a series is compared and
//! shown, but a reader (and the comment's first line) needs one answer per series: did
//! the change make this series slower? Where both sides counted instructions, the count
//! decides: it resolves a quarter of a percent of the work on a shared 2-core machine,
//! where time cannot resolve a few percent (docs/statistics.md, "Which metric
//! decides"). Elsewhere time per operation decides. The other metrics stay in the
//! comparison, each with its own verdict, so a change of time that the count does not
//! share (memory layout, the cache) is still shown, beside the verdict that decided.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Entry, Metric, SeriesKey, Verdict};

/// One series' verdict and the metric it was read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub series: SeriesKey,
    /// The metric whose verdict is the series' verdict.
    pub metric: Metric,
    pub verdict: Verdict,
    /// Why this metric decides, in a sentence.
    pub why: String,
}

/// How many series got each verdict, by the metric that decided each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesSummary {
    pub slower: usize,
    pub faster: usize,
    pub unchanged: usize,
    pub inconclusive: usize,
    pub incomparable: usize,
    /// Series decided by their instruction count.
    pub by_instructions: usize,
    /// Series decided by time per operation (or, lacking it, another metric).
    pub by_time: usize,
}

/// One decision per series of `entries` (sorted by series, as `compare` leaves them).
pub fn decide(entries: &[Entry]) -> Vec<Decision> {
    let mut decisions = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let series = &entries[start].series;
        let end = start
            + entries[start..]
                .iter()
                .take_while(|e| &e.series == series)
                .count();
        decisions.push(decide_series(&entries[start..end]));
        start = end;
    }
    decisions
}

fn decide_series(entries: &[Entry]) -> Decision {
    let of = |metric: Metric| entries.iter().find(|e| e.metric == metric);
    let time_detects = of(Metric::TimePerOp)
        .and_then(|e| e.mde_ratio)
        .map(|mde| {
            format!(
                "; time per operation detects ±{}",
                super::unsigned_percent(mde)
            )
        })
        .unwrap_or_default();
    let (entry, why) = match (of(Metric::Instructions), of(Metric::TimePerOp)) {
        (Some(count), _) if count.verdict != Verdict::Incomparable => (
            count,
            format!(
                "instructions per operation, counted on both sides: a count resolves a \
                 change in the work far smaller than time on a shared machine{time_detects}"
            ),
        ),
        (Some(_), Some(time)) => (
            time,
            "time per operation: the instruction counts could not be compared".to_string(),
        ),
        (None, Some(time)) => (
            time,
            "time per operation: no instruction counts for this series".to_string(),
        ),
        _ => (
            &entries[0],
            format!(
                "{}: the series has no time per operation",
                entries[0].metric.label()
            ),
        ),
    };
    Decision {
        series: entry.series.clone(),
        metric: entry.metric,
        verdict: entry.verdict,
        why,
    }
}

/// The (series, metric) of every entry that decides its series, for renderers to mark.
pub fn deciding(entries: &[Entry]) -> BTreeSet<(SeriesKey, Metric)> {
    decide(entries)
        .into_iter()
        .map(|decision| (decision.series, decision.metric))
        .collect()
}

/// The series counted by verdict and by deciding metric.
pub fn summarise(decisions: &[Decision]) -> SeriesSummary {
    let mut summary = SeriesSummary::default();
    for decision in decisions {
        *match decision.verdict {
            Verdict::Slower => &mut summary.slower,
            Verdict::Faster => &mut summary.faster,
            Verdict::Unchanged => &mut summary.unchanged,
            Verdict::Inconclusive => &mut summary.inconclusive,
            Verdict::Incomparable => &mut summary.incomparable,
        } += 1;
        if decision.metric == Metric::Instructions {
            summary.by_instructions += 1;
        } else {
            summary.by_time += 1;
        }
    }
    summary
}

impl SeriesSummary {
    /// "**1 slower**, 22 unchanged", or "nothing to compare".
    pub fn counts(&self) -> String {
        let parts: Vec<String> = [
            (self.slower, "slower", true),
            (self.faster, "faster", true),
            (self.unchanged, "unchanged", false),
            (self.inconclusive, "inconclusive", false),
            (self.incomparable, "not compared", false),
        ]
        .into_iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|(count, word, loud)| match loud {
            true => format!("**{count} {word}**"),
            false => format!("{count} {word}"),
        })
        .collect();
        if parts.is_empty() {
            "nothing to compare".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// "instructions/op decided 7 series, time/op 16", or "time/op decided every series".
    pub fn deciders(&self) -> String {
        match (self.by_instructions, self.by_time) {
            (0, _) => "time/op decided every series".to_string(),
            (_, 0) => "instructions/op decided every series".to_string(),
            (count, time) => format!("instructions/op decided {count} series, time/op {time}",),
        }
    }
}
