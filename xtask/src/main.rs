//! `cargo xtask`: the versus orchestrator. This file only dispatches; each subcommand
//! lives in its own module, and the work is done by the five groups below, one folder
//! each (ARCHITECTURE.md maps them and the rules of who may use whom).

// The groups, by stage.
mod analyse;
mod measure;
mod publish;
mod record;
mod toolchains;

// The command line, and one thin file per command.
mod ab;
mod bench;
mod calibrate;
mod claims;
mod cli;
mod comment;
mod compare;
mod doctor;
mod export;
mod history;
mod list;
mod publish_cmd;
mod run;
mod site;
mod test;

#[cfg(test)]
mod tidy;

use std::path::{Path, PathBuf};

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let root = project_root();
    let result = match cli.command {
        cli::Command::Bench(command) => command.run(&root),
        cli::Command::Run(command) => command.run(&root),
        cli::Command::Test(command) => command.run(&root),
        cli::Command::Site(command) => command.run(&root),
        cli::Command::List(command) => command.run(),
        cli::Command::Doctor(command) => command.run(&root),
        cli::Command::Toolchains(command) => command.run(&root),
        cli::Command::Export(command) => command.run(&root),
        cli::Command::Compare(command) => command.run(&root),
        cli::Command::Claims(command) => command.run(&root),
        cli::Command::Ab(command) => command.run(&root),
        cli::Command::Calibrate(command) => command.run(&root),
        cli::Command::History(command) => command.run(&root),
        cli::Command::Publish(command) => command.run(&root),
        cli::Command::Comment(command) => command.run(),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The checkout's root: the parent of this crate's manifest directory.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the project root")
        .to_path_buf()
}
