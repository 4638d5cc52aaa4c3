//! Records: the run record `versus.run/1` and everything it is made of or read from —
//! the history store, the source commit and CI run, the machine's hardware, the
//! latency histograms — and the one place that summarises its numbers (`summary`).
//!
//! What this group may use: nothing else in the crate. It reads files (`/proc`, `/sys`,
//! the history) but starts no process: the source's git commands come in through the
//! [`source::Git`] seam.
//!
//! - `schema`: the typed record and the workload's result object;
//! - `history`: atomic, never-overwriting writes, tolerant reads, run ids;
//! - `prune`: dropping old raw samples and histograms, keeping their summaries;
//! - `source`: the commit as built and the CI run;
//! - `machine`: hardware metadata and the fingerprint;
//! - `histogram`: decoding the workloads' HdrHistograms;
//! - `summary`: one median, one series label, the tables people read.

#[cfg(test)]
mod bad_input;
#[cfg(test)]
pub mod fixtures;
#[cfg(test)]
mod fuzz_regressions;
pub mod histogram;
pub mod history;
pub mod machine;
pub mod prune;
mod schema;
pub mod source;
pub mod summary;

pub use schema::*;
