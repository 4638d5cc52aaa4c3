//! Go's benchmark text format (golang.org/design/14313-benchmark-format), which
//! `benchstat` reads.
//!
//! Names: `BenchmarkSum/variant=iter/lang=rust/toolchain=rust-1.95.0/size=1000000`. The
//! format requires the `Benchmark` prefix and no spaces; every part after it is a
//! `/key=value` pair, which benchstat turns into a sub-name key, so its tables can be
//! built by any of them: `benchstat -col /toolchain <run>` compares toolchains of one
//! language, `benchstat -col /lang -ignore /variant,/toolchain -filter
//! '/variant:(iter OR range)' <run>` compares two chosen variants across languages,
//! and `benchstat <base> <head>` compares two runs series by series.
//!
//! One line per trial, not per sample. benchstat treats every line as an independent
//! measurement for its confidence intervals and Mann-Whitney U test. The samples of one
//! trial share a process (its heap layout, code placement, scheduler and the machine's
//! load at that moment), so they vary less among themselves than trials do, and a line
//! per sample would overstate the replication and narrow the intervals dishonestly. The
//! trial is the protocol's unit of replication (docs/glossary.md: one process per trial), so each
//! line is one trial: its median sample in ns/op, with `N` the operations per sample, its
//! max RSS (`max-rss-B`, which benchstat scales in binary units), instructions per op and
//! latency percentiles where the record has them. The price is that benchstat wants six
//! trials per series for a confidence interval and four per side for a comparison, and
//! says so rather than print intervals that are too narrow.
//!
//! File-level `key: value` lines split benchstat's tables by default, so only what must
//! never be compared across is one: `versus-machine` (the fingerprint) with `goos`,
//! `goarch` and `cpu`. The run id and commit differ between any two runs being compared,
//! so they are `#` lines, which benchstat ignores.

use std::fmt::Write;

use anyhow::Result;

use super::{published, Exporter};
use crate::record::summary::{
    trial_instructions_per_op, trial_latency_ns, trial_time_per_op, LATENCY_PERCENTILES,
};
use crate::record::{Machine, ResultRecord, RunRecord};

pub struct Benchstat;

/// The unit of the peak resident memory of a trial's process: a custom unit whose `B`
/// token makes benchstat print it in KiB, MiB, GiB.
const MAX_RSS_UNIT: &str = "max-rss-B";
const INSTRUCTIONS_UNIT: &str = "instructions/op";

impl Exporter for Benchstat {
    fn name(&self) -> &'static str {
        "benchstat"
    }

    fn export(&self, run: &RunRecord) -> Result<Vec<u8>> {
        let mut lines = Vec::new();
        let mut custom_units = vec![MAX_RSS_UNIT.to_string()];
        for result in published(run)? {
            let name = go_name(result);
            for trial in &result.trials {
                let Some(time) = trial_time_per_op(trial, result.ops) else {
                    continue;
                };
                let mut line = format!(
                    "{name}\t{}\t{} ns/op\t{} {MAX_RSS_UNIT}",
                    result.ops, time.median, trial.max_rss_bytes
                );
                if let Some(instructions) = trial_instructions_per_op(trial, result.ops) {
                    write!(line, "\t{instructions} {INSTRUCTIONS_UNIT}")?;
                    add_unit(&mut custom_units, INSTRUCTIONS_UNIT.to_string());
                }
                for (key, label) in LATENCY_PERCENTILES {
                    if let Some(latency) = trial_latency_ns(trial, key) {
                        let unit = format!("{label}-latency-ns");
                        write!(line, "\t{latency} {unit}")?;
                        add_unit(&mut custom_units, unit);
                    }
                }
                lines.push(line);
            }
        }
        let mut text = header(run);
        for unit in custom_units {
            // Benchstat only knows that lower is better for its own units.
            writeln!(text, "Unit {unit} better=lower")?;
        }
        for line in lines {
            writeln!(text, "{line}")?;
        }
        Ok(text.into_bytes())
    }
}

fn add_unit(units: &mut Vec<String>, unit: String) {
    if !units.contains(&unit) {
        units.push(unit);
    }
}

/// The `#` lines that say which run this is (benchstat skips them), then the
/// file-level configuration.
fn header(run: &RunRecord) -> String {
    let source = &run.source;
    let mut commit = match (&source.commit, &source.git_ref) {
        (Some(commit), Some(git_ref)) => format!("commit {commit} ({git_ref})"),
        (Some(commit), None) => format!("commit {commit}"),
        (None, _) => "no commit".to_string(),
    };
    if source.dirty {
        commit.push_str(" with uncommitted changes");
    }
    if let Some(pr) = source.pr {
        commit.push_str(&format!(", pull request #{pr}"));
    }
    let mut lines = vec![
        format!(
            "# versus run {}: {commit}, started {}",
            run.id, run.started_at
        ),
        "# One line per trial (one process): its median sample in ns/op over N operations."
            .to_string(),
    ];
    if let Some(goos) = goos(&run.machine) {
        lines.push(format!("goos: {goos}"));
    }
    lines.push(format!("goarch: {}", goarch(&run.machine.arch)));
    if let Some(cpu) = &run.machine.cpu_model {
        lines.push(format!("cpu: {cpu}"));
    }
    lines.push(format!("versus-machine: {}", run.machine.fingerprint));
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// The Go benchmark name of a result: `Benchmark` and the workload, then every part of
/// the series as a `/key=value` sub-name, parameters last in key order. The parameters
/// always include `size` (the workload contract), so the name never ends in `-digits`,
/// which benchstat would read as a GOMAXPROCS suffix.
pub fn go_name(result: &ResultRecord) -> String {
    let mut workload = result.workload.chars();
    let mut name = String::from("Benchmark");
    if let Some(first) = workload.next() {
        name.extend(first.to_uppercase());
        name.push_str(workload.as_str());
    }
    let parts = [
        ("variant", result.variant.as_str()),
        ("lang", result.lang.as_str()),
        ("toolchain", result.toolchain.as_str()),
    ];
    for (key, value) in parts {
        write!(name, "/{key}={value}").expect("writing to a String");
    }
    for (key, value) in &result.params {
        write!(name, "/{key}={value}").expect("writing to a String");
    }
    // A space would end the name field of the line.
    name.split_whitespace().collect::<Vec<_>>().join("_")
}

/// Go's name of the architecture, as `go env GOARCH` prints it.
fn goarch(arch: &str) -> &str {
    match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" | "i686" | "i386" => "386",
        "powerpc64le" => "ppc64le",
        other => other,
    }
}

/// Go's name of the operating system. The record names the distribution ("Ubuntu 24.04.2
/// LTS", "macOS 15.5 Sequoia"), so anything that is not macOS or a BSD is Linux, where
/// versus runs.
fn goos(machine: &Machine) -> Option<&'static str> {
    let os = machine.os.as_deref()?.to_lowercase();
    Some(if os.contains("macos") || os.contains("darwin") {
        "darwin"
    } else if os.contains("freebsd") {
        "freebsd"
    } else {
        "linux"
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::measure::process::Cmd;
    use crate::publish::export::tests::record;

    #[test]
    fn go_names_carry_every_part_as_a_sub_name_key() {
        let run = record("id", "0", 1, 1.0);
        assert_eq!(
            go_name(&run.results[2]),
            "BenchmarkPingpong/variant=tokio-current/lang=rust/toolchain=rust-1.95.0/buffer=1/size=10000"
        );
    }

    /// benchstat, on PATH or where `go install` puts it.
    fn find_benchstat() -> Option<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect())
            .unwrap_or_default();
        for key in ["GOBIN", "GOPATH"] {
            if let Ok(dir) = Cmd::new("go")
                .args(["env", key])
                .env("GOTOOLCHAIN", "local")
                .read()
            {
                // GOPATH may list several directories; go install uses the first.
                let dir = dir.trim().split(':').next().unwrap_or_default().to_string();
                if !dir.is_empty() {
                    dirs.push(if key == "GOPATH" {
                        PathBuf::from(dir).join("bin")
                    } else {
                        dir.into()
                    });
                }
            }
        }
        dirs.into_iter()
            .map(|dir| dir.join("benchstat"))
            .find(|path| path.is_file())
    }

    /// Feeds the export of a base and a head run to benchstat itself, the format's own
    /// parser: every series must come out as a row of one comparison table.
    #[test]
    fn benchstat_reads_the_export_and_compares_two_runs() {
        let Some(benchstat) = find_benchstat() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "benchstat is not installed, and CI needs this check: install it with \
                 `GOTOOLCHAIN=local go install golang.org/x/perf/cmd/benchstat@latest`"
            );
            println!(
                "skipped: benchstat not installed; install with \
                 `go install golang.org/x/perf/cmd/benchstat@latest`"
            );
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let base = record("base-run", "1111111", 8, 1.0);
        let head = record("head-run", "2222222", 8, 1.10);
        for (name, run) in [("base.txt", &base), ("head.txt", &head)] {
            std::fs::write(dir.path().join(name), Benchstat.export(run).unwrap()).unwrap();
        }
        let output = Cmd::new(&benchstat)
            .args(["base.txt", "head.txt"])
            .dir(dir.path())
            .read()
            .unwrap();
        println!("{output}");
        for result in super::super::published(&base).unwrap() {
            let row = go_name(result);
            let row = row.strip_prefix("Benchmark").unwrap();
            assert!(output.contains(row), "no row {row} in:\n{output}");
        }
        for unit in ["sec/op", "max-rss-B", "instructions/op", "p99-latency-sec"] {
            assert!(output.contains(unit), "no {unit} table in:\n{output}");
        }
        // One table per unit, each comparing head with base: the run ids did not split
        // the files into tables of their own.
        assert_eq!(
            output.matches("versus-machine: 5156fff43357a589").count(),
            1,
            "{output}"
        );
        assert!(
            output.contains("vs base") && output.contains("+10.00%"),
            "{output}"
        );
    }
}
