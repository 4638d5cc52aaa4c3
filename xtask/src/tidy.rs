//! Tidy checks: ordinary tests, so that plain `cargo test` keeps the repository's habits
//! without anyone having to remember them. Each reads the checkout's files (never
//! `target/`) and fails naming the file and line to fix.
//!
//! - every Rust file opens with a `//!` paragraph, every Go file with a comment;
//! - `go/go.mod` has no `toolchain` line;
//! - every file that a comment or a document names exists in the repository;
//! - every workload of the catalogue has its Rust file, its Go file and its Go test;
//! - the layering of `xtask/src` (ARCHITECTURE.md, "Layers"): commands never import
//!   each other, each group imports only the groups below it, and only `measure` and
//!   `toolchains` start processes;
//! - no file of `xtask/src` is over 600 lines before its tests, and the top level holds
//!   only the groups, the command files, `main.rs`, `cli.rs` and this file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::measure::catalogue::WORKLOADS;

/// The groups of `xtask/src`, each with what it may import (itself included): a group,
/// or one module of a group (`measure::catalogue`, the static facts about workloads).
const LAYERS: &[(&str, &[&str])] = &[
    ("record", &["record"]),
    ("analyse", &["analyse", "record"]),
    (
        "publish",
        &[
            "publish",
            "record",
            "analyse",
            "measure::catalogue",
            "measure::process",
        ],
    ),
    ("measure", &["measure", "analyse", "record"]),
    ("toolchains", &["toolchains", "measure", "record"]),
];

/// The command files at the top of `xtask/src`, one per subcommand.
const COMMANDS: &[&str] = &[
    "ab",
    "bench",
    "calibrate",
    "claims",
    "compare",
    "doctor",
    "export",
    "history",
    "list",
    "comment",
    "publish_cmd",
    "run",
    "site",
    "test",
];

/// The other files at the top of `xtask/src`.
const TOP: &[&str] = &["main", "cli", "tidy"];

/// The groups that may start processes, through `measure::process`.
const STARTS_PROCESSES: &[&str] = &["measure", "toolchains", "publish"];

/// The most lines a file of `xtask/src` may have before its tests.
const MAX_LINES: usize = 600;

/// Files that comments name but that are not the repository's: other tools'
/// conventions, and what versus writes at run time.
const NOT_OURS: &[&str] = &[
    // The files of the pull request artifact, written by `ab --artifact` at run time.
    "pull-request.json",
    "comparison.md",
    // rustup's per-directory toolchain file, which versus deliberately bypasses.
    "rust-toolchain.toml",
    // Apache Otava's description of its method and its tests, which the change-point
    // detector follows.
    "docs/MATH.md",
    "tests/analysis_test.py",
    // The files of uPlot's npm package that site/vendor/uplot holds.
    "dist/uPlot.iife.min.js",
    "dist/uPlot.min.css",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the project root")
        .to_path_buf()
}

/// Every file of the checkout, relative to the root, but for build output, local data
/// and version control.
fn files() -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let relative = path
                .strip_prefix(root)
                .expect("under the root")
                .to_path_buf();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                let skipped = [".git", "target", "history", "node_modules"];
                if !skipped.contains(&name.as_str()) {
                    walk(root, &path, out);
                }
            } else {
                out.push(relative);
            }
        }
    }
    let root = root();
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

fn read(relative: &Path) -> String {
    std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|error| panic!("reading {}: {error}", relative.display()))
}

fn with_extension<'a>(files: &'a [PathBuf], extension: &str) -> Vec<&'a PathBuf> {
    files
        .iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .collect()
}

/// Fails with every problem found, one per line.
fn report(problems: Vec<String>, what: &str) {
    assert!(problems.is_empty(), "{what}:\n{}", problems.join("\n"));
}

#[test]
fn every_source_file_opens_with_a_comment() {
    let files = files();
    let mut problems = Vec::new();
    for path in with_extension(&files, "rs") {
        if !read(path).starts_with("//!") {
            problems.push(format!(
                "{}:1: start the file with a `//!` paragraph saying what it is for",
                path.display()
            ));
        }
    }
    for path in with_extension(&files, "go") {
        if !read(path).starts_with("//") {
            problems.push(format!(
                "{}:1: start the file with a comment saying what it is for",
                path.display()
            ));
        }
    }
    report(problems, "files without an opening comment");
}

#[test]
fn go_mod_has_no_toolchain_line() {
    // The Go version comes from the go directive alone; a `toolchain` line would let
    // the go command fetch and switch to another version behind the pins' back.
    let text = read(Path::new("go/go.mod"));
    let problems = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim_start().starts_with("toolchain"))
        .map(|(index, _)| format!("go/go.mod:{}: remove the toolchain line", index + 1))
        .collect();
    report(problems, "go.mod");
}

#[test]
fn every_catalogue_workload_has_its_rust_file_go_file_and_go_test() {
    let root = root();
    let mut problems = Vec::new();
    for workload in WORKLOADS {
        for path in [
            format!("workloads/src/workloads/{}.rs", workload.name),
            format!("go/{}.go", workload.name),
            format!("go/{}_test.go", workload.name),
        ] {
            if !root.join(&path).is_file() {
                problems.push(format!(
                    "workload {} is in xtask/src/measure/catalogue.rs but {path} is missing",
                    workload.name
                ));
            }
        }
    }
    report(problems, "workloads without their files");
}

/// The lines of a file that are prose: comments in code, everything in Markdown but
/// its fenced blocks.
fn prose(path: &Path, text: &str) -> Vec<(usize, String)> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    // A fenced block of Markdown shows output or commands (a generated site's layout,
    // a shell session), not files of the repository.
    let mut fenced = false;
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let trimmed = line.trim_start();
            if extension == "md" && trimmed.starts_with("```") {
                fenced = !fenced;
                return None;
            }
            let comment = match extension.as_str() {
                "md" if fenced => None,
                "md" => Some(line),
                "rs" | "go" | "js" | "css" => trimmed.strip_prefix("//").or_else(|| {
                    trimmed
                        .strip_prefix("/*")
                        .or_else(|| trimmed.strip_prefix('*'))
                }),
                "toml" | "yml" | "yaml" | "py" | "sh" => trimmed.strip_prefix('#'),
                _ if name.as_deref() == Some("run") => trimmed.strip_prefix('#'),
                _ => None,
            };
            comment.map(|text| (index + 1, text.to_string()))
        })
        .collect()
}

/// The file names in a line of prose: words made of path characters that end in the
/// extension of a file kind the repository holds.
fn named_files(line: &str) -> Vec<String> {
    const EXTENSIONS: &[&str] = &[
        "md", "rs", "go", "toml", "json", "yml", "yaml", "html", "css", "js", "txt", "lock", "py",
        "csv", "mod", "sum",
    ];
    // A GitHub Actions expression (`${{ steps.pins.outputs.json }}`) is not a file.
    if line.contains("${{") {
        return Vec::new();
    }
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || "_./-".contains(c);
    let mut words = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find(is_path_char) {
        let tail = &rest[start..];
        let end = tail.find(|c: char| !is_path_char(c)).unwrap_or(tail.len());
        // A word followed by `(` is a call in code (`server_error.lock()`); one right
        // after `>` is the rest of a placeholder (`go/<name>_test.go`).
        let after_placeholder = rest[..start].ends_with('>');
        if !tail[end..].starts_with('(') && !after_placeholder {
            words.push(&tail[..end]);
        }
        rest = &tail[end..];
    }
    words
        .into_iter()
        .map(|word| word.trim_end_matches('.').trim_start_matches("./"))
        .filter(|word| !word.starts_with('.'))
        .filter(|word| {
            word.rsplit_once('.').is_some_and(|(stem, extension)| {
                !stem.is_empty() && !stem.ends_with('/') && EXTENSIONS.contains(&extension)
            })
        })
        .filter(|word| !word.starts_with('/') && !word.starts_with("target/"))
        .filter(|word| !word.starts_with("history/"))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_file_a_comment_or_document_names_exists() {
    let files = files();
    let paths: BTreeSet<String> = files.iter().map(|p| p.display().to_string()).collect();
    let names: BTreeSet<String> = files
        .iter()
        .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
        .collect();
    let mut problems = Vec::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(root().join(path)) else {
            continue;
        };
        let dir = path.parent().unwrap_or(Path::new(""));
        for (line, prose) in prose(path, &text) {
            if line_is_a_link_to_the_web(&prose) {
                continue;
            }
            for named in named_files(&prose) {
                let exists = if named.contains('/') {
                    paths.contains(&named)
                        || paths.contains(&dir.join(&named).display().to_string())
                        || paths.iter().any(|p| p.ends_with(&format!("/{named}")))
                } else {
                    names.contains(&named)
                };
                if !exists && !NOT_OURS.contains(&named.as_str()) {
                    problems.push(format!(
                        "{}:{line}: names {named}, which is not in the repository",
                        path.display()
                    ));
                }
            }
        }
    }
    report(
        problems,
        "comments and documents that name files the repository does not have (a file \
         outside it is one a person who clones versus cannot read)",
    );
}

/// A URL's path can look like a file name (`…/docs/MATH.md`); only the repository's
/// own files are checked.
fn line_is_a_link_to_the_web(line: &str) -> bool {
    line.contains("://")
}

/// What `xtask/src/<relative>` is: a group, a command, or one of the top-level files.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    Group(String),
    Command(String),
    Top(String),
}

fn place(relative: &Path) -> Option<Place> {
    let mut components = relative.components();
    let first = components
        .next()?
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    if components.next().is_some() {
        return Some(Place::Group(first));
    }
    let stem = first.strip_suffix(".rs")?.to_string();
    Some(if COMMANDS.contains(&stem.as_str()) {
        Place::Command(stem)
    } else {
        Place::Top(stem)
    })
}

/// The files of `xtask/src` (relative to it) that hold only tests: those declared
/// under `#[cfg(test)]` by their parent.
fn test_only(sources: &BTreeMap<PathBuf, String>) -> BTreeSet<PathBuf> {
    let mut tests = BTreeSet::new();
    for (path, text) in sources {
        let dir = if path
            .file_name()
            .is_some_and(|n| n == "mod.rs" || n == "main.rs")
        {
            path.parent().unwrap_or(Path::new("")).to_path_buf()
        } else {
            path.with_extension("")
        };
        let lines: Vec<&str> = text.lines().collect();
        for pair in lines.windows(2) {
            if pair[0].trim() != "#[cfg(test)]" {
                continue;
            }
            let declaration = pair[1].trim();
            let Some(name) = declaration
                .strip_prefix("pub mod ")
                .or_else(|| declaration.strip_prefix("pub(crate) mod "))
                .or_else(|| declaration.strip_prefix("mod "))
                .and_then(|rest| rest.strip_suffix(';'))
            else {
                continue;
            };
            tests.insert(dir.join(format!("{name}.rs")));
            tests.insert(dir.join(name).join("mod.rs"));
        }
    }
    tests
}

/// The lines of a file before its first `#[cfg(test)]`: the code that ships.
fn code_lines(text: &str) -> Vec<&str> {
    text.lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .collect()
}

fn sources() -> BTreeMap<PathBuf, String> {
    let src = root().join("xtask/src");
    files()
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix("xtask/src").ok()?.to_path_buf();
            (relative.extension()? == "rs").then(|| {
                let text = std::fs::read_to_string(src.join(&relative)).expect("readable");
                (relative, text)
            })
        })
        .collect()
}

/// The first two segments of every `crate::` path in a line (`record::summary`): the
/// group and module it uses.
fn crate_paths(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices("crate::")
        .filter(|(at, _)| {
            // Not `some_crate::`.
            code[..*at]
                .chars()
                .last()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        })
        .map(|(at, _)| {
            let path: String = code[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            path.split("::")
                .filter(|segment| !segment.is_empty())
                .take(2)
                .collect::<Vec<_>>()
                .join("::")
        })
        .collect()
}

/// Whether `used` (`record::summary`, or `record` alone) is within what `allowed` lists.
fn within(used: &str, allowed: &[&str]) -> bool {
    let group = used.split("::").next().unwrap_or(used);
    allowed
        .iter()
        .any(|entry| *entry == group || (entry.contains("::") && used == *entry))
}

#[test]
fn commands_never_import_each_other_and_groups_keep_their_layers() {
    let sources = sources();
    let tests = test_only(&sources);
    let mut problems = Vec::new();
    for (path, text) in &sources {
        if tests.contains(path) {
            continue;
        }
        let Some(place) = place(path) else { continue };
        for (index, line) in code_lines(text).iter().enumerate() {
            let at = format!("xtask/src/{}:{}", path.display(), index + 1);
            for used in crate_paths(line) {
                let first = used.split("::").next().unwrap_or_default();
                let allowed = match &place {
                    Place::Group(group) => LAYERS
                        .iter()
                        .find(|(name, _)| name == group)
                        .is_some_and(|(_, may)| within(&used, may)),
                    Place::Command(own) => !COMMANDS.contains(&first) || first == own,
                    Place::Top(top) if top == "cli" => !COMMANDS.contains(&first),
                    Place::Top(_) => true,
                };
                if !allowed {
                    problems.push(format!("{at}: {place:?} uses crate::{used}"));
                }
            }
            let starts_process = line.contains("Cmd::new")
                || line.contains("process::Cmd")
                || line.contains("std::process::Command")
                || line.contains("Command::new");
            let may_start = match &place {
                Place::Group(group) => STARTS_PROCESSES.contains(&group.as_str()),
                Place::Command(_) => true,
                Place::Top(_) => false,
            };
            if starts_process && !may_start {
                problems.push(format!("{at}: {place:?} starts a process"));
            }
            let raw_command =
                line.contains("std::process::Command") || line.contains("Command::new(");
            if raw_command && path != Path::new("measure/process.rs") {
                problems.push(format!(
                    "{at}: only measure/process.rs uses std::process::Command; go through Cmd"
                ));
            }
        }
    }
    report(
        problems,
        "layering of xtask/src broken (ARCHITECTURE.md, \"Layers\", says who may use whom)",
    );
}

#[test]
fn files_stay_readable_in_a_sitting_and_the_top_level_holds_only_groups_and_commands() {
    let sources = sources();
    let tests = test_only(&sources);
    let groups: Vec<&str> = LAYERS.iter().map(|(name, _)| *name).collect();
    let mut problems = Vec::new();
    for (path, text) in &sources {
        let lines = code_lines(text).len();
        if !tests.contains(path) && lines > MAX_LINES {
            problems.push(format!(
                "xtask/src/{} has {lines} lines before its tests (at most {MAX_LINES}): \
                 split it by responsibility",
                path.display()
            ));
        }
        match place(path) {
            Some(Place::Group(group)) if !groups.contains(&group.as_str()) => {
                problems.push(format!(
                    "xtask/src/{}: {group}/ is not one of the groups {groups:?}",
                    path.display()
                ))
            }
            Some(Place::Top(top)) if !TOP.contains(&top.as_str()) => problems.push(format!(
                "xtask/src/{}: a top-level file is a command ({COMMANDS:?}) or one of {TOP:?}; \
                 move it into its group",
                path.display()
            )),
            _ => {}
        }
    }
    report(problems, "the shape of xtask/src");
}

#[test]
fn the_checks_themselves_see_what_they_look_for() {
    assert_eq!(
        crate_paths("use crate::record::{self, Status}; let x = other_crate::y;"),
        ["record"]
    );
    assert_eq!(
        crate_paths("crate::measure::catalogue::find(x)"),
        ["measure::catalogue"]
    );
    assert!(within(
        "measure::catalogue",
        &["record", "measure::catalogue"]
    ));
    assert!(!within(
        "measure::runner",
        &["record", "measure::catalogue"]
    ));
    assert!(within("record::summary", &["record"]));
    assert_eq!(
        named_files("see docs/statistics.md, `go.mod` and e.g. the site."),
        ["docs/statistics.md", "go.mod"]
    );
    assert_eq!(
        place(Path::new("measure/runner/mod.rs")),
        Some(Place::Group("measure".into()))
    );
    assert_eq!(place(Path::new("ab.rs")), Some(Place::Command("ab".into())));
    assert!(code_lines("a\n#[cfg(test)]\nmod tests {}").len() == 1);
    assert!(files().iter().any(|p| p == Path::new("xtask/src/tidy.rs")));
}
