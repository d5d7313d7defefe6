//! Rescoring finished sessions under this build's scoring version (`jauge profile rescore`): the
//! stored responses are scored again; the new scores are stored beside the old ones, which stay
//! readable, marked superseded. Nothing is rescored silently: only this call does it.

use jauge_bank::Lang;
use jauge_engine::Session;
use jauge_engine::session::Record;
use jauge_store::{NotAssessed, SessionRecord};

use super::{Jauge, SCORING_VERSION, stamp};
use crate::settings::SessionPlan;
use crate::{Clock, Error, Result};

/// One session rescored.
#[derive(Debug, Clone, PartialEq)]
pub struct Rescored {
    /// The session's public id.
    pub session: String,
    /// The scoring version of the scores it replaced.
    pub from: Vec<String>,
    /// Competences scored under the new version.
    pub scored: usize,
    /// Competences the new version leaves not assessed (too few answers for the plan).
    pub not_assessed: usize,
}

/// What a rescore did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RescoreReport {
    /// The sessions rescored.
    pub rescored: Vec<Rescored>,
    /// Sessions that could not be rescored, and why (an item no longer in the bank…); their
    /// scores are untouched.
    pub skipped: Vec<(String, String)>,
}

impl Jauge {
    /// Rescores, under [`SCORING_VERSION`] and the bank loaded, every finished session whose
    /// scores are under another version (only the agent's with `agent`). The plan of each session
    /// is the one it stored (its competences, minimum and cap); the profile structure is the one
    /// in force. New scores are dated now (`clock`) and name the bank they were computed on when
    /// it is not the session's.
    pub fn rescore(&self, agent: Option<&str>, clock: &dyn Clock) -> Result<RescoreReport> {
        let agent_key = match agent {
            Some(a) => Some(self.agent(a)?.id),
            None => None,
        };
        let sessions: Vec<SessionRecord> = self
            .store()
            .sessions_scored_otherwise(SCORING_VERSION)?
            .into_iter()
            .filter(|s| agent_key.is_none() || s.agent == agent_key)
            .collect();
        let at = stamp(clock.now_ms());
        let mut report = RescoreReport::default();
        for s in sessions {
            match self.rescore_one(&s, at) {
                Ok(r) => report.rescored.push(r),
                Err(e) => report.skipped.push((s.uid.clone(), e.to_string())),
            }
        }
        Ok(report)
    }

    fn rescore_one(&self, s: &SessionRecord, at: jiff::Timestamp) -> Result<Rescored> {
        let bad = |why: String| Error::Record {
            session: s.uid.clone(),
            why,
        };
        let stored: SessionPlan = serde_json::from_str(&s.plan).map_err(|e| bad(e.to_string()))?;
        let plan = match &stored.engine {
            Some(e) => e
                .to_engine()
                .ok_or_else(|| bad(format!("unknown competence order `{}`", e.order)))?,
            // a session of the first versions stored its plan as asked: resolved on this bank
            None => stored.plan.resolve(&self.bank)?.engine_plan(&self.bank),
        };
        let lang = Lang::from_code(&s.lang).unwrap_or(Lang::Fr);
        let (old, responses) = {
            let store = self.store();
            (store.scores(s.id)?, store.responses(s.id)?)
        };
        let records: Vec<Record> = responses.iter().map(|r| self.engine_record(r, lang)).collect();
        let profile = Session::score_records(&self.pool, plan, &records)?;
        let bank_version = (s.bank_version != self.bank.version).then(|| self.bank.version.clone());
        let mut scores = Vec::new();
        let mut not_assessed = Vec::new();
        for c in &profile.competences {
            match &c.not_assessed {
                Some(n) => not_assessed.push(NotAssessed {
                    competence: c.code.clone(),
                    answers: n.answered as u32,
                    reason: n.to_string(),
                }),
                None => scores.push(self.snapshot(c, at, profile.structured, bank_version.clone())),
            }
        }
        self.store().add_scoring(s.id, at, &scores, &not_assessed)?;
        let mut from: Vec<String> = old.iter().map(|p| p.scoring_version.clone()).collect();
        from.sort();
        from.dedup();
        Ok(Rescored {
            session: s.uid.clone(),
            from,
            scored: scores.len(),
            not_assessed: not_assessed.len(),
        })
    }
}
