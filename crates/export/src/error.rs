//! Typed errors of the exports.

use std::path::PathBuf;

/// What can go wrong in an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] jauge_store::StoreError),
    /// SQLite failed while reading.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
    /// A competence code that cannot name a column.
    #[error("competence code `{0}` cannot name export columns (expected digits and dots, e.g. 1.1)")]
    Competence(String),
}
