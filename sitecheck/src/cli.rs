//! Command-line parsing for `sitecheck` (hand-written, no parser crate).
//!
//! Usage errors are reported as [`UsageError`] so `main` can exit with status 2.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The usage text printed by `--help` and after a usage error.
pub const USAGE: &str = "\
usage: sitecheck --site DIR --page PAGE [--page PAGE ...]
                 [--chromium PATH] [--width PX ...] [--height PX]
                 [--screenshots OUTDIR] [--timeout-secs N] [--offline] [--scroll]

Opens file://DIR/PAGE in headless Chromium for every page x width and prints
one JSON object on stdout describing what each page did.

  --chromium PATH       Chromium binary (default /usr/bin/chromium)
  --site DIR            the static site's root folder (required)
  --page PAGE           a page path relative to DIR; repeatable (at least one)
  --width PX            viewport width; repeatable (default 1280); widths
                        below 600 emulate a phone (mobile, device scale 2)
  --height PX           viewport height (default 900)
  --screenshots OUTDIR  save full-page PNGs as OUTDIR/<page, / -> _>-<width>.png
  --timeout-secs N      how long to wait for body.dataset.ready === \"1\" (default 30)
  --offline             also emulate the network offline
  --scroll              once ready, scroll to the bottom a screen at a time, so that
                        charts that load when scrolled to are drawn and checked

Exit status: 0 the tool worked (judge the JSON), 1 Chromium could not be
started or driven, 2 usage error.";

/// Everything the command line asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub chromium: PathBuf,
    pub site: PathBuf,
    pub pages: Vec<String>,
    pub widths: Vec<u32>,
    pub height: u32,
    pub screenshots: Option<PathBuf>,
    pub timeout: Duration,
    pub offline: bool,
    pub scroll: bool,
}

/// A command line that does not make sense; `main` exits with status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for UsageError {}

/// What the command line asks `main` to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Help,
    Check(Options),
}

fn usage(msg: impl Into<String>) -> UsageError {
    UsageError(msg.into())
}

fn parse_px(flag: &str, value: &str) -> Result<u32, UsageError> {
    match value.parse::<u32>() {
        Ok(v) if (100..=10_000).contains(&v) => Ok(v),
        _ => Err(usage(format!(
            "{flag} wants a whole number of CSS pixels between 100 and 10000, got {value:?}"
        ))),
    }
}

/// Parses the arguments after the program name.
pub fn parse<I, S>(args: I) -> Result<Command, UsageError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut chromium = PathBuf::from("/usr/bin/chromium");
    let mut site: Option<PathBuf> = None;
    let mut pages = Vec::new();
    let mut widths = Vec::new();
    let mut height = 900;
    let mut screenshots = None;
    let mut timeout = Duration::from_secs(30);
    let mut offline = false;
    let mut scroll = false;

    let mut args = args.into_iter().map(Into::into);
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let takes_value = !matches!(flag.as_str(), "--offline" | "--scroll" | "--help" | "-h");
        let value = if takes_value {
            match inline {
                Some(v) => v,
                None => args
                    .next()
                    .ok_or_else(|| usage(format!("{flag} needs a value")))?,
            }
        } else {
            if inline.is_some() {
                return Err(usage(format!("{flag} takes no value")));
            }
            String::new()
        };
        match flag.as_str() {
            "--help" | "-h" => return Ok(Command::Help),
            "--offline" => offline = true,
            "--scroll" => scroll = true,
            "--chromium" => chromium = PathBuf::from(value),
            "--site" => site = Some(PathBuf::from(value)),
            "--page" => {
                if value.is_empty() || value.starts_with('/') {
                    return Err(usage(format!(
                        "--page wants a path relative to --site, got {value:?}"
                    )));
                }
                if value.split('/').any(|part| part == "..") {
                    return Err(usage(format!(
                        "--page must stay inside --site (no '..'), got {value:?}"
                    )));
                }
                pages.push(value);
            }
            "--width" => widths.push(parse_px("--width", &value)?),
            "--height" => height = parse_px("--height", &value)?,
            "--screenshots" => screenshots = Some(PathBuf::from(value)),
            "--timeout-secs" => match value.parse::<u64>() {
                Ok(secs) if (1..=3600).contains(&secs) => timeout = Duration::from_secs(secs),
                _ => {
                    return Err(usage(format!(
                        "--timeout-secs wants whole seconds between 1 and 3600, got {value:?}"
                    )))
                }
            },
            other => return Err(usage(format!("unknown argument {other:?}"))),
        }
    }

    let site = site.ok_or_else(|| usage("--site DIR is required"))?;
    if !site.is_dir() {
        return Err(usage(format!(
            "--site {} is not a directory",
            site.display()
        )));
    }
    if pages.is_empty() {
        return Err(usage("at least one --page is required"));
    }
    if widths.is_empty() {
        widths.push(1280);
    }
    Ok(Command::Check(Options {
        chromium,
        site,
        pages,
        widths,
        height,
        screenshots,
        timeout,
        offline,
        scroll,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(args: &[&str]) -> Result<Options, UsageError> {
        match parse(args.iter().copied())? {
            Command::Check(o) => Ok(o),
            Command::Help => panic!("unexpected help"),
        }
    }

    #[test]
    fn defaults_and_repeats() {
        let o = check(&[
            "--site",
            "/tmp",
            "--page",
            "a.html",
            "--page",
            "b/c.html",
            "--width",
            "390",
            "--width=1280",
            "--offline",
        ])
        .unwrap();
        assert_eq!(o.pages, ["a.html", "b/c.html"]);
        assert_eq!(o.widths, [390, 1280]);
        assert_eq!(o.height, 900);
        assert_eq!(o.timeout, Duration::from_secs(30));
        assert!(o.offline);
        assert_eq!(o.chromium, PathBuf::from("/usr/bin/chromium"));
    }

    #[test]
    fn default_width() {
        let o = check(&["--site", "/tmp", "--page", "a.html"]).unwrap();
        assert_eq!(o.widths, [1280]);
    }

    #[test]
    fn usage_errors() {
        assert!(check(&["--page", "a.html"]).is_err());
        assert!(check(&["--site", "/tmp"]).is_err());
        assert!(check(&["--site", "/nonexistent-dir-xyz", "--page", "a"]).is_err());
        assert!(check(&["--site", "/tmp", "--page", "/etc/passwd"]).is_err());
        assert!(check(&["--site", "/tmp", "--page", "../x.html"]).is_err());
        assert!(check(&["--site", "/tmp", "--page", "a", "--width", "abc"]).is_err());
        assert!(check(&["--site", "/tmp", "--page", "a", "--width"]).is_err());
        assert!(check(&["--site", "/tmp", "--page", "a", "--bogus"]).is_err());
        assert!(check(&["--site", "/tmp", "--page", "a", "--timeout-secs", "0"]).is_err());
        assert!(check(&["--site", "/tmp", "--page", "a", "--offline=1"]).is_err());
    }

    #[test]
    fn help() {
        assert_eq!(parse(["--help"]).unwrap(), Command::Help);
    }
}
