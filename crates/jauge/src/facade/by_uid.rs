//! Sessions reached by their public id, as a server does: every request names the session, and
//! any process on the same database can serve it (the session is rebuilt from the store).

use jauge_bank::Lang;
use jauge_store::{SessionState, StoreError};

use super::Jauge;
use super::assessment::{Assessment, Missed};
use crate::{Error, Result};

impl Jauge {
    /// Rebuilds the active session with public id `uid` from the store, exactly where it stands
    /// (as [`Jauge::resume`] does for an agent). An unknown session is
    /// [`StoreError::NotFound`]; a finished or abandoned one [`StoreError::SessionState`]; one
    /// started on another bank [`Error::BankChanged`].
    pub fn assessment(&self, uid: &str) -> Result<Assessment<'_>> {
        let record = self.store().session(uid)?.ok_or_else(|| StoreError::NotFound {
            what: "session",
            id: uid.into(),
        })?;
        if record.state != SessionState::Active {
            return Err(Error::Store(StoreError::SessionState {
                session: record.uid,
                state: record.state.as_str().into(),
                action: "continuing it",
            }));
        }
        self.rebuild(record)
    }

    /// The questions of session `uid` answered wrongly, with their explanations, in the
    /// session's language (what [`Assessment::finish`] reports, read back from the store:
    /// pretest questions, which are not scored, left out).
    pub fn missed(&self, uid: &str) -> Result<Vec<Missed>> {
        let store = self.store();
        let record = store.session(uid)?.ok_or_else(|| StoreError::NotFound {
            what: "session",
            id: uid.into(),
        })?;
        let lang = Lang::from_code(&record.lang).unwrap_or(Lang::Fr);
        Ok(store
            .responses(record.id)?
            .iter()
            .filter(|r| r.score == 0 && !r.pretest)
            .filter_map(|r| self.item(&r.item))
            .map(|item| {
                let text = item.text.get(lang);
                Missed {
                    item: item.id.clone(),
                    competence: item.competence.clone(),
                    question: text.question.clone(),
                    explanation: text.explanation.clone(),
                }
            })
            .collect())
    }
}

impl Assessment<'_> {
    /// The session's internal key in the store.
    pub fn key(&self) -> i64 {
        self.record.id
    }

    /// The step (from 1) and item of the question shown and awaiting an answer, if any.
    pub fn awaiting(&self) -> Option<(usize, &str)> {
        self.shown.as_ref().map(|s| (s.step + 1, s.item.as_str()))
    }

    /// Whether a write failed since the session was built: it must then be rebuilt from the
    /// store ([`Jauge::assessment`]) before it can go on.
    pub fn must_resume(&self) -> bool {
        self.broken
    }
}
