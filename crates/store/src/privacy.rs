//! The agents' rights over their data: access, erasure, and the retention policy.

use jiff::Timestamp;
use rusqlite::{TransactionBehavior, params};

use crate::model::{Agent, ProfileSnapshot, ResponseRecord, SessionRecord};
use crate::{Result, Store, StoreError};

/// Everything stored about one agent (the right of access).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRecord {
    /// The agent and its identity.
    pub agent: Agent,
    /// Every session of the agent, oldest first, with its responses and profile.
    pub sessions: Vec<(SessionRecord, Vec<ResponseRecord>, Vec<ProfileSnapshot>)>,
}

/// What a purge removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PurgeReport {
    /// Sessions removed.
    pub sessions: u64,
    /// Responses removed with them.
    pub responses: u64,
    /// Profile snapshots removed with them.
    pub snapshots: u64,
}

impl Store {
    /// Everything stored about the agent known by `external_id`.
    pub fn agent_record(&self, external_id: &str) -> Result<AgentRecord> {
        let agent = self.agent(external_id)?.ok_or_else(|| StoreError::NotFound {
            what: "agent",
            id: external_id.into(),
        })?;
        let uids: Vec<String> = {
            let mut st = self
                .connection()
                .prepare("SELECT uid FROM session WHERE agent_id = ?1 ORDER BY started_at, id")?;
            st.query_map([agent.id], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        let mut sessions = Vec::with_capacity(uids.len());
        for uid in uids {
            let s = self.session(&uid)?.ok_or_else(|| StoreError::NotFound {
                what: "session",
                id: uid.clone(),
            })?;
            let responses = self.responses(s.id)?;
            let snaps = self.snapshots(s.id)?;
            sessions.push((s, responses, snaps));
        }
        Ok(AgentRecord { agent, sessions })
    }

    /// Every profile snapshot of one session, under every scoring version it was scored with
    /// (the one in force and those a rescore superseded).
    pub fn snapshots(&self, session: i64) -> Result<Vec<ProfileSnapshot>> {
        self.all_snapshots(session)
    }

    /// Erases the agent known by `external_id`: its identity row and every link from its
    /// sessions to it are removed, with `secure_delete` on, and the WAL is checkpointed and
    /// truncated, so the id survives nowhere in the database files. Its sessions, responses and
    /// profiles stay, anonymous, for calibration and aggregates. The audit log records the
    /// erasure (when, by which command) but not the id. Returns the number of sessions unlinked.
    ///
    /// Exports made before the erasure are files outside the database: they are not reached.
    pub fn erase_agent(&mut self, external_id: &str, command: &str) -> Result<u64> {
        let agent = self.agent(external_id)?.ok_or_else(|| StoreError::NotFound {
            what: "agent",
            id: external_id.into(),
        })?;
        let conn = self.connection_mut();
        conn.execute_batch("PRAGMA secure_delete = ON;")?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // an unfinished session of an erased agent can never be resumed: close it
        tx.execute(
            "UPDATE session SET state = 'abandoned', finished_at = ?1, pending_step = NULL, pending_item = NULL,
                                pending_shown_at = NULL, pending_order = NULL
             WHERE agent_id = ?2 AND state = 'active'",
            params![Timestamp::now().as_microsecond(), agent.id],
        )?;
        let unlinked = tx.execute(
            "UPDATE session SET agent_id = NULL WHERE agent_id = ?1",
            [agent.id],
        )? as u64;
        tx.execute("DELETE FROM agent_identity WHERE agent_id = ?1", [agent.id])?;
        tx.execute("DELETE FROM agent WHERE id = ?1", [agent.id])?;
        tx.execute(
            "INSERT INTO audit_log (at, command, detail) VALUES (?1, ?2, ?3)",
            params![
                Timestamp::now().as_microsecond(),
                command,
                format!("erased one agent; {unlinked} session(s) kept anonymous")
            ],
        )?;
        tx.commit()?;
        self.checkpoint_truncate()?;
        Ok(unlinked)
    }

    /// Copies the WAL into the database and truncates it to zero bytes, then frees deleted
    /// pages (`VACUUM` is not needed: with `secure_delete` the freed content is zeroed).
    pub fn checkpoint_truncate(&mut self) -> Result<()> {
        if self.path().is_none() {
            return Ok(());
        }
        let (busy, _, _): (i64, i64, i64) =
            self.connection()
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        if busy != 0 {
            return Err(StoreError::SessionState {
                session: "-".into(),
                state: "in use by another process".into(),
                action: "checkpointing the WAL (close the other Jauge processes and run the command again)",
            });
        }
        Ok(())
    }

    /// Removes the sessions that ended (or, unfinished, started) before `cutoff`, with their
    /// responses and profile snapshots, for a retention policy; recorded in the audit log.
    pub fn purge_before(&mut self, cutoff: Timestamp, command: &str) -> Result<PurgeReport> {
        let c = cutoff.as_microsecond();
        let conn = self.connection_mut();
        conn.execute_batch("PRAGMA secure_delete = ON;")?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let filter = "coalesce(finished_at, started_at) < ?1";
        let responses: i64 = tx.query_row(
            &format!(
                "SELECT count(*) FROM response WHERE session_id IN (SELECT id FROM session WHERE {filter})"
            ),
            [c],
            |r| r.get(0),
        )?;
        let snapshots: i64 = tx.query_row(
            &format!("SELECT count(*) FROM profile_snapshot WHERE session_id IN (SELECT id FROM session WHERE {filter})"),
            [c],
            |r| r.get(0),
        )?;
        tx.execute(
            &format!("DELETE FROM response WHERE session_id IN (SELECT id FROM session WHERE {filter})"),
            [c],
        )?;
        tx.execute(
            &format!(
                "DELETE FROM profile_snapshot WHERE session_id IN (SELECT id FROM session WHERE {filter})"
            ),
            [c],
        )?;
        let sessions = tx.execute(&format!("DELETE FROM session WHERE {filter}"), [c])? as u64;
        let report = PurgeReport {
            sessions,
            responses: responses as u64,
            snapshots: snapshots as u64,
        };
        tx.execute(
            "INSERT INTO audit_log (at, command, detail) VALUES (?1, ?2, ?3)",
            params![
                Timestamp::now().as_microsecond(),
                command,
                format!(
                    "purged data older than {cutoff}: {} session(s), {} response(s), {} snapshot(s)",
                    report.sessions, report.responses, report.snapshots
                )
            ],
        )?;
        tx.commit()?;
        self.checkpoint_truncate()?;
        Ok(report)
    }
}
