//! Installing the pins that are missing, for `cargo xtask toolchains --install`: what a
//! workflow runs instead of listing the versions again in YAML. Rust pins go through
//! rustup; Go pins are go.dev's release archives, checked against the SHA-256 go.dev
//! publishes for them, unpacked into `~/sdk/go<version>` where discovery looks.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::discover::Discovery;
use super::pins::Pin;
use super::record::sha256_file;
use crate::measure::catalogue::Lang;
use crate::measure::process::Cmd;

/// go.dev's list of every release, with each archive's SHA-256.
const GO_RELEASES: &str = "https://go.dev/dl/?mode=json&include=all";

/// Installs every pin that discovery did not find and is not below the minimum, then
/// looks again: every such pin must be found now, or this fails naming the missing.
/// On GitHub Actions it also puts the first Go pin's `bin` first on the PATH of the
/// job's later steps ($GITHUB_PATH), so that `go vet` and `gofmt` are a pinned Go.
pub fn install_missing(
    root: &Path,
    pins: &[Pin],
    discoveries: &[Discovery],
) -> Result<Vec<Discovery>> {
    let installed = install(discoveries)?;
    match installed.as_slice() {
        [] => eprintln!("every pin was installed already"),
        ids => eprintln!("installed {} pin(s): {}", ids.len(), ids.join(", ")),
    }
    let discoveries = super::discover(root, pins)?;
    let missing: Vec<&str> = discoveries
        .iter()
        .filter(|d| d.found.is_none() && d.below_minimum.is_none())
        .map(|d| d.pin.id.as_str())
        .collect();
    if !missing.is_empty() {
        bail!(
            "after installing, {} still not found; `cargo xtask doctor` says where it looked",
            missing.join(", ")
        );
    }
    if let Some(file) = std::env::var_os("GITHUB_PATH") {
        let go = discoveries
            .iter()
            .filter(|d| d.pin.lang == Lang::Go)
            .find_map(|d| d.found.as_ref());
        if let Some(bin) = go.and_then(|found| found.compiler.parent()) {
            use std::io::Write;
            std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(&file)
                .and_then(|mut f| writeln!(f, "{}", bin.display()))
                .with_context(|| format!("adding {} to $GITHUB_PATH", bin.display()))?;
            eprintln!("{} is first on the PATH of the next steps", bin.display());
        }
    }
    Ok(discoveries)
}

/// Installs every pin that discovery did not find and is not below the minimum;
/// returns the ids installed.
fn install(discoveries: &[Discovery]) -> Result<Vec<String>> {
    let mut installed = Vec::new();
    let mut releases: Option<serde_json::Value> = None;
    for discovery in discoveries {
        let pin = &discovery.pin;
        if discovery.found.is_some() || discovery.below_minimum.is_some() {
            continue;
        }
        eprintln!("installing {}", pin.id);
        match pin.lang {
            Lang::Rust => Cmd::new("rustup")
                .args(["toolchain", "install", &pin.version, "--profile", "minimal"])
                .run()
                .with_context(|| format!("installing {} with rustup", pin.id))?,
            Lang::Go => {
                if releases.is_none() {
                    let text = Cmd::new("curl")
                        .args(["-fsSL", "--retry", "3", GO_RELEASES])
                        .read()
                        .context("reading go.dev's list of Go releases")?;
                    releases = Some(
                        serde_json::from_str(&text)
                            .context("parsing go.dev's list of Go releases")?,
                    );
                }
                install_go(&pin.version, releases.as_ref().expect("read above"))
                    .with_context(|| format!("installing {} from go.dev", pin.id))?;
            }
        }
        installed.push(pin.id.clone());
    }
    Ok(installed)
}

/// The archive of Go `version` for this machine and its SHA-256, from go.dev's list.
fn go_archive(version: &str, releases: &serde_json::Value) -> Result<(String, String)> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => bail!("no Go release archive is known for {other}"),
    };
    let release = releases
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|r| r["version"].as_str() == Some(&format!("go{version}")))
        })
        .with_context(|| format!("go.dev lists no release go{version}"))?;
    let file = release["files"]
        .as_array()
        .and_then(|files| {
            files
                .iter()
                .find(|f| f["os"] == "linux" && f["arch"] == arch && f["kind"] == "archive")
        })
        .with_context(|| format!("go.dev lists no linux-{arch} archive of go{version}"))?;
    let name = file["filename"]
        .as_str()
        .context("an archive has a filename")?;
    let sha = file["sha256"].as_str().context("an archive has a sha256")?;
    let fine = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    };
    if !fine(name) || !fine(sha) {
        bail!("go.dev's entry for go{version} is malformed");
    }
    Ok((name.to_string(), sha.to_string()))
}

fn install_go(version: &str, releases: &serde_json::Value) -> Result<()> {
    let (name, sha) = go_archive(version, releases)?;
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    let sdk = PathBuf::from(home).join("sdk");
    let dest = sdk.join(format!("go{version}"));
    std::fs::create_dir_all(&sdk).with_context(|| format!("creating {}", sdk.display()))?;
    let archive = sdk.join(&name);
    Cmd::new("curl")
        .args(["-fsSL", "--retry", "3", "-o"])
        .arg(&archive)
        .arg(format!("https://go.dev/dl/{name}"))
        .run()?;
    let actual = sha256_file(&archive)?;
    if actual != sha {
        let _ = std::fs::remove_file(&archive);
        bail!("{name} has SHA-256 {actual}, but go.dev publishes {sha}: not installed");
    }
    unpack(&archive, &dest)?;
    std::fs::remove_file(&archive).with_context(|| format!("removing {}", archive.display()))
}

/// Unpacks a Go archive (whose top folder is `go/`) into `dest`.
fn unpack(archive: &Path, dest: &Path) -> Result<()> {
    if dest.exists() {
        bail!(
            "{} exists but holds no working Go {}: remove it and run again",
            dest.display(),
            dest.display()
        );
    }
    std::fs::create_dir_all(dest).with_context(|| format!("creating {}", dest.display()))?;
    Cmd::new("tar")
        .arg("-xzf")
        .arg(archive)
        .arg("-C")
        .arg(dest)
        .arg("--strip-components=1")
        .run()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_is_found_with_its_checksum_and_names_are_checked() {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            _ => "arm64",
        };
        let releases = serde_json::json!([{
            "version": "go1.26.8",
            "files": [
                {"os": "darwin", "arch": arch, "kind": "archive", "filename": "go1.26.8.darwin.tar.gz", "sha256": "00"},
                {"os": "linux", "arch": arch, "kind": "archive", "filename": format!("go1.26.8.linux-{arch}.tar.gz"), "sha256": "ab12"},
            ]
        }, {
            "version": "go1.19.8",
            "files": [{"os": "linux", "arch": arch, "kind": "archive", "filename": "../../etc/x;rm", "sha256": "ab"}]
        }]);
        let (name, sha) = go_archive("1.26.8", &releases).unwrap();
        assert_eq!(name, format!("go1.26.8.linux-{arch}.tar.gz"));
        assert_eq!(sha, "ab12");
        assert!(go_archive("1.19.8", &releases).is_err());
        let missing = go_archive("1.99.0", &releases).unwrap_err().to_string();
        assert!(missing.contains("go1.99.0"), "{missing}");
    }
}
