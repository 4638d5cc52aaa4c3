//! The dependencies audited offline, for `cargo xtask test`: cargo-deny (advisories,
//! licences, bans, sources) over both lockfiles, the orchestrator's `Cargo.lock` and
//! the workloads' `workloads/Cargo.lock`, with the policy of `deny.toml`; and
//! govulncheck over the Go module with every Go pin of `toolchains.toml`, each called
//! vulnerability fixed or excepted in `go/vulncheck-exceptions.toml`.
//!
//! Both databases are snapshots beside the checkout, in `../shared` (the RustSec
//! advisory-db and the Go vulnerability database), read by the tests only; nothing is
//! fetched, and every result is printed with its snapshot's date, since a snapshot
//! ages. `docs/audit.md` says what is checked and why each exception holds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::Value;

use super::target_dir;
use crate::measure::catalogue::Lang;
use crate::measure::process::{Cmd, ExitKind};

/// How an audit ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Audit {
    /// Every finding fixed or excepted.
    Clean,
    /// What was found and not excepted, or what the tool said when it failed.
    Findings(String),
    /// What the audit needs and this machine lacks (a snapshot, a pin, the crates).
    Unavailable(String),
}

pub const INSTALL_CARGO_DENY: &str = "cargo install --locked cargo-deny --version 0.20.2";
pub const INSTALL_GOVULNCHECK: &str =
    "GOTOOLCHAIN=local go install golang.org/x/vuln/cmd/govulncheck@v1.9.0";

/// Each lockfile with the manifest of its workspace.
const LOCKFILES: &[(&str, &str)] = &[
    ("Cargo.lock", "Cargo.toml"),
    ("workloads/Cargo.lock", "workloads/Cargo.toml"),
];

/// The folder cargo-deny 0.20 opens under its `db-path` for the default advisory URL
/// (github.com/RustSec/advisory-db): the URL's last segment and a hash of the URL. A
/// cargo-deny that names it otherwise fails to open the database, and the check with it.
const RUSTSEC_FOLDER: &str = "advisory-db-3157b0e258782691";

/// Longer than either tool takes here (about two seconds per lockfile or pin).
const TIMEOUT: Duration = Duration::from_secs(600);

/// The snapshots' folder: `shared/` beside the checkout.
fn shared(root: &Path) -> PathBuf {
    root.join("..").join("shared")
}

/// The RustSec snapshot: the commit and date `../shared/advisory-db/SNAPSHOT.md` states.
#[derive(Debug, PartialEq, Eq)]
struct RustSec {
    commit: String,
    date: time::Date,
}

/// Reads "at commit <hex> (<YYYY-MM-DD>)" from the snapshot's description.
fn rustsec_snapshot(text: &str) -> Option<RustSec> {
    let rest = &text[text.find("at commit ")? + "at commit ".len()..];
    let commit: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
    let rest = rest[commit.len()..].trim_start().strip_prefix('(')?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(rest.get(..10)?, &format).ok()?;
    (commit.len() >= 12).then_some(RustSec { commit, date })
}

/// "of 2026-08-21, 103 days old": a snapshot's date and its age today.
fn dated(date: time::Date) -> String {
    let today = time::OffsetDateTime::now_utc().date();
    format!("of {date}, {} days old", (today - date).whole_days())
}

/// cargo-deny over both lockfiles, offline, against a git copy of the RustSec snapshot
/// made under `target/versus/advisory-dbs/` (cargo-deny reads the database only from a
/// git repository, and dates it by its HEAD).
pub fn cargo_deny(root: &Path) -> Result<Audit> {
    let snapshot_dir = shared(root).join("advisory-db");
    let description = snapshot_dir.join("SNAPSHOT.md");
    let Ok(text) = std::fs::read_to_string(&description) else {
        return Ok(Audit::Unavailable(format!(
            "no RustSec advisory-db snapshot at {} (the tests read it from shared/ beside \
             the checkout)",
            snapshot_dir.display()
        )));
    };
    let snapshot = rustsec_snapshot(&text).with_context(|| {
        format!(
            "{} names no \"at commit <hex> (<date>)\"",
            description.display()
        )
    })?;
    let dbs = target_dir(root).join("versus").join("advisory-dbs");
    git_copy(&snapshot_dir, &dbs.join(RUSTSEC_FOLDER), snapshot.date)?;
    let label = format!(
        "RustSec advisory-db {} {}",
        &snapshot.commit[..12],
        dated(snapshot.date)
    );
    let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
    let mut problems = Vec::new();
    for (lockfile, manifest) in LOCKFILES {
        let manifest = root.join(manifest);
        // Offline, cargo-deny reads the crates' manifests from cargo's cache.
        let fetch = Cmd::new(&cargo)
            .args(["fetch", "--locked", "--quiet", "--manifest-path"])
            .arg(&manifest);
        if let Err(error) = fetch.run() {
            return Ok(Audit::Unavailable(format!(
                "{error:#} (is the network down?)"
            )));
        }
        let cmd = Cmd::new("cargo-deny")
            .args(["--frozen", "--format", "json", "--log-level", "info"])
            .args(["--color", "never", "--workspace", "--config"])
            .arg(root.join("deny.toml"))
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("check")
            .env("VERSUS_ADVISORY_DBS", &dbs)
            .dir(root);
        // A finding is data, as a trial's failure is: the exit status and stderr (where
        // cargo-deny writes its JSON) are read whatever they are.
        let process = cmd.run_trial(TIMEOUT, None)?;
        let report = deny_report(&String::from_utf8_lossy(&process.stderr));
        eprintln!("{lockfile}: {}; {label}", report.counts());
        for line in report.excepted.iter().chain(&report.findings) {
            eprintln!("  {line}");
        }
        if process.exit != ExitKind::Code(0) || report.failed() {
            problems.push(format!(
                "{lockfile}: `{cmd}` ended with {}{}: {}",
                process.exit,
                if process.timed_out {
                    " (timed out)"
                } else {
                    ""
                },
                report.findings.join("; ")
            ));
        }
    }
    Ok(if problems.is_empty() {
        Audit::Clean
    } else {
        Audit::Findings(problems.join("\n"))
    })
}

/// `from` copied to `to` as a git repository of one commit dated `date` (HEAD's file
/// too, since cargo-deny takes the later of the two as the database's age).
fn git_copy(from: &Path, to: &Path, date: time::Date) -> Result<()> {
    if to.exists() {
        std::fs::remove_dir_all(to).with_context(|| format!("emptying {}", to.display()))?;
    }
    copy_tree(from, to)?;
    let stamp = format!("{date}T00:00:00Z");
    let git = |args: &[&str]| {
        Cmd::new("git")
            .args([
                "-c",
                "user.name=snapshot",
                "-c",
                "user.email=snapshot@invalid",
            ])
            .args(["-c", "commit.gpgsign=false"])
            .args(args.iter().copied())
            .dir(to)
            .env("GIT_AUTHOR_DATE", &stamp)
            .env("GIT_COMMITTER_DATE", &stamp)
            .read()
    };
    git(&["init", "--quiet"])?;
    git(&["add", "--all"])?;
    git(&["commit", "--quiet", "--no-verify", "--message", "snapshot"])?;
    let head = to.join(".git/HEAD");
    let midnight = date.midnight().assume_utc();
    std::fs::File::options()
        .write(true)
        .open(&head)
        .and_then(|file| file.set_modified(midnight.into()))
        .with_context(|| format!("dating {}", head.display()))?;
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("making {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("listing {}", from.display()))? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type()?.is_dir() {
            copy_tree(&source, &target)?;
        } else {
            std::fs::copy(&source, &target)
                .with_context(|| format!("copying {}", source.display()))?;
        }
    }
    Ok(())
}

/// What cargo-deny's JSON lines said about one lockfile.
#[derive(Debug, Default, PartialEq, Eq)]
struct DenyReport {
    /// Errors and warnings per check (advisories, bans, licenses, sources).
    counts: BTreeMap<String, (u64, u64)>,
    /// Advisories that apply, excepted ones included.
    advisories: usize,
    /// "excepted RUSTSEC-…: crate version: reason".
    excepted: Vec<String>,
    /// Every error and warning, and the errors of its log.
    findings: Vec<String>,
    /// Whether the summary line came.
    summarised: bool,
}

impl DenyReport {
    fn failed(&self) -> bool {
        !self.summarised || self.counts.values().any(|(errors, _)| *errors > 0)
    }

    /// "2 advisories (1 excepted), advisories 1 error …": the findings count.
    fn counts(&self) -> String {
        let mut out = format!(
            "{} advisories apply ({} excepted)",
            self.advisories,
            self.excepted.len()
        );
        for (check, (errors, warnings)) in &self.counts {
            out.push_str(&format!(", {check} {errors} errors {warnings} warnings"));
        }
        out
    }
}

/// Reads cargo-deny's `--format json` output: a diagnostic, log entry or summary a line.
fn deny_report(stderr: &str) -> DenyReport {
    let mut report = DenyReport::default();
    let mut reasons: BTreeMap<String, String> = BTreeMap::new();
    let mut ignored = Vec::new();
    for line in stderr.lines().filter(|line| !line.trim().is_empty()) {
        let Ok(value) = serde_json::from_str::<Value>(line) else {
            report.findings.push(line.trim().to_string());
            continue;
        };
        let fields = &value["fields"];
        let text = |v: &Value| v.as_str().unwrap_or("").to_string();
        match value["type"].as_str() {
            Some("summary") => {
                report.summarised = true;
                if let Some(checks) = fields.as_object() {
                    for (check, count) in checks {
                        let n = |key: &str| count[key].as_u64().unwrap_or(0);
                        report
                            .counts
                            .insert(check.clone(), (n("errors"), n("warnings")));
                    }
                }
            }
            Some("log") if text(&fields["level"]) == "ERROR" => {
                report.findings.push(text(&fields["message"]));
            }
            Some("diagnostic") => {
                let severity = text(&fields["severity"]);
                let code = text(&fields["code"]);
                let spans: Vec<String> = fields["labels"]
                    .as_array()
                    .map(|labels| labels.iter().map(|l| text(&l["span"])).collect())
                    .unwrap_or_default();
                if code == "advisory-ignored" {
                    if let [id, reason, ..] = spans.as_slice() {
                        reasons.insert(id.clone(), reason.clone());
                    }
                    continue;
                }
                let krate = &fields["graphs"][0]["Krate"];
                let krate = format!("{} {}", text(&krate["name"]), text(&krate["version"]));
                let advisory = text(&fields["advisory"]["id"]);
                if !advisory.is_empty() {
                    report.advisories += 1;
                }
                if !advisory.is_empty() && severity == "note" {
                    ignored.push((advisory, krate));
                } else if severity == "error" || severity == "warning" {
                    let subject = if advisory.is_empty() {
                        spans.first().cloned().unwrap_or_default()
                    } else {
                        format!("{advisory} in {krate}")
                    };
                    report.findings.push(format!(
                        "{severity} [{code}] {}: {subject}",
                        text(&fields["message"])
                    ));
                }
            }
            _ => {}
        }
    }
    for (id, krate) in ignored {
        let reason = reasons.get(&id).map_or("(no reason given)", String::as_str);
        report
            .excepted
            .push(format!("excepted {id} in {krate}: {reason}"));
    }
    report
}

/// govulncheck over `go/` with each Go pin found (it analyses with the go on PATH, so
/// each pin's go comes first on PATH in turn), against the Go vulnerability database
/// snapshot. A pin that is not installed is not audited, which leaves the audit
/// unavailable.
pub fn govulncheck(root: &Path, govulncheck: &Path) -> Result<Audit> {
    let db = shared(root).join("vulndb");
    if !db.join("index").join("db.json").is_file() {
        return Ok(Audit::Unavailable(format!(
            "no Go vulnerability database snapshot at {} (the tests read it from shared/ \
             beside the checkout)",
            db.display()
        )));
    }
    let db = db
        .canonicalize()
        .with_context(|| format!("resolving {}", db.display()))?;
    let exceptions = exceptions(&root.join("go").join("vulncheck-exceptions.toml"))?;
    let pins = super::load_pins(root)?;
    let mut problems = Vec::new();
    let mut unaudited = Vec::new();
    for discovery in super::discover(root, &pins)? {
        if discovery.pin.lang != Lang::Go {
            continue;
        }
        let Some(found) = discovery.usable() else {
            eprintln!("{}: not installed here, not audited", discovery.pin.id);
            unaudited.push(discovery.pin.id.clone());
            continue;
        };
        let bin = found
            .driver
            .parent()
            .context("the go command has no folder")?;
        let path = std::env::var_os("PATH").unwrap_or_default();
        let path = std::env::join_paths(
            std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&path)),
        )?;
        let out = Cmd::new(govulncheck)
            .arg("-db")
            .arg(format!("file://{}", db.display()))
            .args(["-format", "json", "./..."])
            .dir(root.join("go"))
            .env("PATH", path)
            .env("GOTOOLCHAIN", "local")
            .env_remove("GOROOT")
            .read()?;
        let scan = scan(&out)?;
        let go = format!("go{}", found.reported());
        if scan.go_version != go {
            bail!(
                "govulncheck analysed with {}, not {go} (the pin {}'s go at {})",
                scan.go_version,
                found.pin.id,
                found.driver.display()
            );
        }
        let judged = judge(&scan, &found.pin.id, &exceptions);
        eprintln!(
            "{} ({go}): {} called ({} excepted), {} more in imported packages and {} in \
             required modules, not called; Go vulndb snapshot modified {}",
            found.pin.id,
            scan.at_level(Level::Symbol).len(),
            judged.excepted.len(),
            scan.at_level(Level::Package).len(),
            scan.at_level(Level::Module).len(),
            scan.db_modified
        );
        for line in judged.excepted.iter().chain(&judged.found) {
            eprintln!("  {line}");
        }
        for id in &judged.unused {
            eprintln!(
                "  exception {id} for {} matched nothing called: remove it",
                found.pin.id
            );
        }
        problems.extend(
            judged
                .found
                .iter()
                .map(|f| format!("{}: {f}", found.pin.id)),
        );
    }
    Ok(if !problems.is_empty() {
        Audit::Findings(problems.join("\n"))
    } else if !unaudited.is_empty() {
        Audit::Unavailable(format!(
            "the Go pins {} are not installed, so not audited (`cargo xtask toolchains \
             --install` installs them)",
            unaudited.join(", ")
        ))
    } else {
        Audit::Clean
    })
}

/// How close govulncheck came to versus's code: a vulnerable symbol called, a
/// vulnerable package imported (no vulnerable symbol called), or only a module required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Module,
    Package,
    Symbol,
}

/// One vulnerability as govulncheck reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Vuln {
    level: Level,
    summary: String,
    fixed: String,
    /// The vulnerable package and the first call from versus's code, for a called one.
    example: String,
    /// The systems the advisory names, when it names any (`windows`).
    platforms: BTreeSet<String>,
}

/// What one govulncheck run reported.
#[derive(Debug, Default)]
struct Scan {
    go_version: String,
    db_modified: String,
    vulns: BTreeMap<String, Vuln>,
}

impl Scan {
    fn at_level(&self, level: Level) -> Vec<&String> {
        self.vulns
            .iter()
            .filter(|(_, v)| v.level == level)
            .map(|(id, _)| id)
            .collect()
    }
}

/// Reads govulncheck's `-format json` stream (a sequence of JSON objects: config, SBOM,
/// osv, finding, progress).
fn scan(out: &str) -> Result<Scan> {
    let mut scan = Scan::default();
    let mut osvs: BTreeMap<String, Value> = BTreeMap::new();
    for message in serde_json::Deserializer::from_str(out).into_iter::<Value>() {
        let message = message.context("reading govulncheck's JSON")?;
        let text = |v: &Value| v.as_str().unwrap_or("").to_string();
        if let Some(config) = message.get("config") {
            scan.go_version = text(&config["go_version"]);
            scan.db_modified = text(&config["db_last_modified"]);
        } else if let Some(osv) = message.get("osv") {
            osvs.insert(text(&osv["id"]), osv.clone());
        } else if let Some(finding) = message.get("finding") {
            let trace = finding["trace"].as_array().cloned().unwrap_or_default();
            let Some(first) = trace.first() else { continue };
            let level = if first.get("function").is_some() {
                Level::Symbol
            } else if first.get("package").is_some() {
                Level::Package
            } else {
                Level::Module
            };
            // The call nearest the vulnerable symbol from outside its module: versus's.
            let caller = trace
                .iter()
                .find(|frame| frame["module"] != first["module"]);
            let example = match (level, caller) {
                (Level::Symbol, Some(caller)) => format!(
                    "{}.{}{} called from {}:{}",
                    text(&first["package"]),
                    first["receiver"]
                        .as_str()
                        .map_or(String::new(), |r| format!("{}.", r.trim_start_matches('*'))),
                    text(&first["function"]),
                    text(&caller["position"]["filename"]),
                    caller["position"]["line"]
                ),
                _ => text(&first["package"]),
            };
            let id = text(&finding["osv"]);
            let vuln = Vuln {
                level,
                summary: String::new(),
                fixed: text(&finding["fixed_version"]),
                example,
                platforms: BTreeSet::new(),
            };
            let entry = scan.vulns.entry(id).or_insert_with(|| vuln.clone());
            if vuln.level > entry.level {
                *entry = vuln;
            }
        }
    }
    for (id, vuln) in &mut scan.vulns {
        let Some(osv) = osvs.get(id) else { continue };
        vuln.summary = osv["summary"].as_str().unwrap_or("").to_string();
        for affected in osv["affected"].as_array().into_iter().flatten() {
            let imports = affected["ecosystem_specific"]["imports"].as_array();
            for import in imports.into_iter().flatten() {
                for goos in import["goos"].as_array().into_iter().flatten() {
                    vuln.platforms
                        .insert(goos.as_str().unwrap_or("").to_string());
                }
            }
        }
    }
    if scan.go_version.is_empty() {
        bail!("govulncheck's JSON had no config naming the Go version it analysed with");
    }
    Ok(scan)
}

/// One exception of `go/vulncheck-exceptions.toml`.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Exception {
    id: String,
    pins: Vec<String>,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Exceptions {
    #[serde(default)]
    exception: Vec<Exception>,
}

fn exceptions(path: &Path) -> Result<Vec<Exception>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let parsed: Exceptions = toml::from_str(&text).with_context(|| {
        format!(
            "reading {}: each [[exception]] has an id, the pins it holds for and a reason",
            path.display()
        )
    })?;
    Ok(parsed.exception)
}

/// A scan's called vulnerabilities against the exceptions for `pin`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Judged {
    excepted: Vec<String>,
    found: Vec<String>,
    /// Exceptions for this pin that matched no called vulnerability.
    unused: Vec<String>,
}

fn judge(scan: &Scan, pin: &str, exceptions: &[Exception]) -> Judged {
    let mut judged = Judged::default();
    let for_pin: Vec<&Exception> = exceptions
        .iter()
        .filter(|e| e.pins.iter().any(|p| p == pin))
        .collect();
    for id in scan.at_level(Level::Symbol) {
        let vuln = &scan.vulns[id];
        let platforms = if vuln.platforms.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = vuln.platforms.iter().map(String::as_str).collect();
            format!(", on {} only", names.join(", "))
        };
        let what = format!(
            "{id} ({}; {}, fixed in {}{platforms})",
            vuln.summary, vuln.example, vuln.fixed
        );
        match for_pin.iter().find(|e| &e.id == id) {
            Some(exception) => judged
                .excepted
                .push(format!("excepted {what}: {}", exception.reason.trim())),
            None => judged.found.push(format!("called {what}")),
        }
    }
    judged.unused = for_pin
        .iter()
        .filter(|e| !scan.at_level(Level::Symbol).contains(&&e.id))
        .map(|e| e.id.clone())
        .collect();
    judged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rustsec_snapshot_is_dated_by_its_description() {
        let text = "A copy of the RustSec advisory database at commit \
                    bf5c0d245a92671908518d7e765914d437954ed6 (2026-08-21), for checks";
        assert_eq!(
            rustsec_snapshot(text),
            Some(RustSec {
                commit: "bf5c0d245a92671908518d7e765914d437954ed6".into(),
                date: time::macros::date!(2026 - 08 - 21),
            })
        );
        assert_eq!(rustsec_snapshot("at commit bf5c0d245a92 of August"), None);
        assert_eq!(rustsec_snapshot("no commit here"), None);
    }

    const DENY: &str = r#"{"fields":{"level":"INFO","message":"using config"},"type":"log"}
{"fields":{"code":"advisory-ignored","labels":[{"span":"RUSTSEC-2021-0003"},{"span":"not called"}],"message":"advisory ignored","severity":"note"},"type":"diagnostic"}
{"fields":{"advisory":{"id":"RUSTSEC-2021-0003"},"code":"vulnerability","graphs":[{"Krate":{"name":"smallvec","version":"1.6.0"}}],"labels":[{"span":"smallvec 1.6.0"}],"message":"Buffer overflow","severity":"note"},"type":"diagnostic"}
{"fields":{"advisory":{"id":"RUSTSEC-2024-0001"},"code":"unmaintained","graphs":[{"Krate":{"name":"old","version":"0.1.0"}}],"labels":[{"span":"old 0.1.0"}],"message":"old is unmaintained","severity":"error"},"type":"diagnostic"}
{"fields":{"code":"rejected","labels":[{"span":"GPL-3.0"}],"message":"failed to satisfy license requirements","severity":"error"},"type":"diagnostic"}
{"fields":{"advisories":{"errors":1,"warnings":0},"bans":{"errors":0,"warnings":0},"licenses":{"errors":1,"warnings":0},"sources":{"errors":0,"warnings":0}},"type":"summary"}
"#;

    #[test]
    fn cargo_deny_findings_and_exceptions_are_told_apart() {
        let report = deny_report(DENY);
        assert_eq!(report.advisories, 2);
        assert_eq!(
            report.excepted,
            ["excepted RUSTSEC-2021-0003 in smallvec 1.6.0: not called"]
        );
        assert_eq!(
            report.findings,
            [
                "error [unmaintained] old is unmaintained: RUSTSEC-2024-0001 in old 0.1.0",
                "error [rejected] failed to satisfy license requirements: GPL-3.0",
            ]
        );
        assert!(report.failed());
        assert_eq!(
            report.counts(),
            "2 advisories apply (1 excepted), advisories 1 errors 0 warnings, bans 0 errors \
             0 warnings, licenses 1 errors 0 warnings, sources 0 errors 0 warnings"
        );
        // No summary: cargo-deny stopped early (a database it could not open).
        let stopped = deny_report(
            r#"{"fields":{"level":"ERROR","message":"failed to load advisory database"},"type":"log"}"#,
        );
        assert!(stopped.failed());
        assert_eq!(stopped.findings, ["failed to load advisory database"]);
    }

    const GOVULNCHECK: &str = r#"{"config":{"go_version":"go1.19.8","db_last_modified":"2026-08-21T20:38:00Z"}}
{"osv":{"id":"GO-2023-1840","summary":"Unsafe behavior in setuid/setgid binaries in runtime","affected":[{"ecosystem_specific":{"imports":[{"path":"runtime"}]}}]}}
{"osv":{"id":"GO-2025-3750","summary":"O_CREATE|O_EXCL","affected":[{"ecosystem_specific":{"imports":[{"path":"os","goos":["windows"]}]}}]}}
{"osv":{"id":"GO-2024-2887","summary":"netip"}}
{"finding":{"osv":"GO-2023-1840","fixed_version":"v1.19.10","trace":[{"module":"stdlib"}]}}
{"finding":{"osv":"GO-2023-1840","fixed_version":"v1.19.10","trace":[{"module":"stdlib","package":"runtime","function":"ReadMemStats"},{"module":"versus","function":"init","position":{"filename":"internal/contract/result.go","line":11}}]}}
{"finding":{"osv":"GO-2025-3750","fixed_version":"v1.23.10","trace":[{"module":"stdlib","package":"os","function":"ReadDir","receiver":"*File"},{"module":"stdlib","package":"os","function":"openFileNolog"},{"module":"versus","position":{"filename":"internal/sys/sys.go","line":200}},{"module":"versus","position":{"filename":"main.go","line":30}}]}}
{"finding":{"osv":"GO-2024-2887","fixed_version":"v1.21.11","trace":[{"module":"stdlib","package":"net/netip"}]}}
"#;

    #[test]
    fn govulncheck_findings_are_judged_by_level_and_exception() {
        let scan = scan(GOVULNCHECK).unwrap();
        assert_eq!(scan.go_version, "go1.19.8");
        assert_eq!(
            scan.at_level(Level::Symbol),
            ["GO-2023-1840", "GO-2025-3750"]
        );
        assert_eq!(scan.at_level(Level::Package), ["GO-2024-2887"]);
        let exceptions = vec![
            Exception {
                id: "GO-2023-1840".into(),
                pins: vec!["go-1.19.8".into()],
                reason: "never setuid\n".into(),
            },
            Exception {
                id: "GO-2099-0001".into(),
                pins: vec!["go-1.19.8".into()],
                reason: "gone".into(),
            },
        ];
        let judged = judge(&scan, "go-1.19.8", &exceptions);
        assert_eq!(
            judged.excepted,
            [
                "excepted GO-2023-1840 (Unsafe behavior in setuid/setgid binaries in runtime; \
              runtime.ReadMemStats called from internal/contract/result.go:11, fixed in v1.19.10): never \
              setuid"
            ]
        );
        assert_eq!(
            judged.found,
            [
                "called GO-2025-3750 (O_CREATE|O_EXCL; os.File.ReadDir called from internal/sys/sys.go:200, \
              fixed in v1.23.10, on windows only)"
            ]
        );
        assert_eq!(judged.unused, ["GO-2099-0001"]);
        // An exception holds only for the pins it names.
        assert_eq!(judge(&scan, "go-1.26.8", &exceptions).excepted.len(), 0);
    }

    #[test]
    fn the_go_exceptions_file_parses_and_names_real_pins() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let pins = crate::toolchains::load_pins(root).unwrap();
        let exceptions = exceptions(&root.join("go/vulncheck-exceptions.toml")).unwrap();
        for exception in &exceptions {
            assert!(exception.id.starts_with("GO-"), "{}", exception.id);
            assert!(!exception.reason.trim().is_empty(), "{}", exception.id);
            for pin in &exception.pins {
                assert!(pins.iter().any(|p| &p.id == pin), "{pin} is no pin");
            }
        }
    }
}
