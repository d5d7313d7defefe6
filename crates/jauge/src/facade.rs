//! The engine handle ([`Jauge`]) and one running assessment ([`Assessment`]).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use jauge_bank::{Answer, Bank, Item, Lang, ShownQuestion, Verdict, check};
use jauge_engine::rng::{Draws, Purpose};
use jauge_engine::session::{AnswerStatus, Record};
use jauge_engine::{Clock, ManualClock, Pool, Session, SessionConfig};
use jauge_irt::Grid;
use jauge_store::{
    Agent, Campaign, NewCampaign, NewSession, Organisation, Pending, ProfileSnapshot, ResponseRecord,
    SessionRecord, Store, StoreError,
};
use jiff::Timestamp;

use crate::plan::{PlanSpec, SessionPlan};
use crate::pool::pool_from_bank;
use crate::{Error, Result};

mod by_uid;

/// The version of the scoring definition (`SCORING.md`) recorded with every session.
pub const SCORING_VERSION: &str = "1";

/// The version of the engine recorded with every session.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The wall clock, in milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        Timestamp::now().as_millisecond().max(0) as u64
    }
}

fn stamp(ms: u64) -> Timestamp {
    Timestamp::from_millisecond(ms.min(i64::MAX as u64) as i64).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn millis(t: Timestamp) -> u64 {
    t.as_millisecond().max(0) as u64
}

/// Which plan a new session follows.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanChoice {
    /// Every competence of the bank, with the full-profile defaults.
    All,
    /// These competences, with the engine's defaults.
    Competences(Vec<String>),
    /// A plan written out.
    Spec(PlanSpec),
    /// The plan of the campaign of this name (open at the time the session starts).
    Campaign(String),
}

/// What starting a session needs.
#[derive(Debug, Clone, PartialEq)]
pub struct StartOptions {
    /// The agent's id as the caller knows it (created if unknown).
    pub agent: String,
    /// The agent's organisation (must exist), if any.
    pub organisation: Option<String>,
    /// The plan.
    pub plan: PlanChoice,
    /// The language of the questions.
    pub lang: Lang,
    /// The session's seed (random when `None`).
    pub seed: Option<u64>,
    /// A simulated agent: the agent's earlier items are not avoided, so that a seed replays the
    /// same session.
    pub simulated: bool,
}

impl StartOptions {
    /// A full-profile session in French for `agent`.
    pub fn new(agent: impl Into<String>) -> Self {
        Self {
            agent: agent.into(),
            organisation: None,
            plan: PlanChoice::All,
            lang: Lang::Fr,
            seed: None,
            simulated: false,
        }
    }
}

/// Where the session stands: what is done and an estimate of what is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Questions answered so far.
    pub answered: usize,
    /// At least this many more questions (estimate).
    pub left_min: usize,
    /// At most this many more questions.
    pub left_max: usize,
}

/// A question as shown to the agent, with its context. It carries no solution.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionView {
    /// Position in the session (1 for the first question).
    pub number: usize,
    /// The competence assessed.
    pub competence: String,
    /// Its title in the session's language.
    pub competence_title: String,
    /// The question itself (options in the order shown).
    pub question: ShownQuestion,
    /// When it was first shown.
    pub shown_at: Timestamp,
    /// Seconds allowed (the limit × the agent's time factor), for a timed question.
    pub allowed_seconds: Option<f64>,
    /// Progress before this question.
    pub progress: Progress,
}

/// What became of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    /// The bank's verdict on the answer.
    pub verdict: Verdict,
    /// The score recorded (0 when timed out).
    pub score: u8,
    /// True when the answer came after the time allowed.
    pub timed_out: bool,
    /// θ of the item's competence after it (none for a pretest item).
    pub theta: Option<f64>,
    /// Its SE.
    pub se: Option<f64>,
    /// Progress after it.
    pub progress: Progress,
}

/// A question answered wrongly, with its explanation, for the end of the session.
#[derive(Debug, Clone, PartialEq)]
pub struct Missed {
    /// The item's id.
    pub item: String,
    /// Its competence.
    pub competence: String,
    /// The question (Markdown) in the session's language.
    pub question: String,
    /// The explanation (Markdown).
    pub explanation: String,
}

/// The end of a session: the profile recorded and the questions missed.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The session's public id.
    pub session: String,
    /// Σ pix of the competences assessed.
    pub total_pix: u32,
    /// One result per competence assessed.
    pub competences: Vec<ProfileSnapshot>,
    /// The questions answered wrongly.
    pub missed: Vec<Missed>,
}

/// An agent's results, one entry per competence of the bank (`None`: never assessed).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentProfile {
    /// The agent's id.
    pub agent: String,
    /// Σ pix of the latest results.
    pub total_pix: u32,
    /// The bank version of the latest session contributing (the current bank when none).
    pub bank_version: String,
    /// The scoring version of that session.
    pub scoring_version: String,
    /// (competence code, latest finished result).
    pub competences: Vec<(String, Option<ProfileSnapshot>)>,
}

/// One finished session in an agent's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// The session's public id.
    pub session: String,
    /// When it finished.
    pub finished_at: Option<Timestamp>,
    /// Its bank version.
    pub bank_version: String,
    /// (competence code, result of this session) for every competence of the bank.
    pub competences: Vec<(String, Option<ProfileSnapshot>)>,
}

/// Jauge opened on a bank and a database: the entry point of the embedding API. It is `Send +
/// Sync`: share one (e.g. in an `Arc`) between threads and run many sessions at once; writes to
/// the database are serialised by a mutex, one transaction each.
#[derive(Debug)]
pub struct Jauge {
    bank: Bank,
    index: HashMap<String, usize>,
    pool: Pool,
    store: Mutex<Store>,
}

impl Jauge {
    /// Opens the bank in `bank_dir` (it must validate without error) and the database at `db`
    /// (created, readable by its owner only, when missing; migrated when older). The bank is
    /// checked first, so that nothing is written when it fails.
    pub fn open(bank_dir: &Path, db: &Path) -> Result<Self> {
        let bank = load_bank(bank_dir)?;
        Ok(Self::with(bank, Store::open(db)?))
    }

    /// As [`Jauge::open`], but the database must exist (for tools that only read).
    pub fn open_existing(bank_dir: &Path, db: &Path) -> Result<Self> {
        let bank = load_bank(bank_dir)?;
        Ok(Self::with(bank, Store::open_existing(db)?))
    }

    /// Jauge over a bank already loaded and a store already open.
    pub fn with(bank: Bank, store: Store) -> Self {
        let pool = pool_from_bank(&bank, &Grid::standard());
        let index = bank
            .items
            .iter()
            .enumerate()
            .map(|(k, i)| (i.id.clone(), k))
            .collect();
        Self {
            bank,
            index,
            pool,
            store: Mutex::new(store),
        }
    }

    /// The bank.
    pub fn bank(&self) -> &Bank {
        &self.bank
    }

    /// The bank's version (content hash), recorded with every session.
    pub fn bank_version(&self) -> &str {
        &self.bank.version
    }

    /// Locks the store (a poisoned lock is recovered: every write is one transaction).
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn item(&self, id: &str) -> Option<&Item> {
        self.index.get(id).map(|&k| &self.bank.items[k])
    }

    // ------------------------------------------------------------ administration

    /// Creates an organisation.
    pub fn create_organisation(&self, code: &str, name: &str) -> Result<Organisation> {
        Ok(self.store().create_organisation(code, name)?)
    }

    /// Every organisation, by code.
    pub fn organisations(&self) -> Result<Vec<Organisation>> {
        Ok(self.store().organisations()?)
    }

    /// Creates a campaign with `plan` (checked against the bank and stored resolved).
    pub fn create_campaign(
        &self,
        name: &str,
        organisation: Option<&str>,
        plan: &PlanSpec,
        opens_at: Option<Timestamp>,
        closes_at: Option<Timestamp>,
    ) -> Result<Campaign> {
        let plan = plan.resolve(&self.bank)?;
        if let (Some(o), Some(c)) = (opens_at, closes_at)
            && c < o
        {
            return Err(Error::Plan(format!(
                "the campaign closes ({c}) before it opens ({o})"
            )));
        }
        let json = serde_json::to_string(&plan).map_err(|e| Error::Plan(e.to_string()))?;
        Ok(self.store().create_campaign(&NewCampaign {
            name: name.into(),
            organisation: organisation.map(str::to_owned),
            plan: json,
            opens_at,
            closes_at,
        })?)
    }

    /// Every campaign, by name.
    pub fn campaigns(&self) -> Result<Vec<Campaign>> {
        Ok(self.store().campaigns()?)
    }

    /// The campaign of this name and its plan; [`Error::UnknownCampaign`] when there is none.
    pub fn campaign(&self, name: &str) -> Result<(Campaign, PlanSpec)> {
        let c = self
            .store()
            .campaign(name)?
            .ok_or_else(|| Error::UnknownCampaign(name.into()))?;
        let spec = serde_json::from_str(&c.plan).map_err(|e| Error::Record {
            session: format!("campaign {name}"),
            why: e.to_string(),
        })?;
        Ok((c, spec))
    }

    /// The agent of this id.
    pub fn agent(&self, id: &str) -> Result<Agent> {
        self.store()
            .agent(id)?
            .ok_or_else(|| Error::UnknownAgent(id.into()))
    }

    /// The agents (of one organisation).
    pub fn agents(&self, organisation: Option<&str>) -> Result<Vec<Agent>> {
        Ok(self.store().agents(organisation)?)
    }

    /// Creates the agent if unknown (in `organisation`).
    pub fn agent_or_create(&self, id: &str, organisation: Option<&str>) -> Result<Agent> {
        Ok(self.store().agent_or_create(id, organisation)?)
    }

    /// Sets an agent's accessibility adjustments (e.g. `screen-reader`) and time factor (≥ 1;
    /// 1.5 is the default for an agent with an adjustment). They apply to sessions started
    /// afterwards.
    pub fn set_adjustments(&self, id: &str, adjustments: &[String], time_factor: f64) -> Result<Agent> {
        if !(time_factor.is_finite() && (1.0..=10.0).contains(&time_factor)) {
            return Err(Error::Plan(format!(
                "time factor {time_factor}: give a number from 1 to 10"
            )));
        }
        for a in adjustments {
            jauge_store::validate_code("adjustment", a)?;
        }
        let agent = self.agent(id)?;
        let mut store = self.store();
        store.set_adjustments(agent.id, adjustments, time_factor)?;
        Ok(store.agent_by_key(agent.id)?.unwrap_or(agent))
    }

    /// The agent's unfinished session, if any.
    pub fn unfinished(&self, agent: &str) -> Result<Option<SessionRecord>> {
        let store = self.store();
        let Some(a) = store.agent(agent)? else {
            return Ok(None);
        };
        Ok(store.active_session(a.id)?)
    }

    /// Abandons the agent's unfinished session (its responses are kept); returns its id.
    pub fn abandon(&self, agent: &str, clock: &dyn Clock) -> Result<Option<String>> {
        let mut store = self.store();
        let Some(a) = store.agent(agent)? else {
            return Ok(None);
        };
        let Some(s) = store.active_session(a.id)? else {
            return Ok(None);
        };
        store.abandon_session(s.id, stamp(clock.now_ms()))?;
        Ok(Some(s.uid))
    }

    // ------------------------------------------------------------ profiles

    fn competence_codes(&self) -> Vec<String> {
        self.bank
            .framework
            .competences
            .iter()
            .map(|c| c.code.clone())
            .collect()
    }

    /// The agent's latest finished result per competence, every competence of the bank listed.
    pub fn profile(&self, agent: &str) -> Result<AgentProfile> {
        let a = self.agent(agent)?;
        let history = self.store().history(a.id)?;
        let mut latest: HashMap<String, (ProfileSnapshot, &SessionRecord)> = HashMap::new();
        for (s, snaps) in &history {
            for p in snaps {
                latest.insert(p.competence.clone(), (p.clone(), s));
            }
        }
        let newest = latest
            .values()
            .max_by_key(|(p, s)| (p.assessed_at, s.id))
            .map(|(_, s)| *s);
        let mut codes = self.competence_codes();
        for k in latest.keys() {
            if !codes.contains(k) {
                codes.push(k.clone());
            }
        }
        let competences: Vec<(String, Option<ProfileSnapshot>)> = codes
            .into_iter()
            .map(|c| {
                let p = latest.get(&c).map(|(p, _)| p.clone());
                (c, p)
            })
            .collect();
        Ok(AgentProfile {
            agent: a.external_id,
            total_pix: competences
                .iter()
                .filter_map(|(_, p)| p.as_ref())
                .map(|p| p.pix)
                .sum(),
            bank_version: newest.map_or_else(|| self.bank.version.clone(), |s| s.bank_version.clone()),
            scoring_version: newest.map_or_else(|| SCORING_VERSION.into(), |s| s.scoring_version.clone()),
            competences,
        })
    }

    /// The agent's finished sessions, oldest first, every competence of the bank listed in each.
    pub fn history(&self, agent: &str) -> Result<Vec<HistoryEntry>> {
        let a = self.agent(agent)?;
        let history = self.store().history(a.id)?;
        let codes = self.competence_codes();
        Ok(history
            .into_iter()
            .map(|(s, snaps)| {
                let mut competences: Vec<(String, Option<ProfileSnapshot>)> = codes
                    .iter()
                    .map(|c| (c.clone(), snaps.iter().find(|p| &p.competence == c).cloned()))
                    .collect();
                for p in &snaps {
                    if !codes.contains(&p.competence) {
                        competences.push((p.competence.clone(), Some(p.clone())));
                    }
                }
                HistoryEntry {
                    session: s.uid,
                    finished_at: s.finished_at,
                    bank_version: s.bank_version,
                    competences,
                }
            })
            .collect())
    }

    // ------------------------------------------------------------ sessions

    /// Starts a session for `opts.agent` (created if unknown). Refused with [`Error::Unfinished`]
    /// when the agent has an unfinished session: resume it or abandon it first.
    pub fn start(&self, opts: &StartOptions, clock: &dyn Clock) -> Result<Assessment<'_>> {
        let now = stamp(clock.now_ms());
        let (spec, campaign) = match &opts.plan {
            PlanChoice::All => (PlanSpec::default(), None),
            PlanChoice::Competences(c) => (PlanSpec::competences(c.clone()), None),
            PlanChoice::Spec(s) => (s.clone(), None),
            PlanChoice::Campaign(name) => {
                let (c, spec) = self.campaign(name)?;
                if let Some(o) = c.opens_at
                    && now < o
                {
                    return Err(Error::CampaignNotOpen {
                        name: name.clone(),
                        why: format!("not open yet (it opens at {o})"),
                    });
                }
                if let Some(cl) = c.closes_at
                    && now > cl
                {
                    return Err(Error::CampaignNotOpen {
                        name: name.clone(),
                        why: format!("closed (since {cl})"),
                    });
                }
                (spec, Some(name.clone()))
            }
        };
        let spec = spec.resolve(&self.bank)?;
        // the plan must be runnable on this bank before anything is written
        Session::new(
            &self.pool,
            spec.engine_plan(&self.bank),
            SessionConfig::default(),
            0,
        )?;
        let record = {
            let mut store = self.store();
            let agent = store.agent_or_create(&opts.agent, opts.organisation.as_deref())?;
            if let Some(s) = store.active_session(agent.id)? {
                return Err(Error::Unfinished { session: s.uid });
            }
            let stored = SessionPlan {
                plan: spec,
                adjustments: agent.adjustments.clone(),
                time_factor: agent.time_factor,
                avoid_seen: !opts.simulated,
            };
            let plan = serde_json::to_string(&stored).map_err(|e| Error::Plan(e.to_string()))?;
            let new = NewSession {
                agent: agent.id,
                campaign,
                plan,
                seed: opts.seed.unwrap_or_else(rand::random),
                engine_version: ENGINE_VERSION.into(),
                bank_version: self.bank.version.clone(),
                scoring_version: SCORING_VERSION.into(),
                lang: opts.lang.code().into(),
                started_at: now,
            };
            match store.start_session(&new) {
                Err(StoreError::SessionInProgress { session }) => return Err(Error::Unfinished { session }),
                r => r?,
            }
        };
        self.rebuild(record)
    }

    /// Resumes the agent's unfinished session exactly where it stopped (the question that was
    /// showing, if any, is shown again with its recorded time and option order). Refused with
    /// [`Error::BankChanged`] when the bank is not the one the session started on.
    pub fn resume(&self, agent: &str) -> Result<Assessment<'_>> {
        let record = self
            .unfinished(agent)?
            .ok_or_else(|| Error::NothingToResume(agent.into()))?;
        self.rebuild(record)
    }

    /// Items of the agent's sessions finished before `record` started.
    fn seen_before(&self, record: &SessionRecord) -> Result<HashSet<String>> {
        let Some(agent) = record.agent else {
            return Ok(HashSet::new());
        };
        let store = self.store();
        let mut seen = HashSet::new();
        for (s, _) in store.history(agent)? {
            if s.id != record.id && s.finished_at.is_some_and(|f| f <= record.started_at) {
                seen.extend(store.responses(s.id)?.into_iter().map(|r| r.item));
            }
        }
        Ok(seen)
    }

    fn rebuild(&self, record: SessionRecord) -> Result<Assessment<'_>> {
        if record.bank_version != self.bank.version {
            return Err(Error::BankChanged {
                session: record.uid,
                recorded: record.bank_version,
                current: self.bank.version.clone(),
            });
        }
        let bad = |why: String| Error::Record {
            session: record.uid.clone(),
            why,
        };
        let stored: SessionPlan = serde_json::from_str(&record.plan).map_err(|e| bad(e.to_string()))?;
        let lang = Lang::from_code(&record.lang).unwrap_or(Lang::Fr);
        let config = SessionConfig {
            history: if stored.avoid_seen {
                self.seen_before(&record)?
            } else {
                HashSet::new()
            },
            adjustments: stored.adjustments.clone(),
            time_factor: stored.time_factor,
            ..SessionConfig::default()
        };
        let plan = stored.plan.engine_plan(&self.bank);
        let responses = self.store().responses(record.id)?;
        let records: Vec<Record> = responses
            .iter()
            .map(|r| {
                let timed_out = r.status == "timedout";
                let raw = if timed_out {
                    self.rejudge(r, lang)
                } else {
                    r.score == 1
                };
                Record {
                    item: r.item.clone(),
                    competence: r.competence.clone(),
                    raw,
                    score: r.score == 1,
                    shown_at: millis(r.shown_at),
                    answered_at: millis(r.answered_at),
                    status: if timed_out {
                        AnswerStatus::TimedOut
                    } else {
                        AnswerStatus::Answered
                    },
                    pretest: r.pretest,
                }
            })
            .collect();
        let mut session = Session::replay(&self.pool, plan.clone(), config, record.seed, &records)?;
        let mut shown = None;
        if let Some(p) = &record.pending
            && p.step as usize == records.len()
        {
            let clock = ManualClock(std::cell::Cell::new(millis(p.shown_at)));
            match session.next_question(&clock) {
                Some(q) if q.id == p.item => {
                    let order: Vec<String> = p
                        .options_order
                        .as_deref()
                        .unwrap_or("")
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect();
                    shown = Some(Shown {
                        step: q.step,
                        item: q.id,
                        competence: q.competence,
                        order,
                        shown_at: q.shown_at,
                        allowed_ms: q.allowed_ms,
                        pretest: q.pretest,
                    });
                }
                other => {
                    return Err(bad(format!(
                        "the pending item `{}` is not what the session chooses ({})",
                        p.item,
                        other.map_or_else(|| "the end".into(), |q| format!("`{}`", q.id))
                    )));
                }
            }
        }
        Ok(Assessment {
            jauge: self,
            record,
            plan,
            session,
            lang,
            shown,
            broken: false,
        })
    }

    fn rejudge(&self, r: &ResponseRecord, lang: Lang) -> bool {
        let Some(item) = self.item(&r.item) else {
            return false;
        };
        let Some(answer) = parse_answer(&r.raw_answer) else {
            return false;
        };
        check(item, lang, &answer).is_ok_and(|v| v.score == 1)
    }
}

/// Reads back an answer written by [`answer_json`].
pub fn parse_answer(json: &str) -> Option<Answer> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let strings = |v: &serde_json::Value| -> Option<Vec<String>> {
        v.as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect()
    };
    match v.get("kind")?.as_str()? {
        "options" => Some(Answer::Options(strings(v.get("value")?)?)),
        "texts" => Some(Answer::Texts(strings(v.get("value")?)?)),
        "number" => Some(Answer::Number(v.get("value")?.as_str()?.to_owned())),
        _ => None,
    }
}

/// An answer as stored: `{"kind": "options", "value": ["b"]}`, `{"kind": "texts", "value":
/// ["…"]}` or `{"kind": "number", "value": "2,5"}`.
pub fn answer_json(answer: &Answer) -> String {
    serde_json::to_string(answer).unwrap_or_else(|_| "null".into())
}

fn load_bank(dir: &Path) -> Result<Bank> {
    let loaded = jauge_bank::load_dir(dir)?;
    let errors = loaded.errors();
    if errors > 0 {
        let first = loaded
            .diagnostics
            .iter()
            .find(|d| d.is_error())
            .map(|d| d.to_string())
            .unwrap_or_default();
        return Err(Error::InvalidBank {
            dir: dir.to_path_buf(),
            errors,
            first,
        });
    }
    Ok(loaded.bank)
}

#[derive(Debug, Clone)]
struct Shown {
    step: usize,
    item: String,
    competence: String,
    order: Vec<String>,
    shown_at: u64,
    allowed_ms: Option<u64>,
    pretest: bool,
}

/// One session being run: ask [`Assessment::next_question`], show it, [`Assessment::submit`]
/// the answer, until there is no question left, then [`Assessment::finish`]. Every step is
/// written to the database before it returns, so the session can be dropped at any moment and
/// resumed later with [`Jauge::resume`].
#[derive(Debug)]
pub struct Assessment<'j> {
    jauge: &'j Jauge,
    record: SessionRecord,
    plan: jauge_engine::Plan,
    session: Session<'j>,
    lang: Lang,
    shown: Option<Shown>,
    broken: bool,
}

impl<'j> Assessment<'j> {
    /// The session's public id.
    pub fn id(&self) -> &str {
        &self.record.uid
    }

    /// The session's seed.
    pub fn seed(&self) -> u64 {
        self.record.seed
    }

    /// When the session started.
    pub fn started_at(&self) -> Timestamp {
        self.record.started_at
    }

    /// The language of its questions.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The campaign it belongs to.
    pub fn campaign(&self) -> Option<&str> {
        self.record.campaign.as_deref()
    }

    /// Questions answered so far.
    pub fn answered(&self) -> usize {
        self.session.records().len()
    }

    /// The competences of the plan, in order.
    pub fn competences(&self) -> Vec<String> {
        self.plan.competences.iter().map(|c| c.code.clone()).collect()
    }

    /// An estimate of what is left: for each competence not yet done, between its remaining
    /// minimum (at least one) and its remaining maximum, within the session's total.
    pub fn progress(&self) -> Progress {
        let records = self.session.records();
        let estimates = self.session.estimates();
        let mut low = 0;
        let mut high = 0;
        let mut scored_total = 0;
        for (cp, (_, _, se)) in self.plan.competences.iter().zip(&estimates) {
            let n = records
                .iter()
                .filter(|r| !r.pretest && r.competence == cp.code)
                .count();
            scored_total += n;
            let done = n >= cp.max_items || (n >= cp.min_items && *se <= cp.se_target);
            if !done {
                low += cp.min_items.saturating_sub(n).max(1);
                high += cp.max_items - n;
            }
        }
        let cap = self.plan.max_total.saturating_sub(scored_total);
        Progress {
            answered: records.len(),
            left_min: low.min(cap),
            left_max: high.min(cap),
        }
    }

    fn view(&self, s: &Shown) -> Result<QuestionView> {
        let item = self.jauge.item(&s.item).ok_or_else(|| Error::Record {
            session: self.record.uid.clone(),
            why: format!("item `{}` is not in the bank", s.item),
        })?;
        let order = (!s.order.is_empty()).then_some(s.order.as_slice());
        let question = ShownQuestion::new(item, self.lang, order)?;
        Ok(QuestionView {
            number: s.step + 1,
            competence: s.competence.clone(),
            competence_title: self
                .jauge
                .bank
                .framework
                .competence(&s.competence)
                .map(|c| c.title.get(self.lang).clone())
                .unwrap_or_default(),
            question,
            shown_at: stamp(s.shown_at),
            allowed_seconds: s.allowed_ms.map(|ms| ms as f64 / 1000.0),
            progress: self.progress(),
        })
    }

    /// The option order of a choice item at `step`: shuffled (when the item allows it) on the
    /// session's own stream (seed, unit 2), apart from the engine's and the simulated answers'.
    fn option_order(&self, item: &Item, step: usize) -> Vec<String> {
        let mut ids: Vec<String> = item.kind.options().iter().map(|o| o.id.clone()).collect();
        if item.shuffle && ids.len() > 1 {
            let mut d = Draws::new(self.record.seed, 2, Purpose::Selection);
            for j in (1..ids.len()).rev() {
                let r = d.below(step as u64, j as u64, j + 1);
                ids.swap(j, r);
            }
        }
        ids
    }

    /// The next question, recorded as pending in the database before it is returned; the
    /// same question again while it awaits its answer; `None` when the session is over.
    pub fn next_question(&mut self, clock: &dyn Clock) -> Result<Option<QuestionView>> {
        if self.broken {
            return Err(Error::MustResume);
        }
        if let Some(s) = &self.shown {
            return self.view(s).map(Some);
        }
        let Some(q) = self.session.next_question(clock) else {
            return Ok(None);
        };
        let item = self.jauge.item(&q.id).ok_or_else(|| Error::Record {
            session: self.record.uid.clone(),
            why: format!("item `{}` is not in the bank", q.id),
        })?;
        let order = self.option_order(item, q.step);
        let pending = Pending {
            step: q.step as u32,
            item: q.id.clone(),
            shown_at: stamp(q.shown_at),
            options_order: (!order.is_empty()).then(|| order.join(" ")),
        };
        // on failure the engine keeps the question pending: a later call records it again
        self.jauge
            .store()
            .set_pending(self.record.id, &pending)
            .map_err(concurrent)?;
        let shown = Shown {
            step: q.step,
            item: q.id,
            competence: q.competence,
            order,
            shown_at: q.shown_at,
            allowed_ms: q.allowed_ms,
            pretest: q.pretest,
        };
        let view = self.view(&shown)?;
        self.shown = Some(shown);
        Ok(Some(view))
    }

    /// Judges `answer` to the question shown, feeds the engine and commits the response (with θ
    /// and SE after it) in its own transaction before returning. A malformed answer (a number
    /// that does not parse…) is [`Error::Refused`]: nothing is recorded, ask again.
    pub fn submit(&mut self, answer: &Answer, clock: &dyn Clock) -> Result<Submitted> {
        if self.broken {
            return Err(Error::MustResume);
        }
        let shown = self.shown.clone().ok_or(Error::NoQuestion)?;
        let item = self.jauge.item(&shown.item).ok_or(Error::NoQuestion)?;
        let verdict = check(item, self.lang, answer).map_err(Error::Refused)?;
        let status = self.session.answer(&shown.item, verdict.score == 1, clock)?;
        let Some(rec) = self.session.records().last().cloned() else {
            return Err(Error::NoQuestion);
        };
        let timed_out = status == AnswerStatus::TimedOut;
        let (theta, se) = if shown.pretest {
            (None, None)
        } else {
            self.session
                .estimates()
                .into_iter()
                .find(|(c, _, _)| *c == shown.competence)
                .map_or((None, None), |(_, t, s)| (Some(t), Some(s)))
        };
        let score = u8::from(rec.score);
        let response = ResponseRecord {
            step: shown.step as u32,
            item: shown.item.clone(),
            competence: shown.competence.clone(),
            raw_answer: answer_json(answer),
            options_order: (!shown.order.is_empty()).then(|| shown.order.join(" ")),
            score,
            credit: if timed_out { 0.0 } else { verdict.credit },
            status: if timed_out { "timedout" } else { "answered" }.into(),
            pretest: shown.pretest,
            shown_at: stamp(rec.shown_at),
            answered_at: stamp(rec.answered_at),
            theta,
            se,
        };
        if let Err(e) = self.jauge.store().record_response(self.record.id, &response) {
            self.broken = true;
            return Err(concurrent(e).into());
        }
        self.shown = None;
        Ok(Submitted {
            verdict,
            score,
            timed_out,
            theta,
            se,
            progress: self.progress(),
        })
    }

    /// A simulated agent's answer to the question shown: right with the probability the item's
    /// model gives at `theta`, drawn on the session's own answers stream (seed, unit 1, step),
    /// never shared with the engine's draws. Right: the solution; wrong: a wrong option, a
    /// toggled option, a known wrong or an empty text, a number out of tolerance.
    pub fn simulated_answer(&self, theta: f64) -> Result<Answer> {
        let shown = self.shown.as_ref().ok_or(Error::NoQuestion)?;
        let item = self.jauge.item(&shown.item).ok_or(Error::NoQuestion)?;
        let mut d = Draws::new(self.record.seed, 1, Purpose::Answers);
        let step = shown.step as u64;
        let right = d.uniform(step, 0) < item.params().prob(theta);
        Ok(crate::simulate::answer(item, self.lang, right, |n| {
            d.below(step, 1, n)
        }))
    }

    /// Finishes the session once no question is left: records the profile (one snapshot per
    /// competence assessed) and returns it with the questions missed.
    pub fn finish(mut self, clock: &dyn Clock) -> Result<Report> {
        if self.broken {
            return Err(Error::MustResume);
        }
        if self.shown.is_some() || self.session.next_question(clock).is_some() {
            return Err(Error::NotFinished);
        }
        let at = stamp(clock.now_ms());
        let profile = self.session.profile();
        let competences: Vec<ProfileSnapshot> = profile
            .competences
            .iter()
            .filter(|c| c.items > 0)
            .map(|c| ProfileSnapshot {
                competence: c.code.clone(),
                theta: c.score.theta,
                se: c.score.se,
                pix: c.score.pix,
                pix_low: c.score.pix_low,
                pix_high: c.score.pix_high,
                level: c.score.level,
                capped_at: c.score.capped_at,
                assessed_at: at,
            })
            .collect();
        self.jauge
            .store()
            .finish_session(self.record.id, at, &competences)
            .map_err(concurrent)?;
        let missed = self
            .session
            .records()
            .iter()
            .filter(|r| !r.score)
            .filter_map(|r| self.jauge.item(&r.item))
            .map(|item| {
                let text = item.text.get(self.lang);
                Missed {
                    item: item.id.clone(),
                    competence: item.competence.clone(),
                    question: text.question.clone(),
                    explanation: text.explanation.clone(),
                }
            })
            .collect();
        Ok(Report {
            session: self.record.uid.clone(),
            total_pix: competences.iter().map(|c| c.pix).sum(),
            competences,
            missed,
        })
    }
}

/// A session this assessment holds as active, found finished or abandoned when writing to it:
/// another process (another `--resume`, an erasure) ended it meanwhile.
fn concurrent(e: StoreError) -> StoreError {
    match e {
        StoreError::SessionState { session, state, .. } if state == "finished" || state == "abandoned" => {
            StoreError::Conflict {
                detail: format!("it was {state} meanwhile"),
                session,
            }
        }
        e => e,
    }
}
