//! `versus-rs`, the Rust side of versus: one subcommand per workload, each printing one
//! JSON result object on stdout (docs/workload-spec.md). This file only dispatches:
//! the command line and the result object are in `contract`, the shared sample loop
//! in `sampling`, machine limits in `limits`, and each workload in its own file under
//! `workloads/`.

mod contract;
mod latency;
mod limits;
mod list;
mod runtime;
mod sampling;
mod workloads;

use std::io::Write;
use std::process::ExitCode;

use contract::{Command, Failure, Report};
use workloads::CATALOGUE;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let invocation = match contract::parse(&args, CATALOGUE) {
        Ok(Command::List) => return print(&list::to_json(CATALOGUE)),
        Ok(Command::Run(invocation)) => invocation,
        Err(failure) => return fail(failure),
    };
    let workload = CATALOGUE
        .iter()
        .find(|workload| workload.name == invocation.workload)
        .expect("parse only returns catalogued workloads");
    let mut report = Report::new(&invocation);
    match (workload.run)(&invocation, &mut report) {
        Ok(()) => print(&report.to_json()),
        Err(Failure::Skipped(reason)) => {
            report.skip(reason);
            print(&report.to_json())
        }
        Err(failure) => fail(failure),
    }
}

/// Prints the one line of stdout. A closed stdout is a failure: the result is lost.
fn print(line: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(Failure::Run(format!(
            "versus-rs: writing the result: {err}"
        ))),
    }
}

fn fail(failure: Failure) -> ExitCode {
    let (message, code) = match failure {
        Failure::Usage(message) => (message, 2),
        Failure::Run(message) | Failure::Skipped(message) => (message, 1),
    };
    eprintln!("{message}");
    ExitCode::from(code)
}
