//! `cargo xtask doctor` and `cargo xtask toolchains --json`: which pinned toolchains
//! this machine has, exactly where and at which version, and for each missing one how
//! to install it with apt, rustup, Go's own installers or on GitHub Actions.

use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::{Doctor, Toolchains};
use crate::toolchains;

impl Doctor {
    /// Finds every pin of the checkout at `root`, prints the report and fails only when
    /// some language has no toolchain to build with at all.
    pub fn run(self, root: &Path) -> Result<()> {
        let pins = toolchains::load_pins(root)?;
        let discoveries = toolchains::discover(root, &pins)?;
        print!("{}", toolchains::report(&discoveries));
        toolchains::exit_ok(&discoveries)
    }
}

impl Toolchains {
    /// The pins as a table, or with `--json` in the form a workflow reads.
    pub fn run(self, root: &Path) -> Result<()> {
        let pins = toolchains::load_pins(root)?;
        let mut discoveries = toolchains::discover(root, &pins)?;
        if self.install {
            let installed = toolchains::install_missing(&discoveries)?;
            eprintln!(
                "installed {} pin(s): {}",
                installed.len(),
                installed.join(", ")
            );
            discoveries = toolchains::discover(root, &pins)?;
            github_path(&discoveries)?;
        }
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&toolchains::pins_json(&discoveries))?
            );
        } else {
            print!("{}", toolchains::report(&discoveries));
        }
        if self.install {
            // Every pin must be there now, or the workflow stops here with the reason.
            let missing: Vec<&str> = discoveries
                .iter()
                .filter(|d| d.found.is_none() && d.below_minimum.is_none())
                .map(|d| d.pin.id.as_str())
                .collect();
            if !missing.is_empty() {
                anyhow::bail!(
                    "after installing, {} still not found; `cargo xtask doctor` says where it \
                     looked",
                    missing.join(", ")
                );
            }
        }
        Ok(())
    }
}

/// On GitHub Actions, puts the first Go pin's `bin` first on the PATH of the job's later
/// steps, so that `go vet` and `gofmt` in `cargo xtask test` are a pinned Go.
fn github_path(discoveries: &[toolchains::discover::Discovery]) -> Result<()> {
    let Some(file) = std::env::var_os("GITHUB_PATH") else {
        return Ok(());
    };
    let go = discoveries
        .iter()
        .filter(|d| d.pin.lang == crate::measure::catalogue::Lang::Go)
        .find_map(|d| d.found.as_ref());
    if let Some(bin) = go.and_then(|found| found.compiler.parent()) {
        use std::io::Write;
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&file)
            .and_then(|mut f| writeln!(f, "{}", bin.display()))
            .with_context(|| format!("adding {} to $GITHUB_PATH", bin.display()))?;
        eprintln!("{} is first on the PATH of the next steps", bin.display());
    }
    Ok(())
}
