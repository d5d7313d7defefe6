//! Credentials of the HTTP service: API tokens (one organisation's, or the administrator's) and
//! the agents' session links (a capability for one session). Both are random secrets shown once;
//! only their SHA-256 hash is stored, so that a copy of the database does not give access.
//!
//! A token is `jauge_<public id>_<secret>`: the public id (12 hex digits) names the token in
//! lists and audit entries and is what `revoke` takes; the secret is 256 bits from the operating
//! system's generator. A session link is 192 bits, usable only while its session is active.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use crate::ids::validate_code;
use crate::model::SessionState;
use crate::{Result, Store, StoreError};

/// An API token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// The token's public id (12 hex digits), as printed in lists and taken by `revoke`.
    pub public_id: String,
    /// The organisation whose data it reaches; `None` for an administrator's token.
    pub organisation: Option<String>,
    /// An administrator's token reaches every organisation.
    pub admin: bool,
    /// A free text saying what the token is for.
    pub label: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was revoked (a revoked token is refused).
    pub revoked_at: Option<Timestamp>,
}

/// A token just created: the secret is in `token`, shown once and stored only hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// The whole token, to give to the application (`Authorization: Bearer …`).
    pub token: String,
    /// Its record.
    pub info: ApiToken,
}

/// What a valid token may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every organisation.
    Admin {
        /// The token's public id.
        token: String,
    },
    /// One organisation's agents, sessions, campaigns and exports.
    Organisation {
        /// The token's public id.
        token: String,
        /// The organisation's internal key.
        id: i64,
        /// Its code.
        code: String,
    },
}

impl Scope {
    /// The token's public id.
    pub fn token(&self) -> &str {
        match self {
            Self::Admin { token } | Self::Organisation { token, .. } => token,
        }
    }

    /// The organisation's code, `None` for the administrator.
    pub fn organisation(&self) -> Option<&str> {
        match self {
            Self::Admin { .. } => None,
            Self::Organisation { code, .. } => Some(code),
        }
    }

    /// Whether this scope reaches data of `organisation` (`None`: data of no organisation, which
    /// only the administrator reaches).
    pub fn reaches(&self, organisation: Option<&str>) -> bool {
        match self {
            Self::Admin { .. } => true,
            Self::Organisation { code, .. } => organisation == Some(code.as_str()),
        }
    }
}

/// Where a session stands, read in one query: enough to authorise a request and to tell whether
/// a copy of the session held in memory is still current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStatus {
    /// The session's internal key.
    pub id: i64,
    /// Its public id.
    pub uid: String,
    /// Active, finished or abandoned.
    pub state: SessionState,
    /// The organisation of the session (its agent's at the start), if any.
    pub organisation: Option<String>,
    /// The agent's id (`None` once the agent is erased).
    pub agent: Option<String>,
    /// The campaign, if any.
    pub campaign: Option<String>,
    /// Responses recorded.
    pub answered: u32,
    /// The step of the item recorded as shown and not yet answered (0-based), if any.
    pub pending_step: Option<u32>,
    /// When it started.
    pub started_at: Timestamp,
    /// When it finished or was abandoned.
    pub finished_at: Option<Timestamp>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a secret, hex: what the store keeps of tokens and links.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Whether `s` has the shape of a token (`jauge_` + 12 + `_` + 64 lowercase hex digits).
pub fn is_token_shaped(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("jauge_") else {
        return false;
    };
    let lower_hex = |p: &str| {
        p.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    match rest.split_once('_') {
        Some((id, secret)) => id.len() == 12 && secret.len() == 64 && lower_hex(id) && lower_hex(secret),
        None => false,
    }
}

/// Whether `s` has the shape of a session link's secret (48 lowercase hex digits).
pub fn is_link_shaped(s: &str) -> bool {
    s.len() == 48
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn ts(us: i64) -> Timestamp {
    Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH)
}

const TOKEN_SELECT: &str = "SELECT t.public_id, o.code, t.admin, t.label, t.created_at, t.revoked_at
     FROM api_token t LEFT JOIN organisation o ON o.id = t.organisation_id";

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        public_id: r.get(0)?,
        organisation: r.get(1)?,
        admin: r.get(2)?,
        label: r.get(3)?,
        created_at: ts(r.get(4)?),
        revoked_at: r.get::<_, Option<i64>>(5)?.map(ts),
    })
}

const STATUS_SELECT: &str = "SELECT s.id, s.uid, s.state, o.code, i.external_id, c.name,
        (SELECT count(*) FROM response r WHERE r.session_id = s.id), s.pending_step, s.started_at, s.finished_at
     FROM session s
     LEFT JOIN organisation o ON o.id = s.organisation_id
     LEFT JOIN agent_identity i ON i.agent_id = s.agent_id
     LEFT JOIN campaign c ON c.id = s.campaign_id";

fn status_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionStatus> {
    Ok(SessionStatus {
        id: r.get(0)?,
        uid: r.get(1)?,
        state: SessionState::parse(&r.get::<_, String>(2)?),
        organisation: r.get(3)?,
        agent: r.get(4)?,
        campaign: r.get(5)?,
        answered: r.get(6)?,
        pending_step: r.get(7)?,
        started_at: ts(r.get(8)?),
        finished_at: r.get::<_, Option<i64>>(9)?.map(ts),
    })
}

impl Store {
    /// Creates an API token for `organisation` (which must exist), or an administrator's token
    /// when `organisation` is `None`. The returned secret is not kept: show it once.
    pub fn create_token(&mut self, organisation: Option<&str>, label: &str) -> Result<NewToken> {
        let org = match organisation {
            None => None,
            Some(code) => {
                validate_code("organisation", code)?;
                Some(
                    self.organisation(code)?
                        .ok_or_else(|| StoreError::NotFound {
                            what: "organisation",
                            id: code.into(),
                        })?
                        .id,
                )
            }
        };
        let public_id = hex(&rand::random::<[u8; 6]>());
        let token = format!("jauge_{public_id}_{}", hex(&rand::random::<[u8; 32]>()));
        let now = Timestamp::now();
        let tx = self
            .connection_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO api_token (public_id, hash, organisation_id, admin, label, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                public_id,
                secret_hash(&token),
                org,
                org.is_none(),
                label,
                now.as_microsecond()
            ],
        )?;
        tx.execute(
            "INSERT INTO audit_log (at, command, detail) VALUES (?1, 'token create', ?2)",
            params![
                now.as_microsecond(),
                format!(
                    "token {public_id} for {}",
                    organisation
                        .map_or_else(|| "the administrator".to_owned(), |o| format!("organisation {o}"))
                )
            ],
        )?;
        tx.commit()?;
        Ok(NewToken {
            token,
            info: ApiToken {
                public_id,
                organisation: organisation.map(str::to_owned),
                admin: org.is_none(),
                label: label.into(),
                created_at: now,
                revoked_at: None,
            },
        })
    }

    /// Every API token, oldest first (revoked ones included).
    pub fn tokens(&self) -> Result<Vec<ApiToken>> {
        let mut st = self
            .connection()
            .prepare(&format!("{TOKEN_SELECT} ORDER BY t.id"))?;
        let rows = st.query_map([], token_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes the token with this public id (at once: every later request with it is
    /// refused). Revoking a revoked token changes nothing.
    pub fn revoke_token(&mut self, public_id: &str) -> Result<ApiToken> {
        let now = Timestamp::now().as_microsecond();
        let tx = self
            .connection_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE api_token SET revoked_at = coalesce(revoked_at, ?1) WHERE public_id = ?2",
            params![now, public_id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "token",
                id: public_id.into(),
            });
        }
        tx.execute(
            "INSERT INTO audit_log (at, command, detail) VALUES (?1, 'token revoke', ?2)",
            params![now, format!("token {public_id}")],
        )?;
        let token = tx.query_row(
            &format!("{TOKEN_SELECT} WHERE t.public_id = ?1"),
            [public_id],
            token_row,
        )?;
        tx.commit()?;
        Ok(token)
    }

    /// What `token` may reach: `None` for an unknown, malformed or revoked token.
    pub fn authenticate(&self, token: &str) -> Result<Option<Scope>> {
        if !is_token_shaped(token) {
            return Ok(None);
        }
        let row: Option<(String, Option<i64>, Option<String>, bool)> = self
            .connection()
            .query_row(
                "SELECT t.public_id, t.organisation_id, o.code, t.admin
                 FROM api_token t LEFT JOIN organisation o ON o.id = t.organisation_id
                 WHERE t.hash = ?1 AND t.revoked_at IS NULL",
                [secret_hash(token)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        Ok(row.and_then(|(token, id, code, admin)| match (admin, id, code) {
            (true, _, _) => Some(Scope::Admin { token }),
            (false, Some(id), Some(code)) => Some(Scope::Organisation { token, id, code }),
            _ => None,
        }))
    }

    /// Gives the session a new link (192 random bits) and returns its secret, shown once; a
    /// previous link of the session stops working. Only an active session gets one.
    pub fn create_session_link(&mut self, session: i64) -> Result<String> {
        let secret = hex(&rand::random::<[u8; 24]>());
        let now = Timestamp::now().as_microsecond();
        let tx = self
            .connection_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let state: Option<(String, String)> = tx
            .query_row("SELECT uid, state FROM session WHERE id = ?1", [session], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        match state {
            None => {
                return Err(StoreError::NotFound {
                    what: "session",
                    id: session.to_string(),
                });
            }
            Some((uid, state)) if state != "active" => {
                return Err(StoreError::SessionState {
                    session: uid,
                    state,
                    action: "giving it a link",
                });
            }
            Some(_) => {}
        }
        tx.execute(
            "INSERT INTO session_link (session_id, hash, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (session_id) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at",
            params![session, secret_hash(&secret), now],
        )?;
        tx.commit()?;
        Ok(secret)
    }

    /// The session that `link` opens, whatever its state (the caller refuses a finished or
    /// abandoned one); `None` for an unknown or malformed link.
    pub fn session_by_link(&self, link: &str) -> Result<Option<SessionStatus>> {
        if !is_link_shaped(link) {
            return Ok(None);
        }
        Ok(self
            .connection()
            .query_row(
                &format!(
                    "{STATUS_SELECT} WHERE s.id = (SELECT session_id FROM session_link WHERE hash = ?1)"
                ),
                [secret_hash(link)],
                status_row,
            )
            .optional()?)
    }

    /// Where the session with this public id stands, in one query.
    pub fn session_status(&self, uid: &str) -> Result<Option<SessionStatus>> {
        Ok(self
            .connection()
            .query_row(&format!("{STATUS_SELECT} WHERE s.uid = ?1"), [uid], status_row)
            .optional()?)
    }

    /// The sessions of the agents of `organisation` (every session when `None`), newest first,
    /// at most `limit` of them, optionally only those in `state`.
    pub fn session_statuses(
        &self,
        organisation: Option<&str>,
        state: Option<SessionState>,
        limit: u32,
    ) -> Result<Vec<SessionStatus>> {
        let mut st = self.connection().prepare(&format!(
            "{STATUS_SELECT} WHERE (?1 IS NULL OR o.code = ?1) AND (?2 IS NULL OR s.state = ?2)
             ORDER BY s.started_at DESC, s.id DESC LIMIT ?3"
        ))?;
        let rows = st.query_map(
            params![organisation, state.map(SessionState::as_str), limit],
            status_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many sessions are active.
    pub fn active_sessions(&self) -> Result<u64> {
        Ok(self
            .connection()
            .query_row("SELECT count(*) FROM session WHERE state = 'active'", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hashed_and_revocable() {
        let mut s = Store::open_in_memory().unwrap();
        s.create_organisation("dinum", "DINUM").unwrap();
        let t = s.create_token(Some("dinum"), "tests").unwrap();
        assert!(is_token_shaped(&t.token), "{}", t.token);
        let admin = s.create_token(None, "").unwrap();
        assert_ne!(t.token, admin.token);
        // only the hash is stored
        let stored: String = s
            .connection()
            .query_row("SELECT group_concat(hash || public_id) FROM api_token", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(!stored.contains(&t.token[19..]));
        match s.authenticate(&t.token).unwrap() {
            Some(Scope::Organisation { code, .. }) => assert_eq!(code, "dinum"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            s.authenticate(&admin.token).unwrap(),
            Some(Scope::Admin { .. })
        ));
        let mut wrong = t.token.clone();
        wrong.pop();
        wrong.push(if t.token.ends_with('0') { '1' } else { '0' });
        assert_eq!(s.authenticate(&wrong).unwrap(), None);
        assert_eq!(s.authenticate("").unwrap(), None);
        let r = s.revoke_token(&t.info.public_id).unwrap();
        assert!(r.revoked_at.is_some());
        assert_eq!(s.authenticate(&t.token).unwrap(), None);
        assert!(s.authenticate(&admin.token).unwrap().is_some());
        assert!(matches!(
            s.revoke_token("000000000000"),
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.create_token(Some("nope"), ""),
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(s.tokens().unwrap().len(), 2);
        let log = s.audit_log().unwrap();
        assert!(log.iter().all(|e| !e.detail.contains(&t.token)));
    }

    #[test]
    fn links_open_one_active_session() {
        let mut s = Store::open_in_memory().unwrap();
        let a = s.agent_or_create("camille", None).unwrap();
        let session = s
            .start_session(&crate::NewSession::new(a.id, "{}", 1, "v"))
            .unwrap();
        let first = s.create_session_link(session.id).unwrap();
        assert!(is_link_shaped(&first));
        assert_eq!(s.session_by_link(&first).unwrap().unwrap().uid, session.uid);
        let second = s.create_session_link(session.id).unwrap();
        assert_eq!(
            s.session_by_link(&first).unwrap(),
            None,
            "the old link is replaced"
        );
        let st = s.session_by_link(&second).unwrap().unwrap();
        assert_eq!(
            (st.state, st.answered, st.agent.as_deref()),
            (SessionState::Active, 0, Some("camille"))
        );
        s.abandon_session(session.id, Timestamp::now()).unwrap();
        assert_eq!(
            s.session_by_link(&second).unwrap().unwrap().state,
            SessionState::Abandoned
        );
        assert!(matches!(
            s.create_session_link(session.id),
            Err(StoreError::SessionState { .. })
        ));
        assert_eq!(s.session_by_link("not a link").unwrap(), None);
    }
}
