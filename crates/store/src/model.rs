//! The records the store keeps.

use jiff::Timestamp;

/// An organisation (a ministry, a directorate, a service).
#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    /// Internal key.
    pub id: i64,
    /// Its code, `[A-Za-z0-9_.-]+`.
    pub code: String,
    /// Its display name.
    pub name: String,
    /// When it was created.
    pub created_at: Timestamp,
}

/// An agent: the person assessed. The external id (personal data) is kept in a separate table.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// Internal surrogate key.
    pub id: i64,
    /// The caller's id for the agent (often an e-mail address).
    pub external_id: String,
    /// The agent's organisation code, if any.
    pub organisation: Option<String>,
    /// Accessibility adjustments (e.g. `screen-reader`, `extra-time`).
    pub adjustments: Vec<String>,
    /// The factor applied to time limits (1 by default, larger with an adjustment).
    pub time_factor: f64,
    /// When the agent was first seen.
    pub created_at: Timestamp,
}

/// A named plan for a population of agents.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    /// Internal key.
    pub id: i64,
    /// Its name, `[A-Za-z0-9_.-]+`.
    pub name: String,
    /// The organisation running it, if any.
    pub organisation: Option<String>,
    /// The plan, as JSON written by the engine's caller.
    pub plan: String,
    /// When sessions may start (inclusive), if limited.
    pub opens_at: Option<Timestamp>,
    /// When sessions may no longer start (inclusive), if limited.
    pub closes_at: Option<Timestamp>,
    /// When it was created.
    pub created_at: Timestamp,
}

/// What a new campaign needs.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCampaign {
    /// Its name.
    pub name: String,
    /// The organisation running it.
    pub organisation: Option<String>,
    /// The plan as JSON.
    pub plan: String,
    /// Opening time.
    pub opens_at: Option<Timestamp>,
    /// Closing time.
    pub closes_at: Option<Timestamp>,
}

/// The life cycle of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Started, not finished: can be resumed.
    Active,
    /// Finished: its profile is recorded.
    Finished,
    /// Abandoned (`--new` started another one); its responses are kept.
    Abandoned,
}

impl SessionState {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Finished => "finished",
            Self::Abandoned => "abandoned",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "finished" => Self::Finished,
            "abandoned" => Self::Abandoned,
            _ => Self::Active,
        }
    }
}

/// What starting a session needs.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    /// The agent's internal key.
    pub agent: i64,
    /// The campaign, if the plan comes from one.
    pub campaign: Option<String>,
    /// The plan as JSON.
    pub plan: String,
    /// The session's random seed (every draw of the engine derives from it).
    pub seed: u64,
    /// The engine's version.
    pub engine_version: String,
    /// The item bank's version (hash of its content).
    pub bank_version: String,
    /// The scoring definition's version.
    pub scoring_version: String,
    /// The language of the questions (`fr`, `en`).
    pub lang: String,
    /// When it starts.
    pub started_at: Timestamp,
    /// A simulated agent answers (demonstrations, tests): flagged, and left out of exports,
    /// aggregates and calibration unless asked.
    pub simulated: bool,
    /// The items the reuse policy excluded at the start (the agent saw them recently): stored
    /// with the session so that its replay never depends on what happens to other sessions.
    pub excluded_items: Vec<String>,
}

impl NewSession {
    /// A session for `agent` with `plan`, `seed` and `bank_version`, the other fields defaulted
    /// (no campaign, this crate's version as engine version, scoring `1`, French, now).
    pub fn new(agent: i64, plan: &str, seed: u64, bank_version: &str) -> Self {
        Self {
            agent,
            campaign: None,
            plan: plan.into(),
            seed,
            engine_version: env!("CARGO_PKG_VERSION").into(),
            bank_version: bank_version.into(),
            scoring_version: "1".into(),
            lang: "fr".into(),
            started_at: Timestamp::now(),
            simulated: false,
            excluded_items: Vec::new(),
        }
    }
}

/// The item waiting for an answer, recorded before it is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// The step (0-based position in the session).
    pub step: u32,
    /// The item's id.
    pub item: String,
    /// When it was shown.
    pub shown_at: Timestamp,
    /// The option ids in the order shown (choice items), space-separated.
    pub options_order: Option<String>,
}

/// A session as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    /// Internal key.
    pub id: i64,
    /// The public session id (random, unguessable), used in exports.
    pub uid: String,
    /// The agent, until an erasure unlinks it.
    pub agent: Option<i64>,
    /// The campaign's name, if any.
    pub campaign: Option<String>,
    /// The plan as JSON.
    pub plan: String,
    /// Its state.
    pub state: SessionState,
    /// Its seed.
    pub seed: u64,
    /// Engine version.
    pub engine_version: String,
    /// Bank version.
    pub bank_version: String,
    /// Scoring version.
    pub scoring_version: String,
    /// Language.
    pub lang: String,
    /// Start time.
    pub started_at: Timestamp,
    /// End time, when finished or abandoned.
    pub finished_at: Option<Timestamp>,
    /// The item awaiting an answer, if any (kept when the session is abandoned: it was shown).
    pub pending: Option<Pending>,
    /// Answered by a simulated agent.
    pub simulated: bool,
    /// The items excluded at the start by the reuse policy.
    pub excluded_items: Vec<String>,
}

/// One recorded response.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseRecord {
    /// The step (0-based) in the session.
    pub step: u32,
    /// The item's id.
    pub item: String,
    /// The competence the item measures.
    pub competence: String,
    /// The raw answer: option ids or texts (JSON written by the caller).
    pub raw_answer: String,
    /// The option ids in the order shown, space-separated (choice items).
    pub options_order: Option<String>,
    /// The dichotomous score (0 or 1).
    pub score: u8,
    /// The partial credit in [0, 1].
    pub credit: f64,
    /// `answered`, `timedout`, …
    pub status: String,
    /// An unscored pretest item (never used for θ).
    pub pretest: bool,
    /// When the item was shown.
    pub shown_at: Timestamp,
    /// When it was answered.
    pub answered_at: Timestamp,
    /// θ of the item's competence after this response.
    pub theta: Option<f64>,
    /// Its SE after this response.
    pub se: Option<f64>,
}

/// A competence's result at the end of a session, under one scoring version. A session keeps
/// every scoring of it (a rescore adds one and supersedes the earlier, which stays readable).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProfileSnapshot {
    /// The competence code (`1.1` …).
    pub competence: String,
    /// θ (posterior mean).
    pub theta: f64,
    /// Its SE (posterior SD).
    pub se: f64,
    /// Pix earned.
    pub pix: u32,
    /// Lower end of the pix interval.
    pub pix_low: u32,
    /// Upper end of the pix interval.
    pub pix_high: u32,
    /// Level (0–8).
    pub level: u8,
    /// The plan's cap, when below the highest open level.
    pub capped_at: Option<u8>,
    /// When it was assessed (the session's end).
    pub assessed_at: Timestamp,
    /// The scoring definition's version this score follows (`SCORING.md`).
    pub scoring_version: String,
    /// θ from the competence's own answers only, under the independent N(0, 1) prior.
    pub theta_separate: Option<f64>,
    /// Its SE.
    pub se_separate: Option<f64>,
    /// The profile structure the score assumed: `assumed`, `estimated` or `independent`.
    pub structure: Option<String>,
    /// The bank version the score was computed on, when not the session's (a rescore).
    pub bank_version: Option<String>,
    /// When a later scoring of the session replaced this one (`None`: the score in force).
    pub superseded_at: Option<Timestamp>,
}

/// A competence of a finished session that got no score, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAssessed {
    /// The competence code.
    pub competence: String,
    /// The scored answers it got.
    pub answers: u32,
    /// Why it has no score, in a sentence.
    pub reason: String,
}

/// An item the agent saw in an earlier session, and when last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenItem {
    /// The item's id.
    pub item: String,
    /// When the agent last saw it.
    pub last_shown: Timestamp,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// When.
    pub at: Timestamp,
    /// Which command (`export`, `agent erase`, `purge` …).
    pub command: String,
    /// What it did, without personal data.
    pub detail: String,
    /// The operating-system user id of the account that did it (none in older entries).
    pub uid: Option<u32>,
    /// That account's name, from the system's account database.
    pub user: Option<String>,
    /// For an operation recorded before it ran (an export): `started`, then its outcome
    /// (`completed: …`, `failed: …`); none for a one-step entry.
    pub outcome: Option<String>,
    /// When the operation ended, for an entry with an outcome.
    pub ended_at: Option<Timestamp>,
}
