//! `cargo xtask`: the versus orchestrator. This file only dispatches; each subcommand
//! lives in its own module (see ARCHITECTURE.md for the map).

mod ab;
mod bench;
mod calibrate;
mod catalogue;
mod cli;
mod compare;
mod doctor;
mod export;
mod histogram;
mod history;
mod instructions;
mod list;
mod machine;
mod plan;
mod process;
mod record;
mod run;
mod site;
mod source;
mod stats;
mod test;
mod toolchains;
mod trial;

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
        cli::Command::Ab(command) => command.run(&root),
        cli::Command::Calibrate(command) => command.run(&root),
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
