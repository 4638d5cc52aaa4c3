//! Which request URLs count as "inside" the site.
//!
//! Inside: `file://` URLs (no host) whose path lies under the site directory,
//! and self-contained `data:`, `blob:` and `about:` URLs. Everything else
//! (http, https, ws, wss, ftp, chrome-extension, file paths elsewhere, ...)
//! is "outside".

use std::path::{Component, Path, PathBuf};
use url::Url;

/// Longest URL text kept in the report; longer ones (big `data:` URLs) are cut.
pub const MAX_URL_CHARS: usize = 300;

/// Lexically resolves `.` and `..` so a path can be prefix-compared.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The canonical form used for prefix comparison: symlinks resolved where the
/// path exists, lexical normalization otherwise.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
}

/// Whether `raw` is a URL the site may load without leaving `site_root`
/// (which must already be [`canonical`]).
pub fn is_inside(raw: &str, site_root: &Path) -> bool {
    let Ok(url) = Url::parse(raw) else {
        return false;
    };
    match url.scheme() {
        "data" | "blob" => true,
        "about" => matches!(url.path(), "blank" | "srcdoc"),
        "file" => {
            if url
                .host_str()
                .is_some_and(|h| !h.is_empty() && h != "localhost")
            {
                return false;
            }
            match url.to_file_path() {
                Ok(path) => canonical(&path).starts_with(site_root),
                Err(()) => false,
            }
        }
        _ => false,
    }
}

/// Shortens very long URLs (mostly `data:`) for the report.
pub fn display(raw: &str) -> String {
    if raw.chars().count() <= MAX_URL_CHARS {
        raw.to_string()
    } else {
        let head: String = raw.chars().take(MAX_URL_CHARS).collect();
        format!("{head}...({} chars)", raw.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let root = Path::new("/srv/site");
        assert!(is_inside("file:///srv/site/index.html", root));
        assert!(is_inside("file:///srv/site/a/b.js?x=1#y", root));
        assert!(is_inside("file:///srv/site/a/../b.js", root));
        assert!(is_inside("file://localhost/srv/site/x.css", root));
        assert!(is_inside("data:image/png;base64,AAAA", root));
        assert!(is_inside("blob:file:///0f0e-1", root));
        assert!(is_inside("about:blank", root));
        assert!(!is_inside("file:///srv/site-other/x.js", root));
        assert!(!is_inside("file:///srv/site/../secret.js", root));
        assert!(!is_inside("file:///etc/passwd", root));
        assert!(!is_inside("file://host/srv/site/x.js", root));
        assert!(!is_inside("https://example.invalid/x.png", root));
        assert!(!is_inside("http://127.0.0.1/x", root));
        assert!(!is_inside("ws://localhost:1/", root));
        assert!(!is_inside("chrome-extension://abc/x.js", root));
        assert!(!is_inside("not a url", root));
    }

    #[test]
    fn percent_encoded_paths() {
        let root = Path::new("/srv/my site");
        assert!(is_inside("file:///srv/my%20site/i.html", root));
    }

    #[test]
    fn long_urls_are_cut() {
        let long = format!("data:text/plain,{}", "a".repeat(1000));
        let shown = display(&long);
        assert!(shown.len() < 400);
        assert!(shown.ends_with("(1016 chars)"));
        assert_eq!(display("file:///a"), "file:///a");
    }
}
