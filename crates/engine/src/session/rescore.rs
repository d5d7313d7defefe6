//! Scoring recorded answers without choosing the questions: what rescoring a finished session
//! under a newer scoring version needs, whatever engine chose its items.

use super::{ManualClock, Profile, Question, Record, Session, SessionConfig};
use crate::error::EngineError;
use crate::session::Plan;
use crate::session::pool::Pool;

impl<'p> Session<'p> {
    /// The profile `records` give under `plan` (`SCORING.md` as this build defines it): each
    /// scored record, in order, is fed to the session as if it had been chosen; pretest records
    /// are skipped (never scored). Errors name an item the pool does not hold.
    pub fn score_records(pool: &'p Pool, plan: Plan, records: &[Record]) -> Result<Profile, EngineError> {
        let mut s = Session::new(pool, plan, SessionConfig::default(), 0)?;
        for r in records.iter().filter(|r| !r.pretest) {
            let item = pool
                .items
                .iter()
                .position(|it| it.id == r.item)
                .ok_or_else(|| EngineError::Setting(format!("item `{}` is not in the bank", r.item)))?;
            s.pending = Some(Question {
                step: s.records.len(),
                item,
                id: r.item.clone(),
                competence: pool.items[item].competence.clone(),
                shown_at: r.shown_at,
                allowed_ms: None,
                pretest: false,
            });
            let clock = ManualClock(std::cell::Cell::new(r.answered_at));
            s.answer(&r.item, r.score, &clock)?;
        }
        Ok(s.profile())
    }
}
