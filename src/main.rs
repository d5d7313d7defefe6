//! The `jauge` command line: glue over the Jauge libraries.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
#[allow(dead_code)] // used by the commands as they land
mod input;

/// Jauge measures digital competencies by adaptive testing.
#[derive(Debug, Parser)]
#[command(name = "jauge", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Item response theory: estimate an ability, compute item information.
    #[command(subcommand)]
    Irt(cmd::irt::IrtCommand),
    /// Simulate adaptive tests: accuracy, length and exposure of a selection rule.
    Simulate(Box<cmd::simulate::SimulateArgs>),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Irt(c) => cmd::irt::run(c),
        Command::Simulate(a) => cmd::simulate::run(*a),
    };
    cmd::finish(result)
}
