//! Checking one page at one viewport: emulate, navigate, watch, measure, shoot.
//!
//! Events are taken from chromiumoxide's typed streams and turned back into
//! JSON, so the same code also handles the raw JSON of events that
//! chromiumoxide's generated protocol types could not decode (a newer
//! Chromium adding enum values); see [`RawEvent`].

use crate::report::{ConsoleEntry, ExceptionEntry, PageReport};
use crate::urls;
use anyhow::{anyhow, Context, Result};
use base64::Engine as _;
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::browser_protocol::log::EventEntryAdded;
use chromiumoxide::cdp::browser_protocol::network::{
    EmulateNetworkConditionsByRuleParams, EventRequestWillBeSent, EventWebSocketCreated,
};
use chromiumoxide::cdp::browser_protocol::page::{
    AddScriptToEvaluateOnNewDocumentParams, CaptureScreenshotFormat, CaptureScreenshotParams,
    NavigateParams, Viewport,
};
use chromiumoxide::cdp::js_protocol::runtime::{
    EvaluateParams, EventConsoleApiCalled, EventExceptionThrown,
};
use chromiumoxide::cdp::IntoEventKind;
use chromiumoxide::listeners::EventStream;
use chromiumoxide::{Browser, Page};
use futures::{FutureExt, StreamExt};
use serde_json::Value;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

/// Bound on any single CDP command.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);
/// Bound on one in-page evaluation (a page stuck in a loop must not hang us).
const EVAL_TIMEOUT: Duration = Duration::from_secs(5);
/// How often readiness is polled.
const POLL_EVERY: Duration = Duration::from_millis(50);
/// After readiness, how long late events (failed loads, console) may trickle in.
const SETTLE: Duration = Duration::from_millis(250);
/// Tallest screenshot, in CSS pixels.
const MAX_SHOT_HEIGHT: f64 = 16_000.0;

/// Records, with a precise timestamp, when body.dataset.ready first becomes "1".
const READY_OBSERVER: &str = r#"(() => {
  const mark = () => {
    if (window.__sitecheckReadyAt === undefined && document.body &&
        document.body.dataset.ready === "1") {
      Object.defineProperty(window, "__sitecheckReadyAt",
        { value: performance.now(), configurable: true });
    }
  };
  new MutationObserver(mark).observe(document, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-ready"] });
})();"#;

const READY_POLL: &str = r#"(document.body && document.body.dataset.ready === "1")
  ? (window.__sitecheckReadyAt ?? performance.now()) : null"#;
const CHECK_EXPR: &str = r#"JSON.stringify(window.VERSUS_CHECK || null)"#;
/// Scrolls down a screen; true once the bottom is in view.
const SCROLL_EXPR: &str = r#"(() => { window.scrollBy(0, window.innerHeight);
  return window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2; })()"#;
/// How long each screen stays in view while scrolling.
const SCROLL_PAUSE: Duration = Duration::from_millis(120);
const FIRST_CHART_EXPR: &str =
    r#"performance.getEntriesByName("versus-first-chart")[0]?.startTime ?? null"#;
const NAVIGATION_EXPR: &str = r#"(() => {
  const n = performance.getEntriesByType("navigation")[0];
  return n ? [n.domContentLoadedEventEnd, n.loadEventEnd] : null;
})()"#;
const SIZE_EXPR: &str = r#"[document.documentElement.scrollWidth,
  Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)]"#;

/// An event chromiumoxide could not decode, as raw JSON (from the handler).
#[derive(Debug)]
pub struct RawEvent {
    pub session: Option<String>,
    pub method: String,
    pub params: Value,
}

/// What to check.
pub struct Target<'a> {
    pub site_root: &'a Path,
    pub page: &'a str,
    pub width: u32,
    pub height: u32,
    pub offline: bool,
    /// Scroll to the bottom once ready, a screen at a time.
    pub scroll: bool,
    pub timeout: Duration,
    pub screenshots: Option<&'a Path>,
}

/// Runs `fut` with a deadline, naming `what` in the error.
pub async fn bounded<T, E>(
    what: &str,
    limit: Duration,
    fut: impl Future<Output = std::result::Result<T, E>>,
) -> Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r.with_context(|| what.to_string()),
        Err(_) => Err(anyhow!("{what}: no answer within {}s", limit.as_secs())),
    }
}

struct Streams {
    requests: EventStream<EventRequestWillBeSent>,
    websockets: EventStream<EventWebSocketCreated>,
    console: EventStream<EventConsoleApiCalled>,
    exceptions: EventStream<EventExceptionThrown>,
    log: EventStream<EventEntryAdded>,
}

/// Accumulates what the page did.
struct Recorder<'a> {
    site_root: &'a Path,
    requests: Vec<String>,
    outside: Vec<String>,
    console: Vec<ConsoleEntry>,
    exceptions: Vec<ExceptionEntry>,
    notes: Vec<String>,
}

impl<'a> Recorder<'a> {
    fn new(site_root: &'a Path) -> Self {
        Recorder {
            site_root,
            requests: Vec::new(),
            outside: Vec::new(),
            console: Vec::new(),
            exceptions: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Handles one watched event given as CDP JSON params.
    fn on_event(&mut self, method: &str, p: &Value) {
        match method {
            "Network.requestWillBeSent" | "Network.webSocketCreated" => {
                // WebSockets do not go through requestWillBeSent.
                let raw = p
                    .pointer("/request/url")
                    .or_else(|| p.get("url"))
                    .and_then(Value::as_str);
                let Some(raw) = raw else { return };
                // Chromium reports a URL fragment separately; keep it.
                let full = match p.pointer("/request/urlFragment").and_then(Value::as_str) {
                    Some(frag) => format!("{raw}{frag}"),
                    None => raw.to_string(),
                };
                let shown = urls::display(&full);
                if !urls::is_inside(&full, self.site_root) {
                    self.outside.push(shown.clone());
                }
                self.requests.push(shown);
            }
            "Runtime.consoleAPICalled" => {
                let level = p.get("type").and_then(Value::as_str).unwrap_or("");
                if !matches!(level, "error" | "warning" | "assert") {
                    return;
                }
                let text = p
                    .get("args")
                    .and_then(Value::as_array)
                    .map(|args| args.iter().map(remote_object_text).collect::<Vec<_>>())
                    .unwrap_or_default()
                    .join(" ");
                let frame = p.pointer("/stackTrace/callFrames/0");
                self.console.push(ConsoleEntry {
                    source: "console".into(),
                    level: level.into(),
                    text,
                    url: frame
                        .and_then(|f| f.get("url"))
                        .and_then(Value::as_str)
                        .map(urls::display),
                    line: frame
                        .and_then(|f| f.get("lineNumber"))
                        .and_then(Value::as_i64)
                        .map(|l| l + 1),
                });
            }
            "Log.entryAdded" => {
                let Some(e) = p.get("entry") else { return };
                let level = e.get("level").and_then(Value::as_str).unwrap_or("");
                if !matches!(level, "error" | "warning") {
                    return;
                }
                self.console.push(ConsoleEntry {
                    source: format!(
                        "log:{}",
                        e.get("source").and_then(Value::as_str).unwrap_or("other")
                    ),
                    level: level.into(),
                    text: e.get("text").and_then(Value::as_str).unwrap_or("").into(),
                    url: e.get("url").and_then(Value::as_str).map(urls::display),
                    line: e.get("lineNumber").and_then(Value::as_i64).map(|l| l + 1),
                });
            }
            "Runtime.exceptionThrown" => {
                let Some(d) = p.get("exceptionDetails") else {
                    return;
                };
                let text = d
                    .pointer("/exception/description")
                    .and_then(Value::as_str)
                    .or_else(|| d.get("text").and_then(Value::as_str))
                    .unwrap_or("")
                    .to_string();
                self.exceptions.push(ExceptionEntry {
                    text,
                    url: d.get("url").and_then(Value::as_str).map(urls::display),
                    line: d.get("lineNumber").and_then(Value::as_i64).map(|l| l + 1),
                    column: d.get("columnNumber").and_then(Value::as_i64).map(|c| c + 1),
                });
            }
            _ => {}
        }
    }

    fn drain(
        &mut self,
        streams: &mut Streams,
        raw: &mut UnboundedReceiver<RawEvent>,
        session: &str,
    ) {
        fn pump<T: IntoEventKind + serde::Serialize + Unpin>(
            rec: &mut Recorder,
            method: &str,
            stream: &mut EventStream<T>,
        ) {
            while let Some(Some(ev)) = stream.next().now_or_never() {
                match serde_json::to_value(&*ev) {
                    Ok(v) => rec.on_event(method, &v),
                    Err(e) => rec.notes.push(format!("could not re-encode {method}: {e}")),
                }
            }
        }
        pump(self, "Network.requestWillBeSent", &mut streams.requests);
        pump(self, "Network.webSocketCreated", &mut streams.websockets);
        pump(self, "Runtime.consoleAPICalled", &mut streams.console);
        pump(self, "Runtime.exceptionThrown", &mut streams.exceptions);
        pump(self, "Log.entryAdded", &mut streams.log);
        while let Ok(ev) = raw.try_recv() {
            if ev.session.as_deref() != Some(session) {
                continue;
            }
            self.notes.push(format!(
                "chromiumoxide could not decode a {} message; read from raw JSON",
                ev.method
            ));
            self.on_event(&ev.method, &ev.params);
        }
    }
}

/// Text for one console argument, roughly as DevTools prints it.
fn remote_object_text(o: &Value) -> String {
    match o.get("value") {
        Some(Value::String(s)) => s.clone(),
        Some(v) if !v.is_null() || o.get("subtype").and_then(Value::as_str) == Some("null") => {
            v.to_string()
        }
        _ => o
            .get("description")
            .or_else(|| o.get("unserializableValue"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                o.get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string()
            }),
    }
}

/// Evaluates `expr` by value; page-side failures become `Err(note)`.
async fn eval(page: &Page, expr: &str) -> std::result::Result<Value, String> {
    let params = EvaluateParams::builder()
        .expression(expr)
        .return_by_value(true)
        .await_promise(false)
        .silent(true)
        .build()
        .map_err(|e| format!("building Runtime.evaluate: {e}"))?;
    match tokio::time::timeout(EVAL_TIMEOUT, page.execute(params)).await {
        Err(_) => Err(format!(
            "Runtime.evaluate did not answer within {}s (page busy?)",
            EVAL_TIMEOUT.as_secs()
        )),
        Ok(Err(e)) => Err(format!("Runtime.evaluate failed: {e}")),
        Ok(Ok(resp)) => {
            if let Some(ex) = &resp.result.exception_details {
                return Err(format!("evaluating {expr:?} threw: {}", ex.text));
            }
            Ok(resp.result.result.value.clone().unwrap_or(Value::Null))
        }
    }
}

/// Network.emulateNetworkConditions offline=true; deprecated in the protocol,
/// so if a newer Chromium refuses it, Network.emulateNetworkConditionsByRule.
async fn emulate_offline(page: &Page, what: &str) -> Result<()> {
    #[allow(deprecated)]
    let old = chromiumoxide::cdp::browser_protocol::network::EmulateNetworkConditionsParams::new(
        true, 0.0, -1.0, -1.0,
    );
    match bounded(what, COMMAND_TIMEOUT, page.execute(old)).await {
        Ok(_) => Ok(()),
        Err(first) => {
            let by_rule = EmulateNetworkConditionsByRuleParams::new(true, Vec::new());
            bounded(what, COMMAND_TIMEOUT, page.execute(by_rule))
                .await
                .map(|_| ())
                .with_context(|| {
                    format!("after Network.emulateNetworkConditions failed: {first:#}")
                })
        }
    }
}

/// File name for a page's screenshot: `/`, `#` and `=` become `_`.
pub fn screenshot_name(page: &str, width: u32) -> String {
    format!("{}-{width}.png", page.replace(['/', '#', '='], "_"))
}

/// Checks one page at one width in a fresh tab.
pub async fn check_page(
    browser: &Browser,
    raw: &mut UnboundedReceiver<RawEvent>,
    t: &Target<'_>,
) -> Result<PageReport> {
    let started = Instant::now();
    // A page may carry a fragment (`workload/sum.html#all=1`), which is not part of
    // the file's path.
    let (file, fragment) = match t.page.split_once('#') {
        Some((file, fragment)) => (file, Some(fragment)),
        None => (t.page, None),
    };
    let path = t.site_root.join(file);
    let mut url = url::Url::from_file_path(&path)
        .map_err(|()| anyhow!("turning {} into a file:// URL", path.display()))?;
    url.set_fragment(fragment);
    let url = url.to_string();
    let mobile = t.width < 600;
    let what = |s: &str| format!("{s} for {} at width {}", t.page, t.width);

    let page = bounded(
        &what("opening a new tab"),
        COMMAND_TIMEOUT,
        browser.new_page("about:blank"),
    )
    .await?;
    let session = page.session_id().as_ref().to_string();
    let mut streams = Streams {
        requests: bounded(
            &what("subscribing to Network.requestWillBeSent"),
            COMMAND_TIMEOUT,
            page.event_listener::<EventRequestWillBeSent>(),
        )
        .await?,
        websockets: bounded(
            &what("subscribing to Network.webSocketCreated"),
            COMMAND_TIMEOUT,
            page.event_listener::<EventWebSocketCreated>(),
        )
        .await?,
        console: bounded(
            &what("subscribing to Runtime.consoleAPICalled"),
            COMMAND_TIMEOUT,
            page.event_listener::<EventConsoleApiCalled>(),
        )
        .await?,
        exceptions: bounded(
            &what("subscribing to Runtime.exceptionThrown"),
            COMMAND_TIMEOUT,
            page.event_listener::<EventExceptionThrown>(),
        )
        .await?,
        log: bounded(
            &what("subscribing to Log.entryAdded"),
            COMMAND_TIMEOUT,
            page.event_listener::<EventEntryAdded>(),
        )
        .await?,
    };
    let mut rec = Recorder::new(t.site_root);
    // Drop anything left over from earlier tabs.
    while raw.try_recv().is_ok() {}

    let metrics = SetDeviceMetricsOverrideParams::builder()
        .width(t.width)
        .height(t.height)
        .device_scale_factor(if mobile { 2.0 } else { 1.0 })
        .mobile(mobile)
        .build()
        .map_err(|e| anyhow!("building Emulation.setDeviceMetricsOverride: {e}"))?;
    bounded(
        &what("Emulation.setDeviceMetricsOverride"),
        COMMAND_TIMEOUT,
        page.execute(metrics),
    )
    .await?;
    if t.offline {
        emulate_offline(&page, &what("emulating the network offline")).await?;
    }
    bounded(
        &what("Page.addScriptToEvaluateOnNewDocument"),
        COMMAND_TIMEOUT,
        page.execute(AddScriptToEvaluateOnNewDocumentParams::new(READY_OBSERVER)),
    )
    .await?;

    let nav = bounded(
        &what(&format!("Page.navigate to {url}")),
        COMMAND_TIMEOUT,
        page.execute(NavigateParams::new(url.clone())),
    )
    .await?;
    let navigation_error = nav.result.error_text.clone().filter(|e| !e.is_empty());

    // Wait for readiness (bounded by --timeout-secs).
    let deadline = Instant::now() + t.timeout;
    let mut ms_to_ready = None;
    let mut last_poll_error = None;
    loop {
        match eval(&page, READY_POLL).await {
            Ok(Value::Number(n)) => {
                ms_to_ready = n.as_f64();
                break;
            }
            Ok(_) => {}
            // Transient while the document is being replaced.
            Err(e) => last_poll_error = Some(e),
        }
        rec.drain(&mut streams, raw, &session);
        if Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(POLL_EVERY.min(deadline.saturating_duration_since(Instant::now())))
            .await;
    }
    let ready = ms_to_ready.is_some();
    if !ready {
        if let Some(e) = last_poll_error {
            rec.notes.push(format!("last readiness poll: {e}"));
        }
    }
    tokio::time::sleep(SETTLE).await;
    if t.scroll && ready {
        // A screen at a time, as a reader would, at most 80 screens.
        for _ in 0..80 {
            match eval(&page, SCROLL_EXPR).await {
                Ok(Value::Bool(false)) => tokio::time::sleep(SCROLL_PAUSE).await,
                Ok(_) => break,
                Err(e) => {
                    rec.notes.push(format!("scrolling: {e}"));
                    break;
                }
            }
        }
        tokio::time::sleep(SETTLE * 4).await;
    }

    let check = match eval(&page, CHECK_EXPR).await {
        Ok(Value::String(s)) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
        Ok(other) => other,
        Err(e) => {
            rec.notes.push(format!("VERSUS_CHECK: {e}"));
            Value::Null
        }
    };
    let ms_to_first_chart = match eval(&page, FIRST_CHART_EXPR).await {
        Ok(v) => v.as_f64(),
        Err(e) => {
            rec.notes.push(format!("versus-first-chart: {e}"));
            None
        }
    };
    let (ms_dom_content_loaded, ms_load) = match eval(&page, NAVIGATION_EXPR).await {
        Ok(Value::Array(a)) if a.len() == 2 => (
            a[0].as_f64().filter(|v| *v > 0.0),
            a[1].as_f64().filter(|v| *v > 0.0),
        ),
        Ok(_) => (None, None),
        Err(e) => {
            rec.notes.push(format!("navigation timing: {e}"));
            (None, None)
        }
    };

    let screenshot = match t.screenshots {
        Some(dir) => match screenshot(&page, t, dir).await {
            Ok(p) => Some(p.display().to_string()),
            Err(e) => {
                rec.notes.push(format!("screenshot: {e:#}"));
                None
            }
        },
        None => None,
    };

    rec.drain(&mut streams, raw, &session);
    if let Err(e) = bounded(&what("closing the tab"), COMMAND_TIMEOUT, page.close()).await {
        rec.notes.push(format!("{e:#}"));
    }

    Ok(PageReport {
        page: t.page.to_string(),
        width: t.width,
        height: t.height,
        mobile,
        offline: t.offline,
        url: urls::display(&url),
        navigation_error,
        ready,
        ms_to_ready,
        ms_to_first_chart,
        ms_dom_content_loaded,
        ms_load,
        check,
        requests: rec.requests,
        outside_requests: rec.outside,
        console_errors: rec.console,
        exceptions: rec.exceptions,
        screenshot,
        protocol_notes: rec.notes,
        wall_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// Saves a full-page PNG (captureBeyondViewport with a clip of the document).
async fn screenshot(page: &Page, t: &Target<'_>, dir: &Path) -> Result<PathBuf> {
    let (w, h) = match eval(page, SIZE_EXPR).await {
        Ok(Value::Array(a)) if a.len() == 2 => (
            a[0].as_f64().unwrap_or(t.width as f64),
            a[1].as_f64().unwrap_or(t.height as f64),
        ),
        Ok(other) => return Err(anyhow!("measuring the document gave {other}")),
        Err(e) => return Err(anyhow!("measuring the document: {e}")),
    };
    let clip = Viewport {
        x: 0.0,
        y: 0.0,
        width: w.max(t.width as f64),
        height: h.clamp(1.0, MAX_SHOT_HEIGHT),
        scale: 1.0,
    };
    let params = CaptureScreenshotParams::builder()
        .format(CaptureScreenshotFormat::Png)
        .capture_beyond_viewport(true)
        .clip(clip)
        .build();
    let shot = bounded(
        "Page.captureScreenshot",
        COMMAND_TIMEOUT,
        page.execute(params),
    )
    .await?;
    let png = base64::engine::general_purpose::STANDARD
        .decode(AsRef::<str>::as_ref(&shot.result.data))
        .context("decoding the screenshot's base64")?;
    let file = dir.join(screenshot_name(t.page, t.width));
    std::fs::write(&file, png).with_context(|| format!("writing {}", file.display()))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names() {
        assert_eq!(
            screenshot_name("workload/sum.html", 390),
            "workload_sum.html-390.png"
        );
        assert_eq!(screenshot_name("index.html", 1280), "index.html-1280.png");
    }

    #[test]
    fn recorder_classifies_raw_events() {
        let root = Path::new("/srv/site");
        let mut r = Recorder::new(root);
        r.on_event(
            "Network.requestWillBeSent",
            &json!({"request": {"url": "file:///srv/site/a.js"}}),
        );
        r.on_event(
            "Network.requestWillBeSent",
            &json!({"request": {"url": "https://x.invalid/p"}}),
        );
        r.on_event(
            "Network.webSocketCreated",
            &json!({"url": "ws://localhost:7/"}),
        );
        r.on_event(
            "Runtime.consoleAPICalled",
            &json!({"type": "log", "args": [{"type": "string", "value": "hi"}]}),
        );
        r.on_event(
            "Runtime.consoleAPICalled",
            &json!({"type": "error", "args": [
            {"type": "string", "value": "bad"}, {"type": "number", "value": 3},
            {"type": "object", "description": "Object"}],
            "stackTrace": {"callFrames": [{"url": "file:///srv/site/a.js", "lineNumber": 4}]}}),
        );
        r.on_event(
            "Log.entryAdded",
            &json!({"entry": {"source": "network", "level": "error", "text": "Failed"}}),
        );
        r.on_event(
            "Log.entryAdded",
            &json!({"entry": {"source": "violation", "level": "verbose", "text": "slow"}}),
        );
        r.on_event("Runtime.exceptionThrown", &json!({"exceptionDetails": {"text": "Uncaught",
            "exception": {"description": "Error: boom"}, "url": "file:///srv/site/a.js", "lineNumber": 0, "columnNumber": 2}}));
        assert_eq!(r.requests.len(), 3);
        assert_eq!(r.outside, ["https://x.invalid/p", "ws://localhost:7/"]);
        assert_eq!(r.console.len(), 2);
        assert_eq!(r.console[0].text, "bad 3 Object");
        assert_eq!(r.console[0].line, Some(5));
        assert_eq!(r.console[1].source, "log:network");
        assert_eq!(r.exceptions[0].text, "Error: boom");
        assert_eq!(r.exceptions[0].column, Some(3));
    }
}
