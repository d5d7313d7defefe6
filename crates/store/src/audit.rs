//! The audit log: who did what to personal data (exports, erasures, purges), and when.
//!
//! "Who" is the operating-system account running the process, by its uid and its name as the
//! system's account database gives it (`getpwuid`: local files, LDAP…) — never an environment
//! variable such as `$USER`, which anyone can set. A two-step operation (an export) is recorded
//! *before* it starts, with outcome `started`, and its outcome is written when it ends: an export
//! that is killed or fails half-way still leaves its trace.

use jiff::Timestamp;
use rusqlite::{Connection, params};

use crate::model::AuditEntry;
use crate::{Result, Store};

/// The operating-system account running this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsUser {
    /// The numeric user id (Unix), if the platform has one.
    pub uid: Option<u32>,
    /// The account's name from the system's account database, if it has one.
    pub name: Option<String>,
}

impl std::fmt::Display for OsUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.name, self.uid) {
            (Some(n), Some(u)) => write!(f, "{n} (uid {u})"),
            (Some(n), None) => f.write_str(n),
            (None, Some(u)) => write!(f, "uid {u} (no account name)"),
            (None, None) => f.write_str("unknown account"),
        }
    }
}

/// The account running this process (see the module's documentation).
#[cfg(unix)]
pub fn os_user() -> OsUser {
    let uid = rustix::process::getuid().as_raw();
    let name = uzers::get_user_by_uid(uid).map(|u| u.name().to_string_lossy().into_owned());
    OsUser { uid: Some(uid), name }
}

/// The account running this process (see the module's documentation).
#[cfg(not(unix))]
pub fn os_user() -> OsUser {
    OsUser {
        uid: None,
        name: None,
    }
}

/// Inserts one audit row in the caller's transaction; returns its id.
pub(crate) fn insert(conn: &Connection, command: &str, detail: &str, outcome: Option<&str>) -> Result<i64> {
    let who = os_user();
    conn.execute(
        "INSERT INTO audit_log (at, command, detail, uid, user_name, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            Timestamp::now().as_microsecond(),
            command,
            detail,
            who.uid,
            who.name,
            outcome
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

impl Store {
    /// Appends a one-step entry to the audit log (with the operating-system account).
    pub fn audit(&mut self, command: &str, detail: &str) -> Result<()> {
        self.write(|s| insert(&s.conn, command, detail, None).map(|_| ()))
    }

    /// Records, before it starts, an operation whose outcome is known later (an export): the
    /// entry says `started` until [`Store::audit_end`] writes the outcome. Returns the entry's id.
    /// When this fails the operation must not run.
    pub fn audit_begin(&mut self, command: &str, detail: &str) -> Result<i64> {
        self.write(|s| insert(&s.conn, command, detail, Some("started")))
    }

    /// Writes the outcome of an operation recorded with [`Store::audit_begin`] (e.g.
    /// `completed: 1,204 rows` or `failed: no space left`), and when it ended.
    pub fn audit_end(&mut self, entry: i64, outcome: &str) -> Result<()> {
        self.write(|s| {
            s.conn.execute(
                "UPDATE audit_log SET outcome = ?1, ended_at = ?2 WHERE id = ?3",
                params![outcome, Timestamp::now().as_microsecond(), entry],
            )?;
            Ok(())
        })
    }

    /// The audit log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        let mut st = self.conn.prepare(
            "SELECT at, command, detail, uid, user_name, outcome, ended_at FROM audit_log ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(AuditEntry {
                at: crate::store::ts(r.get(0)?),
                command: r.get(1)?,
                detail: r.get(2)?,
                uid: r.get(3)?,
                user: r.get(4)?,
                outcome: r.get(5)?,
                ended_at: r.get::<_, Option<i64>>(6)?.map(crate::store::ts),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
