//! `sitecheck`: opens pages of a static site from file:// in headless
//! Chromium (driven over the DevTools protocol with chromiumoxide) and prints
//! one JSON report of what each page did: its requests (flagging any that
//! leave the site), console errors and warnings, uncaught exceptions,
//! readiness, `window.VERSUS_CHECK`, timings and optional screenshots.
//!
//! Exit status: 0 the tool worked (the caller judges the report), 1 Chromium
//! could not be started or driven, 2 usage error.

mod browser;
mod check;
mod cli;
mod report;
mod urls;

use anyhow::{Context, Result};
use check::{bounded, RawEvent, Target, COMMAND_TIMEOUT};
use chromiumoxide::error::CdpError;
use chromiumoxide::handler::HandlerConfig;
use chromiumoxide::Browser;
use cli::{Command, Options, UsageError};
use futures::StreamExt;
use serde_json::Value;
use std::process::ExitCode;
use std::time::Instant;
use tokio::sync::mpsc;

fn main() -> ExitCode {
    let opts = match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            println!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(Command::Check(opts)) => opts,
        Err(e) => return usage_exit(&e),
    };
    if let Some(dir) = &opts.screenshots {
        if let Err(e) = std::fs::create_dir_all(dir) {
            return usage_exit(&UsageError(format!(
                "--screenshots {}: cannot create it: {e}",
                dir.display()
            )));
        }
    }

    browser::become_subreaper();
    // Single-threaded on purpose: Chromium is spawned from the main thread,
    // which PR_SET_PDEATHSIG ties its life to.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sitecheck: error: {e:#}");
            return ExitCode::from(1);
        }
    };
    // A panic still unwinds through the Chromium guard (killed, profile
    // removed); it is then reported like any other driving failure.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(run_until_signal(&opts))
    }));
    let outcome = match outcome {
        Ok(r) => r,
        Err(_) => Err(anyhow::anyhow!(
            "internal error: sitecheck panicked (see the message above); Chromium was stopped"
        )),
    };
    match outcome {
        Ok(report) => match serde_json::to_string_pretty(&report) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("sitecheck: error: encoding the report as JSON: {e}");
                ExitCode::from(1)
            }
        },
        Err(e) => {
            eprintln!("sitecheck: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn usage_exit(e: &UsageError) -> ExitCode {
    eprintln!("sitecheck: {e}\n\n{}", cli::USAGE);
    ExitCode::from(2)
}

/// Runs the checks, stopping cleanly (Chromium killed, profile removed) on
/// SIGINT or SIGTERM.
async fn run_until_signal(opts: &Options) -> Result<report::Report> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("installing a SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("installing a SIGINT handler")?;
    tokio::select! {
        r = run(opts) => r,
        _ = term.recv() => Err(anyhow::anyhow!("interrupted by SIGTERM; Chromium was stopped")),
        _ = int.recv() => Err(anyhow::anyhow!("interrupted by SIGINT; Chromium was stopped")),
    }
}

async fn run(opts: &Options) -> Result<report::Report> {
    let site_root = urls::canonical(&opts.site);
    let launched = Instant::now();
    let chromium = browser::Chromium::launch(&opts.chromium).await?;

    let config = HandlerConfig {
        // Undecodable messages come back as errors so we can read them raw.
        ignore_invalid_messages: false,
        request_timeout: COMMAND_TIMEOUT,
        viewport: None,
        ..HandlerConfig::default()
    };
    let (browser, mut handler) = bounded(
        &format!("connecting to Chromium's DevTools at {}", chromium.ws_url),
        COMMAND_TIMEOUT,
        Browser::connect_with_config(chromium.ws_url.clone(), config),
    )
    .await?;
    let (raw_tx, mut raw_rx) = mpsc::unbounded_channel::<RawEvent>();
    let handler_task = tokio::spawn(async move {
        while let Some(item) = handler.next().await {
            match item {
                Ok(()) => {}
                Err(CdpError::InvalidMessage(text, err)) => {
                    match serde_json::from_str::<Value>(&text) {
                        Ok(mut v) if v.get("method").is_some() => {
                            let _ = raw_tx.send(RawEvent {
                                session: v
                                    .get("sessionId")
                                    .and_then(Value::as_str)
                                    .map(str::to_string),
                                method: v["method"].as_str().unwrap_or("").to_string(),
                                params: v.get_mut("params").map(Value::take).unwrap_or(Value::Null),
                            });
                        }
                        _ => eprintln!(
                            "sitecheck: warning: undecodable DevTools message ({err}): {}",
                            text.chars().take(200).collect::<String>()
                        ),
                    }
                }
                Err(e) => eprintln!("sitecheck: warning: DevTools connection: {e}"),
            }
        }
    });

    let result: Result<report::Report> = async {
        let version = bounded("Browser.getVersion", COMMAND_TIMEOUT, browser.version()).await?;
        let startup_ms = launched.elapsed().as_secs_f64() * 1000.0;
        let mut pages = Vec::new();
        for page in &opts.pages {
            for &width in &opts.widths {
                let target = Target {
                    site_root: &site_root,
                    page,
                    width,
                    height: opts.height,
                    offline: opts.offline,
                    scroll: opts.scroll,
                    timeout: opts.timeout,
                    screenshots: opts.screenshots.as_deref(),
                };
                pages.push(check::check_page(&browser, &mut raw_rx, &target).await?);
            }
        }
        Ok(report::Report {
            chromium: version.product,
            startup_ms,
            pages,
        })
    }
    .await;

    drop(browser);
    handler_task.abort();
    match result {
        Ok(r) => Ok(r),
        Err(e) => Err(e.context(format!(
            "driving Chromium at {}; its last stderr lines:\n{}",
            opts.chromium.display(),
            chromium.stderr_tail()
        ))),
    }
    // `chromium` drops here: process group killed, profile removed.
}
