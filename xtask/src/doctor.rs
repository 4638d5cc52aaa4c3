//! `cargo xtask doctor` and `cargo xtask toolchains --json`: which pinned toolchains
//! this machine has, exactly where and at which version, and for each missing one how
//! to install it with apt, rustup, Go's own installers or on GitHub Actions; and the
//! kernel limits the published claims' setups needed, against this machine's.

use std::path::Path;

use anyhow::Result;

use crate::analyse::claims;
use crate::cli::{Doctor, Toolchains};
use crate::toolchains;

impl Doctor {
    /// Finds every pin of the checkout at `root`, prints the report and fails only when
    /// some language has no toolchain to build with at all.
    pub fn run(self, root: &Path) -> Result<()> {
        let pins = toolchains::load_pins(root)?;
        let discoveries = toolchains::discover(root, &pins)?;
        print!("{}", toolchains::report(&discoveries));
        println!();
        print!(
            "{}",
            claims::limits_report(&claims::Claims::built_in(), sysctl)
        );
        toolchains::exit_ok(&discoveries)
    }
}

/// A sysctl's value from /proc/sys (`vm.max_map_count` is /proc/sys/vm/max_map_count).
fn sysctl(name: &str) -> Option<u64> {
    let path = format!("/proc/sys/{}", name.replace('.', "/"));
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

impl Toolchains {
    /// The pins as a table, or with `--json` in the form a workflow reads; with
    /// `--install`, after installing the missing ones (`toolchains::install_missing`).
    pub fn run(self, root: &Path) -> Result<()> {
        let pins = toolchains::load_pins(root)?;
        let mut discoveries = toolchains::discover(root, &pins)?;
        if self.install {
            discoveries = toolchains::install_missing(root, &pins, &discoveries)?;
        }
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&toolchains::pins_json(&discoveries))?
            );
        } else {
            print!("{}", toolchains::report(&discoveries));
        }
        Ok(())
    }
}
