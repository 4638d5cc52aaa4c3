//! How to install a pin: with apt where a Debian or Ubuntu release ships exactly it,
//! with rustup, with Go's own installers, or on GitHub Actions.

use super::pins::Pin;
use crate::measure::catalogue::Lang;

/// The ways to install one pin.
pub struct Install {
    pub apt: Option<Apt>,
    pub rustup: Option<String>,
    pub go_dl: Option<String>,
    pub tarball: Option<String>,
    /// The action, the name of its version input, and the version.
    pub github_actions: (&'static str, &'static str, String),
}

pub struct Apt {
    pub command: String,
    /// Which release ships it, or what to check first.
    pub note: String,
    /// Whether a release is known to ship exactly the pin's version, so that a script
    /// may run the command without checking.
    pub exact: bool,
}

/// Rust versions that a Debian or Ubuntu package installs exactly, with the packages
/// and the release. Debian's -web packages carry a newer Rust than its default one for
/// building browsers, and replace /usr/bin/rustc and /usr/bin/cargo.
const APT_RUST: &[(&str, &str, &str)] = &[(
    "1.96.0",
    "rustc-web cargo-web",
    "Debian 12 bookworm-security ships exactly 1.96.0, as /usr/bin/rustc and /usr/bin/cargo",
)];

/// Go versions that a Debian or Ubuntu golang-1.NN-go package is known to be exactly.
const APT_GO_EXACT: &[(&str, &str)] = &[("1.19.8", "Debian 12 bookworm")];

pub fn install(pin: &Pin) -> Install {
    let version = &pin.version;
    match pin.lang {
        Lang::Rust => Install {
            apt: APT_RUST.iter().find(|(exact, _, _)| exact == version).map(
                |(_, packages, note)| Apt {
                    command: format!("sudo apt-get install -y {packages}"),
                    note: note.to_string(),
                    exact: true,
                },
            ),
            rustup: Some(format!(
                "rustup toolchain install {version} --profile minimal"
            )),
            go_dl: None,
            tarball: None,
            github_actions: (
                "dtolnay/rust-toolchain@master",
                "toolchain",
                version.clone(),
            ),
        },
        Lang::Go => {
            // Every Go minor version is packaged as golang-1.NN-go somewhere in Debian
            // or Ubuntu, but each release carries one patch version of it, and only
            // the exact one counts.
            let minor: Vec<&str> = version.split('.').take(2).collect();
            let minor = minor.join(".");
            let exact = APT_GO_EXACT.iter().find(|(exact, _)| exact == version);
            let note = match exact {
                Some((_, release)) => {
                    format!("{release} ships exactly {version}, in /usr/lib/go-{minor}")
                }
                None => format!(
                    "in /usr/lib/go-{minor}; only if `apt-cache policy golang-{minor}-go` shows \
                     {version}: each release ships one patch version"
                ),
            };
            Install {
                apt: Some(Apt {
                    command: format!("sudo apt-get install -y golang-{minor}-go"),
                    note,
                    exact: exact.is_some(),
                }),
                rustup: None,
                go_dl: Some(format!(
                    "go install golang.org/dl/go{version}@latest && go{version} download"
                )),
                // Unpacked where golang.org/dl puts its downloads, which is searched,
                // rather than over a /usr/local/go that may hold another pin.
                tarball: Some(format!(
                    "mkdir -p ~/sdk/go{version} && curl -fsSL \
                     https://go.dev/dl/go{version}.linux-$(dpkg --print-architecture).tar.gz \
                     | tar -xz -C ~/sdk/go{version} --strip-components=1"
                )),
                github_actions: ("actions/setup-go@v5", "go-version", version.clone()),
            }
        }
    }
}
