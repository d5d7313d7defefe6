//! What a fault run checks in the database afterwards, with SQL on the file itself (the load
//! generator knows the service by its HTTP API only; the database is read here as an auditor
//! would): `PRAGMA integrity_check`, every acknowledged answer present exactly once at its step
//! with its item and answer, no item twice in a session, consecutive steps, no session left
//! active.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

use crate::Ack;

/// The findings (every count 0 and `integrity` `ok` when all is well).
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct DbCheck {
    /// What `PRAGMA integrity_check` said.
    pub integrity: String,
    /// Responses in the database.
    pub responses: u64,
    /// Acknowledged answers checked.
    pub acknowledged: u64,
    /// Acknowledged answers absent from the database.
    pub missing: u64,
    /// Acknowledged answers present more than once at their step.
    pub duplicated: u64,
    /// Acknowledged answers whose stored item or answer differs from what was sent.
    pub mismatched: u64,
    /// Sessions holding an item twice.
    pub items_twice: u64,
    /// Sessions whose steps are not consecutive from 0.
    pub step_gaps: u64,
    /// Sessions still active.
    pub active_sessions: u64,
}

impl DbCheck {
    /// Whether every check passed.
    pub fn ok(&self) -> bool {
        self.integrity == "ok"
            && self.missing == 0
            && self.duplicated == 0
            && self.mismatched == 0
            && self.items_twice == 0
            && self.step_gaps == 0
    }
}

/// Checks the database at `db` (read-only) against the acknowledged answers.
pub fn check_database(db: &Path, acks: &[Ack]) -> anyhow::Result<DbCheck> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    let count =
        |sql: &str| -> anyhow::Result<u64> { Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64) };
    let mut check = DbCheck {
        integrity,
        responses: count("SELECT count(*) FROM response")?,
        acknowledged: acks.len() as u64,
        items_twice: count(
            "SELECT count(*) FROM (SELECT session_id FROM response GROUP BY session_id, item HAVING count(*) > 1)",
        )?,
        step_gaps: count(
            "SELECT count(*) FROM (SELECT session_id FROM response GROUP BY session_id HAVING max(step) + 1 != count(*))",
        )?,
        active_sessions: count("SELECT count(*) FROM session WHERE state = 'active'")?,
        ..DbCheck::default()
    };
    // every response of the sessions acknowledged, by (session, step)
    let mut stored: HashMap<(String, i64), Vec<(String, String)>> = HashMap::new();
    let mut st = conn.prepare(
        "SELECT s.uid, r.step, r.item, r.raw_answer FROM response r JOIN session s ON s.id = r.session_id",
    )?;
    let rows = st.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    for row in rows {
        let (uid, step, item, raw) = row?;
        stored.entry((uid, step)).or_default().push((item, raw));
    }
    for a in acks {
        // the API counts steps from 1, the store from 0
        match stored
            .get(&(a.session.clone(), a.step as i64 - 1))
            .map(Vec::as_slice)
        {
            None | Some([]) => check.missing += 1,
            Some([(item, raw)]) => {
                let answer: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
                if *item != a.item || answer != a.answer {
                    check.mismatched += 1;
                }
            }
            Some(_) => check.duplicated += 1,
        }
    }
    Ok(check)
}

/// Responses in the database at `db` now (read-only).
pub fn count_responses(db: &Path) -> anyhow::Result<u64> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    Ok(conn.query_row("SELECT count(*) FROM response", [], |r| r.get::<_, i64>(0))? as u64)
}
