//! Many processes on one database file: waiting for the lock, and write transactions.
//!
//! SQLite lets one writer at a time hold a database's write lock (readers run beside it in WAL
//! mode). Every write of the store is one transaction that takes the lock *up front* (`BEGIN
//! IMMEDIATE`), so that it never fails half-way because another process wrote in between. A
//! process that finds the lock taken waits with randomised exponential back-off (1 ms doubling up
//! to 32 ms, each wait drawn between half and one and a half of that, so that waiting processes
//! do not retry in step) for at most the *lock wait*, 30 s by default; past it the operation
//! fails with [`StoreError::Busy`], which says so in plain words, and nothing of it is written.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::{Result, Store, StoreError};

/// The default bound on how long a process waits for the database's lock: 30 s.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(30);

static LOCK_WAIT_MS: AtomicU64 = AtomicU64::new(DEFAULT_LOCK_WAIT.as_millis() as u64);

/// Sets, for the whole process, how long a connection opened afterwards waits for the
/// database's lock before giving up with [`StoreError::Busy`] (the command line reads it from
/// `JAUGE_LOCK_WAIT`, in seconds). At least 1 ms.
pub fn set_default_lock_wait(wait: Duration) {
    let ms = wait.as_millis().clamp(1, u128::from(u64::MAX)) as u64;
    LOCK_WAIT_MS.store(ms, Ordering::Relaxed);
}

/// The process's lock wait (see [`set_default_lock_wait`]).
pub fn lock_wait() -> Duration {
    Duration::from_millis(LOCK_WAIT_MS.load(Ordering::Relaxed))
}

/// Installs the waiting policy on a connection: called before its first read.
pub(crate) fn install_busy_handler(conn: &mut Connection, bound: Duration) -> rusqlite::Result<()> {
    let mut started = Instant::now();
    conn.busy_handler(Some(move |attempt: i32| -> bool {
        // SQLite counts the calls of one wait from 0
        if attempt == 0 {
            started = Instant::now();
        }
        let waited = started.elapsed();
        if waited >= bound {
            return false;
        }
        let cap_ms = 1u64 << attempt.clamp(0, 5);
        let jitter: f64 = 0.5 + rand::random::<f64>();
        let pause = Duration::from_secs_f64(cap_ms as f64 * jitter / 1000.0).min(bound - waited);
        std::thread::sleep(pause);
        true
    }))
}

impl Store {
    /// Sets how long this connection waits for the database's lock (see the module's
    /// documentation) before giving up with [`StoreError::Busy`].
    pub fn set_lock_wait(&mut self, wait: Duration) -> Result<()> {
        let wait = wait.max(Duration::from_millis(1));
        install_busy_handler(self.connection_mut(), wait)?;
        self.lock_wait = wait;
        Ok(())
    }

    /// Runs `f` in one write transaction that holds the database's write lock from its start
    /// (`BEGIN IMMEDIATE`): committed when `f` succeeds, rolled back when it fails, so that
    /// nothing of a failed operation is written. Waiting for the lock follows the lock wait.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&Self) -> Result<T>) -> Result<T> {
        let conn = self.connection();
        if !conn.is_autocommit() {
            // a transaction left open by a panic in an earlier `f`: nothing of it was committed
            let _ = conn.execute_batch("ROLLBACK");
        }
        conn.execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.classify(e))?;
        let mut guard = Rollback(Some(self.connection()));
        let out = f(self);
        let conn = self.connection();
        match out {
            Ok(v) => match conn.execute_batch("COMMIT") {
                Ok(()) => {
                    guard.0 = None;
                    Ok(v)
                }
                Err(e) => Err(self.classify(e)),
            },
            Err(e) => Err(e),
        }
    }

    /// Sorts a SQLite error with this database's path (see [`StoreError`]).
    pub(crate) fn classify(&self, e: rusqlite::Error) -> StoreError {
        let mut err = crate::classify::classify(e, self.path());
        if let StoreError::Busy { waited } = &mut err {
            *waited = self.lock_wait;
        }
        err
    }
}

/// Rolls back the transaction when dropped (an error or a panic in the middle of a write).
struct Rollback<'c>(Option<&'c Connection>);

impl Drop for Rollback<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.0
            && !c.is_autocommit()
        {
            let _ = c.execute_batch("ROLLBACK");
        }
    }
}
