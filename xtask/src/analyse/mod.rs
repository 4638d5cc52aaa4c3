//! Analysis: the statistics (`stats`), the comparison of two sets of records
//! (`compare`, `versus.compare/1`), and the evaluation of a calibration
//! (`calibration`).
//!
//! What this group may use: `record` only. Everything here is a pure function of
//! records and settings; it reads no file and starts no process, so it carries most of
//! the tests.

pub mod calibration;
pub mod changepoint;
pub mod claims;
pub mod compare;
pub mod stats;
pub mod versus;
