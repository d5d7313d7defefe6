//! `jauge irt`: ability estimation and item information from an item-parameter file.

use clap::Subcommand;

/// The `jauge irt` subcommands.
#[derive(Debug, Subcommand)]
pub enum IrtCommand {}

/// Runs a `jauge irt` subcommand.
pub fn run(cmd: IrtCommand) -> anyhow::Result<u8> {
    match cmd {}
}
