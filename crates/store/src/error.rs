//! Typed errors of the store.

use std::path::PathBuf;

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file exists but is not a Jauge database (or is corrupt).
    #[error("{path}: not a Jauge database or corrupt ({reason}); nothing was written")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// SQLite's diagnosis.
        reason: String,
    },
    /// The database file does not exist (for commands that only read).
    #[error("{0}: no such database; run an assessment first or pass --db with an existing file")]
    Missing(PathBuf),
    /// The database was written by a newer Jauge.
    #[error(
        "the database has schema version {found}, newer than this Jauge supports ({supported}); upgrade Jauge"
    )]
    NewerSchema {
        /// The version found.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// An identifier does not have the required form.
    #[error("invalid {what} `{value}`: {reason}")]
    InvalidId {
        /// Which kind of identifier.
        what: &'static str,
        /// The value given (truncated for display).
        value: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// The agent already has an unfinished session.
    #[error("agent already has an unfinished session ({session}); resume it or abandon it first")]
    SessionInProgress {
        /// The unfinished session's public id.
        session: String,
    },
    /// No such record.
    #[error("unknown {what} `{id}`")]
    NotFound {
        /// Which kind of record.
        what: &'static str,
        /// The id looked up.
        id: String,
    },
    /// A record with this id exists already.
    #[error("{what} `{id}` already exists")]
    AlreadyExists {
        /// Which kind of record.
        what: &'static str,
        /// The id.
        id: String,
    },
    /// The session is not in a state that allows the operation.
    #[error("session {session} is {state}: {action} is not possible")]
    SessionState {
        /// The session's public id.
        session: String,
        /// Its state.
        state: String,
        /// What was attempted.
        action: &'static str,
    },
    /// The response's step is not the next one of the session.
    #[error("session {session}: response for step {got}, expected step {expected}")]
    OutOfOrder {
        /// The session's public id.
        session: String,
        /// Expected step.
        expected: u32,
        /// Step received.
        got: u32,
    },
    /// File-system problem around the database file.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A number to be written is NaN or infinite: refused, nothing written.
    #[error(
        "session {session}: {what} is {value}, not a finite number; nothing was written (an item's parameters are probably out of bounds: run `jauge bank validate`)"
    )]
    NotFinite {
        /// The session's id.
        session: String,
        /// Which number.
        what: String,
        /// The value.
        value: f64,
    },
}
