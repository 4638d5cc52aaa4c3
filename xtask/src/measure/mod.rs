//! Measuring: what to run (the catalogue and the plan), running it (the runner, one
//! process per trial through the process layer), and what a finished trial process
//! means (trial), with instruction counts beside time for the CPU-bound workloads.
//!
//! What this group may use: `record` (the results it produces) and `analyse` (a pair
//! plan needs the power calculation of the statistics). It never imports `toolchains`:
//! the runner is given the binaries to run. `measure` and `toolchains` are the only
//! groups that start processes, and only through `process`.
//!
//! - `catalogue`: every workload, its variants, sizes, limits, floor and checksum;
//! - `plan`: selection of series, every round order, and pair plans;
//! - `runner`: jobs, trial settings, the trial loop, progress, counting;
//! - `trial`: a finished process as a trial, and trials as a result;
//! - `process`: the one layer that starts processes;
//! - `cgroup`: a memory cgroup of its own for each trial that reports memory per task;
//! - `instructions`: instruction counts with perf or Valgrind;
//! - `killed`: whole `run` and `bench` commands SIGKILLed at random points;
//! - `synthetic`: histories shaped like real ones, from a seeded generator.

pub mod catalogue;
pub mod cgroup;
#[cfg(test)]
mod faults;
pub mod instructions;
pub mod killed;
pub mod plan;
pub mod process;
pub mod runner;
pub mod synthetic;
pub mod trial;
