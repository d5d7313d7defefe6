//! Typed errors of the exports.

use std::path::PathBuf;

/// What can go wrong in an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] jauge_store::StoreError),
    /// The output could not be written.
    #[error("{path}: cannot write: {source}")]
    Io {
        /// The output file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The CSV writer failed.
    #[error("CSV output: {0}")]
    Csv(#[from] csv::Error),
    /// The Parquet writer failed.
    #[error("Parquet output: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// The pseudonymisation key cannot be used.
    #[error("{path}: {reason}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// The output path is refused before anything is opened: it is the database, a file of the
    /// database, the key, a file of the item bank, a folder, or an existing file without `force`.
    #[error("{path}: refused: {reason}")]
    Refused {
        /// The output path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The audit entry that must precede an export could not be written: nothing was exported.
    #[error("the export was not made: its audit entry cannot be written ({0})")]
    AuditUnavailable(jauge_store::StoreError),
    /// The export was written but its outcome could not be added to its audit entry (which
    /// still says `started`).
    #[error(
        "the export was written ({rows} row(s)) but its outcome could not be recorded in the audit log, whose entry says `started`: {source}"
    )]
    AuditOutcome {
        /// Rows written.
        rows: u64,
        /// Why the audit could not be completed.
        source: jauge_store::StoreError,
    },
    /// A competence code that cannot name a column.
    #[error("competence code `{0}` cannot name export columns (expected digits and dots, e.g. 1.1)")]
    Competence(String),
}

impl From<rusqlite::Error> for ExportError {
    /// SQLite's failures while reading are sorted like the store's (busy, no space, damaged…).
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(e.into())
    }
}
