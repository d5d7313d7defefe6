//! `jauge purge`: the retention policy.

use std::path::PathBuf;

use clap::Args;
use jauge_store::Store;
use serde_json::json;

use super::{db_path, parse_duration, print_json};

/// Remove sessions, responses and profile snapshots older than a duration.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Age beyond which data is removed: `90s`, `30m`, `12h`, `30d`, `2y`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    older_than: i64,
    /// The database (default: $JAUGE_DB, else the platform's data directory).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

/// Runs `jauge purge`.
pub fn run(args: PurgeArgs) -> anyhow::Result<u8> {
    let mut store = Store::open_existing(&db_path(args.db.as_deref()))?;
    // an age longer than the calendar reaches back (20000y): nothing is that old
    let cutoff = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_secs(args.older_than))
        .unwrap_or(jiff::Timestamp::MIN);
    let r = store.purge_before(cutoff, &format!("purge --older-than {}s", args.older_than))?;
    if args.json {
        print_json(&json!({
            "cutoff": cutoff.to_string(), "sessions": r.sessions, "responses": r.responses, "snapshots": r.snapshots,
            "files_rewritten": r.rewritten,
        }))?;
    } else {
        eprintln!(
            "Removed {} session(s), {} response(s) and {} profile snapshot(s) from before {cutoff}.",
            r.sessions, r.responses, r.snapshots
        );
        if !r.rewritten {
            eprintln!(
                "The removal is committed. Another process has the database open for reading, so the removed \
                 content stays in overwritten pages of the file until that process closes it: SQLite rewrites \
                 the file then, and Jauge finishes the rewrite the next time it opens the database."
            );
        }
    }
    Ok(0)
}
