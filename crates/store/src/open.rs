//! Opening a database: creating it, checking it is a Jauge database, migrating it — safe when any
//! number of processes open the same new file at the same moment.
//!
//! The order matters. The file is created readable by its owner only (a concurrent creator
//! having made it first is fine). The waiting policy is installed before the first read, so that
//! a reader meeting another process's lock waits instead of failing. Reading the schema version
//! tells a damaged or foreign file apart before anything is written. Creation and migration then
//! run in one write transaction that reads the version *again* under the lock: the first opener
//! creates the schema, the others find it done.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::classify::classify;
use crate::lock::{install_busy_handler, lock_wait};
use crate::schema::{MIGRATIONS, SCHEMA_VERSION};
use crate::{Result, Store, StoreError};

impl Store {
    /// Opens (creating if needed) the database at `path`, readable by its owner only, and
    /// migrates it to the current schema. Any number of processes may do so at once.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            std::fs::create_dir_all(dir).map_err(|source| io_error(dir, source))?;
        }
        if !path.exists() {
            match create_private_file(path) {
                Ok(()) => {}
                // another process created it between the check and here
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io_error(path, e)),
            }
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(e, Some(path)))?;
        Self::init(conn, Some(path.to_path_buf()))
    }

    /// Opens an existing database only (for commands that read): a missing file is an error and
    /// nothing is created.
    pub fn open_existing(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(StoreError::Missing(path.into()));
        }
        Self::open(path)
    }

    /// A fresh database in memory (tests, simulations).
    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Self> {
        let wait = lock_wait();
        install_busy_handler(&mut conn, wait)?;
        let p = path.as_deref();
        let fail = |e: rusqlite::Error| classify(e, p);
        // SQLite opens a file it may not write read-only, silently: say so before anything else
        if p.is_some() && conn.is_readonly(rusqlite::MAIN_DB).map_err(fail)? {
            return Err(match p.and_then(crate::classify::probe) {
                Some(crate::classify::Probe::NoSpace) => StoreError::NoSpace { path: path.clone() },
                probe => StoreError::Permission {
                    path: path.clone(),
                    reason: probe.map_or_else(
                        || "the file is read-only for this process".into(),
                        |p| p.to_string(),
                    ),
                },
            });
        }
        // The first read: a damaged or foreign file is told apart before anything is written.
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(fail)?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
            .map_err(fail)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if p.is_some() {
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .map_err(fail)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Permission {
                    path: path.clone(),
                    reason: format!("the database cannot be switched to WAL mode (it stays in {mode} mode)"),
                });
            }
            conn.execute_batch("PRAGMA synchronous = FULL;").map_err(fail)?;
        }
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;")
            .map_err(fail)?;
        let mut store = Self {
            conn,
            path,
            lock_wait: wait,
        };
        store.migrate()?;
        store.finish_pending_rewrite()?;
        Ok(store)
    }

    /// Creates or migrates the schema in one write transaction, the version read again under the
    /// lock: of several processes opening a new file at once, the first creates the schema and
    /// the others find it made.
    fn migrate(&mut self) -> Result<()> {
        let current: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current == SCHEMA_VERSION {
            return self.check_tables();
        }
        let path = self.path.clone();
        self.write(|s| {
            let version: i64 = s.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if version > SCHEMA_VERSION {
                return Err(StoreError::NewerSchema {
                    found: version,
                    supported: SCHEMA_VERSION,
                });
            }
            if version == 0 {
                let objects: i64 = s
                    .conn
                    .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
                if objects > 0 {
                    return Err(StoreError::Corrupt {
                        path: path.clone().unwrap_or_default(),
                        reason: "an SQLite database of another application".into(),
                    });
                }
            } else {
                s.check_tables()?;
            }
            for (k, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                s.conn.execute_batch(sql)?;
                crate::schema::after_migration(&s.conn, k as i64 + 1)?;
            }
            s.conn
                .execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
            Ok(())
        })
    }

    /// The tables every version has: their absence means the file is not (or no longer) a
    /// Jauge database.
    fn check_tables(&self) -> Result<()> {
        let tables: i64 = self.conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('session', 'response', 'agent')",
            [],
            |r| r.get(0),
        )?;
        if tables != 3 {
            return Err(StoreError::Corrupt {
                path: self.path.clone().unwrap_or_default(),
                reason: "the Jauge tables are missing".into(),
            });
        }
        Ok(())
    }

    /// How long this connection waits for the database's lock.
    pub fn lock_wait_bound(&self) -> Duration {
        self.lock_wait
    }
}

fn io_error(path: &Path, source: std::io::Error) -> StoreError {
    use std::io::ErrorKind;
    match source.kind() {
        ErrorKind::ReadOnlyFilesystem => StoreError::Permission {
            path: Some(path.into()),
            reason: "the file system is read-only".into(),
        },
        ErrorKind::PermissionDenied => StoreError::Permission {
            path: Some(path.into()),
            reason: format!("permission denied on {}", path.display()),
        },
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => StoreError::NoSpace {
            path: Some(path.into()),
        },
        _ => StoreError::Io {
            path: path.into(),
            source,
        },
    }
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(|_| ())
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map(|_| ())
}
