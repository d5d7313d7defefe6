//! One running assessment: the question shown, the answer judged and committed, the end.

use jauge_bank::{Answer, Item, Lang, ShownQuestion, Verdict, check};
use jauge_engine::rng::{Draws, Purpose};
use jauge_engine::session::AnswerStatus;
use jauge_engine::{Clock, Session};
use jauge_store::{NotAssessed, Pending, ProfileSnapshot, ResponseRecord, SessionRecord, StoreError};
use jiff::Timestamp;

use super::{Jauge, stamp};
use crate::answers::answer_json;
use crate::{Error, Result};

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
    /// True when the answer came after the time allowed (never for "I don't know").
    pub timed_out: bool,
    /// The agent answered "I don't know" (scored 0, status `dontknow`).
    pub dont_know: bool,
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
    /// The competences of the plan left without a score, and why.
    pub not_assessed: Vec<NotAssessed>,
    /// The questions answered wrongly (pretest questions, which are not scored, left out).
    pub missed: Vec<Missed>,
    /// Answered by a simulated agent.
    pub simulated: bool,
}

/// The question on screen.
#[derive(Debug, Clone)]
pub(crate) struct Shown {
    pub step: usize,
    pub item: String,
    pub competence: String,
    pub order: Vec<String>,
    pub shown_at: u64,
    pub allowed_ms: Option<u64>,
    pub pretest: bool,
}

/// One session being run: ask [`Assessment::next_question`], show it, [`Assessment::submit`]
/// the answer, until there is no question left, then [`Assessment::finish`]. Every step is
/// written to the database before it returns, so the session can be dropped at any moment and
/// resumed later with [`Jauge::resume`].
#[derive(Debug)]
pub struct Assessment<'j> {
    jauge: &'j Jauge,
    pub(super) record: SessionRecord,
    plan: jauge_engine::Plan,
    session: Session<'j>,
    lang: Lang,
    pub(super) shown: Option<Shown>,
    pub(super) broken: bool,
}

impl<'j> Assessment<'j> {
    pub(crate) fn new(
        jauge: &'j Jauge,
        record: SessionRecord,
        plan: jauge_engine::Plan,
        session: Session<'j>,
        lang: Lang,
        shown: Option<Shown>,
    ) -> Self {
        Self {
            jauge,
            record,
            plan,
            session,
            lang,
            shown,
            broken: false,
        }
    }

    /// Whether a simulated agent answers this session.
    pub fn is_simulated(&self) -> bool {
        self.record.simulated
    }

    /// The items the reuse policy excluded when the session started.
    pub fn excluded_items(&self) -> &[String] {
        &self.record.excluded_items
    }

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

    /// The number of questions the session is expected to ask in all (answered + expected
    /// left): for each competence not done, the items its stopping rule still needs, estimated
    /// as the information missing to reach the SE target, (1/target² − 1/SE²), divided by the
    /// information an item has brought so far in this session (Σ(1/SE² − 1) / Σ answers over
    /// the competences answered; 0.1 before any answer, a typical 3PL item away from its
    /// difficulty), within the competence's remaining minimum (at least one) and maximum, and
    /// the whole within the session's cap. Between [`Progress::left_min`] and
    /// [`Progress::left_max`] after the answers given.
    pub fn expected_total(&self) -> usize {
        let records = self.session.records();
        let estimates = self.session.estimates();
        let counts: Vec<usize> = self
            .plan
            .competences
            .iter()
            .map(|cp| {
                records
                    .iter()
                    .filter(|r| !r.pretest && r.competence == cp.code)
                    .count()
            })
            .collect();
        let (gained, answers) = estimates
            .iter()
            .zip(&counts)
            .filter(|(_, n)| **n > 0)
            .fold((0.0, 0usize), |(g, a), ((_, _, se), n)| {
                (g + (1.0 / (se * se) - 1.0).max(0.0), a + n)
            });
        let rate = if answers > 0 && gained > 0.0 {
            (gained / answers as f64).clamp(0.02, 1.0)
        } else {
            0.1
        };
        let mut left = 0;
        let mut scored_total = 0;
        for ((cp, (_, _, se)), &n) in self.plan.competences.iter().zip(&estimates).zip(&counts) {
            scored_total += n;
            let done = n >= cp.max_items || (n >= cp.min_items && *se <= cp.se_target);
            if done {
                continue;
            }
            let missing = (1.0 / (cp.se_target * cp.se_target) - 1.0 / (se * se)).max(0.0);
            let need = (missing / rate).ceil() as usize;
            let low = cp.min_items.saturating_sub(n).max(1);
            left += need.clamp(low, (cp.max_items - n).max(low));
        }
        let cap = self.plan.max_total.saturating_sub(scored_total);
        records.len() + left.min(cap)
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
        let dont_know = answer.is_dont_know();
        // "I don't know" scores 0 in time or late: it is recorded as what the agent said
        let timed_out = status == AnswerStatus::TimedOut && !dont_know;
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
            status: if dont_know {
                "dontknow"
            } else if timed_out {
                "timedout"
            } else {
                "answered"
            }
            .into(),
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
            dont_know,
            theta,
            se,
            progress: self.progress(),
        })
    }

    /// A simulated agent's answer to the question shown: right with the probability the item's
    /// model gives at `theta`, drawn on the session's own answers stream (seed, unit 1, step),
    /// never shared with the engine's draws. Right: the solution; wrong: a wrong option, a
    /// toggled option, a known wrong or an empty text, a number out of tolerance.
    ///
    /// Refused with [`Error::NotSimulated`] in a session not started as simulated: simulated
    /// answers never enter a real agent's record.
    pub fn simulated_answer(&self, theta: f64) -> Result<Answer> {
        if !self.record.simulated {
            return Err(Error::NotSimulated {
                session: self.record.uid.clone(),
            });
        }
        if !theta.is_finite() {
            return Err(Error::Plan(format!(
                "simulated ability {theta}: give a finite number"
            )));
        }
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
        let mut competences: Vec<ProfileSnapshot> = Vec::new();
        let mut not_assessed: Vec<NotAssessed> = Vec::new();
        for c in &profile.competences {
            match &c.not_assessed {
                Some(n) => not_assessed.push(NotAssessed {
                    competence: c.code.clone(),
                    answers: n.answered as u32,
                    reason: n.to_string(),
                }),
                None => competences.push(self.jauge.snapshot(c, at, profile.structured, None)),
            }
        }
        self.jauge
            .store()
            .finish_session_scored(self.record.id, at, &competences, &not_assessed)
            .map_err(concurrent)?;
        let missed = self
            .session
            .records()
            .iter()
            .filter(|r| !r.score && !r.pretest)
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
            not_assessed,
            missed,
            simulated: self.record.simulated,
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
