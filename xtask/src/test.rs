//! `cargo xtask test`: every test of the project behind one command. Each step is a
//! named check; all steps run even when one fails, and the command exits non-zero if
//! any did. The last line is `N passed, N failed` (with `N skipped` for checks whose
//! outside tool is missing, each named with the command that installs it).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::cli::Test;
use crate::measure::killed;
use crate::measure::process::{find_on_path, on_path, Cmd};
use crate::measure::synthetic::{self, Synthetic};
use crate::publish::{self, site::browser};
use crate::toolchains::audit::{self, Audit};
use crate::toolchains::{selfcheck, target_dir};

/// One named check.
type Check<'a> = (&'static str, Box<dyn Fn() -> Result<CheckResult> + 'a>);

/// How a check ended.
enum CheckResult {
    Passed,
    Failed(String),
    Skipped(String),
}

impl Test {
    pub fn run(self, root: &Path) -> Result<()> {
        let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
        let workloads_manifest = root.join("workloads/Cargo.toml");
        let go_dir = root.join("go");
        let mut checks: Vec<Check> = vec![
            (
                "cargo fmt (orchestrator)",
                Box::new(|| tool(Cmd::new(&cargo).args(["fmt", "--all", "--check"]).dir(root))),
            ),
            (
                "cargo fmt (workloads)",
                Box::new(|| {
                    tool(
                        Cmd::new(&cargo)
                            .args(["fmt", "--check", "--manifest-path"])
                            .arg(&workloads_manifest),
                    )
                }),
            ),
            (
                "cargo clippy (orchestrator)",
                Box::new(|| {
                    tool(
                        Cmd::new(&cargo)
                            .args([
                                "clippy",
                                "--workspace",
                                "--all-targets",
                                "--",
                                "-D",
                                "warnings",
                            ])
                            .dir(root),
                    )
                }),
            ),
            (
                "cargo clippy (workloads)",
                Box::new(|| {
                    tool(
                        Cmd::new(&cargo)
                            .args(["clippy", "--all-targets", "--manifest-path"])
                            .arg(&workloads_manifest)
                            .args(["--", "-D", "warnings"]),
                    )
                }),
            ),
            (
                "cargo test (orchestrator)",
                Box::new(|| tool(Cmd::new(&cargo).args(["test", "--workspace"]).dir(root))),
            ),
            (
                "cargo test (workloads)",
                Box::new(|| {
                    tool(
                        Cmd::new(&cargo)
                            .args(["test", "--release", "--manifest-path"])
                            .arg(&workloads_manifest),
                    )
                }),
            ),
            ("gofmt", Box::new(|| gofmt(&go_dir))),
            ("go vet", Box::new(|| go(&go_dir, "vet"))),
            ("go test", Box::new(|| go(&go_dir, "test"))),
            ("actionlint (workflows)", Box::new(|| actionlint(root))),
            ("zizmor (workflows)", Box::new(|| zizmor(root))),
            (
                "audit: cargo-deny over both lockfiles, RustSec snapshot",
                Box::new(|| cargo_deny(root)),
            ),
            (
                "audit: govulncheck over go/ with every Go pin, vulndb snapshot",
                Box::new(|| govulncheck(root)),
            ),
            (
                "vendored uPlot matches npm",
                Box::new(|| uplot_matches_npm(root)),
            ),
            (
                "change points match apache-otava",
                Box::new(|| otava_oracle(root)),
            ),
            (
                "the site in headless Chromium, desktop and phone, offline",
                Box::new(|| browser(root, &cargo)),
            ),
        ];
        if !self.no_workloads {
            // First: it builds the workload binaries that later tests (instruction
            // counts) run.
            checks.insert(
                0,
                (
                    "every workload at quick size, both languages, checksums checked",
                    Box::new(|| workloads(root)),
                ),
            );
            checks.insert(
                1,
                (
                    "the Go workloads for arm64 under qemu-user, quick size, checksums checked",
                    Box::new(|| arm_under_qemu(root)),
                ),
            );
            checks.insert(
                2,
                (
                    "cargo xtask run and bench killed at 25 points each: the history stays whole",
                    Box::new(|| killed_commands(root)),
                ),
            );
        }
        if let Some(only) = &self.only {
            checks.retain(|(name, _)| name.contains(only.as_str()));
            if checks.is_empty() {
                bail!("no check's name contains {only:?}; `cargo xtask test` lists them all");
            }
        }
        let (mut passed, mut failed, mut skipped) = (0, 0, 0);
        let mut failures = Vec::new();
        for (name, check) in &checks {
            eprintln!("\n==> {name}");
            let started = Instant::now();
            let result = check().unwrap_or_else(|error| CheckResult::Failed(format!("{error:#}")));
            let seconds = started.elapsed().as_secs_f64();
            match result {
                CheckResult::Passed => {
                    passed += 1;
                    eprintln!("--> passed: {name} ({seconds:.1} s)");
                }
                CheckResult::Failed(why) => {
                    failed += 1;
                    eprintln!("--> FAILED: {name} ({seconds:.1} s): {why}");
                    failures.push(format!("{name}: {why}"));
                }
                CheckResult::Skipped(why) => {
                    skipped += 1;
                    eprintln!("--> skipped: {name}: {why}");
                }
            }
        }
        for failure in &failures {
            eprintln!("FAILED {failure}");
        }
        println!("checks: {passed} passed, {failed} failed, {skipped} skipped");
        if failed > 0 {
            bail!("{failed} of {} checks failed", checks.len());
        }
        Ok(())
    }
}

/// A tool that passes when it exits 0; its own output goes to the terminal.
fn tool(cmd: Cmd) -> Result<CheckResult> {
    Ok(match cmd.run() {
        Ok(()) => CheckResult::Passed,
        Err(error) => CheckResult::Failed(format!("{error:#}")),
    })
}

/// A check whose outside tool is missing: skipped with the command that installs it,
/// except under CI, where the tool must be there.
fn missing_tool(program: &str, install: &str) -> Option<CheckResult> {
    if on_path(program) {
        return None;
    }
    Some(unavailable(format!(
        "`{program}` is not installed; install it with `{install}`"
    )))
}

/// A check that lacks what it needs: skipped, except under CI, which installs it all.
fn unavailable(why: String) -> CheckResult {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        CheckResult::Failed(why)
    } else {
        CheckResult::Skipped(why)
    }
}

/// Both lockfiles audited by cargo-deny against the RustSec snapshot
/// (`toolchains::audit`, `deny.toml`).
fn cargo_deny(root: &Path) -> Result<CheckResult> {
    if let Some(result) = missing_tool("cargo-deny", audit::INSTALL_CARGO_DENY) {
        return Ok(result);
    }
    Ok(judged(audit::cargo_deny(root)?))
}

/// The Go module audited by govulncheck with every Go pin against the vulndb snapshot
/// (`toolchains::audit`, `go/vulncheck-exceptions.toml`).
fn govulncheck(root: &Path) -> Result<CheckResult> {
    let Some(govulncheck) = find_on_path("govulncheck") else {
        return Ok(
            missing_tool("govulncheck", audit::INSTALL_GOVULNCHECK).unwrap_or(CheckResult::Passed)
        );
    };
    Ok(judged(audit::govulncheck(root, &govulncheck)?))
}

fn judged(audit: Audit) -> CheckResult {
    match audit {
        Audit::Clean => CheckResult::Passed,
        Audit::Findings(why) => CheckResult::Failed(why),
        Audit::Unavailable(why) => unavailable(why),
    }
}

const INSTALL_GO: &str = "apt-get install golang-go (or the tarball from the Go site)";

fn gofmt(go_dir: &Path) -> Result<CheckResult> {
    if let Some(result) = missing_tool("gofmt", INSTALL_GO) {
        return Ok(result);
    }
    let unformatted = Cmd::new("gofmt").args(["-l", "."]).dir(go_dir).read()?;
    Ok(if unformatted.trim().is_empty() {
        CheckResult::Passed
    } else {
        CheckResult::Failed(format!(
            "gofmt would change: {}; run `gofmt -w go`",
            unformatted.trim().replace('\n', ", ")
        ))
    })
}

fn go(go_dir: &Path, subcommand: &str) -> Result<CheckResult> {
    if let Some(result) = missing_tool("go", INSTALL_GO) {
        return Ok(result);
    }
    tool(
        Cmd::new("go")
            .args([subcommand, "./..."])
            .dir(go_dir)
            .env("GOTOOLCHAIN", "local"),
    )
}

/// A virtual environment under target/versus/ with exactly `package` (`name==version`)
/// installed from PyPI, made once; or the check's result when it cannot be made.
fn venv_with(
    root: &Path,
    folder: &str,
    package: &str,
    name: &str,
) -> Result<std::result::Result<PathBuf, CheckResult>> {
    let venv = target_dir(root).join("versus").join(folder);
    let python = venv.join("bin/python");
    let query = format!("from importlib.metadata import version; print(version('{name}'))");
    let installed = python.is_file()
        && Cmd::new(&python)
            .args(["-c", &query])
            .read()
            .is_ok_and(|v| format!("{name}=={}", v.trim()) == package);
    if !installed {
        if let Err(error) = Cmd::new("python3").arg("-m").arg("venv").arg(&venv).run() {
            return Ok(Err(CheckResult::Failed(format!(
                "making a virtual environment in {}: {error:#}; on Debian, apt-get install \
                 python3-venv",
                venv.display()
            ))));
        }
        let pip = Cmd::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            package,
        ]);
        if let Err(error) = pip.run() {
            return Ok(Err(needs_network(format!(
                "pip install {package}: {error:#}"
            ))));
        }
    }
    Ok(Ok(venv))
}

/// The workflows, audited by zizmor offline: no finding, or each answered by an
/// `# zizmor: ignore[rule]` comment with its reason beside the line.
fn zizmor(root: &Path) -> Result<CheckResult> {
    const PACKAGE: &str = "zizmor==1.32.0";
    if let Some(result) = missing_tool("python3", "apt-get install python3 python3-venv") {
        return Ok(result);
    }
    let venv = match venv_with(root, "zizmor-venv", PACKAGE, "zizmor")? {
        Ok(venv) => venv,
        Err(result) => return Ok(result),
    };
    tool(
        Cmd::new(venv.join("bin/zizmor"))
            .args(["--offline", "--no-progress"])
            .arg(root.join(".github/workflows")),
    )
}

/// The GitHub Actions workflows, checked by actionlint (which also runs shellcheck on
/// `run:` steps when shellcheck is installed).
fn actionlint(root: &Path) -> Result<CheckResult> {
    if let Some(result) = missing_tool(
        "actionlint",
        "go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12",
    ) {
        return Ok(result);
    }
    let dir = root.join(".github/workflows");
    let mut workflows: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yml" || ext == "yaml")
        })
        .collect();
    workflows.sort();
    tool(Cmd::new("actionlint").args(workflows))
}

/// The files of `site/vendor/uplot/` must be those of the npm package VENDOR.toml
/// names, whose integrity npm reports (`npm pack` fetches it from the registry).
fn uplot_matches_npm(root: &Path) -> Result<CheckResult> {
    if let Some(result) = missing_tool("npm", "apt-get install npm") {
        return Ok(result);
    }
    let manifest = publish::site::vendor::manifest(root)?;
    let scratch = scratch(root, "npm-uplot")?;
    let spec = format!("{}@{}", manifest.name, manifest.version);
    let packed = Cmd::new("npm")
        .args(["pack", &spec, "--json", "--silent", "--pack-destination"])
        .arg(&scratch)
        .dir(&scratch)
        .read();
    let packed = match packed {
        Ok(packed) => packed,
        Err(error) => return Ok(needs_network(format!("npm pack {spec}: {error:#}"))),
    };
    let listing: serde_json::Value = serde_json::from_str(&packed)
        .with_context(|| format!("parsing the JSON of `npm pack {spec} --json`"))?;
    let (Some(file), Some(integrity)) = (
        listing[0]["filename"].as_str(),
        listing[0]["integrity"].as_str(),
    ) else {
        anyhow::bail!("`npm pack {spec} --json` named no filename and integrity: {packed}");
    };
    Cmd::new("tar")
        .args(["-xzf", file])
        .dir(&scratch)
        .run()
        .with_context(|| format!("unpacking {file}"))?;
    let differences =
        publish::site::vendor::differences(root, integrity, &scratch.join("package"))?;
    Ok(if differences.is_empty() {
        eprintln!("site/vendor/uplot is {spec} from npm, integrity {integrity}");
        CheckResult::Passed
    } else {
        CheckResult::Failed(differences.join("\n"))
    })
}

/// Apache Otava (the PyPI package apache-otava, in a virtual environment of its own
/// under `target/versus/`) run over the shared fixture series must give the answers
/// committed in `xtask/tests/changepoint/otava-expected.json`, which the Rust tests
/// hold the detector to.
fn otava_oracle(root: &Path) -> Result<CheckResult> {
    const PACKAGE: &str = "apache-otava==0.8.0";
    if let Some(result) = missing_tool("python3", "apt-get install python3 python3-venv") {
        return Ok(result);
    }
    let python = match venv_with(root, "otava-venv", PACKAGE, "apache-otava")? {
        Ok(venv) => venv.join("bin/python"),
        Err(result) => return Ok(result),
    };
    let dir = root.join("xtask/tests/changepoint");
    let out = scratch(root, "otava")?.join("otava-expected.json");
    Cmd::new(&python)
        .arg(dir.join("oracle.py"))
        .arg(&out)
        .run()?;
    let read = |path: &Path| -> Result<serde_json::Value> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    };
    let (fresh, committed) = (read(&out)?, read(&dir.join("otava-expected.json"))?);
    let mut differences = Vec::new();
    same_within(&committed, &fresh, "", &mut differences);
    Ok(if differences.is_empty() {
        CheckResult::Passed
    } else {
        CheckResult::Failed(format!(
            "{PACKAGE} now answers differently from xtask/tests/changepoint/otava-expected.json \
             (see {}): {}",
            out.display(),
            differences.join("; ")
        ))
    })
}

/// Where two JSON values differ, numbers compared to 1e-9 relative (another numpy may
/// round the last digit otherwise).
fn same_within(a: &serde_json::Value, b: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            if (x - y).abs() > 1e-9 * x.abs().max(y.abs()).max(1e-300) {
                out.push(format!("{at}: {x} against {y}"));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                same_within(x, y, &format!("{at}[{i}]"), out);
            }
        }
        (Value::Object(x), Value::Object(y)) if x.len() == y.len() => {
            for (key, x) in x {
                match y.get(key) {
                    Some(y) => same_within(x, y, &format!("{at}.{key}"), out),
                    None => out.push(format!("{at}: no {key}")),
                }
            }
        }
        (x, y) if x == y => {}
        (x, y) => out.push(format!("{at}: {x} against {y}")),
    }
}

/// A folder for one check under `target/versus/`, emptied first.
fn scratch(root: &Path, name: &str) -> Result<PathBuf> {
    let dir = target_dir(root).join("versus").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("making {}", dir.display()))?;
    Ok(dir)
}

/// A check that could not reach its registry: skipped on a machine without the
/// network, failed under CI, where the registries are reachable.
fn needs_network(why: String) -> CheckResult {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        CheckResult::Failed(why)
    } else {
        CheckResult::Skipped(format!("{why} (is the network down?)"))
    }
}

/// Renders a generated history (every workload, 2 machines, 4 toolchains) and opens
/// its pages from `file://` in headless Chromium with the network off, at desktop and
/// phone width, scrolled to the bottom so that the charts that load when scrolled to
/// are drawn too (`publish::site::browser` says what must hold). The site and the
/// screenshots are kept in `target/versus/browser-check/` to be looked at.
fn browser(root: &Path, cargo: &Path) -> Result<CheckResult> {
    // Debian's and snap's Chromium, or the Google Chrome of GitHub's x86_64 runners.
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find_map(find_on_path)
    else {
        return Ok(
            missing_tool("chromium", "apt-get install chromium").unwrap_or(CheckResult::Passed)
        );
    };
    Cmd::new(cargo)
        .args(["build", "--quiet", "--package", "sitecheck"])
        .dir(root)
        .run()?;
    let sitecheck = target_dir(root).join("debug/sitecheck");
    // Kept after the check, to be opened by hand; made afresh by each check.
    let scratch = scratch(root, "browser-check")?;
    let (history_dir, site, cache) = (
        scratch.join("history"),
        scratch.join("site"),
        scratch.join("cache"),
    );
    let synthetic = Synthetic {
        runs: 120,
        machines: 2,
        seed: 1,
        hours_apart: 20,
        rounds: 3,
        only: Vec::new(),
    };
    synthetic::generate(&synthetic, &history_dir)?;
    let rendered = publish::site::render_with(root, &history_dir, &site, &cache)?;
    let screenshots = scratch.join("screenshots");
    let mut cmd = Cmd::new(&sitecheck)
        .arg("--chromium")
        .arg(&chromium)
        .arg("--site")
        .arg(&site)
        .arg("--screenshots")
        .arg(&screenshots)
        .arg("--offline")
        .arg("--scroll");
    for page in browser::pages(&site)? {
        cmd = cmd.args(["--page", &page]);
    }
    for width in browser::WIDTHS {
        cmd = cmd.args(["--width", &width.to_string()]);
    }
    let report = browser::parse(&cmd.read()?)?;
    for line in browser::summary(&report) {
        eprintln!("{line}");
    }
    eprintln!(
        "{} runs rendered in {:.1} s; {} page views in {}; screenshots in {}",
        rendered.runs,
        rendered.seconds,
        report.pages.len(),
        report.chromium,
        screenshots.display()
    );
    let problems = browser::problems(&report);
    Ok(if problems.is_empty() {
        CheckResult::Passed
    } else {
        CheckResult::Failed(problems.join("\n"))
    })
}

/// Builds the workloads with every pin found and runs each at its quick size
/// (`toolchains::selfcheck`).
fn workloads(root: &Path) -> Result<CheckResult> {
    Ok(match selfcheck::quick_run(root)? {
        Ok(results) => {
            eprintln!("{results} results, all ok with the expected checksums");
            CheckResult::Passed
        }
        Err(problems) => CheckResult::Failed(problems),
    })
}

/// Whole `run` and `bench` commands SIGKILLed at points over their time
/// (`measure::killed`), against a scratch history.
fn killed_commands(root: &Path) -> Result<CheckResult> {
    let xtask = std::env::current_exe().context("finding this xtask binary")?;
    let scratch = target_dir(root).join("versus/kill-check");
    eprintln!("{}", killed::kill_commands(&xtask, root, &scratch, 25)?);
    Ok(CheckResult::Passed)
}

/// The Go workloads built for arm64 and run under qemu-user at quick size, checksums
/// checked: the ARM runners' code path, on this machine.
fn arm_under_qemu(root: &Path) -> Result<CheckResult> {
    if std::env::consts::ARCH == "aarch64" {
        return Ok(CheckResult::Passed);
    }
    let Some(qemu) = find_on_path("qemu-aarch64-static").or_else(|| find_on_path("qemu-aarch64"))
    else {
        return Ok(
            missing_tool("qemu-aarch64-static", "apt-get install qemu-user-static")
                .unwrap_or(CheckResult::Passed),
        );
    };
    Ok(match selfcheck::go_under_emulator(root, &qemu, "arm64")? {
        Ok(results) => {
            eprintln!(
                "{results} Go results under {}, all ok with the expected checksums",
                qemu.display()
            );
            CheckResult::Passed
        }
        Err(problems) => CheckResult::Failed(problems),
    })
}
