//! What can be done with a session, whoever asks (an organisation's application with its token,
//! or the agent with the session's link): read the question, answer it, finish. Each operation
//! holds the session's lock for its whole length, runs the facade on a blocking thread, and
//! answers only once what it committed (or read) is durable.

use std::sync::Arc;

use jauge::store::{SessionState, SessionStatus};
use jauge::{Assessment, Error, Jauge, SystemClock};

use crate::cache::Slot;
use crate::dto::{
    AnswerAccepted, CompetenceResult, Finished, MissedQuestion, Progress, Question, QuestionState, Recorded,
    SubmitAnswer,
};
use crate::problem::{Problem, from_facade};
use crate::state::AppState;

type Guard = tokio::sync::OwnedMutexGuard<Option<Assessment<'static>>>;

/// The session in memory, rebuilt from the store when absent or marked after a failed write.
fn ensure<'g>(
    guard: &'g mut Guard,
    jauge: &'static Jauge,
    uid: &str,
) -> Result<&'g mut Assessment<'static>, Problem> {
    if guard.as_ref().is_none_or(Assessment::must_resume) {
        **guard = None;
        **guard = Some(jauge.assessment(uid).map_err(from_facade)?);
    }
    Ok(guard.as_mut().expect("just built"))
}

fn status(jauge: &Jauge, uid: &str) -> Result<SessionStatus, Problem> {
    crate::lookup::status_in(&jauge.store(), uid)
}

fn closed(s: &SessionStatus) -> Problem {
    Problem::new(
        "session-closed",
        format!(
            "session {} is {}: nothing more can be recorded in it",
            s.uid,
            s.state.as_str()
        ),
    )
    .with("session", s.uid.clone())
}

/// The question awaiting an answer (recorded as shown first if it was not yet).
pub async fn question(state: &AppState, uid: String, slot: Arc<Slot>) -> Result<QuestionState, Problem> {
    let guard = slot.assessment.clone().lock_owned().await;
    let jauge = state.jauge;
    let durable = state.durable.clone();
    let cache_uid = uid.clone();
    let (result, target) = state
        .blocking(move || {
            let mut guard = guard;
            let r = (|| {
                let st = status(jauge, &uid)?;
                if st.state != SessionState::Active {
                    return Err(closed(&st));
                }
                // a copy behind the store (another process answered) is rebuilt
                if guard
                    .as_ref()
                    .is_some_and(|a| a.answered() != st.answered as usize)
                {
                    *guard = None;
                }
                let a = ensure(&mut guard, jauge, &uid)?;
                let q = a.next_question(&SystemClock);
                if q.is_err() && a.must_resume() {
                    *guard = None;
                }
                let q = q.map_err(from_facade)?;
                let a = guard.as_ref().expect("built");
                let wrote = q.is_some() && st.pending_step != Some(st.answered);
                Ok((
                    QuestionState {
                        question: q.as_ref().map(Question::from),
                        progress: a.progress().into(),
                    },
                    wrote,
                ))
            })();
            match r {
                Ok((q, wrote)) => {
                    let target = if wrote {
                        durable.committed()
                    } else {
                        durable.current()
                    };
                    Ok((Ok(q), target))
                }
                Err(p) => Ok((Err(p), durable.current())),
            }
        })
        .await?;
    state.durable(target).await?;
    if let Err(p) = &result
        && p.name() == "session-closed"
    {
        state.cache.remove(&cache_uid);
    }
    result
}

/// Records an answer to the question awaiting one, and returns the next question.
pub async fn answer(
    state: &AppState,
    uid: String,
    slot: Arc<Slot>,
    body: SubmitAnswer,
) -> Result<AnswerAccepted, Problem> {
    body.answer
        .check_size()
        .map_err(|why| Problem::new("invalid-body", format!("the answer is too large: {why}")))?;
    let guard = slot.assessment.clone().lock_owned().await;
    let jauge = state.jauge;
    let durable = state.durable.clone();
    let cache_uid = uid.clone();
    let (result, target) = state
        .blocking(move || {
            let mut guard = guard;
            let r = submit(&mut guard, jauge, &uid, body);
            match r {
                Ok(v) => Ok((Ok(v), durable.committed())),
                Err((p, wrote)) => Ok((
                    Err(p),
                    if wrote {
                        durable.committed()
                    } else {
                        durable.current()
                    },
                )),
            }
        })
        .await?;
    let start = std::time::Instant::now();
    state.durable(target).await?;
    match &result {
        Ok(_) => {
            state.metrics.answers.inc();
            state
                .metrics
                .commit_wait_seconds
                .observe(start.elapsed().as_secs_f64());
        }
        Err(p) if p.name() == "session-closed" => state.cache.remove(&cache_uid),
        Err(_) => {}
    }
    result
}

/// The blocking part of [`answer`]; on error, whether something was committed.
fn submit(
    guard: &mut Guard,
    jauge: &'static Jauge,
    uid: &str,
    body: SubmitAnswer,
) -> Result<AnswerAccepted, (Problem, bool)> {
    let nothing = |p: Problem| (p, false);
    let mut a = ensure(guard, jauge, uid).map_err(nothing)?;
    if a.awaiting().map(|(s, _)| s) != Some(body.step) {
        // a stale copy (another process moved the session on) is rebuilt before judging
        let st = status(jauge, uid).map_err(nothing)?;
        if st.state != SessionState::Active {
            return Err(nothing(closed(&st)));
        }
        if st.answered as usize != a.answered() {
            **guard = None;
            a = ensure(guard, jauge, uid).map_err(nothing)?;
        }
    }
    let expected = a.awaiting().map(|(s, i)| (s, i.to_owned()));
    let conflict = |why: String| {
        let p = Problem::new(
            "step-conflict",
            format!("{why}; nothing was recorded: GET the question to see the one awaiting an answer"),
        );
        match &expected {
            Some((s, _)) => p.with("expected_step", *s),
            None => p.with("expected_step", serde_json::Value::Null),
        }
    };
    match &expected {
        None => {
            return Err(nothing(conflict(format!(
                "no question awaits an answer (step {} was answered, or none is shown)",
                body.step
            ))));
        }
        Some((s, _)) if *s != body.step => {
            return Err(nothing(conflict(format!(
                "step {} is not the step awaiting an answer ({s})",
                body.step
            ))));
        }
        Some((_, item)) if body.item.as_ref().is_some_and(|i| i != item) => {
            return Err(nothing(conflict(format!(
                "item `{}` is not the item awaiting an answer at step {}",
                body.item.as_deref().unwrap_or_default(),
                body.step
            ))));
        }
        Some(_) => {}
    }
    let answer = body.answer.into_answer();
    let submitted = match a.submit(&answer, &SystemClock) {
        Ok(s) => s,
        Err(e @ Error::Refused(_)) => return Err(nothing(from_facade(e))),
        Err(e) => {
            // the commit was refused (the store checks the step and the state): drop the copy
            **guard = None;
            return Err(nothing(from_facade(e)));
        }
    };
    let recorded = Recorded {
        step: body.step,
        status: if submitted.timed_out {
            "timedout"
        } else {
            "answered"
        }
        .into(),
    };
    let next = match a.next_question(&SystemClock) {
        Ok(q) => q,
        Err(e) => {
            **guard = None;
            return Err((from_facade(e), true));
        }
    };
    Ok(AnswerAccepted {
        recorded,
        question: next.as_ref().map(Question::from),
        progress: a.progress().into(),
    })
}

/// Finishes the session and returns the agent's profile; finishing a finished session again
/// returns the same (a retry after a lost response is harmless).
pub async fn finish(state: &AppState, uid: String, slot: Arc<Slot>) -> Result<Finished, Problem> {
    let guard = slot.assessment.clone().lock_owned().await;
    let jauge = state.jauge;
    let durable = state.durable.clone();
    let cache_uid = uid.clone();
    let (result, target, newly) = state
        .blocking(move || {
            let mut guard = guard;
            let r = (|| {
                let st = status(jauge, &uid)?;
                match st.state {
                    SessionState::Abandoned => return Err(closed(&st)),
                    SessionState::Finished => return Ok((st, false)),
                    SessionState::Active => {}
                }
                if guard
                    .as_ref()
                    .is_some_and(|a| a.answered() != st.answered as usize)
                {
                    *guard = None;
                }
                ensure(&mut guard, jauge, &uid)?;
                let a = guard.take().expect("built");
                a.finish(&SystemClock).map_err(from_facade)?;
                Ok((st, true))
            })();
            match r {
                Ok((st, newly)) => {
                    let target = if newly {
                        durable.committed()
                    } else {
                        durable.current()
                    };
                    Ok((finished_view(jauge, &st), target, newly))
                }
                Err(p) => Ok((Err(p), durable.current(), false)),
            }
        })
        .await?;
    state.durable(target).await?;
    if result.is_ok() || result.as_ref().is_err_and(|p| p.name() == "session-closed") {
        state.cache.remove(&cache_uid);
    }
    if newly {
        state.metrics.sessions_finished.inc();
    }
    result
}

/// The profile and missed questions of a finished session (what finishing returns).
pub(crate) fn finished_view(jauge: &Jauge, st: &SessionStatus) -> Result<Finished, Problem> {
    let missed = jauge
        .missed(&st.uid)
        .map_err(from_facade)?
        .into_iter()
        .map(|m| MissedQuestion {
            item: m.item,
            competence: m.competence,
            question: m.question,
            explanation: m.explanation,
        })
        .collect();
    let profile = match &st.agent {
        Some(agent) => Some(jauge.profile(agent).map_err(from_facade)?),
        None => None,
    };
    Ok(match profile {
        Some(p) => Finished {
            agent: Some(p.agent),
            total_pix: p.total_pix,
            bank_version: p.bank_version,
            scoring_version: p.scoring_version,
            structure: p.structure,
            simulated: p.simulated,
            competences: p.competences.iter().map(CompetenceResult::from).collect(),
            session: st.uid.clone(),
            missed,
        },
        None => Finished {
            agent: None,
            total_pix: 0,
            bank_version: jauge.bank_version().into(),
            scoring_version: jauge::SCORING_VERSION.into(),
            structure: String::new(),
            simulated: false,
            competences: Vec::new(),
            session: st.uid.clone(),
            missed,
        },
    })
}

/// The progress of a session held in memory, for responses that need it.
pub fn progress_of(a: &Assessment<'_>) -> Progress {
    a.progress().into()
}
