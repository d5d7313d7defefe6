//! One module per command family. Each exposes its clap arguments and a `run` function that
//! returns the exit status of a command that ran (0 clean, 1 problems found); an `Err` is bad
//! usage or bad input and exits 2, as `CONTRACTS.md` fixes.

use std::io::{self, Write};
use std::process::ExitCode;

pub mod irt;
pub mod simulate;

/// Reports a command's outcome and turns it into the process exit status.
pub fn finish(result: anyhow::Result<u8>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // A closed pipe (`jauge … | head`) is not an error.
            if let Some(ioe) = e.downcast_ref::<io::Error>()
                && ioe.kind() == io::ErrorKind::BrokenPipe
            {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(io::stderr(), "error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Prints one JSON document on stdout (the `--json` contract: exactly one document, no NaN).
#[allow(dead_code)] // used by the commands as they land
pub fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A finite number as JSON, or `null` when it is NaN or infinite.
#[allow(dead_code)] // used by the commands as they land
pub fn num(x: f64) -> serde_json::Value {
    serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, serde_json::Value::Number)
}
