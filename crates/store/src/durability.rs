//! Group commit: many transactions made durable by one sync, for a server that answers many
//! agents at once.
//!
//! By default every commit of a [`Store`] is synced to the disk before it returns
//! (`synchronous = FULL`), which bounds a file database to the disk's rate of syncs (a few
//! hundred per second on a virtual disk). A server may instead call [`Store::defer_sync`]: its
//! commits then return once written to the write-ahead log in the operating system's cache
//! (`synchronous = NORMAL`, WAL mode: the database is always consistent), and the server makes
//! them durable with [`WalSync::sync`] — one `fdatasync` of the WAL file, which covers every
//! frame written to it before the call, whichever connection wrote it — before it acknowledges
//! any of them. SQLite syncs the WAL before each checkpoint and the database file after, and
//! only reuses the WAL once a checkpoint is complete, so a synced frame stays durable until it is
//! in the synced database.
//!
//! A kill of the process loses nothing either way (the log is in the kernel's cache); what the
//! explicit sync protects against is the loss of the machine.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::{Result, Store, StoreError};

/// A handle that syncs the write-ahead log of one database file (see the module's doc).
#[derive(Debug)]
pub struct WalSync {
    path: PathBuf,
    file: std::sync::Mutex<File>,
}

impl WalSync {
    fn open(path: &Path) -> io::Result<Self> {
        Ok(Self {
            path: path.into(),
            file: std::sync::Mutex::new(File::open(path)?),
        })
    }

    /// Makes durable everything written to the WAL before this call (`fdatasync`). The file is
    /// reopened first if it was replaced (it never is while a connection holds the database
    /// open, but a sync must never silently go to a stale file).
    pub fn sync(&self) -> io::Result<()> {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let current = std::fs::metadata(&self.path)?;
            let held = file.metadata()?;
            if (current.dev(), current.ino()) != (held.dev(), held.ino()) {
                *file = File::open(&self.path)?;
            }
        }
        file.sync_data()
    }

    /// The WAL file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl StoreError {
    /// Whether the database was busy (locked by another connection past the busy timeout): the
    /// operation did nothing and may be retried.
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Busy { .. })
            || matches!(
                self,
                StoreError::Sqlite(e) if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                )
            )
    }
}

impl Store {
    /// Switches this connection to deferred durability: its commits are no longer synced
    /// (`synchronous = NORMAL`) and no longer checkpoint the log themselves
    /// (`wal_autocheckpoint = 0`: call [`Store::checkpoint_passive`] from another connection).
    /// The caller must call [`WalSync::sync`] on the returned handle after a commit and before
    /// it tells anyone that the commit happened. A database in memory has nothing to sync and is
    /// refused.
    pub fn defer_sync(&mut self) -> Result<WalSync> {
        let Some(db) = self.path().map(Path::to_path_buf) else {
            return Err(StoreError::SessionState {
                session: "-".into(),
                state: "in memory".into(),
                action: "deferring durability",
            });
        };
        let mode: String = self
            .connection()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::SessionState {
                session: "-".into(),
                state: format!("in journal mode {mode}"),
                action: "deferring durability (WAL mode is needed)",
            });
        }
        // a read makes sure the log file exists before it is opened
        self.connection()
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
        let mut wal = db.into_os_string();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        let handle = WalSync::open(&wal).map_err(|source| StoreError::Io {
            path: wal.clone(),
            source,
        })?;
        self.connection()
            .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;")?;
        Ok(handle)
    }

    /// Copies what it can of the WAL into the database without waiting for any other
    /// connection (`PRAGMA wal_checkpoint(PASSIVE)`); returns (frames in the log, frames
    /// checkpointed). Syncs the log before and the database after, as SQLite always does.
    pub fn checkpoint_passive(&self) -> Result<(i64, i64)> {
        let (_, log, done): (i64, i64, i64) =
            self.connection()
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        Ok((log, done))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferred_sync_needs_a_file_in_wal_mode() {
        let mut mem = Store::open_in_memory().unwrap();
        assert!(mem.defer_sync().is_err());
        let dir = std::env::temp_dir().join(format!("jauge-store-defer-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut s = Store::open(&dir.join("j.db")).unwrap();
        let sync = s.defer_sync().unwrap();
        assert!(sync.path().ends_with("j.db-wal"));
        let sync_mode: i64 = s
            .connection()
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync_mode, 1, "NORMAL");
        s.create_organisation("o", "O").unwrap();
        sync.sync().unwrap();
        let (log, done) = s.checkpoint_passive().unwrap();
        assert!(log >= done);
        // a truncating checkpoint keeps the same file: the handle still syncs it
        s.checkpoint_truncate().unwrap();
        s.create_organisation("p", "P").unwrap();
        sync.sync().unwrap();
        drop(s);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
