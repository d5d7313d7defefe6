//! Telling apart what went wrong with a database file, so that the message tells the truth: a
//! healthy database on a read-only or full file system is never called corrupt.
//!
//! SQLite's result codes say *what kind* of failure happened; when they are vague (it could not
//! open a file, an input/output error), [`probe`] asks the file system directly — can the file be
//! opened for writing, can a file be created beside it, is there room — and names the cause.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::ErrorCode;

use crate::StoreError;

/// Sorts a SQLite error into the store's variants (see [`StoreError`]). `path` is the database,
/// when known; with it, vague failures are probed on the file system.
pub(crate) fn classify(e: rusqlite::Error, path: Option<&Path>) -> StoreError {
    let Some(code) = e.sqlite_error_code() else {
        return StoreError::Sqlite(e);
    };
    let owned = path.map(Path::to_path_buf);
    match code {
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Busy {
            waited: crate::lock::lock_wait(),
        },
        ErrorCode::DiskFull => StoreError::NoSpace { path: owned },
        ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => match path {
            Some(p) => StoreError::Corrupt {
                path: p.to_path_buf(),
                reason: sqlite_message(&e),
            },
            None => StoreError::Sqlite(e),
        },
        ErrorCode::ReadOnly
        | ErrorCode::PermissionDenied
        | ErrorCode::CannotOpen
        | ErrorCode::SystemIoFailure => match path.and_then(probe) {
            Some(Probe::NoSpace) => StoreError::NoSpace { path: owned },
            Some(Probe::Io(reason)) => StoreError::DiskIo { path: owned, reason },
            Some(p) => StoreError::Permission {
                path: owned,
                reason: p.to_string(),
            },
            None => match code {
                ErrorCode::SystemIoFailure => StoreError::DiskIo {
                    path: owned,
                    reason: format!(
                        "SQLite reported an input/output error, extended code {}",
                        extended(&e)
                    ),
                },
                ErrorCode::ReadOnly => StoreError::Permission {
                    path: owned,
                    reason: "the database is read-only for this process".into(),
                },
                _ => StoreError::Permission {
                    path: owned,
                    reason: "the database, or a file beside it, cannot be opened".into(),
                },
            },
        },
        _ => StoreError::Sqlite(e),
    }
}

/// SQLite's own short message ("file is not a database").
fn sqlite_message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        other => other.to_string(),
    }
}

/// SQLite's extended result code.
fn extended(e: &rusqlite::Error) -> i32 {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => f.extended_code,
        _ => 0,
    }
}

/// What the file system says about a database path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Probe {
    /// The file system is mounted read-only.
    ReadOnlyFs,
    /// Permission denied on this path (the file, or the folder for the `-wal`/`-shm` files).
    Denied(PathBuf),
    /// No space left (writing a small test file beside the database failed).
    NoSpace,
    /// Another input/output error.
    Io(String),
}

impl std::fmt::Display for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ReadOnlyFs => f.write_str("the file system is read-only"),
            Self::Denied(p) => write!(f, "permission denied on {}", p.display()),
            Self::NoSpace => f.write_str("no space left on the file system"),
            Self::Io(m) => f.write_str(m),
        }
    }
}

/// Asks the file system why a database cannot be used: the file opened for reading and writing,
/// then a small file created (and removed) in its folder, where SQLite creates `-wal` and
/// `-shm`. `None` when nothing is wrong that the file system can see.
pub(crate) fn probe(db: &Path) -> Option<Probe> {
    let sort = |p: &Path, e: std::io::Error| -> Option<Probe> {
        match e.kind() {
            ErrorKind::ReadOnlyFilesystem => Some(Probe::ReadOnlyFs),
            ErrorKind::PermissionDenied => Some(Probe::Denied(p.to_path_buf())),
            ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge => {
                Some(Probe::NoSpace)
            }
            ErrorKind::NotFound => None,
            _ => Some(Probe::Io(format!("{}: {e}", p.display()))),
        }
    };
    if db.exists()
        && let Err(e) = std::fs::OpenOptions::new().read(true).write(true).open(db)
    {
        return sort(db, e);
    }
    let dir = match db.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let test = dir.join(format!(
        ".{}.jauge-probe-{}",
        db.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        std::process::id()
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&test)
        .and_then(|mut f| {
            // the size SQLite needs for its shared-memory index, written for real
            let block = [0u8; 32 * 1024];
            f.write_all(&block)?;
            f.sync_all()
        });
    let _ = std::fs::remove_file(&test);
    match written {
        Ok(()) => None,
        Err(e) if e.kind() == ErrorKind::PermissionDenied => Some(Probe::Denied(dir)),
        Err(e) => sort(&dir, e),
    }
}

/// `30 s`, `1.5 s`: a bound as the messages show it.
pub(crate) fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if (s - s.round()).abs() < 1e-9 {
        format!("{} s", s.round() as u64)
    } else {
        format!("{s:.1} s")
    }
}
