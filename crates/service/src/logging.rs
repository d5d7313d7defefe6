//! Logs: one line per request and per notable event, on stderr, as text or JSON lines. They carry
//! route templates, statuses, durations, session ids and tokens' public ids — never an agent's
//! id, a session link or a token's secret.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

/// Installs the logger. `filter` is a level (`info`) or per-target levels
/// (`warn,jauge_service=debug`); `json` writes one JSON object per line.
pub fn init(filter: &str, json: bool) -> Result<(), String> {
    let targets: Targets = filter
        .parse()
        .map_err(|e| format!("log filter `{filter}`: {e}"))?;
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false);
    let registry = tracing_subscriber::registry().with(targets);
    let r = if json {
        registry.with(fmt.json().flatten_event(true)).try_init()
    } else {
        registry.with(fmt).try_init()
    };
    r.map_err(|e| e.to_string())
}
