//! Starting and resuming sessions. A session fixes at its start everything its replay needs —
//! the plan as resolved, the engine's settings, the engine and scoring versions, the agent's
//! adjustments, the items the reuse policy excluded, whether it is simulated — and stores it with
//! the session; a resume rebuilds it from that alone, or refuses with a clear message.

use std::collections::HashSet;

use jauge_bank::{Lang, check};
use jauge_engine::session::{AnswerStatus, Record};
use jauge_engine::{Clock, EngineError, ManualClock, Session, SessionConfig};
use jauge_store::{NewSession, ResponseRecord, SessionRecord, StoreError};

use super::assessment::{Assessment, Shown};
use super::{ENGINE_VERSION, Jauge, SCORING_VERSION, millis, stamp};
use crate::answers::parse_answer;
use crate::plan::PlanSpec;
use crate::pool::canonical_adjustment;
use crate::settings::{SessionPlan, StoredConfig, StoredPlan};
use crate::{Error, Result};

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
    /// A simulated agent answers ([`Assessment::simulated_answer`], refused in any other
    /// session): the session is flagged, labelled wherever it is shown, and left out of exports,
    /// aggregates and calibration unless asked. It does not avoid the agent's earlier items
    /// (a seed replays the same session) and its items do not count as seen by the person.
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

impl Jauge {
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
        let plan = spec.engine_plan(&self.bank);
        // exposure control by default: the bank's fitted Sympson–Hetter parameters
        let defaults = SessionConfig {
            exposure: crate::pool::exposure_applies(&plan)
                .then(|| crate::pool::exposure_params(&self.bank, &self.pool))
                .flatten(),
            ..SessionConfig::default()
        };
        // the plan must be runnable on this bank before anything is written
        Session::new(&self.pool, plan.clone(), defaults.clone(), 0)?;
        let record = {
            let mut store = self.store();
            let agent = store.agent_or_create(&opts.agent, opts.organisation.as_deref())?;
            if let Some(s) = store.active_session(agent.id)? {
                return Err(Error::Unfinished { session: s.uid });
            }
            let adjustments: Vec<String> = agent
                .adjustments
                .iter()
                .map(|a| canonical_adjustment(a))
                .collect();
            let (reuse, excluded) = if opts.simulated {
                (None, Vec::new())
            } else {
                let seen = store.seen_items(agent.id, None)?;
                let excluded = self.reuse.excluded(&seen, &self.pool, &plan, &adjustments, now);
                (Some(self.reuse), excluded)
            };
            let stored = SessionPlan {
                plan: spec,
                adjustments,
                time_factor: agent.time_factor,
                avoid_seen: false,
                engine: Some(StoredPlan::of(&plan)),
                config: Some(StoredConfig::of(
                    defaults.rule,
                    defaults.estimator,
                    defaults.randomesque,
                    defaults.exposure.is_some(),
                )),
                reuse,
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
                simulated: opts.simulated,
                excluded_items: excluded,
            };
            match store.start_session(&new) {
                Err(StoreError::SessionInProgress { session }) => return Err(Error::Unfinished { session }),
                r => r?,
            }
        };
        self.rebuild(record)
    }

    /// Resumes the agent's unfinished session exactly where it stopped (the question that was
    /// showing, if any, is shown again with its recorded time and option order), under the
    /// settings it started with. Refused with [`Error::BankChanged`] on another bank,
    /// [`Error::ScoringChanged`] under another scoring version, [`Error::EngineChanged`] when
    /// this engine would not replay it identically.
    pub fn resume(&self, agent: &str) -> Result<Assessment<'_>> {
        let record = self
            .unfinished(agent)?
            .ok_or_else(|| Error::NothingToResume(agent.into()))?;
        self.rebuild(record)
    }

    pub(crate) fn rebuild(&self, record: SessionRecord) -> Result<Assessment<'_>> {
        if record.bank_version != self.bank.version {
            return Err(Error::BankChanged {
                session: record.uid,
                recorded: record.bank_version,
                current: self.bank.version.clone(),
            });
        }
        if record.scoring_version != SCORING_VERSION {
            return Err(Error::ScoringChanged {
                session: record.uid,
                recorded: record.scoring_version,
                current: SCORING_VERSION.into(),
            });
        }
        let bad = |why: String| Error::Record {
            session: record.uid.clone(),
            why,
        };
        let stored: SessionPlan = serde_json::from_str(&record.plan).map_err(|e| bad(e.to_string()))?;
        let (Some(engine), Some(settings)) = (&stored.engine, &stored.config) else {
            return Err(Error::SettingsNotRecorded {
                session: record.uid,
                version: record.engine_version,
            });
        };
        let (Some(rule), Some(estimator)) = (settings.rule(), settings.estimator()) else {
            return Err(bad(format!(
                "unknown selection rule `{}` or estimator `{}`",
                settings.rule, settings.estimator
            )));
        };
        let lang = Lang::from_code(&record.lang).unwrap_or(Lang::Fr);
        let config = SessionConfig {
            rule,
            estimator,
            randomesque: settings.randomesque,
            history: record.excluded_items.iter().cloned().collect::<HashSet<_>>(),
            adjustments: stored.adjustments.clone(),
            time_factor: stored.time_factor,
            // the bank version is checked above: these are the parameters the session started with
            exposure: if settings.exposure {
                crate::pool::exposure_params(&self.bank, &self.pool)
            } else {
                None
            },
        };
        let Some(plan) = engine.to_engine() else {
            return Err(bad(format!("unknown competence order `{}`", engine.order)));
        };
        let responses = self.store().responses(record.id)?;
        let records: Vec<Record> = responses.iter().map(|r| self.engine_record(r, lang)).collect();
        let mut session = match Session::replay(&self.pool, plan.clone(), config, record.seed, &records) {
            Ok(s) => s,
            Err(EngineError::ReplayDiverged { step, .. }) if record.engine_version != ENGINE_VERSION => {
                return Err(Error::EngineChanged {
                    session: record.uid,
                    recorded: record.engine_version,
                    current: ENGINE_VERSION.into(),
                    step,
                });
            }
            Err(e) => return Err(e.into()),
        };
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
        Ok(Assessment::new(self, record, plan, session, lang, shown))
    }

    /// The engine's record of a stored response (a timed-out answer is judged again for its
    /// raw correctness).
    pub(crate) fn engine_record(&self, r: &ResponseRecord, lang: Lang) -> Record {
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
