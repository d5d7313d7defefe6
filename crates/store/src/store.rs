//! The store itself: opening, migrations, and one method per operation.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::ids::{normalize_agent_id, validate_code};
use crate::model::*;
use crate::{Result, StoreError};

/// A connection to a Jauge database. One writer at a time: a `Store` is `Send` but not `Sync`;
/// share it behind a mutex or open one per thread (WAL lets readers run beside the writer).
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: Option<PathBuf>,
    /// How long this connection waits for the database's lock (see `lock.rs`).
    pub(crate) lock_wait: std::time::Duration,
}

pub(crate) fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn ts(us: i64) -> Timestamp {
    Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(crate) fn opt_ts(us: Option<i64>) -> Option<Timestamp> {
    us.map(ts)
}

fn split_tags(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

impl Store {
    /// The file, when not in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The underlying connection, for read-only reporting queries of the crates above (exports).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// `PRAGMA integrity_check` returns `ok`.
    pub fn integrity_ok(&self) -> Result<bool> {
        let r: String = self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(r == "ok")
    }

    // ---------------------------------------------------------------- organisations

    /// Creates an organisation.
    pub fn create_organisation(&mut self, code: &str, name: &str) -> Result<Organisation> {
        validate_code("organisation", code)?;
        let now = Timestamp::now();
        self.write(|s| {
            if s.organisation(code)?.is_some() {
                return Err(StoreError::AlreadyExists {
                    what: "organisation",
                    id: code.into(),
                });
            }
            s.conn.execute(
                "INSERT INTO organisation (code, name, created_at) VALUES (?1, ?2, ?3)",
                params![code, name, micros(now)],
            )?;
            Ok(Organisation {
                id: s.conn.last_insert_rowid(),
                code: code.into(),
                name: name.into(),
                created_at: now,
            })
        })
    }

    /// The organisation with this code.
    pub fn organisation(&self, code: &str) -> Result<Option<Organisation>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, code, name, created_at FROM organisation WHERE code = ?1",
                [code],
                |r| {
                    Ok(Organisation {
                        id: r.get(0)?,
                        code: r.get(1)?,
                        name: r.get(2)?,
                        created_at: ts(r.get(3)?),
                    })
                },
            )
            .optional()?)
    }

    /// Every organisation, by code.
    pub fn organisations(&self) -> Result<Vec<Organisation>> {
        let mut st = self
            .conn
            .prepare("SELECT id, code, name, created_at FROM organisation ORDER BY code")?;
        let rows = st.query_map([], |r| {
            Ok(Organisation {
                id: r.get(0)?,
                code: r.get(1)?,
                name: r.get(2)?,
                created_at: ts(r.get(3)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn organisation_key(&self, code: Option<&str>) -> Result<Option<i64>> {
        match code {
            None => Ok(None),
            Some(c) => match self.organisation(c)? {
                Some(o) => Ok(Some(o.id)),
                None => Err(StoreError::NotFound {
                    what: "organisation",
                    id: c.into(),
                }),
            },
        }
    }

    // ---------------------------------------------------------------- agents

    const AGENT_SELECT: &'static str =
        "SELECT a.id, i.external_id, o.code, a.adjustments, a.time_factor, a.created_at
         FROM agent a JOIN agent_identity i ON i.agent_id = a.id
         LEFT JOIN organisation o ON o.id = a.organisation_id";

    fn agent_row(r: &Row<'_>) -> rusqlite::Result<Agent> {
        Ok(Agent {
            id: r.get(0)?,
            external_id: r.get(1)?,
            organisation: r.get(2)?,
            adjustments: split_tags(&r.get::<_, String>(3)?),
            time_factor: r.get(4)?,
            created_at: ts(r.get(5)?),
        })
    }

    /// The agent known by this external id, looked up in its canonical form (NFC; see
    /// [`crate::normalize_agent_id`]). An id that is not valid is refused with
    /// [`StoreError::InvalidId`], unless a database written before the rule holds it exactly so.
    pub fn agent(&self, external_id: &str) -> Result<Option<Agent>> {
        let sql = format!("{} WHERE i.external_id = ?1", Self::AGENT_SELECT);
        let canonical = match normalize_agent_id(external_id) {
            Ok(c) => c,
            Err(e) => {
                // an id stored before the rule existed stays reachable as it was stored
                return match self
                    .conn
                    .query_row(&sql, [external_id], Self::agent_row)
                    .optional()?
                {
                    Some(a) => Ok(Some(a)),
                    None => Err(e),
                };
            }
        };
        Ok(self
            .conn
            .query_row(&sql, [canonical], Self::agent_row)
            .optional()?)
    }

    /// The agent with this internal key.
    pub fn agent_by_key(&self, id: i64) -> Result<Option<Agent>> {
        let sql = format!("{} WHERE a.id = ?1", Self::AGENT_SELECT);
        Ok(self.conn.query_row(&sql, [id], Self::agent_row).optional()?)
    }

    /// The agent known by this external id, created if unknown (in `organisation`, which must
    /// exist). An existing agent without an organisation is attached to the one given. The id is
    /// stored in its canonical form (see [`crate::normalize_agent_id`]); one write transaction,
    /// so that two processes creating the same agent at once make one agent.
    pub fn agent_or_create(&mut self, external_id: &str, organisation: Option<&str>) -> Result<Agent> {
        let external_id = normalize_agent_id(external_id)?;
        let now = Timestamp::now();
        self.write(|s| {
            let org = s.organisation_key(organisation)?;
            if let Some(a) = s.agent(&external_id)? {
                if a.organisation.is_none() && org.is_some() {
                    s.conn.execute(
                        "UPDATE agent SET organisation_id = ?1 WHERE id = ?2",
                        params![org, a.id],
                    )?;
                    return Ok(s.agent_by_key(a.id)?.unwrap_or(a));
                }
                return Ok(a);
            }
            s.conn.execute(
                "INSERT INTO agent (organisation_id, created_at) VALUES (?1, ?2)",
                params![org, micros(now)],
            )?;
            let id = s.conn.last_insert_rowid();
            s.conn.execute(
                "INSERT INTO agent_identity (agent_id, external_id) VALUES (?1, ?2)",
                params![id, external_id],
            )?;
            Ok(Agent {
                id,
                external_id: external_id.clone(),
                organisation: organisation.map(str::to_owned),
                adjustments: vec![],
                time_factor: 1.0,
                created_at: now,
            })
        })
    }

    /// Sets an agent's accessibility adjustments and time factor.
    pub fn set_adjustments(&mut self, agent: i64, adjustments: &[String], time_factor: f64) -> Result<()> {
        let n = self.write(|s| {
            Ok(s.conn.execute(
                "UPDATE agent SET adjustments = ?1, time_factor = ?2 WHERE id = ?3",
                params![adjustments.join(" "), time_factor, agent],
            )?)
        })?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "agent",
                id: agent.to_string(),
            });
        }
        Ok(())
    }

    /// Every agent (optionally of one organisation), by external id.
    pub fn agents(&self, organisation: Option<&str>) -> Result<Vec<Agent>> {
        let sql = format!(
            "{} WHERE (?1 IS NULL OR o.code = ?1) ORDER BY i.external_id",
            Self::AGENT_SELECT
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map([organisation], Self::agent_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    // ---------------------------------------------------------------- campaigns

    fn campaign_row(r: &Row<'_>) -> rusqlite::Result<Campaign> {
        Ok(Campaign {
            id: r.get(0)?,
            name: r.get(1)?,
            organisation: r.get(2)?,
            plan: r.get(3)?,
            opens_at: opt_ts(r.get(4)?),
            closes_at: opt_ts(r.get(5)?),
            created_at: ts(r.get(6)?),
        })
    }

    const CAMPAIGN_SELECT: &'static str =
        "SELECT c.id, c.name, o.code, c.plan, c.opens_at, c.closes_at, c.created_at
         FROM campaign c LEFT JOIN organisation o ON o.id = c.organisation_id";

    /// Creates a campaign.
    pub fn create_campaign(&mut self, new: &NewCampaign) -> Result<Campaign> {
        validate_code("campaign", &new.name)?;
        let now = Timestamp::now();
        self.write(|s| {
            if s.campaign(&new.name)?.is_some() {
                return Err(StoreError::AlreadyExists {
                    what: "campaign",
                    id: new.name.clone(),
                });
            }
            let org = s.organisation_key(new.organisation.as_deref())?;
            s.conn.execute(
                "INSERT INTO campaign (name, organisation_id, plan, opens_at, closes_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    new.name,
                    org,
                    new.plan,
                    new.opens_at.map(micros),
                    new.closes_at.map(micros),
                    micros(now)
                ],
            )?;
            s.campaign(&new.name)?.ok_or_else(|| StoreError::NotFound {
                what: "campaign",
                id: new.name.clone(),
            })
        })
    }

    /// The campaign with this name.
    pub fn campaign(&self, name: &str) -> Result<Option<Campaign>> {
        let sql = format!("{} WHERE c.name = ?1", Self::CAMPAIGN_SELECT);
        Ok(self.conn.query_row(&sql, [name], Self::campaign_row).optional()?)
    }

    /// Every campaign, by name.
    pub fn campaigns(&self) -> Result<Vec<Campaign>> {
        let sql = format!("{} ORDER BY c.name", Self::CAMPAIGN_SELECT);
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map([], Self::campaign_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    // ---------------------------------------------------------------- sessions

    pub(crate) const SESSION_SELECT: &'static str =
        "SELECT s.id, s.uid, s.agent_id, c.name, s.plan, s.state, s.seed,
            s.engine_version, s.bank_version, s.scoring_version, s.lang, s.started_at, s.finished_at,
            s.pending_step, s.pending_item, s.pending_shown_at, s.pending_order, s.simulated, s.excluded_items
         FROM session s LEFT JOIN campaign c ON c.id = s.campaign_id";

    pub(crate) fn session_row(r: &Row<'_>) -> rusqlite::Result<SessionRecord> {
        let pending = match (r.get::<_, Option<u32>>(13)?, r.get::<_, Option<String>>(14)?) {
            (Some(step), Some(item)) => Some(Pending {
                step,
                item,
                shown_at: ts(r.get::<_, Option<i64>>(15)?.unwrap_or(0)),
                options_order: r.get(16)?,
            }),
            _ => None,
        };
        Ok(SessionRecord {
            id: r.get(0)?,
            uid: r.get(1)?,
            agent: r.get(2)?,
            campaign: r.get(3)?,
            plan: r.get(4)?,
            state: SessionState::parse(&r.get::<_, String>(5)?),
            seed: r.get::<_, i64>(6)? as u64,
            engine_version: r.get(7)?,
            bank_version: r.get(8)?,
            scoring_version: r.get(9)?,
            lang: r.get(10)?,
            started_at: ts(r.get(11)?),
            finished_at: opt_ts(r.get(12)?),
            pending,
            simulated: r.get(17)?,
            excluded_items: split_tags(&r.get::<_, String>(18)?),
        })
    }

    /// Starts a session. Refused with [`StoreError::SessionInProgress`] when the agent has an
    /// unfinished one (the schema enforces it too).
    pub fn start_session(&mut self, new: &NewSession) -> Result<SessionRecord> {
        self.write(|s| s.start_session_locked(new))
    }

    /// [`Store::start_session`] inside its write transaction: the check of the unfinished
    /// session and the insert see the same state, so two processes starting one agent at once
    /// make one session and the other is told [`StoreError::SessionInProgress`].
    fn start_session_locked(&self, new: &NewSession) -> Result<SessionRecord> {
        if let Some(s) = self.active_session(new.agent)? {
            return Err(StoreError::SessionInProgress { session: s.uid });
        }
        let campaign = match &new.campaign {
            None => None,
            Some(name) => Some(
                self.campaign(name)?
                    .ok_or_else(|| StoreError::NotFound {
                        what: "campaign",
                        id: name.clone(),
                    })?
                    .id,
            ),
        };
        let org: Option<i64> = self
            .conn
            .query_row(
                "SELECT organisation_id FROM agent WHERE id = ?1",
                [new.agent],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "agent",
                id: new.agent.to_string(),
            })?;
        let uid = new_uid();
        self.conn.execute(
            "INSERT INTO session (uid, agent_id, organisation_id, campaign_id, plan, state, seed, engine_version,
                                  bank_version, scoring_version, lang, started_at, simulated, excluded_items)
             VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                uid,
                new.agent,
                org,
                campaign,
                new.plan,
                new.seed as i64,
                new.engine_version,
                new.bank_version,
                new.scoring_version,
                new.lang,
                micros(new.started_at),
                new.simulated,
                new.excluded_items.join(" ")
            ],
        )?;
        self.session(&uid)?.ok_or_else(|| StoreError::NotFound {
            what: "session",
            id: uid,
        })
    }

    /// The session with this public id.
    pub fn session(&self, uid: &str) -> Result<Option<SessionRecord>> {
        let sql = format!("{} WHERE s.uid = ?1", Self::SESSION_SELECT);
        Ok(self.conn.query_row(&sql, [uid], Self::session_row).optional()?)
    }

    /// The agent's unfinished session, if any.
    pub fn active_session(&self, agent: i64) -> Result<Option<SessionRecord>> {
        let sql = format!(
            "{} WHERE s.agent_id = ?1 AND s.state = 'active'",
            Self::SESSION_SELECT
        );
        Ok(self.conn.query_row(&sql, [agent], Self::session_row).optional()?)
    }

    /// Records the item about to be shown, durably, before it is shown. Refused with
    /// [`StoreError::Conflict`] when the step is no longer the session's next one: another process
    /// answered it meanwhile.
    pub fn set_pending(&mut self, session: i64, pending: &Pending) -> Result<()> {
        self.write(|s| {
            let (uid, state, next): (String, String, u32) = s
                .conn
                .query_row(
                    "SELECT uid, state, (SELECT count(*) FROM response WHERE session_id = ?1) FROM session WHERE id = ?1",
                    [session],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?
                .ok_or_else(|| StoreError::NotFound {
                    what: "session",
                    id: session.to_string(),
                })?;
            if state != "active" {
                return Err(StoreError::SessionState {
                    session: uid,
                    state,
                    action: "showing an item",
                });
            }
            if pending.step != next {
                return Err(StoreError::Conflict {
                    session: uid,
                    detail: format!("{next} answer(s) are recorded, this process was at step {}", pending.step + 1),
                });
            }
            s.conn.execute(
                "UPDATE session SET pending_step = ?1, pending_item = ?2, pending_shown_at = ?3, pending_order = ?4
                 WHERE id = ?5",
                params![pending.step, pending.item, micros(pending.shown_at), pending.options_order, session],
            )?;
            Ok(())
        })
    }

    /// Records a response and clears the pending item, in one transaction committed before this
    /// returns. The step must be the next one of the session.
    pub fn record_response(&mut self, session: i64, r: &ResponseRecord) -> Result<()> {
        self.write(|s| s.record_response_locked(session, r))
    }

    /// [`Store::record_response`] inside its write transaction.
    fn record_response_locked(&self, session: i64, r: &ResponseRecord) -> Result<()> {
        let tx = &self.conn;
        let (uid, state, next): (String, String, u32) = tx
            .query_row(
                "SELECT uid, state, (SELECT count(*) FROM response WHERE session_id = ?1) FROM session WHERE id = ?1",
                [session],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound { what: "session", id: session.to_string() })?;
        if state != "active" {
            return Err(StoreError::SessionState {
                session: uid,
                state,
                action: "recording a response",
            });
        }
        for (what, x) in [("θ", r.theta), ("SE", r.se)] {
            if let Some(x) = x.filter(|x| !x.is_finite()) {
                return Err(StoreError::NotFinite {
                    session: uid,
                    what: format!("{what} after step {}", r.step),
                    value: x,
                });
            }
        }
        if r.step < next {
            return Err(StoreError::Conflict {
                session: uid,
                detail: format!("step {} is already answered", r.step + 1),
            });
        }
        if r.step != next {
            return Err(StoreError::OutOfOrder {
                session: uid,
                expected: next,
                got: r.step,
            });
        }
        tx.execute(
            "INSERT INTO response (session_id, step, item, competence, raw_answer, options_order, score, credit,
                                   status, pretest, shown_at, answered_at, theta, se)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                session,
                r.step,
                r.item,
                r.competence,
                r.raw_answer,
                r.options_order,
                r.score,
                r.credit,
                r.status,
                r.pretest,
                micros(r.shown_at),
                micros(r.answered_at),
                r.theta,
                r.se
            ],
        )?;
        tx.execute(
            "UPDATE session SET pending_step = NULL, pending_item = NULL, pending_shown_at = NULL, pending_order = NULL
             WHERE id = ?1",
            [session],
        )?;
        Ok(())
    }

    /// The responses of a session, in order.
    pub fn responses(&self, session: i64) -> Result<Vec<ResponseRecord>> {
        let mut st = self.conn.prepare(
            "SELECT step, item, competence, raw_answer, options_order, score, credit, status, pretest, shown_at,
                    answered_at, theta, se
             FROM response WHERE session_id = ?1 ORDER BY step",
        )?;
        let rows = st.query_map([session], |r| {
            Ok(ResponseRecord {
                step: r.get(0)?,
                item: r.get(1)?,
                competence: r.get(2)?,
                raw_answer: r.get(3)?,
                options_order: r.get(4)?,
                score: r.get(5)?,
                credit: r.get(6)?,
                status: r.get(7)?,
                pretest: r.get(8)?,
                shown_at: ts(r.get(9)?),
                answered_at: ts(r.get(10)?),
                theta: r.get(11)?,
                se: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Finishes a session and records its profile, in one transaction (see
    /// [`Store::finish_session_scored`] to record competences left without a score too).
    pub fn finish_session(&mut self, session: i64, at: Timestamp, profile: &[ProfileSnapshot]) -> Result<()> {
        self.finish_session_scored(session, at, profile, &[])
    }

    /// Abandons the agent's unfinished session (its responses are kept, and so is the item that
    /// was on screen: the agent saw it, and the reuse policy counts it as seen).
    pub fn abandon_session(&mut self, session: i64, at: Timestamp) -> Result<()> {
        self.write(|s| {
            s.conn.execute(
                "UPDATE session SET state = 'abandoned', finished_at = ?1 WHERE id = ?2 AND state = 'active'",
                params![micros(at), session],
            )?;
            Ok(())
        })
    }
}

/// A new random public session id (128 bits from the OS generator, hex).
fn new_uid() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
