//! `jauge key create FILE`: a pseudonymisation key made of random material.

use std::path::PathBuf;

use clap::Subcommand;

use super::print_json;

/// The `jauge key` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a pseudonymisation key for `jauge export --pseudonymise-key-file`: 32 bytes from
    /// the operating system's random generator (64 hexadecimal characters), in a new file readable
    /// by its owner only. An existing file is never overwritten.
    Create {
        /// The key file to create.
        file: PathBuf,
        /// Print one JSON document on stdout.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `jauge key` subcommand.
pub fn run(cmd: KeyCommand) -> anyhow::Result<u8> {
    match cmd {
        KeyCommand::Create { file, json } => {
            jauge_export::create_key_file(&file)?;
            if json {
                print_json(&serde_json::json!({
                    "file": file.display().to_string(), "bits": 8 * jauge_export::MIN_KEY_BYTES,
                }))?;
            } else {
                eprintln!(
                    "Wrote a new key ({} random bits) to {}, readable by you only. Keep it apart from the \
                     exports, with restricted access: whoever holds it and a list of ids can re-identify the \
                     pseudonyms. The same key gives the same pseudonyms in every export.",
                    8 * jauge_export::MIN_KEY_BYTES,
                    file.display()
                );
            }
            Ok(0)
        }
    }
}
