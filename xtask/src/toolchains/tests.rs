//! Tests of pins, discovery and builds, against fake toolchains in temporary directories.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::discover::*;
use super::pins::*;
use super::prepare::*;
use super::report::{exit_ok, report};
use crate::measure::catalogue::Lang;

fn parse(text: &str) -> Result<Vec<Pin>> {
    parse_pins(text, Path::new("toolchains.toml"))
}

#[test]
fn pins_have_ids_in_file_order() {
    let pins = parse(
        "[[go]]\nversion = \"1.26.8\"\n[[rust]]\nversion = \"1.95.0\"\n\
         [[rust]]\nversion = \"nightly-2026-11-01\"\n[[go]]\nversion = \"1.19.8\"\n",
    )
    .unwrap();
    let ids: Vec<&str> = pins.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "go-1.26.8",
            "rust-1.95.0",
            "rust-nightly-2026-11-01",
            "go-1.19.8"
        ]
    );
}

#[test]
fn bad_pins_are_errors_with_their_line() {
    let error =
        parse("[[rust]]\nversion = \"1.95.0\"\n\n[[rust]]\nversion = \"1.95.0\"\n").unwrap_err();
    assert_eq!(
        format!("{error:#}"),
        "toolchains.toml:5: pin rust-1.95.0 is listed twice (first on line 2)"
    );
    let error =
        parse("[[rust]]\nversion = \"1.95.0\"\n[[go]]\nversion = \"latest\"\n").unwrap_err();
    assert_eq!(
        format!("{error:#}"),
        "toolchains.toml:4: malformed go pin: version \"latest\" is not a release like \
         \"1.26.8\""
    );
    let error = parse("[[rust]]\nversion = \"1.95\"\n").unwrap_err();
    assert_eq!(
        format!("{error:#}"),
        "toolchains.toml:2: malformed rust pin: version \"1.95\" is not one release: \
         write all three numbers, like \"1.95.0\""
    );
    let error = parse("[[go]]\nversion = \"1.19.8\"\n[[go]]\nversion = \"1.22\"\n").unwrap_err();
    assert!(
        format!("{error:#}").starts_with(
            "toolchains.toml:4: malformed go pin: version \"1.22\" is a language version"
        ),
        "{error:#}"
    );
    let error = parse("[[rust]]\nversion = \"nightly-2026-13-01\"\n").unwrap_err();
    assert!(
        format!("{error:#}").starts_with("toolchains.toml:2: malformed rust pin"),
        "{error:#}"
    );
    let error =
        parse("[[rust]]\nversion = \"1.95.0\"\n[[zig]]\nversion = \"0.13.0\"\n").unwrap_err();
    assert!(format!("{error:#}").starts_with("toolchains.toml:3: unknown language \"zig\""));
    let error = parse("[[rust]]\nversion = \"1.95.0\"\nchannel = \"x\"\n").unwrap_err();
    assert!(
        format!("{error:#}").contains("exactly one key"),
        "{error:#}"
    );
    assert!(parse("[[rust]]\nversion = \n").is_err(), "invalid TOML");
    assert!(parse("").is_err(), "no pins at all");
    // Go releases before 1.21 were called go1.N, so those pins are well formed.
    assert!(parse("[[go]]\nversion = \"1.19\"\n").is_ok());
}

#[test]
fn versions_are_matched_exactly() {
    let vv = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/toolchains/rustc-vV-1.95.0-rustup.txt"
    ));
    assert!(rust_matches("1.95.0", vv));
    assert!(!rust_matches("1.95.1", vv));
    assert!(!rust_matches("1.9", vv));
    let nightly = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/toolchains/rustc-vV-nightly-2026-05-19.txt"
    ));
    assert!(rust_matches("nightly-2026-05-20", nightly));
    assert!(rust_matches("nightly-2026-05-19", nightly));
    assert!(!rust_matches("nightly-2026-05-21", nightly));
    assert!(!rust_matches("nightly-2026-05-18", nightly));
    assert!(!rust_matches("beta-2026-05-20", nightly));
    assert!(!rust_matches("1.97.0", nightly));
    assert_eq!(rust_reported(nightly), "1.97.0-nightly (2026-05-19)");
    assert!(go_matches("1.26.8", "go version go1.26.8 linux/amd64"));
    assert!(!go_matches("1.26.8", "go version go1.26.80 linux/amd64"));
    assert!(!go_matches("1.19.8", "go version go1.19 linux/amd64"));
    assert_eq!(go_reported("go version go1.19.8 linux/amd64\n"), "1.19.8");
}

const RUSTC_1_95: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/toolchains/rustc-vV-1.95.0-rustup.txt"
));
const CARGO_1_95: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/toolchains/cargo-V-1.95.0-rustup.txt"
));
const RUSTC_1_96: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/toolchains/rustc-vV-1.96.0-debian.txt"
));
const CARGO_1_96: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/toolchains/cargo-V-1.96.0-debian.txt"
));
const RUSTC_NIGHTLY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/toolchains/rustc-vV-nightly-2026-05-19.txt"
));
const CARGO_NIGHTLY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/toolchains/cargo-V-nightly-2026-05-19.txt"
));
const GO_1_19: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/toolchains/go-version-1.19.8-debian.txt"
));
const GO_1_26: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/toolchains/go-version-1.26.8.txt"
));
const HOST: &str = "x86_64-unknown-linux-gnu";

/// A made-up machine in a temporary directory, with `home/` and `usr/` in it and
/// fake rustc, cargo and go that print what the test says they are.
struct Machine {
    dir: tempfile::TempDir,
    script: PathBuf,
    path: Vec<PathBuf>,
    goroots: Vec<PathBuf>,
}

impl Machine {
    fn new() -> Machine {
        let dir = tempfile::tempdir().unwrap();
        // One script, hard-linked as every fake tool: written once, before anything
        // runs it, and each link prints the file beside it (`rustc.out`).
        let script = dir.path().join("fake-tool");
        std::fs::write(&script, "#!/bin/sh\nexec cat \"$0.out\"\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Machine {
            dir,
            script,
            path: Vec::new(),
            goroots: Vec::new(),
        }
    }

    fn at(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// A fake tool at `relative` that prints `output`; returns its path.
    fn tool(&self, relative: &str, output: &str) -> PathBuf {
        let path = self.at(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::hard_link(&self.script, &path).unwrap();
        let mut out = path.clone().into_os_string();
        out.push(".out");
        std::fs::write(out, output).unwrap();
        path
    }

    /// rustc and cargo in the directory `bin`.
    fn rust(&self, bin: &str, rustc_vv: &str, cargo_v: &str) {
        self.tool(&format!("{bin}/rustc"), rustc_vv);
        self.tool(&format!("{bin}/cargo"), cargo_v);
    }

    fn rustup(&self, toolchain: &str, rustc_vv: &str, cargo_v: &str) {
        self.rust(
            &format!("home/.rustup/toolchains/{toolchain}/bin"),
            rustc_vv,
            cargo_v,
        );
    }

    fn roots(&self) -> SearchRoots {
        SearchRoots {
            home: Some(self.at("home")),
            rustup_home: None,
            path: self.path.clone(),
            usr: self.at("usr"),
            goroots: self.goroots.clone(),
        }
    }

    fn discover(&self, pin: &str) -> Discovery {
        let (lang, version) = pin.split_once('-').unwrap();
        let pin = Pin {
            id: pin.to_string(),
            lang: Lang::parse(lang).unwrap(),
            version: version.to_string(),
        };
        let minimums = Minimums {
            rust: "1.85".to_string(),
            go: "1.19".to_string(),
        };
        discover_in(&[pin], &self.roots(), &minimums).remove(0)
    }
}

/// The found compiler, relative to the machine, and its source.
fn found_at(machine: &Machine, discovery: &Discovery) -> Option<(String, String)> {
    discovery.found.as_ref().map(|found| {
        let relative = found.compiler.strip_prefix(machine.dir.path()).unwrap();
        (relative.display().to_string(), found.source.clone())
    })
}

fn rejected(machine: &Machine, discovery: &Discovery) -> Vec<String> {
    discovery
        .rejected
        .iter()
        .map(|rejected| {
            let relative = rejected.path.strip_prefix(machine.dir.path()).unwrap();
            format!("{} reports {}", relative.display(), rejected.reported)
        })
        .collect()
}

#[test]
fn the_rustup_toolchain_named_after_the_pin_is_found_first() {
    let machine = Machine::new();
    machine.rustup(&format!("stable-{HOST}"), RUSTC_1_95, CARGO_1_95);
    machine.rustup(&format!("1.95.0-{HOST}"), RUSTC_1_95, CARGO_1_95);
    machine.rustup(&format!("nightly-{HOST}"), RUSTC_NIGHTLY, CARGO_NIGHTLY);
    let discovery = machine.discover("rust-1.95.0");
    assert_eq!(
        found_at(&machine, &discovery),
        Some((
            format!("home/.rustup/toolchains/1.95.0-{HOST}/bin/rustc"),
            "rustup".to_string()
        ))
    );
    let found = discovery.usable().unwrap();
    assert_eq!(found.reported(), "1.95.0");
    assert_eq!(found.version_text, RUSTC_1_95.trim());
    assert!(found.driver.ends_with("bin/cargo"));
    assert!(discovery.rejected.is_empty());
}

#[test]
fn a_tool_of_another_version_is_refused_with_both_versions() {
    let mut machine = Machine::new();
    machine.rustup(&format!("stable-{HOST}"), RUSTC_1_95, CARGO_1_95);
    machine.rust("elsewhere/bin", RUSTC_1_95, CARGO_1_95);
    machine.path.push(machine.at("elsewhere/bin"));
    let discovery = machine.discover("rust-1.96.0");
    assert_eq!(found_at(&machine, &discovery), None);
    assert_eq!(
        rejected(&machine, &discovery),
        [
            format!("home/.rustup/toolchains/stable-{HOST}/bin/rustc reports 1.95.0"),
            "elsewhere/bin/rustc reports 1.95.0".to_string(),
        ]
    );
    let report = report(std::slice::from_ref(&discovery));
    let line = format!(
        "pin rust-1.96.0: {} reports 1.95.0",
        machine.at("elsewhere/bin/rustc").display()
    );
    assert!(report.contains(&line), "{report}");

    machine.tool("usr/local/go/bin/go", GO_1_26);
    let discovery = machine.discover("go-1.19.8");
    assert_eq!(
        rejected(&machine, &discovery),
        ["usr/local/go/bin/go reports 1.26.8"]
    );
}

#[test]
fn a_toolchain_is_a_rustc_and_a_cargo_of_the_same_release() {
    let machine = Machine::new();
    machine.tool("usr/bin/rustc", RUSTC_1_96);
    let discovery = machine.discover("rust-1.96.0");
    assert_eq!(
        rejected(&machine, &discovery),
        ["usr/bin/rustc reports 1.96.0, with no cargo beside it"]
    );
    machine.tool("usr/bin/cargo", CARGO_1_95);
    let discovery = machine.discover("rust-1.96.0");
    assert_eq!(
        rejected(&machine, &discovery),
        ["usr/bin/cargo reports 1.95.0, beside rustc 1.96.0"]
    );
}

#[test]
fn a_broken_tool_is_refused_with_its_error() {
    let machine = Machine::new();
    // A tool with no `.out` beside it: cat fails, so the tool exits non-zero.
    let go = machine.at("usr/lib/go-1.19/bin/go");
    std::fs::create_dir_all(go.parent().unwrap()).unwrap();
    std::fs::hard_link(&machine.script, &go).unwrap();
    let discovery = machine.discover("go-1.19.8");
    assert_eq!(discovery.found.map(|f| f.compiler), None);
    assert_eq!(discovery.rejected.len(), 1);
    assert!(
        discovery.rejected[0].reported.starts_with("no version: `"),
        "{:?}",
        discovery.rejected
    );
}

#[test]
fn a_dated_nightly_is_matched_by_its_commit_date() {
    let machine = Machine::new();
    machine.rustup(&format!("nightly-{HOST}"), RUSTC_NIGHTLY, CARGO_NIGHTLY);
    // The nightly of 2026-05-20 is built from the commits of 2026-05-19.
    let discovery = machine.discover("rust-nightly-2026-05-20");
    let found = discovery.usable().unwrap();
    assert_eq!(found.reported(), "1.97.0-nightly (2026-05-19)");
    assert!(machine.discover("rust-nightly-2026-05-19").found.is_some());
    let discovery = machine.discover("rust-nightly-2026-05-21");
    assert_eq!(
        rejected(&machine, &discovery),
        [format!(
            "home/.rustup/toolchains/nightly-{HOST}/bin/rustc reports 1.97.0-nightly \
             (2026-05-19)"
        )]
    );
    assert!(machine.discover("rust-nightly-2026-05-18").found.is_none());
    assert!(machine.discover("rust-beta-2026-05-20").found.is_none());

    // A toolchain installed under the pin's own name wins over the undated channel.
    let dated = RUSTC_NIGHTLY.replace("2026-05-19", "2026-05-20");
    machine.rustup(&format!("nightly-2026-05-20-{HOST}"), &dated, CARGO_NIGHTLY);
    let discovery = machine.discover("rust-nightly-2026-05-20");
    assert_eq!(
        found_at(&machine, &discovery).unwrap().0,
        format!("home/.rustup/toolchains/nightly-2026-05-20-{HOST}/bin/rustc")
    );
}

#[test]
fn debian_packages_are_found() {
    let machine = Machine::new();
    // rustc-web and cargo-web replace /usr/bin/rustc and /usr/bin/cargo;
    // golang-1.19-go is a GOROOT in /usr/lib/go-1.19, and golang-go links it.
    machine.rust("usr/bin", RUSTC_1_96, CARGO_1_96);
    machine.tool("usr/lib/go-1.19/bin/go", GO_1_19);
    std::os::unix::fs::symlink("go-1.19", machine.at("usr/lib/go")).unwrap();
    // Ubuntu's versioned rustc-1.NN and cargo-1.NN.
    machine.rust("usr/lib/rust-1.95/bin", RUSTC_1_95, CARGO_1_95);

    let package = "distribution package".to_string();
    let discovery = machine.discover("rust-1.96.0");
    assert_eq!(
        found_at(&machine, &discovery),
        Some(("usr/bin/rustc".to_string(), package.clone()))
    );
    assert_eq!(
        rejected(&machine, &discovery),
        ["usr/lib/rust-1.95/bin/rustc reports 1.95.0"]
    );
    let discovery = machine.discover("rust-1.95.0");
    assert_eq!(
        found_at(&machine, &discovery),
        Some(("usr/lib/rust-1.95/bin/rustc".to_string(), package.clone()))
    );
    let discovery = machine.discover("go-1.19.8");
    assert_eq!(
        found_at(&machine, &discovery),
        Some(("usr/lib/go-1.19/bin/go".to_string(), package))
    );
    // /usr/lib/go is the same go, so it is not run a second time.
    let discovery = machine.discover("go-1.19.7");
    assert_eq!(
        rejected(&machine, &discovery),
        ["usr/lib/go-1.19/bin/go reports 1.19.8"]
    );
}

#[test]
fn path_is_the_last_resort_and_rustup_proxies_on_it_are_skipped() {
    let mut machine = Machine::new();
    // rustup's proxies are hard links to rustup in ~/.cargo/bin.
    let rustup = machine.tool("home/.cargo/bin/rustup", RUSTC_1_95);
    for proxy in ["rustc", "cargo"] {
        std::fs::hard_link(&rustup, machine.at(&format!("home/.cargo/bin/{proxy}"))).unwrap();
    }
    machine.rust("opt/rust/bin", RUSTC_1_95, CARGO_1_95);
    machine.tool("opt/go/bin/go", GO_1_26);
    machine.path = vec![
        machine.at("home/.cargo/bin"),
        machine.at("opt/rust/bin"),
        machine.at("opt/go/bin"),
    ];
    let discovery = machine.discover("rust-1.95.0");
    assert_eq!(
        found_at(&machine, &discovery),
        Some(("opt/rust/bin/rustc".to_string(), "PATH".to_string()))
    );
    assert!(discovery.rejected.is_empty(), "the proxy was not run");
    let discovery = machine.discover("go-1.26.8");
    assert_eq!(
        found_at(&machine, &discovery),
        Some(("opt/go/bin/go".to_string(), "PATH".to_string()))
    );
}

#[test]
fn versus_goroots_are_searched_first_and_in_order() {
    let mut machine = Machine::new();
    machine.tool("usr/lib/go-1.19/bin/go", GO_1_19);
    machine.tool("roots/a/bin/go", GO_1_26);
    machine.tool("roots/b/bin/go", GO_1_19);
    machine.tool("roots/c/bin/go", GO_1_19);
    machine.goroots = vec![
        machine.at("roots/a"),
        machine.at("roots/b"),
        machine.at("roots/c"),
    ];
    let discovery = machine.discover("go-1.19.8");
    assert_eq!(
        found_at(&machine, &discovery),
        Some(("roots/b/bin/go".to_string(), "VERSUS_GOROOTS".to_string()))
    );
    assert_eq!(
        rejected(&machine, &discovery),
        ["roots/a/bin/go reports 1.26.8"]
    );
    machine.goroots.reverse();
    let discovery = machine.discover("go-1.19.8");
    assert_eq!(found_at(&machine, &discovery).unwrap().0, "roots/c/bin/go");
    let discovery = machine.discover("go-1.26.8");
    assert_eq!(found_at(&machine, &discovery).unwrap().0, "roots/a/bin/go");
    assert_eq!(
        rejected(&machine, &discovery),
        [
            "roots/c/bin/go reports 1.19.8",
            "roots/b/bin/go reports 1.19.8"
        ]
    );
}

#[test]
fn golang_org_dl_and_the_tarball_are_found() {
    let machine = Machine::new();
    machine.tool("home/sdk/go1.19.8/bin/go", GO_1_19);
    machine.tool("usr/local/go/bin/go", GO_1_26);
    let discovery = machine.discover("go-1.19.8");
    assert_eq!(
        found_at(&machine, &discovery),
        Some((
            "home/sdk/go1.19.8/bin/go".to_string(),
            "golang.org/dl".to_string()
        ))
    );
    let discovery = machine.discover("go-1.26.8");
    assert_eq!(
        found_at(&machine, &discovery),
        Some(("usr/local/go/bin/go".to_string(), "tarball".to_string()))
    );
}

#[test]
fn nothing_installed_means_every_pin_missing_with_install_hints() {
    let machine = Machine::new();
    let discoveries: Vec<Discovery> = ["rust-1.95.0", "rust-nightly-2026-05-20", "go-1.19.8"]
        .into_iter()
        .map(|pin| machine.discover(pin))
        .collect();
    for discovery in &discoveries {
        assert!(discovery.found.is_none(), "{discovery:?}");
        assert!(discovery.rejected.is_empty(), "{discovery:?}");
        assert_eq!(discovery.below_minimum, None, "{discovery:?}");
    }
    let report = report(&discoveries);
    for hint in [
        "rustup toolchain install 1.95.0 --profile minimal",
        "rustup toolchain install nightly-2026-05-20 --profile minimal",
        "sudo apt-get install -y golang-1.19-go",
        "go install golang.org/dl/go1.19.8@latest && go1.19.8 download",
        "- uses: actions/setup-go@v5",
    ] {
        assert!(report.contains(hint), "{hint:?} in\n{report}");
    }
    let error = exit_ok(&discoveries).unwrap_err();
    assert!(
        format!("{error:#}").contains("no Rust toolchain"),
        "{error:#}"
    );
    assert!(
        format!("{error:#}").contains("no Go toolchain"),
        "{error:#}"
    );
}

#[test]
fn pins_below_the_minimum_are_marked_and_not_usable() {
    let machine = Machine::new();
    let old = RUSTC_1_95.replace("1.95.0", "1.84.1");
    machine.rustup(
        &format!("1.84.1-{HOST}"),
        &old,
        &CARGO_1_95.replace("1.95.0", "1.84.1"),
    );
    machine.rustup(&format!("nightly-{HOST}"), RUSTC_NIGHTLY, CARGO_NIGHTLY);
    let discovery = machine.discover("rust-1.84.1");
    assert!(discovery.found.is_some());
    assert_eq!(discovery.below_minimum.as_deref(), Some("1.85"));
    assert!(discovery.usable().is_none());
    // Missing, but a release pin says its own version.
    assert_eq!(
        machine.discover("rust-1.80.0").below_minimum.as_deref(),
        Some("1.85")
    );
    // A nightly's version is known from its compiler.
    assert_eq!(
        machine.discover("rust-nightly-2026-05-20").below_minimum,
        None
    );
    assert_eq!(machine.discover("rust-1.85.0").below_minimum, None);
    assert_eq!(machine.discover("go-1.19.8").below_minimum, None);
    assert_eq!(machine.discover("go-1.19").below_minimum, None);
    assert_eq!(
        machine.discover("go-1.18.10").below_minimum.as_deref(),
        Some("1.19")
    );
}

#[test]
fn versions_compare_by_their_numbers() {
    assert!(is_below("1.84.1", "1.85"));
    assert!(!is_below("1.85.0", "1.85"));
    assert!(!is_below("1.97.0-nightly", "1.85"));
    assert!(!is_below("1.19.8", "1.19"));
    assert!(is_below("1.9.0", "1.19"));
    assert_eq!(numeric_parts("1.21rc1"), Some(vec![1, 21]));
    assert_eq!(numeric_parts("nightly"), None);
}

#[test]
fn minimums_are_read_from_the_manifests() {
    let cargo_toml = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/toolchains/workloads-Cargo.toml"
    ));
    let go_mod = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/toolchains/go.mod.txt"
    ));
    let file = Path::new("workloads/Cargo.toml");
    assert_eq!(rust_minimum(cargo_toml, file).unwrap(), "1.85");
    assert_eq!(go_minimum(go_mod, Path::new("go/go.mod")).unwrap(), "1.19");
    let inherited = "[workspace.package]\nrust-version = \"1.88\"\n\n[package]\n\
                     name = \"w\"\nrust-version.workspace = true\n";
    assert_eq!(rust_minimum(inherited, file).unwrap(), "1.88");
    let error = rust_minimum("[package]\nname = \"w\"\n", file).unwrap_err();
    assert!(
        format!("{error:#}").starts_with("workloads/Cargo.toml declares no `rust-version`"),
        "{error:#}"
    );
    assert!(rust_minimum("[package]\nrust-version = \"new\"\n", file).is_err());
    let commented =
        "module versus // the workloads\n\n// go 1.30 was tried\ngo 1.22.0 // keeps 1.22\n";
    assert_eq!(
        go_minimum(commented, Path::new("go.mod")).unwrap(),
        "1.22.0"
    );
    let error = go_minimum("module versus\n", Path::new("go/go.mod")).unwrap_err();
    assert_eq!(
        format!("{error:#}"),
        "go/go.mod has no `go` directive: the workloads must say which Go they need"
    );
}

#[test]
fn unknown_toolchain_names_the_pins() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let error = prepare(root, &["rust-0.1.0".to_string()], false)
        .err()
        .unwrap();
    assert!(
        error.to_string().contains("toolchains.toml does not pin"),
        "{error}"
    );
}
