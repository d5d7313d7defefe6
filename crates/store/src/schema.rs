//! Versioned, additive migrations, applied on open and tracked in `PRAGMA user_version`.
//!
//! A migration is never destructive: it may add tables, columns and indexes, and copy data, but
//! never drops what a previous version wrote. A database whose version is newer than
//! [`SCHEMA_VERSION`] is refused, untouched.

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 4;

/// The migrations, in order: `MIGRATIONS[k]` takes the schema from version k to k + 1.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 0 → 1: the first schema. Times are INTEGER microseconds since the Unix epoch (UTC).
    r#"
    CREATE TABLE organisation (
        id          INTEGER PRIMARY KEY,
        code        TEXT NOT NULL UNIQUE,
        name        TEXT NOT NULL,
        created_at  INTEGER NOT NULL
    );
    -- The person assessed, by an internal surrogate key only.
    CREATE TABLE agent (
        id              INTEGER PRIMARY KEY,
        organisation_id INTEGER REFERENCES organisation(id),
        adjustments     TEXT NOT NULL DEFAULT '',
        time_factor     REAL NOT NULL DEFAULT 1.0,
        created_at      INTEGER NOT NULL
    );
    -- The caller's id for the agent (personal data), kept apart so that erasure removes one row.
    CREATE TABLE agent_identity (
        agent_id     INTEGER PRIMARY KEY REFERENCES agent(id) ON DELETE CASCADE,
        external_id  TEXT NOT NULL UNIQUE
    );
    CREATE TABLE campaign (
        id              INTEGER PRIMARY KEY,
        name            TEXT NOT NULL UNIQUE,
        organisation_id INTEGER REFERENCES organisation(id),
        plan            TEXT NOT NULL,
        opens_at        INTEGER,
        closes_at       INTEGER,
        created_at      INTEGER NOT NULL
    );
    CREATE TABLE session (
        id               INTEGER PRIMARY KEY,
        uid              TEXT NOT NULL UNIQUE,
        agent_id         INTEGER REFERENCES agent(id) ON DELETE SET NULL,
        organisation_id  INTEGER REFERENCES organisation(id),
        campaign_id      INTEGER REFERENCES campaign(id),
        plan             TEXT NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('active', 'finished', 'abandoned')),
        seed             INTEGER NOT NULL,
        engine_version   TEXT NOT NULL,
        bank_version     TEXT NOT NULL,
        scoring_version  TEXT NOT NULL,
        lang             TEXT NOT NULL,
        started_at       INTEGER NOT NULL,
        finished_at      INTEGER,
        pending_step     INTEGER,
        pending_item     TEXT,
        pending_shown_at INTEGER,
        pending_order    TEXT
    );
    -- At most one unfinished session per agent.
    CREATE UNIQUE INDEX session_one_active_per_agent ON session(agent_id) WHERE state = 'active';
    CREATE INDEX session_agent ON session(agent_id, finished_at);
    CREATE INDEX session_finished ON session(finished_at);
    CREATE TABLE response (
        id           INTEGER PRIMARY KEY,
        session_id   INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
        step         INTEGER NOT NULL,
        item         TEXT NOT NULL,
        competence   TEXT NOT NULL,
        raw_answer   TEXT NOT NULL,
        options_order TEXT,
        score        INTEGER NOT NULL CHECK (score IN (0, 1)),
        credit       REAL NOT NULL CHECK (credit >= 0 AND credit <= 1),
        status       TEXT NOT NULL,
        pretest      INTEGER NOT NULL DEFAULT 0,
        shown_at     INTEGER NOT NULL,
        answered_at  INTEGER NOT NULL,
        theta        REAL,
        se           REAL,
        UNIQUE (session_id, step)
    );
    CREATE TABLE profile_snapshot (
        session_id  INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
        competence  TEXT NOT NULL,
        theta       REAL NOT NULL,
        se          REAL NOT NULL,
        pix         INTEGER NOT NULL,
        pix_low     INTEGER NOT NULL,
        pix_high    INTEGER NOT NULL,
        level       INTEGER NOT NULL,
        capped_at   INTEGER,
        assessed_at INTEGER NOT NULL,
        PRIMARY KEY (session_id, competence)
    );
    CREATE TABLE audit_log (
        id       INTEGER PRIMARY KEY,
        at       INTEGER NOT NULL,
        command  TEXT NOT NULL,
        detail   TEXT NOT NULL
    );
    "#,
    // 1 → 2: the audit records who (the operating-system account) and the outcome of a
    // two-step operation (an export: started, then completed or failed); an erased agent's
    // sessions keep a random number in common, so that aggregates still count them as one
    // person; maintenance left to finish at the next open (the file rewritten after an erasure
    // while another process was reading).
    r#"
    ALTER TABLE audit_log ADD COLUMN uid INTEGER;
    ALTER TABLE audit_log ADD COLUMN user_name TEXT;
    ALTER TABLE audit_log ADD COLUMN outcome TEXT;
    ALTER TABLE audit_log ADD COLUMN ended_at INTEGER;
    ALTER TABLE session ADD COLUMN anonymous_person INTEGER;
    CREATE TABLE maintenance (
        task   TEXT PRIMARY KEY,
        since  INTEGER NOT NULL
    );
    "#,
    // 2 → 3: what a session fixes at its start, simulated sessions, and scores per scoring
    // version. `profile_snapshot` is rebuilt (its key gains the scoring version) with every row
    // copied: a version-1 score keeps its numbers and is marked with its session's scoring
    // version; its separate score is its own θ and SE (version 1 scored each competence from its
    // own answers only, under the independent prior: `SCORING.md`). No table references it.
    r#"
    ALTER TABLE session ADD COLUMN simulated INTEGER NOT NULL DEFAULT 0 CHECK (simulated IN (0, 1));
    -- the items the reuse policy excluded when the session started (space-separated ids)
    ALTER TABLE session ADD COLUMN excluded_items TEXT NOT NULL DEFAULT '';
    CREATE INDEX session_simulated ON session(simulated) WHERE simulated = 1;
    CREATE TABLE profile_snapshot_2 (
        session_id      INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
        competence      TEXT NOT NULL,
        scoring_version TEXT NOT NULL,
        theta           REAL NOT NULL,
        se              REAL NOT NULL,
        theta_separate  REAL,
        se_separate     REAL,
        pix             INTEGER NOT NULL,
        pix_low         INTEGER NOT NULL,
        pix_high        INTEGER NOT NULL,
        level           INTEGER NOT NULL,
        capped_at       INTEGER,
        structure       TEXT,
        -- the bank the score was computed on, when not the session's own (a rescore)
        bank_version    TEXT,
        assessed_at     INTEGER NOT NULL,
        -- set when a later scoring of the same session replaced this one (kept, not in force)
        superseded_at   INTEGER,
        PRIMARY KEY (session_id, competence, scoring_version)
    );
    INSERT INTO profile_snapshot_2 (session_id, competence, scoring_version, theta, se, theta_separate,
                                    se_separate, pix, pix_low, pix_high, level, capped_at, structure,
                                    assessed_at)
        SELECT p.session_id, p.competence, s.scoring_version, p.theta, p.se, p.theta, p.se, p.pix,
               p.pix_low, p.pix_high, p.level, p.capped_at, 'independent', p.assessed_at
        FROM profile_snapshot p JOIN session s ON s.id = p.session_id;
    DROP TABLE profile_snapshot;
    ALTER TABLE profile_snapshot_2 RENAME TO profile_snapshot;
    CREATE UNIQUE INDEX profile_snapshot_in_force ON profile_snapshot(session_id, competence)
        WHERE superseded_at IS NULL;
    -- a competence of a finished session that got no score, and why (too few answers…)
    CREATE TABLE competence_not_assessed (
        session_id  INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
        competence  TEXT NOT NULL,
        answers     INTEGER NOT NULL,
        reason      TEXT NOT NULL,
        PRIMARY KEY (session_id, competence)
    );
    "#,
    // 3 → 4: the HTTP service's credentials (`access.rs`): organisation and admin API tokens, and
    // the agents' session links. Only SHA-256 hashes of the secrets are kept.
    r#"
    CREATE TABLE api_token (
        id              INTEGER PRIMARY KEY,
        public_id       TEXT NOT NULL UNIQUE,
        hash            TEXT NOT NULL UNIQUE,
        organisation_id INTEGER REFERENCES organisation(id),
        admin           INTEGER NOT NULL CHECK (admin IN (0, 1)),
        label           TEXT NOT NULL DEFAULT '',
        created_at      INTEGER NOT NULL,
        revoked_at      INTEGER,
        CHECK ((admin = 1) = (organisation_id IS NULL))
    );
    CREATE TABLE session_link (
        session_id  INTEGER PRIMARY KEY REFERENCES session(id) ON DELETE CASCADE,
        hash        TEXT NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL
    );
    "#,
];

/// The schema version at which agent ids became canonical (NFC, no spaces at either end, no
/// invisible or bidirectional characters): migrating to it repairs the ids stored before.
pub(crate) const CANONICAL_AGENT_IDS: i64 = 2;

/// Data steps that SQL alone cannot do, run in the migration's transaction right after the SQL
/// of the migration that reaches `version`.
pub(crate) fn after_migration(conn: &rusqlite::Connection, version: i64) -> crate::Result<()> {
    if version == CANONICAL_AGENT_IDS {
        canonical_agent_ids(conn)?;
    }
    Ok(())
}

/// Rewrites the stored agent ids into their canonical form where that is unambiguous. An id
/// whose canonical form is another agent's id (`alice ` beside `alice`), or that has none, is
/// left as it was: two records are never merged behind the ministry's back. Such an id stays
/// reachable by its exact stored form (`jauge agent show`, `erase`), and the count of both kinds
/// goes to the audit log (never the ids themselves).
fn canonical_agent_ids(conn: &rusqlite::Connection) -> crate::Result<()> {
    let rows: Vec<(i64, String)> = {
        let mut st = conn.prepare("SELECT agent_id, external_id FROM agent_identity ORDER BY agent_id")?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    let mut taken: std::collections::HashSet<String> = rows.iter().map(|(_, e)| e.clone()).collect();
    let (mut repaired, mut left) = (0u64, 0u64);
    for (agent, stored) in rows {
        if crate::ids::normalize_agent_id(&stored).is_ok_and(|n| n == stored) {
            continue;
        }
        match crate::ids::repair_agent_id(&stored) {
            Some(canonical) if !taken.contains(&canonical) => {
                conn.execute(
                    "UPDATE agent_identity SET external_id = ?1 WHERE agent_id = ?2",
                    rusqlite::params![canonical, agent],
                )?;
                taken.remove(&stored);
                taken.insert(canonical);
                repaired += 1;
            }
            _ => left += 1,
        }
    }
    if repaired + left > 0 {
        conn.execute(
            "INSERT INTO audit_log (at, command, detail) VALUES (?1, 'migration', ?2)",
            rusqlite::params![
                jiff::Timestamp::now().as_microsecond(),
                format!(
                    "agent ids made canonical (NFC, no spaces at either end, no invisible or bidirectional characters): {repaired} rewritten, {left} left as stored because their canonical form is another agent's id or empty (reachable by their exact stored form)"
                )
            ],
        )?;
    }
    Ok(())
}
