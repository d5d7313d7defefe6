//! Typed errors of the store.

use std::path::PathBuf;

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error that none of the variants below describes better.
    #[error("the database refused the operation: {0}")]
    Sqlite(rusqlite::Error),
    /// The file exists but is not a Jauge database, or its content is damaged. Only said when
    /// SQLite read the file and found it so: never for a file it could not open or write.
    #[error("{path}: not a Jauge database, or a damaged one ({reason}); nothing was written")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// SQLite's diagnosis.
        reason: String,
    },
    /// Other processes held the database's write lock for longer than the bound set with
    /// [`crate::set_default_lock_wait`] (`JAUGE_LOCK_WAIT` in the command line).
    #[error(
        "the database is busy: other processes kept it locked for more than {}, the limit; nothing was written by this step; run it again (or raise JAUGE_LOCK_WAIT, in seconds; see the limits in docs/assessments.md)",
        crate::classify::seconds(*waited)
    )]
    Busy {
        /// How long this process waited.
        waited: std::time::Duration,
    },
    /// The file system holding the database is full.
    #[error(
        "{}no space left on the file system holding the database: free some space and run the command again (what was recorded before is intact)",
        path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default()
    )]
    NoSpace {
        /// The database, when known.
        path: Option<PathBuf>,
    },
    /// The database (or the folder it is in) cannot be written: permissions, a read-only file
    /// system. The file itself is not judged: it may be perfectly healthy.
    #[error(
        "{}cannot write the database: {reason}; Jauge needs to write the file and to create the files `-wal` and `-shm` beside it (the database itself was not changed)",
        path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default()
    )]
    Permission {
        /// The database, when known.
        path: Option<PathBuf>,
        /// What the operating system said (e.g. "read-only file system").
        reason: String,
    },
    /// An input/output error below SQLite (a failing disk, a vanished network share).
    #[error(
        "{}input/output error while using the database ({reason}); the file was not judged corrupt: check the disk or the share it is on",
        path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default()
    )]
    DiskIo {
        /// The database, when known.
        path: Option<PathBuf>,
        /// What SQLite or the probe said.
        reason: String,
    },
    /// Two processes answered the same session at the same time: the other one got there first.
    #[error(
        "session {session} is being answered by another process at the same time ({detail}); this process stopped without recording its answer: continue the session in one place only (`--resume`)"
    )]
    Conflict {
        /// The session's public id.
        session: String,
        /// What the other process did.
        detail: String,
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
        reason: String,
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

impl From<rusqlite::Error> for StoreError {
    /// SQLite's result codes sorted into what a user can act on: busy, full, not writable, damaged,
    /// input/output; the rest stays [`StoreError::Sqlite`].
    fn from(e: rusqlite::Error) -> Self {
        crate::classify::classify(e, None)
    }
}
