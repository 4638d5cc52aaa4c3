//! What the browser check (`cargo xtask test`, with `sitecheck` driving headless
//! Chromium) asks of a rendered site, and how it reads the report: every page opened
//! from `file://` with the network off becomes ready, logs no error, throws nothing,
//! requests nothing outside its folder, and every chart it drew holds as many points
//! as its data.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

/// The widths the pages are opened at: a desktop and a phone.
pub const WIDTHS: [u32; 2] = [1280, 390];

/// The pages to open in `site`: the home page, every workload page (once as it opens
/// and once with every chart drawn at once, `#all=1`) and the list pages.
pub fn pages(site: &Path) -> Result<Vec<String>> {
    let mut pages = vec!["index.html".to_string()];
    let dir = site.join("workload");
    let mut workloads: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("listing the workload pages in {}", dir.display()))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".html"))
        .collect();
    workloads.sort();
    for (i, name) in workloads.iter().enumerate() {
        pages.push(format!("workload/{name}"));
        if i == 0 {
            pages.push(format!("workload/{name}#all=1"));
        }
    }
    for list in [
        "machines.html",
        "changes.html",
        "compare.html",
        "calibration.html",
        "claims.html",
        "downloads.html",
    ] {
        if site.join(list).is_file() {
            pages.push(list.to_string());
        }
    }
    Ok(pages)
}

/// The report `sitecheck` prints (the fields this check reads).
#[derive(Debug, Deserialize)]
pub struct Report {
    pub chromium: String,
    pub pages: Vec<PageReport>,
}

#[derive(Debug, Deserialize)]
pub struct PageReport {
    pub page: String,
    pub width: u32,
    pub navigation_error: Option<String>,
    pub ready: bool,
    pub ms_to_ready: Option<f64>,
    pub ms_to_first_chart: Option<f64>,
    /// `window.VERSUS_CHECK`: one entry per chart drawn.
    #[serde(default)]
    pub check: Option<Vec<ChartCheck>>,
    pub outside_requests: Vec<String>,
    pub console_errors: Vec<serde_json::Value>,
    pub exceptions: Vec<serde_json::Value>,
}

/// What the page says it drew for one chart.
#[derive(Debug, Deserialize)]
pub struct ChartCheck {
    pub chart: String,
    #[serde(default)]
    pub points: u64,
    #[serde(default)]
    pub expected: u64,
    #[serde(default)]
    pub error: Option<String>,
}

/// Parses `sitecheck`'s JSON report.
pub fn parse(text: &str) -> Result<Report> {
    serde_json::from_str(text).context("parsing the report of sitecheck")
}

/// Everything wrong in the report, one line each (empty: the site passed).
pub fn problems(report: &Report) -> Vec<String> {
    let mut problems = Vec::new();
    for page in &report.pages {
        let at = format!("{} at {} px", page.page, page.width);
        if let Some(error) = &page.navigation_error {
            problems.push(format!("{at}: did not open: {error}"));
            continue;
        }
        if !page.ready {
            problems.push(format!("{at}: never became ready (body[data-ready])"));
        }
        for request in &page.outside_requests {
            problems.push(format!(
                "{at}: requested {request}, outside the site's folder"
            ));
        }
        for entry in &page.console_errors {
            problems.push(format!("{at}: console: {entry}"));
        }
        for exception in &page.exceptions {
            problems.push(format!("{at}: uncaught: {exception}"));
        }
        let checks = page.check.as_deref().unwrap_or_default();
        if page.page.starts_with("workload/") && page.ready {
            if checks.iter().all(|c| c.points == 0) {
                problems.push(format!("{at}: drew no chart with points"));
            }
            if page.ms_to_first_chart.is_none() {
                problems.push(format!("{at}: marked no first chart"));
            }
        }
        for check in checks {
            if let Some(error) = &check.error {
                problems.push(format!("{at}: chart {}: {error}", check.chart));
            } else if check.points != check.expected {
                problems.push(format!(
                    "{at}: chart {} holds {} points, its data {}",
                    check.chart, check.points, check.expected
                ));
            }
        }
    }
    problems
}

/// One line per page: when it was ready, when its first chart was drawn, and how
/// many charts and points it drew.
pub fn summary(report: &Report) -> Vec<String> {
    report
        .pages
        .iter()
        .map(|page| {
            let checks = page.check.as_deref().unwrap_or_default();
            let points: u64 = checks.iter().map(|c| c.points).sum();
            let ms = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0} ms"));
            format!(
                "{:<34} {:>4} px  ready {:>7}  first chart {:>7}  {} charts, {} points",
                page.page,
                page.width,
                ms(page.ms_to_ready),
                ms(page.ms_to_first_chart),
                checks.len(),
                points
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(page: &str, check: &str, extra: &str) -> Report {
        parse(&format!(
            r#"{{"chromium": "Chrome/1", "pages": [{{"page": "{page}", "width": 390,
            "navigation_error": null, "ready": true, "ms_to_ready": 120.0,
            "ms_to_first_chart": 80.0, "check": {check}, "outside_requests": [],
            "console_errors": [], "exceptions": [], "screenshot": null{extra}}}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_clean_page_passes_and_every_fault_is_named() {
        let good = report(
            "workload/sum.html",
            r#"[{"chart": "trend:time_per_op", "points": 40, "expected": 40}]"#,
            "",
        );
        assert!(problems(&good).is_empty(), "{:?}", problems(&good));
        let short = report(
            "workload/sum.html",
            r#"[{"chart": "trend:time_per_op", "points": 39, "expected": 40}]"#,
            "",
        );
        assert!(problems(&short)[0].contains("holds 39 points, its data 40"));
        let broken = report(
            "workload/sum.html",
            r#"[{"chart": "ratio", "points": 0, "expected": 0, "error": "malformed"}]"#,
            "",
        );
        assert!(problems(&broken)
            .iter()
            .any(|p| p.contains("chart ratio: malformed")));
        let empty = report("workload/sum.html", "[]", "");
        assert!(problems(&empty)[0].contains("drew no chart with points"));
        let mut leaky = report("index.html", "[]", "");
        leaky.pages[0]
            .outside_requests
            .push("https://cdn.example/x.js".into());
        assert!(problems(&leaky)[0].contains("outside the site's folder"));
        // The home page draws no chart and needs none.
        assert!(problems(&report("index.html", "[]", "")).is_empty());
    }

    #[test]
    fn the_pages_opened_are_the_home_page_the_workloads_and_the_lists() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("workload")).unwrap();
        for name in [
            "workload/spawn.html",
            "workload/alloc.html",
            "machines.html",
        ] {
            std::fs::write(site.path().join(name), "").unwrap();
        }
        assert_eq!(
            pages(site.path()).unwrap(),
            [
                "index.html",
                "workload/alloc.html",
                "workload/alloc.html#all=1",
                "workload/spawn.html",
                "machines.html"
            ]
        );
    }
}
