//! Builds: the workloads built with one pin into its own directory, the counting build
//! of Go, and the launcher every trial is started through.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::discover::Found;
use super::pins::{is_below, Pin};
use crate::measure::catalogue::Lang;
use crate::measure::process::Cmd;

/// Where a pin's binaries are built.
pub fn build_dir(root: &Path, pin: &Pin) -> PathBuf {
    root.join("target").join("versus").join(&pin.id)
}

/// The path of a pin's workload binary.
pub fn binary_path(root: &Path, pin: &Pin) -> PathBuf {
    build_dir(root, pin).join(pin.lang.binary())
}

/// Builds the workloads with one toolchain, in release mode, into its own directory.
pub fn build(root: &Path, found: &Found) -> Result<PathBuf> {
    let dir = build_dir(root, &found.pin);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let binary = binary_path(root, &found.pin);
    match found.pin.lang {
        Lang::Rust => {
            let target_dir = dir.join("cargo-target");
            // The toolchain's own cargo with its own rustc: calling the rustup proxy
            // would build with whichever toolchain happens to be the default.
            Cmd::new(&found.driver)
                .args(["build", "--release", "--locked", "--manifest-path"])
                .arg(root.join("workloads").join("Cargo.toml"))
                .arg("--target-dir")
                .arg(&target_dir)
                .env("RUSTC", &found.compiler)
                .env("CARGO_ENCODED_RUSTFLAGS", remapped_rustflags(root))
                .env_remove("RUSTFLAGS")
                .env_remove("RUSTUP_TOOLCHAIN")
                .run()
                .with_context(|| format!("building the Rust workloads with {}", found.pin.id))?;
            let built = target_dir.join("release").join("versus-rs");
            std::fs::copy(&built, &binary)
                .with_context(|| format!("copying {} to {}", built.display(), binary.display()))?;
        }
        Lang::Go => go_build(root, found, &binary, None)
            .with_context(|| format!("building the Go workloads with {}", found.pin.id))?,
    }
    Ok(binary)
}

/// The Go experiment a counting build switches off: from Go 1.26 the runtime places its
/// heap at a random base address in every process, and the page allocator's search
/// costs a different number of instructions for each base, so the instruction count of
/// one `alloc` sample varies by 1.3 % from process to process (0.27 % without it).
/// docs/instructions.md has the measurements.
pub const GO_COUNTING_EXPERIMENT: &str = "norandomizedheapbase64";

/// The first Go release that knows [`GO_COUNTING_EXPERIMENT`]; older ones refuse it
/// (and have no randomised heap base to switch off).
const GO_COUNTING_SINCE: &str = "1.26";

/// The path of a pin's counting binary (see [`build_counting`]).
pub fn counting_binary_path(root: &Path, pin: &Pin) -> PathBuf {
    build_dir(root, pin).join(format!("{}-count", pin.lang.binary()))
}

/// The `GOEXPERIMENT` a counting build of `pin` gets, or None when the trial binary is
/// counted as it is (Rust, whose counts are already deterministic; Go before 1.26).
pub fn counting_experiment(pin: &Pin) -> Option<String> {
    if pin.lang != Lang::Go || is_below(&pin.version, GO_COUNTING_SINCE) {
        return None;
    }
    // Any experiment the person set stays in force, as it does for the trial binary.
    Some(match std::env::var("GOEXPERIMENT") {
        Ok(existing) if !existing.trim().is_empty() => {
            format!("{},{GO_COUNTING_EXPERIMENT}", existing.trim())
        }
        _ => GO_COUNTING_EXPERIMENT.to_string(),
    })
}

/// Builds the binary whose instructions are counted in place of the trial binary, when
/// it must differ: the same source and toolchain, with the Go runtime's per-process heap
/// randomisation switched off so that a count measures the work and not where the heap
/// landed. None when the trial binary itself is counted.
pub fn build_counting(root: &Path, found: &Found) -> Result<Option<PathBuf>> {
    let Some(experiment) = counting_experiment(&found.pin) else {
        return Ok(None);
    };
    let binary = counting_binary_path(root, &found.pin);
    go_build(root, found, &binary, Some(&experiment)).with_context(|| {
        format!(
            "building the Go counting binary (GOEXPERIMENT={experiment}) with {}",
            found.pin.id
        )
    })?;
    Ok(Some(binary))
}

/// `go build` of the workloads into `binary` with the pin's own go, with `experiment` as
/// GOEXPERIMENT when given (else the person's, if any).
/// Builds the Go workloads for another architecture (`GOARCH`, e.g. `arm64`), without
/// cgo, into the pin's build directory: for running under a user-mode emulator.
pub fn build_go_cross(root: &Path, found: &Found, goarch: &str) -> Result<PathBuf> {
    let dir = build_dir(root, &found.pin);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let binary = dir.join(format!("{}-linux-{goarch}", found.pin.lang.binary()));
    Cmd::new(&found.driver)
        .arg("build")
        .args(GO_BUILD_FLAGS.iter().copied())
        .arg("-o")
        .arg(&binary)
        .arg(".")
        .dir(root.join("go"))
        .env("GOTOOLCHAIN", "local")
        .env("GOOS", "linux")
        .env("GOARCH", goarch)
        .env("CGO_ENABLED", "0")
        .env_remove("GOROOT")
        .run()
        .with_context(|| {
            format!(
                "building the Go workloads for {goarch} with {}",
                found.pin.id
            )
        })?;
    Ok(binary)
}

/// The flags of every Go build, as the toolchain record states them.
pub const GO_BUILD_FLAGS: &[&str] = &["-trimpath", "-mod=readonly"];

fn go_build(root: &Path, found: &Found, binary: &Path, experiment: Option<&str>) -> Result<()> {
    let mut cmd = Cmd::new(&found.driver)
        .arg("build")
        .args(GO_BUILD_FLAGS.iter().copied())
        .arg("-o")
        .arg(binary)
        .arg(".")
        .dir(root.join("go"))
        .env("GOTOOLCHAIN", "local")
        // A GOROOT from the environment would pair this go with another version's
        // standard library.
        .env_remove("GOROOT");
    if let Some(experiment) = experiment {
        cmd = cmd.env("GOEXPERIMENT", experiment);
    }
    cmd.run()
}

/// The person's RUSTFLAGS (or CARGO_ENCODED_RUSTFLAGS), plus a remapping of the checkout's
/// path: rustc embeds source paths in the binary (panic locations, line tables), so two
/// checkouts of the same commit at different paths, as an A/B session's worktree and
/// work tree are, would otherwise build binaries of different sizes and resident sets.
pub(super) fn remapped_rustflags(root: &Path) -> String {
    let mut flags: Vec<String> = match std::env::var("CARGO_ENCODED_RUSTFLAGS") {
        Ok(encoded) if !encoded.is_empty() => encoded.split('\x1f').map(String::from).collect(),
        _ => std::env::var("RUSTFLAGS")
            .unwrap_or_default()
            .split_whitespace()
            .map(String::from)
            .collect(),
    };
    flags.push(format!("--remap-path-prefix={}=/versus", root.display()));
    flags.join("\x1f")
}

/// Builds `versus-launch` (release) and returns its path.
pub fn build_launcher(root: &Path) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
    Cmd::new(cargo)
        .args([
            "build",
            "--quiet",
            "--release",
            "--locked",
            "--package",
            "versus-launch",
        ])
        .dir(root)
        .run()
        .context("building versus-launch, through which every trial is started")?;
    Ok(target_dir(root).join("release").join("versus-launch"))
}

/// Cargo's target folder for the project at `root` (`$CARGO_TARGET_DIR` if set).
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}
