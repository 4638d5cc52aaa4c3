//! What the fuzz targets share: the orchestrator's five groups, compiled in unchanged
//! from `xtask/src` by `#[path]` (xtask is a binary crate, which nothing can link to;
//! its groups use only each other through `crate::`, never `main.rs` or a command,
//! so a crate root that declares the five holds every parser as xtask has it), and
//! the targets' helpers in `json` (a structure-aware mutator, a comparison of values
//! that tolerates serde_json's last-bit float parsing, the check that an error names
//! where the input is bad).

// The groups are compiled for a few of their functions only: what the targets do not
// call is dead here, and the lints that xtask's own build enforces are enforced there.
#![allow(dead_code, unused_imports, clippy::all)]

#[path = "../../xtask/src/analyse/mod.rs"]
pub mod analyse;
#[path = "../../xtask/src/measure/mod.rs"]
pub mod measure;
#[path = "../../xtask/src/publish/mod.rs"]
pub mod publish;
#[path = "../../xtask/src/record/mod.rs"]
pub mod record;
#[path = "../../xtask/src/toolchains/mod.rs"]
pub mod toolchains;

pub mod json;
