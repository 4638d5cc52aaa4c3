//! The workflows in `.github/workflows/`, read as YAML and held to the rules that keep
//! them safe and keep the logic in versus: `run:` steps only install tools or call
//! `cargo xtask`, never expand `${{ }}` in a shell line, every action is pinned to a
//! commit, credentials are not persisted, each job has its own least permissions, and
//! the toolchain pins are read from toolchains.toml rather than repeated.

use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn workflows() -> Vec<(String, String, Yaml)> {
    let dir = root().join(".github/workflows");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let doc = YamlLoader::load_from_str(&text).unwrap().remove(0);
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, text, doc));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn key<'a>(yaml: &'a Yaml, name: &str) -> &'a Yaml {
    &yaml[name]
}

fn jobs(doc: &Yaml) -> Vec<(String, &Yaml)> {
    key(doc, "jobs")
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_string(), v))
        .collect()
}

fn steps(job: &Yaml) -> Vec<&Yaml> {
    key(job, "steps")
        .as_vec()
        .map_or(Vec::new(), |s| s.iter().collect())
}

/// What a `run:` line may be: a cargo xtask command, or installing a tool.
fn allowed(line: &str) -> bool {
    const INSTALLS: &[&str] = &[
        "sudo apt-get update",
        "sudo apt-get install ",
        "go install ",
        "sudo snap install ",
    ];
    line.starts_with("cargo xtask ") || INSTALLS.iter().any(|prefix| line.starts_with(prefix))
}

#[test]
fn there_are_the_three_workflows() {
    let names: Vec<String> = workflows().into_iter().map(|w| w.0).collect();
    assert_eq!(names, ["bench.yml", "ci.yml", "pr-comment.yml"]);
}

#[test]
fn run_steps_only_install_tools_or_call_cargo_xtask() {
    for (name, _, doc) in workflows() {
        for (job, body) in jobs(&doc) {
            for step in steps(body) {
                let Some(script) = key(step, "run").as_str() else {
                    continue;
                };
                assert!(
                    !script.contains("${{"),
                    "{name} job {job}: `run:` expands an expression into a shell line: {script}"
                );
                for line in script.lines().map(str::trim) {
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    assert!(
                        allowed(line),
                        "{name} job {job}: `{line}` is neither `cargo xtask` nor an install; \
                         put the logic into versus"
                    );
                    assert!(
                        !line.contains(['|', ';', '`']) && !line.contains("&&"),
                        "{name} job {job}: `{line}` chains commands"
                    );
                }
            }
        }
    }
}

#[test]
fn every_action_is_pinned_to_a_commit_with_its_version_beside_it() {
    for (name, text, _) in workflows() {
        for line in text.lines().filter(|l| {
            l.trim_start().starts_with("- uses:") || l.trim_start().starts_with("uses:")
        }) {
            let uses = line.split("uses:").nth(1).unwrap().trim();
            let (action, rest) = uses
                .split_once('@')
                .unwrap_or_else(|| panic!("{name}: {line}"));
            let (sha, comment) = rest.split_once(" # ").unwrap_or((rest, ""));
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "{name}: {action} is not pinned to a full commit SHA: {line}"
            );
            assert!(
                !comment.is_empty(),
                "{name}: {action}'s pin says no version: {line}"
            );
        }
    }
}

#[test]
fn credentials_are_not_persisted_and_permissions_are_per_job() {
    for (name, _, doc) in workflows() {
        let top = key(&doc, "permissions");
        assert!(
            top.as_hash().is_some_and(|h| h.is_empty()),
            "{name}: the workflow's own permissions must be {{}}, each job asking for its own"
        );
        assert!(
            !key(&doc, "concurrency").is_badvalue(),
            "{name} has no concurrency group"
        );
        for (job, body) in jobs(&doc) {
            assert!(
                key(body, "permissions").as_hash().is_some(),
                "{name} job {job} does not name its permissions"
            );
            for step in steps(body) {
                let uses = key(step, "uses").as_str().unwrap_or_default();
                if uses.starts_with("actions/checkout@") {
                    assert_eq!(
                        key(&step["with"], "persist-credentials").as_bool(),
                        Some(false),
                        "{name} job {job}: checkout keeps the token in .git/config"
                    );
                }
            }
        }
    }
}

#[test]
fn code_from_a_pull_request_never_meets_a_write_token() {
    for (name, _, doc) in workflows() {
        for (job, body) in jobs(&doc) {
            let writes: Vec<String> = key(body, "permissions")
                .as_hash()
                .unwrap()
                .iter()
                .filter(|(_, v)| v.as_str() == Some("write"))
                .map(|(k, _)| k.as_str().unwrap().to_string())
                .collect();
            let condition = key(body, "if").as_str().unwrap_or_default();
            let on_pull_requests = condition.contains("github.event_name == 'pull_request'");
            if on_pull_requests {
                assert!(
                    writes.is_empty(),
                    "{name} job {job} runs a pull request with {writes:?}"
                );
            }
            // With write access, check out only the default branch or the data branch.
            if !writes.is_empty() || name == "pr-comment.yml" {
                for step in steps(body) {
                    if let Some(reference) = key(&step["with"], "ref").as_str() {
                        assert!(
                            reference == "bench-data",
                            "{name} job {job} checks out {reference} with a token that writes"
                        );
                    }
                    let run = key(step, "run").as_str().unwrap_or_default();
                    assert!(
                        !run.contains("pr-artifact") || run.starts_with("cargo xtask comment "),
                        "{name} job {job}: the artifact is only ever read by `cargo xtask comment`"
                    );
                }
            }
        }
    }
}

#[test]
fn both_architectures_run_and_the_pins_come_from_toolchains_toml() {
    let pins = std::fs::read_to_string(root().join("toolchains.toml")).unwrap();
    let versions: Vec<&str> = pins
        .lines()
        .filter_map(|l| l.trim().strip_prefix("version = "))
        .map(|v| v.trim_matches('"'))
        .collect();
    assert!(versions.len() >= 4, "{versions:?}");
    for (name, text, doc) in workflows() {
        for version in &versions {
            // The orchestrator's own Rust is set for the job, not a workload pin.
            let mentions = text
                .lines()
                .filter(|l| l.contains(version) && !l.trim_start().starts_with("toolchain: "))
                .count();
            assert_eq!(
                mentions, 0,
                "{name} repeats the pin {version}: read it from toolchains.toml"
            );
        }
        if name == "pr-comment.yml" {
            continue;
        }
        let install = text.contains("run: cargo xtask toolchains --install");
        assert!(
            install,
            "{name} does not install the pins with cargo xtask toolchains --install"
        );
        let matrices: Vec<Vec<&str>> = jobs(&doc)
            .iter()
            .filter_map(|(_, body)| body["strategy"]["matrix"]["runner"].as_vec())
            .map(|runners| runners.iter().filter_map(Yaml::as_str).collect())
            .collect();
        assert!(
            matrices.contains(&vec!["ubuntu-24.04", "ubuntu-24.04-arm"]),
            "{name} does not run on both x86_64 and ARM: {matrices:?}"
        );
    }
}

#[test]
fn the_bench_workflow_publishes_with_pages_and_comments_from_a_separate_workflow() {
    let all = workflows();
    let bench = &all.iter().find(|w| w.0 == "bench.yml").unwrap().1;
    for needed in [
        "schedule:",
        "workflow_dispatch:",
        "pull_request:",
        "run: cargo xtask publish ",
        "actions/upload-pages-artifact@",
        "actions/deploy-pages@",
        "run: cargo xtask ab ",
        "--merge-base",
        "--artifact",
    ] {
        assert!(bench.contains(needed), "bench.yml lacks {needed}");
    }
    assert!(!bench.contains("gh-pages"));
    let comment = &all.iter().find(|w| w.0 == "pr-comment.yml").unwrap().1;
    assert!(comment.contains("workflow_run:"));
    assert!(comment.contains("run: cargo xtask comment --artifact "));
    assert!(comment.contains("--head-sha \"$HEAD_SHA\""));
}
