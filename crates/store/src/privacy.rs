//! The agents' rights over their data: access, erasure, and the retention policy.

use jiff::Timestamp;
use rusqlite::params;

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
    /// The database file was rewritten at once, so that the removed content survives nowhere
    /// in it. `false` when another process was reading: the rewrite happens when it closes the
    /// database, or at the next open (see [`Erasure::rewritten`]).
    pub rewritten: bool,
}

/// What an erasure did. The erasure itself is committed whenever this is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erasure {
    /// Sessions kept, without any link to the person, for calibration and aggregates.
    pub sessions_kept_anonymous: u64,
    /// The database file was rewritten at once (the write-ahead log copied in and truncated),
    /// so that the erased id survives nowhere in the files. `false` when another process had the
    /// database open for reading from before the erasure: SQLite cannot rewrite the pages that
    /// process may still read, so the old content stays in the file until it closes the database
    /// (SQLite rewrites it then), or until the next time Jauge opens it (recorded as pending).
    pub rewritten: bool,
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
    /// profiles stay, anonymous, for calibration and aggregates; they keep a random number in
    /// common (no link to the person), so that aggregates count them as one person. The audit
    /// log records the erasure (when, by which command and account) but not the id.
    ///
    /// When another process is reading the database, the erasure is committed but the file
    /// cannot be rewritten yet: [`Erasure::rewritten`] says so, and the rewrite is finished when
    /// that process closes the database or at the next open.
    ///
    /// Exports made before the erasure are files outside the database: they are not reached.
    pub fn erase_agent(&mut self, external_id: &str, command: &str) -> Result<Erasure> {
        let agent = self.agent(external_id)?.ok_or_else(|| StoreError::NotFound {
            what: "agent",
            id: external_id.into(),
        })?;
        self.connection().execute_batch("PRAGMA secure_delete = ON;")?;
        // a random number, not derived from anything about the person
        let person = (rand::random::<u64>() >> 1).max(1) as i64;
        let unlinked = self.write(|s| {
            let tx = s.connection();
            // an unfinished session of an erased agent can never be resumed: close it
            tx.execute(
                "UPDATE session SET state = 'abandoned', finished_at = ?1, pending_step = NULL, pending_item = NULL,
                                    pending_shown_at = NULL, pending_order = NULL
                 WHERE agent_id = ?2 AND state = 'active'",
                params![Timestamp::now().as_microsecond(), agent.id],
            )?;
            let unlinked = tx.execute(
                "UPDATE session SET agent_id = NULL, anonymous_person = ?2 WHERE agent_id = ?1",
                params![agent.id, person],
            )? as u64;
            tx.execute("DELETE FROM agent_identity WHERE agent_id = ?1", [agent.id])?;
            tx.execute("DELETE FROM agent WHERE id = ?1", [agent.id])?;
            crate::audit::insert(
                tx,
                command,
                &format!("erased one agent; {unlinked} session(s) kept anonymous"),
                None,
            )?;
            Ok(unlinked)
        })?;
        let rewritten = self.rewrite_or_defer()?;
        Ok(Erasure {
            sessions_kept_anonymous: unlinked,
            rewritten,
        })
    }

    /// How long a rewrite waits for other processes' reads to end before it is deferred.
    const REWRITE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

    /// Copies the WAL into the database file and truncates it to zero bytes (with
    /// `secure_delete`, the freed content is already zeroed: no `VACUUM` is needed). Returns
    /// `false` when another process's read, begun before the last write, prevents it after a
    /// short wait: the old pages it may read cannot be overwritten yet.
    pub fn checkpoint_truncate(&mut self) -> Result<bool> {
        if self.path().is_none() {
            return Ok(true);
        }
        let wait = Self::REWRITE_WAIT.min(self.lock_wait);
        crate::lock::install_busy_handler(self.connection_mut(), wait)?;
        let result = self
            .connection()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0));
        let bound = self.lock_wait;
        crate::lock::install_busy_handler(self.connection_mut(), bound)?;
        match result {
            Ok(busy) => Ok(busy == 0),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => Ok(false),
            Err(e) => Err(self.classify(e)),
        }
    }

    /// Rewrites the file now, or records that it must be rewritten (finished at the next open).
    fn rewrite_or_defer(&mut self) -> Result<bool> {
        if self.checkpoint_truncate()? {
            return Ok(true);
        }
        self.write(|s| {
            s.connection().execute(
                "INSERT OR IGNORE INTO maintenance (task, since) VALUES ('rewrite', ?1)",
                [Timestamp::now().as_microsecond()],
            )?;
            Ok(())
        })?;
        Ok(false)
    }

    /// Finishes a rewrite deferred by an erasure or a purge (see [`Erasure::rewritten`]); run at
    /// every open. Left pending again if another process is still reading.
    pub(crate) fn finish_pending_rewrite(&mut self) -> Result<()> {
        if self.path().is_none() {
            return Ok(());
        }
        let pending: i64 = self.connection().query_row(
            "SELECT count(*) FROM maintenance WHERE task = 'rewrite'",
            [],
            |r| r.get(0),
        )?;
        if pending == 0 || !self.checkpoint_truncate()? {
            return Ok(());
        }
        self.write(|s| {
            s.connection()
                .execute("DELETE FROM maintenance WHERE task = 'rewrite'", [])?;
            Ok(())
        })?;
        self.checkpoint_truncate()?;
        Ok(())
    }

    /// Removes the sessions that ended (or, unfinished, started) before `cutoff`, with their
    /// responses and profile snapshots, for a retention policy; recorded in the audit log.
    pub fn purge_before(&mut self, cutoff: Timestamp, command: &str) -> Result<PurgeReport> {
        let c = cutoff.as_microsecond();
        self.connection().execute_batch("PRAGMA secure_delete = ON;")?;
        let mut report = self.write(|s| {
            let tx = s.connection();
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
                rewritten: false,
            };
            crate::audit::insert(
                tx,
                command,
                &format!(
                    "purged data older than {cutoff}: {} session(s), {} response(s), {} snapshot(s)",
                    report.sessions, report.responses, report.snapshots
                ),
                None,
            )?;
            Ok(report)
        })?;
        report.rewritten = self.rewrite_or_defer()?;
        Ok(report)
    }
}
