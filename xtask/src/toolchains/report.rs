//! What `cargo xtask doctor` and `cargo xtask toolchains --json` print: which pinned
//! toolchains this machine has, exactly where and at which version, and for each
//! missing one how to install it.
//!
//! Every function here is a pure function of the discoveries, so the table and the JSON
//! are tested with fixed values instead of the machine's toolchains.

use std::fmt::Write as _;

use anyhow::{bail, Result};
use serde_json::{json, Value};

use super::discover::Discovery;
use super::install::install;
use crate::measure::catalogue::Lang;

/// The table of pins (found, missing or too old; where; which version the tool
/// reported), then for each pin that cannot be used why, and how to install the
/// missing ones.
pub fn report(discoveries: &[Discovery]) -> String {
    let mut rows = vec![[
        "PIN".to_string(),
        "STATUS".to_string(),
        "SOURCE".to_string(),
        "VERSION".to_string(),
        "PATH".to_string(),
    ]];
    for discovery in discoveries {
        let status = if discovery.below_minimum.is_some() {
            "too old"
        } else if discovery.found.is_some() {
            "found"
        } else {
            "missing"
        };
        let (source, version, path) = match &discovery.found {
            Some(found) => (
                found.source.clone(),
                found.reported(),
                found.compiler.display().to_string(),
            ),
            None => ("-".to_string(), "-".to_string(), "-".to_string()),
        };
        rows.push([
            discovery.pin.id.clone(),
            status.to_string(),
            source,
            version,
            path,
        ]);
    }
    let mut out = String::new();
    let widths: Vec<usize> = (0..4)
        .map(|column| rows.iter().map(|row| row[column].len()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            let _ = write!(line, "{cell:width$}  ");
        }
        line.push_str(&row[4]);
        out.push_str(line.trim_end());
        out.push('\n');
    }

    for discovery in discoveries {
        let pin = &discovery.pin;
        if let Some(minimum) = &discovery.below_minimum {
            let declared = match pin.lang {
                Lang::Rust => "rust-version in workloads/Cargo.toml",
                Lang::Go => "the go directive in go/go.mod",
            };
            let _ = writeln!(
                out,
                "\n{}: below minimum {minimum}: cannot build ({declared} is {minimum}); \
                 it is left out of every run.",
                pin.id
            );
            continue;
        }
        if discovery.found.is_some() {
            continue;
        }
        let _ = writeln!(out, "\n{} is missing. Install it with one of:", pin.id);
        let install = install(pin);
        let mut way = |name: &str, text: &str| {
            for (index, line) in text.lines().enumerate() {
                let name = if index == 0 { name } else { "" };
                let _ = writeln!(out, "  {name:16}{line}");
            }
        };
        match &install.apt {
            Some(apt) => way("Debian/Ubuntu", &format!("{}\n({})", apt.command, apt.note)),
            None => way(
                "Debian/Ubuntu",
                &format!(
                    "none: no Debian or Ubuntu package is exactly {} {}",
                    lang_name(pin.lang),
                    pin.version
                ),
            ),
        }
        for (name, command) in [
            ("rustup", &install.rustup),
            ("golang.org/dl", &install.go_dl),
            ("tarball", &install.tarball),
        ] {
            if let Some(command) = command {
                way(name, command);
            }
        }
        let (uses, key, value) = &install.github_actions;
        way(
            "GitHub Actions",
            &format!("- uses: {uses}\n  with: {{ {key}: \"{value}\" }}"),
        );
        if pin.lang == Lang::Go {
            way("any GOROOT", "list it in VERSUS_GOROOTS (colon-separated)");
        }
        if !discovery.rejected.is_empty() {
            let _ = writeln!(out, "  Looked at and refused:");
            for rejected in &discovery.rejected {
                let _ = writeln!(
                    out,
                    "    pin {}: {} reports {}",
                    pin.id,
                    rejected.path.display(),
                    rejected.reported
                );
            }
        }
    }

    let count = |lang: Option<Lang>| {
        let pins = discoveries
            .iter()
            .filter(|d| lang.is_none_or(|lang| d.pin.lang == lang));
        let usable = pins.clone().filter(|d| d.usable().is_some()).count();
        (usable, pins.count())
    };
    let (usable, total) = count(None);
    let per_lang: Vec<String> = Lang::ALL
        .iter()
        .map(|&lang| {
            let (usable, total) = count(Some(lang));
            format!("{} {usable} of {total}", lang_name(lang))
        })
        .collect();
    let _ = writeln!(
        out,
        "\n{usable} of {total} pins can be built here: {}.",
        per_lang.join(", ")
    );
    out
}

/// Fails, naming the language, when some language has no pin that is both installed
/// and at or above the workloads' minimum: then none of its workloads can run. A
/// missing pin alone is not a failure, since the others still run.
pub fn exit_ok(discoveries: &[Discovery]) -> Result<()> {
    let mut problems = Vec::new();
    for lang in Lang::ALL {
        let pins: Vec<&Discovery> = discoveries.iter().filter(|d| d.pin.lang == lang).collect();
        if pins.iter().any(|d| d.usable().is_some()) {
            continue;
        }
        let ids: Vec<&str> = pins.iter().map(|d| d.pin.id.as_str()).collect();
        problems.push(if ids.is_empty() {
            format!(
                "toolchains.toml pins no {} toolchain, so no {} workload can run",
                lang_name(lang),
                lang_name(lang)
            )
        } else {
            format!(
                "no {} toolchain can build the workloads: {} {} installed at or above the \
                 minimum version",
                lang_name(lang),
                ids.join(", "),
                if ids.len() == 1 { "is not" } else { "are not" }
            )
        });
    }
    if !problems.is_empty() {
        bail!(
            "{}; the report above says how to install them",
            problems.join("; ")
        );
    }
    Ok(())
}

/// The pins as JSON, for `cargo xtask toolchains --json`: the one list of versions that
/// CI installs, so that a workflow never repeats them.
///
/// ```json
/// {
///   "schema": "versus.toolchains/1",
///   "pins": [
///     {
///       "id": "rust-1.95.0", "lang": "rust", "version": "1.95.0",
///       "found": true,            // an installed toolchain is exactly this version
///       "usable": true,           // found and at or above the workloads' minimum
///       "below_minimum": null,    // or the minimum, e.g. "1.85", when the pin is older
///       "path": "/root/.rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu/bin/rustc",
///       "source": "rustup",       // or null, like path and reported, when not found
///       "reported": "1.95.0",     // what the compiler said it is
///       "rejected": [{ "path": "/usr/bin/rustc", "reported": "1.96.0" }],
///       "install": {
///         "apt": null,            // or "sudo apt-get install -y golang-1.19-go" when a
///                                 // Debian or Ubuntu release is known to ship exactly it
///         "rustup": "rustup toolchain install 1.95.0 --profile minimal",
///         "go_dl": null,          // Go: "go install golang.org/dl/go1.19.8@latest && go1.19.8 download"
///         "tarball": null,        // Go: a shell line that unpacks go.dev's tarball into ~/sdk
///         "github_actions": {
///           "uses": "dtolnay/rust-toolchain@master",
///           "with": { "toolchain": "1.95.0" }
///         }
///       }
///     }
///   ],
///   "matrix": { "rust": ["1.95.0", "nightly-2026-05-20"], "go": ["1.26.8", "1.19.8"] }
/// }
/// ```
///
/// `matrix` holds, per language in the file's order, the version of every pin that is
/// not known to be below the minimum: what a runner must install. A workflow reads it
/// with `fromJSON`, either as a job matrix
/// (`matrix: { go: ${{ fromJSON(needs.pins.outputs.json).matrix.go }} }`) or, since one
/// run compares every toolchain on the same machine, to install them all in one job:
///
/// ```yaml
/// - id: pins
///   run: echo "json=$(cargo xtask toolchains --json | jq -c .)" >> "$GITHUB_OUTPUT"
/// - run: rustup toolchain install --profile minimal ${{ join(fromJSON(steps.pins.outputs.json).matrix.rust, ' ') }}
/// - run: for v in ${{ join(fromJSON(steps.pins.outputs.json).matrix.go, ' ') }}; do go install golang.org/dl/go$v@latest && go$v download; done
/// ```
pub fn pins_json(discoveries: &[Discovery]) -> Value {
    let pins: Vec<Value> = discoveries
        .iter()
        .map(|discovery| {
            let pin = &discovery.pin;
            let found = discovery.found.as_ref();
            let install = install(pin);
            let (uses, key, value) = &install.github_actions;
            json!({
                "id": pin.id,
                "lang": pin.lang.as_str(),
                "version": pin.version,
                "found": found.is_some(),
                "usable": discovery.usable().is_some(),
                "below_minimum": discovery.below_minimum,
                "path": found.map(|found| found.compiler.display().to_string()),
                "source": found.map(|found| found.source.clone()),
                "reported": found.map(|found| found.reported()),
                "rejected": discovery.rejected.iter().map(|rejected| json!({
                    "path": rejected.path.display().to_string(),
                    "reported": rejected.reported,
                })).collect::<Vec<Value>>(),
                "install": {
                    "apt": install.apt.filter(|apt| apt.exact).map(|apt| apt.command),
                    "rustup": install.rustup,
                    "go_dl": install.go_dl,
                    "tarball": install.tarball,
                    "github_actions": { "uses": uses, "with": { *key: value } },
                },
            })
        })
        .collect();
    let matrix = |lang: Lang| -> Vec<&str> {
        discoveries
            .iter()
            .filter(|d| d.pin.lang == lang && d.below_minimum.is_none())
            .map(|d| d.pin.version.as_str())
            .collect()
    };
    json!({
        "schema": "versus.toolchains/1",
        "pins": pins,
        "matrix": { "rust": matrix(Lang::Rust), "go": matrix(Lang::Go) },
    })
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Rust => "Rust",
        Lang::Go => "Go",
    }
}
#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use expect_test::expect;

    use super::*;
    use crate::toolchains::discover::{Found, Rejected};
    use crate::toolchains::pins::Pin;

    fn pin(id: &str) -> Pin {
        let (lang, version) = id.split_once('-').unwrap();
        Pin {
            id: id.to_string(),
            lang: Lang::parse(lang).unwrap(),
            version: version.to_string(),
        }
    }

    fn found(id: &str, source: &str, compiler: &str, version_text: &str) -> Discovery {
        let pin = pin(id);
        let driver = match pin.lang {
            Lang::Rust => PathBuf::from(compiler).with_file_name("cargo"),
            Lang::Go => PathBuf::from(compiler),
        };
        Discovery {
            found: Some(Found {
                pin: pin.clone(),
                compiler: PathBuf::from(compiler),
                driver,
                source: source.to_string(),
                version_text: version_text.trim().to_string(),
            }),
            pin,
            rejected: Vec::new(),
            below_minimum: None,
        }
    }

    fn missing(id: &str, rejected: &[(&str, &str)]) -> Discovery {
        Discovery {
            pin: pin(id),
            found: None,
            rejected: rejected
                .iter()
                .map(|(path, reported)| Rejected {
                    path: PathBuf::from(path),
                    reported: reported.to_string(),
                })
                .collect(),
            below_minimum: None,
        }
    }

    /// A machine with some pins installed, one missing of each language, and one pin
    /// older than the workloads allow.
    fn discoveries() -> Vec<Discovery> {
        let rustup = "/home/ci/.rustup/toolchains";
        vec![
            found(
                "rust-1.95.0",
                "rustup",
                &format!("{rustup}/1.95.0-x86_64-unknown-linux-gnu/bin/rustc"),
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/fixtures/toolchains/rustc-vV-1.95.0-rustup.txt"
                )),
            ),
            missing(
                "rust-1.96.0",
                &[(
                    "/home/ci/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/bin/rustc",
                    "1.95.0",
                )],
            ),
            found(
                "rust-nightly-2026-05-20",
                "rustup",
                &format!("{rustup}/nightly-x86_64-unknown-linux-gnu/bin/rustc"),
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/fixtures/toolchains/rustc-vV-nightly-2026-05-19.txt"
                )),
            ),
            Discovery {
                below_minimum: Some("1.85".to_string()),
                ..missing("rust-1.80.0", &[])
            },
            found(
                "go-1.26.8",
                "tarball",
                "/usr/local/go/bin/go",
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/fixtures/toolchains/go-version-1.26.8.txt"
                )),
            ),
            missing("go-1.19.8", &[("/usr/local/go/bin/go", "1.26.8")]),
        ]
    }

    #[test]
    fn the_report_is_a_table_then_how_to_install_what_is_missing() {
        expect![[r#"
            PIN                      STATUS   SOURCE   VERSION                      PATH
            rust-1.95.0              found    rustup   1.95.0                       /home/ci/.rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu/bin/rustc
            rust-1.96.0              missing  -        -                            -
            rust-nightly-2026-05-20  found    rustup   1.97.0-nightly (2026-05-19)  /home/ci/.rustup/toolchains/nightly-x86_64-unknown-linux-gnu/bin/rustc
            rust-1.80.0              too old  -        -                            -
            go-1.26.8                found    tarball  1.26.8                       /usr/local/go/bin/go
            go-1.19.8                missing  -        -                            -

            rust-1.96.0 is missing. Install it with one of:
              Debian/Ubuntu   sudo apt-get install -y rustc-web cargo-web
                              (Debian 12 bookworm-security ships exactly 1.96.0, as /usr/bin/rustc and /usr/bin/cargo)
              rustup          rustup toolchain install 1.96.0 --profile minimal
              GitHub Actions  - uses: dtolnay/rust-toolchain@master
                                with: { toolchain: "1.96.0" }
              Looked at and refused:
                pin rust-1.96.0: /home/ci/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/bin/rustc reports 1.95.0

            rust-1.80.0: below minimum 1.85: cannot build (rust-version in workloads/Cargo.toml is 1.85); it is left out of every run.

            go-1.19.8 is missing. Install it with one of:
              Debian/Ubuntu   sudo apt-get install -y golang-1.19-go
                              (Debian 12 bookworm ships exactly 1.19.8, in /usr/lib/go-1.19)
              golang.org/dl   go install golang.org/dl/go1.19.8@latest && go1.19.8 download
              tarball         mkdir -p ~/sdk/go1.19.8 && curl -fsSL https://go.dev/dl/go1.19.8.linux-$(dpkg --print-architecture).tar.gz | tar -xz -C ~/sdk/go1.19.8 --strip-components=1
              GitHub Actions  - uses: actions/setup-go@v5
                                with: { go-version: "1.19.8" }
              any GOROOT      list it in VERSUS_GOROOTS (colon-separated)
              Looked at and refused:
                pin go-1.19.8: /usr/local/go/bin/go reports 1.26.8

            3 of 6 pins can be built here: Rust 2 of 4, Go 1 of 2.
        "#]].assert_eq(&report(&discoveries()));
    }

    #[test]
    fn the_json_lists_every_pin_and_a_matrix_per_language() {
        let json = serde_json::to_string_pretty(&pins_json(&discoveries())).unwrap();
        expect![[r#"
            {
              "matrix": {
                "go": [
                  "1.26.8",
                  "1.19.8"
                ],
                "rust": [
                  "1.95.0",
                  "1.96.0",
                  "nightly-2026-05-20"
                ]
              },
              "pins": [
                {
                  "below_minimum": null,
                  "found": true,
                  "id": "rust-1.95.0",
                  "install": {
                    "apt": null,
                    "github_actions": {
                      "uses": "dtolnay/rust-toolchain@master",
                      "with": {
                        "toolchain": "1.95.0"
                      }
                    },
                    "go_dl": null,
                    "rustup": "rustup toolchain install 1.95.0 --profile minimal",
                    "tarball": null
                  },
                  "lang": "rust",
                  "path": "/home/ci/.rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu/bin/rustc",
                  "rejected": [],
                  "reported": "1.95.0",
                  "source": "rustup",
                  "usable": true,
                  "version": "1.95.0"
                },
                {
                  "below_minimum": null,
                  "found": false,
                  "id": "rust-1.96.0",
                  "install": {
                    "apt": "sudo apt-get install -y rustc-web cargo-web",
                    "github_actions": {
                      "uses": "dtolnay/rust-toolchain@master",
                      "with": {
                        "toolchain": "1.96.0"
                      }
                    },
                    "go_dl": null,
                    "rustup": "rustup toolchain install 1.96.0 --profile minimal",
                    "tarball": null
                  },
                  "lang": "rust",
                  "path": null,
                  "rejected": [
                    {
                      "path": "/home/ci/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/bin/rustc",
                      "reported": "1.95.0"
                    }
                  ],
                  "reported": null,
                  "source": null,
                  "usable": false,
                  "version": "1.96.0"
                },
                {
                  "below_minimum": null,
                  "found": true,
                  "id": "rust-nightly-2026-05-20",
                  "install": {
                    "apt": null,
                    "github_actions": {
                      "uses": "dtolnay/rust-toolchain@master",
                      "with": {
                        "toolchain": "nightly-2026-05-20"
                      }
                    },
                    "go_dl": null,
                    "rustup": "rustup toolchain install nightly-2026-05-20 --profile minimal",
                    "tarball": null
                  },
                  "lang": "rust",
                  "path": "/home/ci/.rustup/toolchains/nightly-x86_64-unknown-linux-gnu/bin/rustc",
                  "rejected": [],
                  "reported": "1.97.0-nightly (2026-05-19)",
                  "source": "rustup",
                  "usable": true,
                  "version": "nightly-2026-05-20"
                },
                {
                  "below_minimum": "1.85",
                  "found": false,
                  "id": "rust-1.80.0",
                  "install": {
                    "apt": null,
                    "github_actions": {
                      "uses": "dtolnay/rust-toolchain@master",
                      "with": {
                        "toolchain": "1.80.0"
                      }
                    },
                    "go_dl": null,
                    "rustup": "rustup toolchain install 1.80.0 --profile minimal",
                    "tarball": null
                  },
                  "lang": "rust",
                  "path": null,
                  "rejected": [],
                  "reported": null,
                  "source": null,
                  "usable": false,
                  "version": "1.80.0"
                },
                {
                  "below_minimum": null,
                  "found": true,
                  "id": "go-1.26.8",
                  "install": {
                    "apt": null,
                    "github_actions": {
                      "uses": "actions/setup-go@v5",
                      "with": {
                        "go-version": "1.26.8"
                      }
                    },
                    "go_dl": "go install golang.org/dl/go1.26.8@latest && go1.26.8 download",
                    "rustup": null,
                    "tarball": "mkdir -p ~/sdk/go1.26.8 && curl -fsSL https://go.dev/dl/go1.26.8.linux-$(dpkg --print-architecture).tar.gz | tar -xz -C ~/sdk/go1.26.8 --strip-components=1"
                  },
                  "lang": "go",
                  "path": "/usr/local/go/bin/go",
                  "rejected": [],
                  "reported": "1.26.8",
                  "source": "tarball",
                  "usable": true,
                  "version": "1.26.8"
                },
                {
                  "below_minimum": null,
                  "found": false,
                  "id": "go-1.19.8",
                  "install": {
                    "apt": "sudo apt-get install -y golang-1.19-go",
                    "github_actions": {
                      "uses": "actions/setup-go@v5",
                      "with": {
                        "go-version": "1.19.8"
                      }
                    },
                    "go_dl": "go install golang.org/dl/go1.19.8@latest && go1.19.8 download",
                    "rustup": null,
                    "tarball": "mkdir -p ~/sdk/go1.19.8 && curl -fsSL https://go.dev/dl/go1.19.8.linux-$(dpkg --print-architecture).tar.gz | tar -xz -C ~/sdk/go1.19.8 --strip-components=1"
                  },
                  "lang": "go",
                  "path": null,
                  "rejected": [
                    {
                      "path": "/usr/local/go/bin/go",
                      "reported": "1.26.8"
                    }
                  ],
                  "reported": null,
                  "source": null,
                  "usable": false,
                  "version": "1.19.8"
                }
              ],
              "schema": "versus.toolchains/1"
            }"#]].assert_eq(&json);
    }

    #[test]
    fn doctor_fails_only_when_a_language_has_no_usable_toolchain() {
        let all = discoveries();
        assert!(exit_ok(&all).is_ok(), "one pin of each language is enough");

        let rust_only: Vec<Discovery> = all
            .iter()
            .filter(|d| d.pin.lang == Lang::Rust)
            .cloned()
            .collect();
        assert_eq!(
            format!("{:#}", exit_ok(&rust_only).unwrap_err()),
            "toolchains.toml pins no Go toolchain, so no Go workload can run; the report \
             above says how to install them"
        );

        let go_missing: Vec<Discovery> = all
            .iter()
            .filter(|d| d.pin.lang == Lang::Rust || d.found.is_none())
            .cloned()
            .collect();
        assert_eq!(
            format!("{:#}", exit_ok(&go_missing).unwrap_err()),
            "no Go toolchain can build the workloads: go-1.19.8 is not installed at or above \
             the minimum version; the report above says how to install them"
        );

        // Installed but too old to build the workloads counts as none.
        let too_old: Vec<Discovery> = all
            .into_iter()
            .map(|discovery| match discovery.pin.lang {
                Lang::Rust => Discovery {
                    below_minimum: Some("1.99".to_string()),
                    ..discovery
                },
                Lang::Go => discovery,
            })
            .collect();
        let error = format!("{:#}", exit_ok(&too_old).unwrap_err());
        assert!(
            error.starts_with(
                "no Rust toolchain can build the workloads: rust-1.95.0, rust-1.96.0, \
                 rust-nightly-2026-05-20, rust-1.80.0 are not installed"
            ),
            "{error}"
        );
    }
}
