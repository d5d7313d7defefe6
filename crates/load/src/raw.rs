//! The file system's raw rate of durable single-row commits: SQLite in WAL mode with
//! `synchronous = FULL` (each commit synced, as Jauge's store does by default), one row per
//! transaction, on a fresh database in the directory given (the server's, to measure the same
//! disk). It is the ceiling of a server that syncs every answer on its own.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// Commits per second over `duration` (at least 20 commits), in a scratch database under `dir`
/// that is removed afterwards.
pub fn durable_commit_rate(dir: &Path, duration: Duration) -> anyhow::Result<f64> {
    let path = dir.join(format!("raw-commits-{}.db", std::process::id()));
    let cleanup = |p: &Path| {
        for suffix in ["", "-wal", "-shm"] {
            let mut f = p.as_os_str().to_owned();
            f.push(suffix);
            let _ = std::fs::remove_file(f);
        }
    };
    cleanup(&path);
    let result = (|| {
        let conn = Connection::open(&path)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        anyhow::ensure!(mode.eq_ignore_ascii_case("wal"), "WAL mode refused ({mode})");
        conn.execute_batch(
            "PRAGMA synchronous = FULL;
             CREATE TABLE t (id INTEGER PRIMARY KEY, session INTEGER NOT NULL, step INTEGER NOT NULL, answer TEXT NOT NULL);",
        )?;
        let mut st = conn.prepare("INSERT INTO t (session, step, answer) VALUES (?1, ?2, ?3)")?;
        let start = Instant::now();
        let mut n = 0i64;
        while n < 20 || start.elapsed() < duration {
            st.execute(rusqlite::params![
                n % 100,
                n,
                "{\"kind\": \"options\", \"value\": [\"b\"]}"
            ])?;
            n += 1;
        }
        Ok(n as f64 / start.elapsed().as_secs_f64())
    })();
    cleanup(&path);
    result
}
