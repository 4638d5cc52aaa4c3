//! The JSON report `sitecheck` prints on stdout.

use serde::Serialize;
use serde_json::Value;

/// The whole run.
#[derive(Debug, Serialize)]
pub struct Report {
    /// `product` from Browser.getVersion, e.g. "Chrome/156.0.8078.114".
    pub chromium: String,
    /// Wall time from spawning Chromium to its DevTools connection.
    pub startup_ms: f64,
    pub pages: Vec<PageReport>,
}

/// One page at one viewport width.
#[derive(Debug, Serialize)]
pub struct PageReport {
    pub page: String,
    pub width: u32,
    pub height: u32,
    pub mobile: bool,
    pub offline: bool,
    pub url: String,
    /// Page.navigate's errorText (e.g. "net::ERR_FILE_NOT_FOUND"), if any.
    pub navigation_error: Option<String>,
    /// Whether `document.body.dataset.ready === "1"` was seen before the timeout.
    pub ready: bool,
    /// ms since navigation start when ready became "1" (null if never).
    pub ms_to_ready: Option<f64>,
    /// startTime of the "versus-first-chart" performance entry (null if none).
    pub ms_to_first_chart: Option<f64>,
    /// domContentLoadedEventEnd of the navigation entry.
    pub ms_dom_content_loaded: Option<f64>,
    /// loadEventEnd of the navigation entry (null if load had not finished).
    pub ms_load: Option<f64>,
    /// `window.VERSUS_CHECK` (JSON round trip), or null.
    pub check: Value,
    /// Every request URL the page made, in order (long ones shortened).
    pub requests: Vec<String>,
    /// The requests that were not file:// inside --site, data: or blob:.
    pub outside_requests: Vec<String>,
    /// console.error/warn/assert calls and Log entries of level error/warning.
    pub console_errors: Vec<ConsoleEntry>,
    /// Uncaught exceptions and unhandled rejections.
    pub exceptions: Vec<ExceptionEntry>,
    /// Path of the saved PNG, or null.
    pub screenshot: Option<String>,
    /// CDP messages for this page that chromiumoxide could not decode
    /// (protocol drift); the watched events among them were still recorded
    /// from the raw JSON.
    pub protocol_notes: Vec<String>,
    /// Wall time this page check took, including screenshot.
    pub wall_ms: f64,
}

/// A console or log message of level error or warning.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConsoleEntry {
    /// "console" (Runtime.consoleAPICalled) or "log:<source>" (Log.entryAdded).
    pub source: String,
    /// "error", "warning" or "assert".
    pub level: String,
    pub text: String,
    pub url: Option<String>,
    pub line: Option<i64>,
}

/// An uncaught exception (Runtime.exceptionThrown).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExceptionEntry {
    pub text: String,
    pub url: Option<String>,
    pub line: Option<i64>,
    pub column: Option<i64>,
}
