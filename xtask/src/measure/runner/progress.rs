//! Progress of the trials: a bar on a terminal, plain log lines elsewhere (CI logs, pipes).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on a terminal; plain log lines elsewhere (CI logs, pipes).
pub enum Progress {
    Bar(ProgressBar),
    Log {
        total: u64,
        done: std::cell::Cell<u64>,
    },
}

impl Progress {
    pub fn new(total: u64) -> Progress {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
        if std::io::stderr().is_terminal() && !ci {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {wide_msg}")
                    .expect("the progress template is valid")
                    .progress_chars("=> "),
            );
            Progress::Bar(bar)
        } else {
            Progress::Log {
                total,
                done: std::cell::Cell::new(0),
            }
        }
    }

    pub fn start(&self, what: &str) {
        if let Progress::Bar(bar) = self {
            bar.set_message(what.to_string());
        }
    }

    pub fn finish(&self, line: &str) {
        match self {
            Progress::Bar(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            Progress::Log { total, done } => {
                done.set(done.get() + 1);
                eprintln!("[{}/{}] {line}", done.get(), total);
            }
        }
    }

    pub fn skip(&self) {
        match self {
            Progress::Bar(bar) => bar.inc(1),
            Progress::Log { done, .. } => done.set(done.get() + 1),
        }
    }

    pub fn done(&self, elapsed: Duration, trials: u64, median_overhead_ns: Option<u64>) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
        let overhead = median_overhead_ns.map_or(String::new(), |ns| {
            format!(
                "; the runner's own overhead per trial, median {:.2} ms",
                ns as f64 / 1e6
            )
        });
        eprintln!(
            "{trials} trials in {:.1} s{overhead}",
            elapsed.as_secs_f64()
        );
    }
}
