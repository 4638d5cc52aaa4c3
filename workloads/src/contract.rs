//! The command line and the result object of docs/workload-spec.md, and nothing else:
//! parsing `versus-rs <workload> --variant V ...` into an [`Invocation`], the
//! [`Report`] printed as one JSON object, and the [`Failure`] kinds that decide the exit
//! code. Workloads never read `std::env::args` or print to stdout themselves, so the
//! contract with the orchestrator lives in this one file.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

/// Why a run did not end with an ordinary result. The dispatcher turns each kind into
/// the exit code the spec gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// A bad command line: exit 2, one line on stderr.
    Usage(String),
    /// A limit of this machine makes the size impossible: a result object with
    /// `skipped` set, exit 0.
    Skipped(String),
    /// Something broke while running: exit 1.
    Run(String),
}

/// One workload as the command line knows it: its name, its variants, and its
/// parameters with their quick-size defaults. The catalogue in `workloads/mod.rs` lists
/// them all; `list` prints it.
pub struct Workload {
    pub name: &'static str,
    pub variants: &'static [&'static str],
    /// Every parameter key with its default for the given variant; `size` comes first.
    /// A function, not a table, because `pingpong`'s `buffer` default depends on the
    /// variant.
    pub defaults: fn(variant: &str) -> Vec<(&'static str, u64)>,
    /// Whether `--inject-work-pct` applies: the workload repeats part of its own work
    /// when asked. Only workloads whose operations are uniform and independent (a sum
    /// over a prefix, one more allocation) can add exactly P% more of them; the others
    /// refuse the flag rather than silently ignore it.
    pub accepts_inject_work: bool,
    pub run: fn(&Invocation, &mut Report) -> Result<(), Failure>,
}

/// What the command line asked for, with every default filled in.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub workload: &'static str,
    pub variant: &'static str,
    pub params: BTreeMap<&'static str, u64>,
    pub samples: u32,
    pub warmup: u32,
    pub inject_pct: f64,
    pub inject_work_pct: f64,
}

impl Invocation {
    /// The value of a parameter this workload declared. Asking for an undeclared key is
    /// a bug in the workload, not a usage error, so it panics.
    pub fn param(&self, key: &str) -> u64 {
        match self.params.get(key) {
            Some(value) => *value,
            None => panic!("workload {} has no parameter {key:?}", self.workload),
        }
    }

    /// A parameter used as a count of things held in memory at once.
    pub fn count(&self, key: &str) -> Result<usize, Failure> {
        usize::try_from(self.param(key))
            .map_err(|_| self.usage(format!("{key} {} does not fit in memory", self.param(key))))
    }

    /// A usage error that names this workload, as the spec asks.
    pub fn usage(&self, problem: String) -> Failure {
        Failure::Usage(format!("versus-rs {}: {problem}", self.workload))
    }
}

/// What the command line selected.
#[derive(Debug)]
pub enum Command {
    List,
    Run(Invocation),
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String], catalogue: &[Workload]) -> Result<Command, Failure> {
    let Some((first, rest)) = args.split_first() else {
        return Err(Failure::Usage(
            "versus-rs: missing workload (`versus-rs list` names them)".to_string(),
        ));
    };
    if first == "list" {
        return match rest.first() {
            None => Ok(Command::List),
            Some(extra) => Err(Failure::Usage(format!(
                "versus-rs list: unexpected argument {extra:?}"
            ))),
        };
    }
    let Some(workload) = catalogue.iter().find(|w| w.name == first) else {
        let known: Vec<&str> = catalogue.iter().map(|w| w.name).collect();
        return Err(Failure::Usage(format!(
            "versus-rs: unknown workload {first:?} (known: {})",
            known.join(", ")
        )));
    };
    parse_flags(workload, rest).map(Command::Run)
}

/// Every flag a workload takes; each needs a value.
const FLAGS: [&str; 7] = [
    "variant",
    "size",
    "samples",
    "warmup",
    "param",
    "inject-pct",
    "inject-work-pct",
];

fn parse_flags(workload: &Workload, args: &[String]) -> Result<Invocation, Failure> {
    let usage = |problem: String| Failure::Usage(format!("versus-rs {}: {problem}", workload.name));
    let mut variant = None;
    let mut size = None;
    let mut samples = 5u32;
    let mut warmup = 1u32;
    let mut inject_pct = 0.0f64;
    let mut inject_work_pct = 0.0f64;
    let mut overrides: Vec<(String, u64)> = Vec::new();

    let mut args = args.iter();
    while let Some(arg) = args.next() {
        // Accept `--flag value`, `--flag=value` and one dash, as Go's flag package does,
        // so that one command line drives both binaries.
        let Some(flag) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
            return Err(usage(format!("unexpected argument {arg:?}")));
        };
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (flag, None),
        };
        if !FLAGS.contains(&name) {
            return Err(usage(format!("unknown flag {arg:?}")));
        }
        let value = match inline.or_else(|| args.next().cloned()) {
            Some(value) => value,
            None => return Err(usage(format!("--{name} needs a value"))),
        };
        let outcome: Result<(), String> = match name {
            "variant" => {
                variant = Some(value);
                Ok(())
            }
            "size" => integer(&value)
                .map(|n| size = Some(n))
                .ok_or_else(|| not_integer("--size", &value)),
            "samples" => match small(&value) {
                Some(0) => Err("--samples must be at least 1".to_string()),
                Some(n) => {
                    samples = n;
                    Ok(())
                }
                None => Err(not_integer("--samples", &value)),
            },
            "warmup" => small(&value)
                .map(|n| warmup = n)
                .ok_or_else(|| not_integer("--warmup", &value)),
            "inject-pct" => percent("--inject-pct", &value).map(|pct| inject_pct = pct),
            "inject-work-pct" => {
                percent("--inject-work-pct", &value).map(|pct| inject_work_pct = pct)
            }
            _ => match value.split_once('=') {
                Some((key, raw)) => integer(raw)
                    .map(|n| overrides.push((key.to_string(), n)))
                    .ok_or_else(|| not_integer(&format!("--param {key}"), raw)),
                None => Err(format!("--param {value:?} is not key=value")),
            },
        };
        outcome.map_err(usage)?;
    }

    let Some(variant) = variant else {
        return Err(usage(format!(
            "--variant is required (one of: {})",
            workload.variants.join(", ")
        )));
    };
    let Some(variant) = workload.variants.iter().find(|v| **v == variant) else {
        return Err(usage(format!(
            "unknown variant {variant:?} (one of: {})",
            workload.variants.join(", ")
        )));
    };

    if inject_work_pct > 0.0 && !workload.accepts_inject_work {
        return Err(usage(
            "--inject-work-pct is supported by sum, membw and alloc only".to_string(),
        ));
    }

    let mut params: BTreeMap<&'static str, u64> =
        (workload.defaults)(variant).into_iter().collect();
    if let Some(size) = size {
        params.insert("size", size);
    }
    for (key, value) in overrides {
        if key == "size" {
            return Err(usage("set size with --size, not --param".to_string()));
        }
        match params.get_key_value(key.as_str()).map(|(known, _)| *known) {
            Some(known) => {
                params.insert(known, value);
            }
            None => {
                let known: Vec<&str> = params.keys().copied().filter(|k| *k != "size").collect();
                return Err(usage(format!(
                    "unknown parameter {key:?} (known: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
    }

    // The same rule as the Go binary's: a size of 0 measures nothing.
    if params.get("size") == Some(&0) {
        return Err(usage("--size must be at least 1, got 0".to_string()));
    }

    Ok(Invocation {
        workload: workload.name,
        variant,
        params,
        samples,
        warmup,
        inject_pct,
        inject_work_pct,
    })
}

fn integer(text: &str) -> Option<u64> {
    text.parse().ok()
}

fn small(text: &str) -> Option<u32> {
    text.parse().ok()
}

/// A percentage of injected slowdown: finite and not negative.
fn percent(flag: &str, value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(pct) if pct.is_finite() && pct >= 0.0 => Ok(pct),
        _ => Err(format!("{flag} {value:?} is not a number >= 0")),
    }
}

fn not_integer(what: &str, value: &str) -> String {
    format!("{what} {value:?} is not a non-negative integer")
}

/// The result object, fields in the order the spec shows them.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub workload: &'static str,
    pub variant: &'static str,
    pub lang: &'static str,
    pub params: BTreeMap<&'static str, u64>,
    pub unit: &'static str,
    pub ops: u64,
    pub samples: Vec<u64>,
    pub checksum: String,
    pub extra: Map<String, Value>,
    pub histogram: Option<String>,
    pub skipped: Option<String>,
}

impl Report {
    /// An empty report for this invocation, with the extras every Rust workload records.
    pub fn new(invocation: &Invocation) -> Report {
        let mut report = Report {
            workload: invocation.workload,
            variant: invocation.variant,
            lang: "rust",
            params: invocation.params.clone(),
            unit: "ns",
            ops: 0,
            samples: Vec::new(),
            checksum: String::new(),
            extra: Map::new(),
            histogram: None,
            skipped: None,
        };
        // The binary never installs a global allocator, so every allocation goes to
        // the system's malloc; recorded because it decides `alloc`.
        report.set("allocator", "system");
        report.set("rust_min_stack", rust_min_stack());
        report
    }

    /// Sets one `extra` key.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.extra.insert(key.to_string(), value.into());
    }

    /// Marks the result skipped: no samples, no checksum, the reason in `skipped`.
    pub fn skip(&mut self, reason: String) {
        self.samples.clear();
        self.checksum.clear();
        self.histogram = None;
        self.skipped = Some(reason);
    }

    /// The one line printed on stdout.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report always serializes")
    }
}

/// `RUST_MIN_STACK` as std reads it: a number when it parses as one, the raw text when
/// it does not (std then ignores it), null when unset.
fn rust_min_stack() -> Value {
    match std::env::var("RUST_MIN_STACK") {
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(bytes) => Value::from(bytes),
            Err(_) => Value::from(text),
        },
        Err(_) => Value::Null,
    }
}

/// The stack size std gives a spawned thread when the builder names none: 2 MiB unless
/// `RUST_MIN_STACK` says otherwise.
pub fn thread_stack_bytes() -> u64 {
    std::env::var("RUST_MIN_STACK")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(2 * 1024 * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::CATALOGUE;

    fn parsed(line: &str) -> Result<Command, Failure> {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse(&args, CATALOGUE)
    }

    fn invocation(line: &str) -> Invocation {
        match parsed(line) {
            Ok(Command::Run(invocation)) => invocation,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    /// The one-line message of a usage error, which must name the workload.
    fn usage(line: &str) -> String {
        match parsed(line) {
            Err(Failure::Usage(message)) => message,
            other => panic!("{line:?} should be a usage error, gave {other:?}"),
        }
    }

    #[test]
    fn defaults_fill_every_parameter() {
        let sum = invocation("sum --variant iter");
        assert_eq!(sum.params, BTreeMap::from([("size", 1_000_000)]));
        assert_eq!(
            (sum.samples, sum.warmup, sum.inject_pct, sum.inject_work_pct),
            (5, 1, 0.0, 0.0)
        );
        let actors = invocation("actors --variant tokio");
        assert_eq!(
            actors.params,
            BTreeMap::from([
                ("size", 10_000),
                ("actors", 100),
                ("mailbox", 64),
                ("rate", 0)
            ])
        );
        assert_eq!(
            invocation("pingpong --variant std-thread").param("buffer"),
            0
        );
        assert_eq!(
            invocation("pingpong --variant tokio-multi").param("buffer"),
            1
        );
    }

    #[test]
    fn flags_set_sizes_parameters_and_injection() {
        let run = invocation(
            "pingpong --variant tokio-current --size 77 --samples 3 --warmup=0 --param buffer=4096 --inject-pct 12.5",
        );
        assert_eq!(run.variant, "tokio-current");
        assert_eq!(run.params, BTreeMap::from([("size", 77), ("buffer", 4096)]));
        assert_eq!((run.samples, run.warmup, run.inject_pct), (3, 0, 12.5));
        assert_eq!(
            invocation("sum --variant iter --inject-work-pct 0.5").inject_work_pct,
            0.5
        );
        assert_eq!(
            invocation("alloc --variant box --inject-work-pct=250").inject_work_pct,
            250.0
        );
        assert_eq!(
            invocation("noop --variant none --inject-work-pct 0").inject_work_pct,
            0.0,
            "zero injects nothing, so every workload accepts it"
        );
    }

    #[test]
    fn inject_work_pct_must_be_a_finite_number_at_least_zero() {
        for value in ["-5", "NaN", "inf", "-inf", "five", ""] {
            let message = usage(&format!("sum --variant iter --inject-work-pct={value}"));
            assert!(message.starts_with("versus-rs sum:"), "{message}");
            assert!(message.contains("--inject-work-pct"), "{message}");
        }
        assert!(usage("sum --variant iter --inject-work-pct").contains("needs a value"));
    }

    #[test]
    fn workloads_that_cannot_inject_work_refuse_it_by_name() {
        let message = usage("pingpong --variant std-thread --inject-work-pct 1");
        assert_eq!(
            message,
            "versus-rs pingpong: --inject-work-pct is supported by sum, membw and alloc only"
        );
        // The message names the workloads that accept the flag; keep it true.
        let mut accepting: Vec<&str> = CATALOGUE
            .iter()
            .filter(|workload| workload.accepts_inject_work)
            .map(|workload| workload.name)
            .collect();
        accepting.sort_unstable();
        assert_eq!(accepting, ["alloc", "membw", "sum"]);
        for workload in CATALOGUE.iter().filter(|w| !w.accepts_inject_work) {
            let line = format!(
                "{} --variant {} --inject-work-pct 0.5",
                workload.name, workload.variants[0]
            );
            assert!(usage(&line).contains("--inject-work-pct"), "{line}");
        }
    }

    #[test]
    fn usage_errors_name_the_workload_and_the_problem() {
        assert!(usage("frobnicate --variant x").contains("unknown workload \"frobnicate\""));
        let variant = usage("sum --variant simd");
        assert!(variant.starts_with("versus-rs sum:"), "{variant}");
        assert!(variant.contains("unknown variant \"simd\""), "{variant}");
        let param = usage("sum --variant iter --param depth=3");
        assert!(param.starts_with("versus-rs sum:"), "{param}");
        assert!(param.contains("unknown parameter \"depth\""), "{param}");
        assert!(usage("sum --variant iter --frob 1").contains("unknown flag"));
        assert!(usage("sum").contains("--variant is required"));
        assert!(usage("sum --variant iter --size ten").contains("--size \"ten\""));
        assert!(usage("sum --variant iter --size").contains("--size needs a value"));
        assert!(usage("sum --variant iter --samples 0").contains("at least 1"));
        assert!(usage("sum --variant iter --inject-pct -5").contains("--inject-pct"));
        assert!(usage("sum --variant iter --param size=5").contains("--size"));
        assert!(usage("pingpong --variant std-thread --param buffer").contains("key=value"));
        assert!(usage("list extra").contains("list"));
        assert!(usage("").contains("missing workload"));
    }

    #[test]
    fn list_is_its_own_command() {
        assert!(matches!(parsed("list"), Ok(Command::List)));
    }

    #[test]
    fn report_serializes_in_the_spec_order_with_rust_extras() {
        let mut report = Report::new(&invocation("noop --variant none"));
        report.skip("needs 100000 threads but kernel.pid_max is 32768".to_string());
        let json = report.to_json();
        let keys = [
            "\"workload\"",
            "\"variant\"",
            "\"lang\"",
            "\"params\"",
            "\"unit\"",
            "\"ops\"",
            "\"samples\"",
            "\"checksum\"",
            "\"extra\"",
            "\"histogram\"",
            "\"skipped\"",
        ];
        let positions: Vec<usize> = keys.iter().map(|key| json.find(key).unwrap()).collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{json}");
        let value: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["lang"], "rust");
        assert_eq!(value["extra"]["allocator"], "system");
        assert_eq!(value["samples"], serde_json::json!([]));
        assert_eq!(value["checksum"], "");
        assert_eq!(value["histogram"], Value::Null);
    }
}
