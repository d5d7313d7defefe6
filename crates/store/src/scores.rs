//! Scores: the profile snapshots of finished sessions, one per competence and scoring version,
//! the competences left without a score, and rescoring under a newer scoring version.
//!
//! A session's score *in force* for a competence is its snapshot not superseded
//! (`superseded_at IS NULL`, at most one: a partial unique index). A rescore adds snapshots under
//! the new version and marks the earlier ones superseded; nothing is overwritten or deleted.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::model::{NotAssessed, ProfileSnapshot, SessionRecord};
use crate::store::{micros, ts};
use crate::{Result, Store, StoreError};

/// The columns [`snapshot_row`] reads, in order (prefix them with a table alias where needed).
pub(crate) const SNAPSHOT_COLUMNS: &str = "competence, theta, se, pix, pix_low, pix_high, level, capped_at, \
     assessed_at, scoring_version, theta_separate, se_separate, structure, bank_version, superseded_at";

/// A snapshot from a row selected with [`SNAPSHOT_COLUMNS`].
pub(crate) fn snapshot_row(r: &Row<'_>) -> rusqlite::Result<ProfileSnapshot> {
    Ok(ProfileSnapshot {
        competence: r.get(0)?,
        theta: r.get(1)?,
        se: r.get(2)?,
        pix: r.get(3)?,
        pix_low: r.get(4)?,
        pix_high: r.get(5)?,
        level: r.get(6)?,
        capped_at: r.get(7)?,
        assessed_at: ts(r.get(8)?),
        scoring_version: r.get(9)?,
        theta_separate: r.get(10)?,
        se_separate: r.get(11)?,
        structure: r.get(12)?,
        bank_version: r.get(13)?,
        superseded_at: r.get::<_, Option<i64>>(14)?.map(ts),
    })
}

/// Refuses a number that is not finite: NaN or ±∞ never reach the database.
fn finite(session: i64, what: &str, x: f64) -> Result<()> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(StoreError::NotFinite {
            session: session.to_string(),
            what: what.into(),
            value: x,
        })
    }
}

/// Checks every number of a snapshot before it is written.
pub(crate) fn check_snapshot(session: i64, p: &ProfileSnapshot) -> Result<()> {
    finite(session, &format!("θ of {}", p.competence), p.theta)?;
    finite(session, &format!("SE of {}", p.competence), p.se)?;
    if let Some(t) = p.theta_separate {
        finite(session, &format!("separate θ of {}", p.competence), t)?;
    }
    if let Some(s) = p.se_separate {
        finite(session, &format!("separate SE of {}", p.competence), s)?;
    }
    if p.scoring_version.is_empty() {
        return Err(StoreError::SessionState {
            session: session.to_string(),
            state: "scored without a scoring version".into(),
            action: "recording a profile",
        });
    }
    Ok(())
}

fn insert_snapshots(tx: &Connection, session: i64, profile: &[ProfileSnapshot]) -> Result<()> {
    let mut st = tx.prepare(
        "INSERT INTO profile_snapshot (session_id, competence, theta, se, pix, pix_low, pix_high, level,
                                       capped_at, assessed_at, scoring_version, theta_separate, se_separate,
                                       structure, bank_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?;
    for p in profile {
        check_snapshot(session, p)?;
        st.execute(params![
            session,
            p.competence,
            p.theta,
            p.se,
            p.pix,
            p.pix_low,
            p.pix_high,
            p.level,
            p.capped_at,
            micros(p.assessed_at),
            p.scoring_version,
            p.theta_separate,
            p.se_separate,
            p.structure,
            p.bank_version
        ])?;
    }
    Ok(())
}

impl Store {
    /// Finishes a session and records, in one transaction, its profile (one snapshot per
    /// competence scored) and the competences it left without a score, with the reason.
    pub fn finish_session_scored(
        &mut self,
        session: i64,
        at: Timestamp,
        profile: &[ProfileSnapshot],
        not_assessed: &[NotAssessed],
    ) -> Result<()> {
        for p in profile {
            check_snapshot(session, p)?;
        }
        self.write(|s| {
            let tx = s.connection();
            let n = tx.execute(
                "UPDATE session SET state = 'finished', finished_at = ?1, pending_step = NULL, pending_item = NULL,
                                    pending_shown_at = NULL, pending_order = NULL
                 WHERE id = ?2 AND state = 'active'",
                params![micros(at), session],
            )?;
            if n == 0 {
                let (uid, state): (String, String) = tx
                    .query_row("SELECT uid, state FROM session WHERE id = ?1", [session], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()?
                    .ok_or_else(|| StoreError::NotFound {
                        what: "session",
                        id: session.to_string(),
                    })?;
                return Err(StoreError::SessionState {
                    session: uid,
                    state,
                    action: "finishing",
                });
            }
            insert_snapshots(tx, session, profile)?;
            let mut st = tx.prepare(
                "INSERT INTO competence_not_assessed (session_id, competence, answers, reason)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for c in not_assessed {
                st.execute(params![session, c.competence, c.answers, c.reason])?;
            }
            Ok(())
        })
    }

    /// Records a new scoring of a finished session (`jauge profile rescore`): the snapshots
    /// given, all under one scoring version, become the ones in force; every snapshot in force
    /// before is kept, marked superseded at `at`. Competences the new scoring leaves without a
    /// score are recorded as such (unless they already are). Refused when the session already
    /// has snapshots under that version.
    pub fn add_scoring(
        &mut self,
        session: i64,
        at: Timestamp,
        profile: &[ProfileSnapshot],
        not_assessed: &[NotAssessed],
    ) -> Result<()> {
        for p in profile {
            check_snapshot(session, p)?;
        }
        self.write(|s| {
            let tx = s.connection();
            let state: Option<String> = tx
                .query_row("SELECT state FROM session WHERE id = ?1", [session], |r| r.get(0))
                .optional()?;
            match state.as_deref() {
                None => {
                    return Err(StoreError::NotFound {
                        what: "session",
                        id: session.to_string(),
                    });
                }
                Some("finished") => {}
                Some(other) => {
                    return Err(StoreError::SessionState {
                        session: session.to_string(),
                        state: other.into(),
                        action: "rescoring",
                    });
                }
            }
            tx.execute(
                "UPDATE profile_snapshot SET superseded_at = ?1 WHERE session_id = ?2 AND superseded_at IS NULL",
                params![micros(at), session],
            )?;
            {
                let mut st = tx.prepare(
                    "INSERT OR IGNORE INTO competence_not_assessed (session_id, competence, answers, reason)
                     VALUES (?1, ?2, ?3, ?4)",
                )?;
                for c in not_assessed {
                    st.execute(params![session, c.competence, c.answers, c.reason])?;
                }
            }
            insert_snapshots(tx, session, profile).map_err(|e| match e {
                StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    StoreError::SessionState {
                        session: session.to_string(),
                        state: "already scored under this version".into(),
                        action: "rescoring",
                    }
                }
                e => e,
            })
        })
    }

    /// The snapshots in force of one session, by competence.
    pub fn scores(&self, session: i64) -> Result<Vec<ProfileSnapshot>> {
        let sql = format!(
            "SELECT {SNAPSHOT_COLUMNS} FROM profile_snapshot
             WHERE session_id = ?1 AND superseded_at IS NULL ORDER BY competence"
        );
        let mut st = self.connection().prepare(&sql)?;
        let rows = st.query_map([session], snapshot_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every snapshot of one session, in force or superseded, by competence then scoring version.
    pub fn all_snapshots(&self, session: i64) -> Result<Vec<ProfileSnapshot>> {
        let sql = format!(
            "SELECT {SNAPSHOT_COLUMNS} FROM profile_snapshot WHERE session_id = ?1
             ORDER BY competence, CAST(scoring_version AS INTEGER), scoring_version"
        );
        let mut st = self.connection().prepare(&sql)?;
        let rows = st.query_map([session], snapshot_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The competences a finished session left without a score, by competence.
    pub fn not_assessed(&self, session: i64) -> Result<Vec<NotAssessed>> {
        let mut st = self.connection().prepare(
            "SELECT competence, answers, reason FROM competence_not_assessed
             WHERE session_id = ?1 ORDER BY competence",
        )?;
        let rows = st.query_map([session], |r| {
            Ok(NotAssessed {
                competence: r.get(0)?,
                answers: r.get(1)?,
                reason: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The agent's latest finished result per competence (scores in force).
    pub fn latest_profile(&self, agent: i64) -> Result<Vec<ProfileSnapshot>> {
        let mut latest: std::collections::BTreeMap<String, ProfileSnapshot> = Default::default();
        for (_, snaps) in self.history(agent)? {
            for p in snaps {
                latest.insert(p.competence.clone(), p);
            }
        }
        Ok(latest.into_values().collect())
    }

    /// The agent's finished sessions with their scores in force, oldest first.
    pub fn history(&self, agent: i64) -> Result<Vec<(SessionRecord, Vec<ProfileSnapshot>)>> {
        let sql = format!(
            "{} WHERE s.agent_id = ?1 AND s.state = 'finished' ORDER BY s.finished_at, s.id",
            Store::SESSION_SELECT
        );
        let sessions: Vec<SessionRecord> = {
            let mut st = self.connection().prepare(&sql)?;
            st.query_map([agent], Store::session_row)?
                .collect::<Result<_, _>>()?
        };
        let mut out = Vec::with_capacity(sessions.len());
        for s in sessions {
            let snaps = self.scores(s.id)?;
            out.push((s, snaps));
        }
        Ok(out)
    }

    /// The finished sessions (of every agent) that have a competence whose score in force is
    /// under another scoring version than `version`: what `jauge profile rescore` recomputes.
    /// Oldest first.
    pub fn sessions_scored_otherwise(&self, version: &str) -> Result<Vec<SessionRecord>> {
        let sql = format!(
            "{} WHERE s.state = 'finished' AND EXISTS (
                 SELECT 1 FROM profile_snapshot p
                 WHERE p.session_id = s.id AND p.superseded_at IS NULL AND p.scoring_version <> ?1)
             ORDER BY s.finished_at, s.id",
            Store::SESSION_SELECT
        );
        let mut st = self.connection().prepare(&sql)?;
        let rows = st.query_map([version], Store::session_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::MIGRATIONS;

    /// A database written by the first schema (version 1), with a finished session and its
    /// scores, opened by this build: every score is kept, marked with its session's scoring
    /// version, its separate score its own θ and SE.
    #[test]
    fn a_version_1_database_keeps_its_scores_labelled_with_their_version() {
        let dir = std::env::temp_dir().join(format!("jauge-store-v1-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v1.db");
        {
            let c = rusqlite::Connection::open(&path).unwrap();
            c.execute_batch(MIGRATIONS[0]).unwrap();
            c.execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO agent (id, created_at) VALUES (1, 0);
                 INSERT INTO agent_identity (agent_id, external_id) VALUES (1, 'ana');
                 INSERT INTO session (id, uid, agent_id, plan, state, seed, engine_version, bank_version,
                                      scoring_version, lang, started_at, finished_at)
                 VALUES (1, 'u1', 1, '{}', 'finished', 7, '0.1.0', 'bank-1', '1', 'fr', 10, 20);
                 INSERT INTO response (session_id, step, item, competence, raw_answer, score, credit, status,
                                       shown_at, answered_at, theta, se)
                 VALUES (1, 0, 'i1', '1.1', '{}', 1, 1.0, 'answered', 11, 12, 0.5, 0.9);
                 INSERT INTO profile_snapshot (session_id, competence, theta, se, pix, pix_low, pix_high, level,
                                               capped_at, assessed_at)
                 VALUES (1, '1.1', 0.5, 0.9, 20, 10, 30, 2, NULL, 20);",
            )
            .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        let s = store.session("u1").unwrap().unwrap();
        assert!(!s.simulated && s.excluded_items.is_empty());
        let snaps = store.scores(s.id).unwrap();
        assert_eq!(snaps.len(), 1);
        let p = &snaps[0];
        assert_eq!((p.scoring_version.as_str(), p.pix, p.level), ("1", 20, 2));
        assert_eq!((p.theta_separate, p.se_separate), (Some(0.5), Some(0.9)));
        assert_eq!(p.structure.as_deref(), Some("independent"));
        assert_eq!(store.sessions_scored_otherwise("2").unwrap().len(), 1);
        // a rescore adds version 2 and keeps version 1, superseded
        let v2 = ProfileSnapshot {
            scoring_version: "2".into(),
            pix: 21,
            ..p.clone()
        };
        store
            .add_scoring(s.id, ts(30), std::slice::from_ref(&v2), &[])
            .unwrap();
        assert_eq!(store.scores(s.id).unwrap(), std::slice::from_ref(&v2));
        assert_eq!(store.all_snapshots(s.id).unwrap().len(), 2);
        assert!(store.sessions_scored_otherwise("2").unwrap().is_empty());
        assert!(
            store.add_scoring(s.id, ts(40), &[v2], &[]).is_err(),
            "once per version"
        );
        // NaN never reaches the database
        let nan = ProfileSnapshot {
            scoring_version: "3".into(),
            theta: f64::NAN,
            ..p.clone()
        };
        let e = store.add_scoring(s.id, ts(50), &[nan], &[]).unwrap_err();
        assert!(matches!(e, StoreError::NotFinite { .. }), "{e}");
        assert_eq!(store.scores(s.id).unwrap()[0].scoring_version, "2");
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
