//! The JSON documents of the API, as the OpenAPI description shows them. Requests refuse unknown
//! fields (422), so that a misspelt field is an error rather than silently ignored.

use jauge::bank::ItemType;
use jauge::{Answer, QuestionView};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// RFC 3339 in UTC.
pub fn time(t: Timestamp) -> String {
    t.to_string()
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Where the session stands: what is done and an estimate of what is left.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Progress {
    /// Questions answered so far.
    pub answered: usize,
    /// At least this many questions left (estimate).
    pub left_min: usize,
    /// At most this many questions left.
    pub left_max: usize,
}

impl From<jauge::Progress> for Progress {
    fn from(p: jauge::Progress) -> Self {
        Self {
            answered: p.answered,
            left_min: p.left_min,
            left_max: p.left_max,
        }
    }
}

/// The type of a question, which says how to answer it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    /// One option (`options`): answer `{"kind": "options", "value": ["b"]}`.
    Single,
    /// Any number of options: `{"kind": "options", "value": ["a", "c"]}`.
    Multiple,
    /// A short text: `{"kind": "texts", "value": ["…"]}`.
    Text,
    /// One text per blank, in the order of `blanks`.
    Blanks,
    /// One text per blank, in any order.
    BlanksAnyOrder,
    /// A number, as typed (comma or dot): `{"kind": "number", "value": "2,5"}`.
    Number,
}

impl From<ItemType> for QuestionType {
    fn from(t: ItemType) -> Self {
        match t {
            ItemType::Single => Self::Single,
            ItemType::Multiple => Self::Multiple,
            ItemType::Text => Self::Text,
            ItemType::Blanks => Self::Blanks,
            ItemType::BlanksAnyOrder => Self::BlanksAnyOrder,
            ItemType::Number => Self::Number,
        }
    }
}

/// An option of a choice question, in the order to show.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionOption {
    /// The option's id: what an answer names.
    pub id: String,
    /// Its text (Markdown).
    pub text: String,
}

/// A blank of a question with blanks (`{{id}}` in the text).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Blank {
    /// The blank's id, as written `{{id}}` in the text.
    pub id: String,
}

/// A question as shown to the agent. It never carries a solution, an accepted answer or an
/// explanation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Question {
    /// Its position in the session, from 1: send it back with the answer.
    pub step: usize,
    /// The item's id.
    pub item: String,
    /// The competence assessed (`1.1` …).
    pub competence: String,
    /// The competence's title in the session's language.
    pub competence_title: String,
    /// How to answer.
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// The question (Markdown; blanks written `{{id}}`).
    pub text: String,
    /// The options in the order to show them (choice types; empty otherwise).
    pub options: Vec<QuestionOption>,
    /// The blanks, in answer order (text and blank types; empty otherwise).
    pub blanks: Vec<Blank>,
    /// The unit shown after a number's input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Seconds allowed (the item's limit × the agent's time factor), for a timed question; an
    /// answer after that is recorded as timed out and scores 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_seconds: Option<f64>,
    /// When it was first shown (RFC 3339): showing it again does not restart its time.
    pub shown_at: String,
    /// The language of its texts (`fr` or `en`).
    pub lang: String,
}

impl From<&QuestionView> for Question {
    fn from(v: &QuestionView) -> Self {
        let q = &v.question;
        Self {
            step: v.number,
            item: q.item.clone(),
            competence: v.competence.clone(),
            competence_title: v.competence_title.clone(),
            kind: q.item_type.into(),
            text: q.question.clone(),
            options: q
                .options
                .iter()
                .map(|o| QuestionOption {
                    id: o.id.clone(),
                    text: o.text.clone(),
                })
                .collect(),
            blanks: q.blanks.iter().map(|b| Blank { id: b.clone() }).collect(),
            unit: q.unit.clone(),
            allowed_seconds: v.allowed_seconds,
            shown_at: time(v.shown_at),
            lang: q.lang.code().into(),
        }
    }
}

/// The question awaiting an answer (`null` when none is left: finish the session) and the
/// progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionState {
    /// The question, or `null` when the session has no question left.
    pub question: Option<Question>,
    /// Where the session stands.
    pub progress: Progress,
}

/// An answer, as `CONTRACTS.md` writes it everywhere.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(
    tag = "kind",
    content = "value",
    rename_all = "lowercase",
    deny_unknown_fields
)]
pub enum AnswerBody {
    /// The ids of the options ticked (`single`: exactly one; `multiple`: any number).
    Options(Vec<String>),
    /// The texts typed, one per blank in blank order (`text`: one).
    Texts(Vec<String>),
    /// The number as typed (`"2,5"`, `"1 500"`).
    Number(String),
    /// "I don't know" (`{"kind": "dontknow"}`), an answer to any question: scored 0, recorded
    /// with the status `dontknow` (SCORING.md).
    Dontknow,
}

impl AnswerBody {
    /// Bounds on what an answer may hold (beyond them it cannot be an answer to any item).
    pub fn check_size(&self) -> Result<(), String> {
        let too_long = |v: &[String], n: usize, len: usize| v.len() > n || v.iter().any(|s| s.len() > len);
        match self {
            Self::Options(v) if too_long(v, 64, 128) => Err("at most 64 option ids of 128 bytes".into()),
            Self::Texts(v) if too_long(v, 32, 2000) => Err("at most 32 texts of 2,000 bytes".into()),
            Self::Number(s) if s.len() > 64 => Err("a number of at most 64 bytes".into()),
            _ => Ok(()),
        }
    }

    /// The bank's answer.
    pub fn into_answer(self) -> Answer {
        match self {
            Self::Options(v) => Answer::Options(v),
            Self::Texts(v) => Answer::Texts(v),
            Self::Number(s) => Answer::Number(s),
            Self::Dontknow => Answer::DontKnow,
        }
    }
}

/// An answer to the question awaiting one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitAnswer {
    /// The `step` of the question answered. Any other step (a repeated or stale submit) is
    /// refused with 409 and nothing is recorded.
    pub step: usize,
    /// The question's `item`, optional: when given, it must be the item awaiting an answer
    /// (409 otherwise).
    #[serde(default)]
    pub item: Option<String>,
    /// The answer.
    pub answer: AnswerBody,
}

/// What was recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recorded {
    /// The step answered.
    pub step: usize,
    /// `answered`, or `timedout` when the answer came after the time allowed (scored 0).
    pub status: String,
}

/// The answer is durably recorded; here is the next question.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerAccepted {
    /// What was recorded.
    pub recorded: Recorded,
    /// The next question, or `null` when none is left: finish the session.
    pub question: Option<Question>,
    /// Where the session stands.
    pub progress: Progress,
}

/// The language of the questions.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LangCode {
    /// French (default).
    #[default]
    Fr,
    /// English.
    En,
}

/// A new session.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSession {
    /// The agent's id as the organisation knows it (e.g. a professional e-mail address): any
    /// non-empty text without control characters, at most 256 bytes. Created when unknown.
    pub agent: String,
    /// The agent's organisation: with an organisation's token, that organisation (or left out);
    /// with the administrator's token, any organisation, or none.
    #[serde(default)]
    pub organisation: Option<String>,
    /// The competences to assess (`["1.1", "4.2"]`); all 16 when neither this nor `campaign`
    /// is given.
    #[serde(default)]
    pub competences: Option<Vec<String>>,
    /// A campaign whose plan to follow (open now, of the organisation or of none).
    #[serde(default)]
    pub campaign: Option<String>,
    /// The language of the questions (default `fr`).
    #[serde(default)]
    pub lang: LangCode,
    /// When the agent has an unfinished session: `true` continues it (200, with a new
    /// `agent_url`), `false` (default) refuses with 409 `session-in-progress`.
    #[serde(default)]
    pub resume: bool,
    /// The session's random seed, for tests and simulations only (a seed makes the session
    /// reproducible); leave it out in production.
    #[serde(default)]
    pub seed: Option<u64>,
}

/// A session started (201) or continued (200).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionStarted {
    /// The session's id.
    pub session: String,
    /// The agent's own link to this session (`/s/…`, relative to the service): a secret
    /// capability, usable without a token, for this session only, until it is finished or
    /// abandoned. Shown once: `POST /api/v1/sessions/{session}/link` makes a new one.
    pub agent_url: String,
    /// The first question awaiting an answer (`null` if none).
    pub question: Option<Question>,
    /// Where the session stands.
    pub progress: Progress,
}

/// A session's state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionInfo {
    /// The session's id.
    pub session: String,
    /// The agent's id (`null` once the agent is erased).
    pub agent: Option<String>,
    /// Its organisation.
    pub organisation: Option<String>,
    /// Its campaign.
    pub campaign: Option<String>,
    /// `active`, `finished` or `abandoned`.
    pub state: String,
    /// Responses recorded.
    pub answered: u32,
    /// When it started.
    pub started_at: String,
    /// When it finished or was abandoned.
    pub finished_at: Option<String>,
}

impl From<jauge::store::SessionStatus> for SessionInfo {
    fn from(s: jauge::store::SessionStatus) -> Self {
        Self {
            session: s.uid,
            agent: s.agent,
            organisation: s.organisation,
            campaign: s.campaign,
            state: s.state.as_str().into(),
            answered: s.answered,
            started_at: time(s.started_at),
            finished_at: s.finished_at.map(time),
        }
    }
}

/// A session's new link.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionLink {
    /// The session's id.
    pub session: String,
    /// The agent's link (`/s/…`); the previous one no longer works.
    pub agent_url: String,
}

/// One competence's result (every score field `null` when not assessed): the keys of `jauge
/// profile show --json`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompetenceResult {
    /// The competence's code.
    pub code: String,
    /// Level 0–8.
    pub level: Option<u8>,
    /// Pix (0–8 per level reached, see SCORING.md).
    pub pix: Option<u32>,
    /// Lower end of the pix interval.
    pub pix_low: Option<u32>,
    /// Upper end of the pix interval.
    pub pix_high: Option<u32>,
    /// Ability estimate θ (posterior of the profile).
    pub theta: Option<f64>,
    /// Its standard error.
    pub se: Option<f64>,
    /// When it was assessed.
    pub assessed_at: Option<String>,
    /// The level it was capped at by a target profile, if any.
    pub capped_at: Option<u8>,
    /// θ from this competence's own answers only (independent prior).
    pub theta_separate: Option<f64>,
    /// Its standard error.
    pub se_separate: Option<f64>,
    /// The scoring version of this score (SCORING.md).
    pub scoring_version: Option<String>,
    /// The profile structure the score assumed (`assumed`, `estimated`, `independent`).
    pub structure: Option<String>,
    /// The session the score comes from.
    pub session: Option<String>,
    /// The score comes from a simulated session.
    pub simulated: bool,
    /// Why a session that tried gave no score (too few answers…).
    pub not_assessed: Option<String>,
}

impl From<&jauge::CompetenceResult> for CompetenceResult {
    fn from(c: &jauge::CompetenceResult) -> Self {
        let p = c.score.as_ref();
        Self {
            code: c.code.clone(),
            level: p.map(|p| p.level),
            pix: p.map(|p| p.pix),
            pix_low: p.map(|p| p.pix_low),
            pix_high: p.map(|p| p.pix_high),
            theta: p.and_then(|p| finite(p.theta)),
            se: p.and_then(|p| finite(p.se)),
            assessed_at: p.map(|p| time(p.assessed_at)),
            capped_at: p.and_then(|p| p.capped_at),
            theta_separate: p.and_then(|p| p.theta_separate).and_then(finite),
            se_separate: p.and_then(|p| p.se_separate).and_then(finite),
            scoring_version: p.map(|p| p.scoring_version.clone()),
            // scores recorded before scoring version 2 did not say: their model was independent
            structure: p.map(|p| p.structure.as_deref().unwrap_or("independent").into()),
            session: c.session.clone(),
            simulated: c.simulated,
            not_assessed: c.not_assessed.clone(),
        }
    }
}

/// An agent's profile: the latest finished result per competence, every competence of the bank
/// listed (the keys of `jauge profile show --json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Profile {
    /// The agent's id.
    pub agent: String,
    /// Σ pix of the latest results.
    pub total_pix: u32,
    /// The bank version of the latest session contributing.
    pub bank_version: String,
    /// The scoring version of the latest score contributing (each competence says its own).
    pub scoring_version: String,
    /// The profile structure of the latest score contributing (`assumed`, `estimated`,
    /// `independent`).
    pub structure: String,
    /// Some score comes from a simulated session.
    pub simulated: bool,
    /// One entry per competence of the bank.
    pub competences: Vec<CompetenceResult>,
}

impl From<jauge::AgentProfile> for Profile {
    fn from(p: jauge::AgentProfile) -> Self {
        Self {
            agent: p.agent,
            total_pix: p.total_pix,
            bank_version: p.bank_version,
            scoring_version: p.scoring_version,
            structure: p.structure,
            simulated: p.simulated,
            competences: p.competences.iter().map(CompetenceResult::from).collect(),
        }
    }
}

/// A question answered wrongly, with its explanation (shown once the session is over).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MissedQuestion {
    /// The item's id.
    pub item: String,
    /// Its competence.
    pub competence: String,
    /// The question (Markdown).
    pub question: String,
    /// The explanation (Markdown).
    pub explanation: String,
}

/// The end of a session: the agent's profile (keys of `jauge profile show --json`), the session
/// and the questions missed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Finished {
    /// The agent's id (`null` once erased).
    pub agent: Option<String>,
    /// Σ pix of the agent's latest results.
    pub total_pix: u32,
    /// The bank version of the latest session contributing.
    pub bank_version: String,
    /// The scoring version of the latest score contributing.
    pub scoring_version: String,
    /// The profile structure of the latest score contributing.
    pub structure: String,
    /// Some score comes from a simulated session.
    pub simulated: bool,
    /// One entry per competence of the bank.
    pub competences: Vec<CompetenceResult>,
    /// The session finished.
    pub session: String,
    /// The questions of this session answered wrongly, with their explanations.
    pub missed: Vec<MissedQuestion>,
}

/// One finished session in an agent's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistorySession {
    /// The session's id.
    pub session: String,
    /// When it finished.
    pub finished_at: Option<String>,
    /// Its bank version.
    pub bank_version: String,
    /// The scoring version it was run under (each competence says the version of its score).
    pub scoring_version: String,
    /// The profile structure the session's scores assumed (`assumed`, `estimated` or
    /// `independent`); `null` when the session scored no competence.
    pub structure: Option<String>,
    /// Answered by a simulated agent.
    pub simulated: bool,
    /// Its results, every competence of the bank listed.
    pub competences: Vec<CompetenceResult>,
}

/// An agent's finished sessions, oldest first (`jauge profile history --json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct History {
    /// The agent's id.
    pub agent: String,
    /// The sessions.
    pub sessions: Vec<HistorySession>,
}

/// An agent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentInfo {
    /// The agent's id.
    pub agent: String,
    /// Its organisation.
    pub organisation: Option<String>,
    /// Accessibility adjustments (e.g. `screen-reader`).
    pub adjustments: Vec<String>,
    /// Time factor applied to timed questions.
    pub time_factor: f64,
    /// When it was created.
    pub created_at: String,
}

impl From<jauge::Agent> for AgentInfo {
    fn from(a: jauge::Agent) -> Self {
        Self {
            agent: a.external_id,
            organisation: a.organisation,
            adjustments: a.adjustments,
            time_factor: a.time_factor,
            created_at: time(a.created_at),
        }
    }
}

/// An agent's accessibility adjustments, for the sessions started afterwards.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Adjustments {
    /// Tags such as `screen-reader`: items tagged `no-<tag>` are not given.
    pub adjustments: Vec<String>,
    /// Factor (1–10) on the time limits; default 1.5 with an adjustment, 1 without.
    #[serde(default)]
    pub time_factor: Option<f64>,
}

/// Everything stored about an agent (the right of access), as `jauge agent show --json`: the
/// agent, and its sessions with their responses and profiles.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentRecord {
    /// The agent's id.
    pub agent: String,
    /// Its organisation.
    pub organisation: Option<String>,
    /// Accessibility adjustments.
    pub adjustments: Vec<String>,
    /// Time factor.
    pub time_factor: f64,
    /// When it was created.
    pub created_at: String,
    /// Its sessions, oldest first, each with `responses` and `profile`.
    #[schema(value_type = Vec<Object>)]
    pub sessions: Vec<serde_json::Value>,
}

/// An erasure done (as `jauge agent erase --json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Erased {
    /// Always `true`.
    pub erased: bool,
    /// Sessions kept without any link to the person (for calibration and aggregates).
    pub sessions_kept_anonymous: u64,
    /// Whether the database files were rewritten at once, so that the erased id survives
    /// nowhere in them; `false` when another connection was reading: the rewrite is finished
    /// when it closes the database, or at the next open.
    pub files_rewritten: bool,
}

/// An organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganisationInfo {
    /// Its code (`[A-Za-z0-9_.-]+`).
    pub code: String,
    /// Its name.
    pub name: String,
    /// When it was created.
    pub created_at: String,
}

impl From<jauge::Organisation> for OrganisationInfo {
    fn from(o: jauge::Organisation) -> Self {
        Self {
            code: o.code,
            name: o.name,
            created_at: time(o.created_at),
        }
    }
}

/// A new organisation (administrator only).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    /// Its code (`[A-Za-z0-9_.-]+`).
    pub code: String,
    /// Its name.
    pub name: String,
}

/// What a session assesses (every field optional; none: the 16 competences with the engine's
/// defaults).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Competence codes; empty: those of `tubes`, or all.
    #[serde(default)]
    pub competences: Vec<String>,
    /// Only these tubes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tubes: Option<Vec<String>>,
    /// Highest level asked (a target profile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_level: Option<u8>,
    /// At most this many scored items per competence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<usize>,
    /// At least this many scored items per competence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<usize>,
    /// Stop a competence at this SE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_target: Option<f64>,
    /// At most this many scored items in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total: Option<usize>,
}

impl From<Plan> for jauge::PlanSpec {
    fn from(p: Plan) -> Self {
        let mut s = jauge::PlanSpec::competences(p.competences);
        s.tubes = p.tubes;
        s.max_level = p.max_level;
        s.max_items = p.max_items;
        s.min_items = p.min_items;
        s.se_target = p.se_target;
        s.max_total = p.max_total;
        s
    }
}

impl From<jauge::PlanSpec> for Plan {
    fn from(s: jauge::PlanSpec) -> Self {
        Self {
            competences: s.competences,
            tubes: s.tubes,
            max_level: s.max_level,
            max_items: s.max_items,
            min_items: s.min_items,
            se_target: s.se_target,
            max_total: s.max_total,
        }
    }
}

/// A campaign: a named plan, open between two dates.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignInfo {
    /// Its name.
    pub name: String,
    /// Its organisation (`null`: open to every organisation).
    pub organisation: Option<String>,
    /// Its plan, resolved against the bank.
    pub plan: Plan,
    /// Opens at.
    pub opens_at: Option<String>,
    /// Closes at.
    pub closes_at: Option<String>,
    /// When it was created.
    pub created_at: String,
}

/// A new campaign.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    /// Its name (`[A-Za-z0-9_.-]+`, unique).
    pub name: String,
    /// Its organisation: the token's (default with an organisation's token); the administrator
    /// may name any, or none (a campaign open to all).
    #[serde(default)]
    pub organisation: Option<String>,
    /// The plan.
    #[serde(default)]
    pub plan: Plan,
    /// Opens at (RFC 3339).
    #[serde(default)]
    pub opens_at: Option<String>,
    /// Closes at (RFC 3339).
    #[serde(default)]
    pub closes_at: Option<String>,
}

/// The service's health.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `failing` when the database cannot be synced.
    pub status: String,
    /// The item bank's version.
    pub bank_version: String,
    /// The service's version.
    pub version: String,
}

/// A list of sessions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionList {
    /// Newest first.
    pub sessions: Vec<SessionInfo>,
}

/// A list of agents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentList {
    /// By id.
    pub agents: Vec<AgentInfo>,
}
