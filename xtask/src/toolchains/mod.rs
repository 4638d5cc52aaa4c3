//! Pinned toolchains: reading `toolchains.toml`, finding an installed toolchain that is
//! exactly each pin, building the workloads with it, recording what was used, and
//! saying how to install what is missing.
//!
//! What this group may use: `record` (the toolchain record it fills in) and, of
//! `measure`, only the process layer (it runs compilers, `git` and the builds) and the
//! catalogue's `Lang`. It never runs a trial.
//!
//! - `pins`: `toolchains.toml`, the workloads' minimum versions, version comparisons;
//! - `discover`: where each pin is installed, checked by running it;
//! - `build`: release builds per pin, Go's counting build, the launcher;
//! - `record`: what a build used, exactly, for the run record;
//! - `prepare`: the toolchains a run or an A/B session builds, and the base's worktree;
//! - `install` and `report`: what `doctor` and `toolchains --json` print;
//! - `setup`: installing the missing pins, for `toolchains --install`;
//! - `selfcheck`: every workload built and run once at quick size, natively and under
//!   an emulator, for `cargo xtask test`;
//! - `audit`: the dependencies audited offline (cargo-deny, govulncheck), for `cargo
//!   xtask test`.

pub mod audit;
mod build;
pub(crate) mod discover;
mod install;
pub(crate) mod pins;
mod prepare;
mod record;
mod report;
pub mod selfcheck;
mod setup;

#[cfg(test)]
mod tests;

pub use build::{build_go_cross, build_launcher, target_dir};
pub use discover::discover;
pub use pins::load_pins;
pub use prepare::{build_sides, merge_base, place_sides, prepare, resolve_commit, unzip, worktree};
pub use report::{exit_ok, pins_json, report};
pub use setup::install_missing;
