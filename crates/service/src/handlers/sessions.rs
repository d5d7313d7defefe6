//! `/api/v1/sessions`: start a session, read its question, answer, finish, abandon, new link.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use jauge::store::{Scope, SessionState};
use jauge::{Error, Lang, PlanChoice, StartOptions, SystemClock};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::cache::Slot;
use crate::dto::{
    AnswerAccepted, Finished, LangCode, Question, QuestionState, SessionInfo, SessionLink, SessionList,
    SessionStarted, StartSession, SubmitAnswer,
};
use crate::extract::{ApiJson, Caller, PathParam};
use crate::lookup::{self, session_not_found as not_found};
use crate::problem::{Problem, from_facade, from_store};
use crate::session_ops;
use crate::state::AppState;

/// The session `uid` if the caller reaches it.
pub async fn reach(state: &AppState, caller: &Scope, uid: &str) -> Result<Arc<Slot>, Problem> {
    if let Some(slot) = state.cache.get(uid) {
        return if caller.reaches(slot.organisation.as_deref()) {
            Ok(slot)
        } else {
            Err(not_found(uid))
        };
    }
    if uid.len() > 64 {
        return Err(not_found("…"));
    }
    match lookup::status(state, uid).await? {
        Some(s) if caller.reaches(s.organisation.as_deref()) => {
            Ok(state.cache.get_or_insert(uid, s.organisation))
        }
        _ => Err(not_found(uid)),
    }
}

/// The agent's link for a session's link secret.
pub fn agent_url(link: &str) -> String {
    format!("/s/{link}")
}

/// Start a session for an agent (created if unknown), or continue its unfinished one.
///
/// The first question is recorded as shown before it is returned. `agent_url` is the agent's
/// own link to the session, shown once.
#[utoipa::path(
    post, path = "/sessions", tag = "sessions",
    request_body = StartSession,
    responses(
        (status = 201, description = "Session started", body = SessionStarted),
        (status = 200, description = "The agent's unfinished session, continued (`resume: true`)", body = SessionStarted),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Organisation, agent or campaign out of reach", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`session-in-progress` (the problem's `session` names it), `campaign-not-open`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body, agent id or plan", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn start(
    Caller(caller): Caller,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<StartSession>,
) -> Result<(StatusCode, Json<SessionStarted>), Problem> {
    if body.competences.is_some() && body.campaign.is_some() {
        return Err(Problem::new(
            "invalid-body",
            "give `competences` or `campaign`, not both",
        ));
    }
    jauge::store::validate_agent_id(&body.agent).map_err(from_store)?;
    let organisation = match &caller {
        Scope::Organisation { code, .. } => {
            if body.organisation.as_ref().is_some_and(|o| o != code) {
                return Err(Problem::new(
                    "organisation-not-found",
                    "this token reaches one organisation only: leave `organisation` out or give the token's",
                ));
            }
            Some(code.clone())
        }
        Scope::Admin { .. } => body.organisation.clone(),
    };
    let jauge = state.jauge;
    let durable = state.durable.clone();
    let scope = caller.clone();
    let org = organisation.clone();
    let (result, target) = state
        .blocking(move || {
            let r = (|| {
                if let Some(a) = jauge.store().agent(&body.agent).map_err(from_store)? {
                    let reachable = match &scope {
                        Scope::Admin { .. } => true,
                        Scope::Organisation { code, .. } => a.organisation.as_deref() == Some(code),
                    };
                    if !reachable {
                        return Err(Problem::new(
                            "agent-not-found",
                            "no such agent in the organisation of this token (an agent belongs to one organisation)",
                        ));
                    }
                    if let (Some(have), Some(want)) = (&a.organisation, &org)
                        && have != want
                    {
                        return Err(Problem::new(
                            "invalid-parameter",
                            format!("the agent belongs to organisation `{have}`, not `{want}`"),
                        ));
                    }
                }
                let plan = match (&body.campaign, &body.competences) {
                    (Some(name), _) => {
                        let (c, _) = jauge.campaign(name).map_err(from_facade)?;
                        let reachable = c.organisation.is_none() || scope.reaches(c.organisation.as_deref());
                        if !reachable {
                            return Err(from_facade(Error::UnknownCampaign(name.clone())));
                        }
                        if c.organisation.is_some() && org.is_some() && c.organisation != org {
                            return Err(Problem::new(
                                "invalid-parameter",
                                format!("campaign `{name}` belongs to another organisation than the session's"),
                            ));
                        }
                        PlanChoice::Campaign(name.clone())
                    }
                    (None, Some(c)) => {
                        if c.is_empty() {
                            return Err(Problem::new(
                                "invalid-body",
                                "`competences` is empty: leave it out for all 16",
                            ));
                        }
                        PlanChoice::Competences(c.clone())
                    }
                    (None, None) => PlanChoice::All,
                };
                let opts = StartOptions {
                    agent: body.agent.clone(),
                    organisation: org.clone(),
                    plan,
                    lang: match body.lang {
                        LangCode::Fr => Lang::Fr,
                        LangCode::En => Lang::En,
                    },
                    seed: body.seed,
                    simulated: false,
                };
                let (mut a, resumed) = match jauge.start(&opts, &SystemClock) {
                    Ok(a) => (a, false),
                    Err(Error::Unfinished { session }) if body.resume => {
                        (jauge.assessment(&session).map_err(from_facade)?, true)
                    }
                    Err(e) => return Err(from_facade(e)),
                };
                let q = a.next_question(&SystemClock).map_err(from_facade)?;
                let link = jauge
                    .store()
                    .create_session_link(a.key())
                    .map_err(from_store)?;
                let started = SessionStarted {
                    session: a.id().to_owned(),
                    agent_url: agent_url(&link),
                    question: q.as_ref().map(Question::from),
                    progress: session_ops::progress_of(&a),
                };
                Ok((started, resumed, a))
            })();
            match r {
                Ok(v) => Ok((Ok(v), durable.committed())),
                Err(p) => Ok((Err(p), durable.committed())),
            }
        })
        .await?;
    state.durable(target).await?;
    let (started, resumed, a) = result?;
    let slot = state.cache.get_or_insert(&started.session, organisation);
    if let Ok(mut g) = slot.assessment.try_lock()
        && g.is_none()
    {
        *g = Some(a);
    }
    if resumed {
        Ok((StatusCode::OK, Json(started)))
    } else {
        state.metrics.sessions_started.inc();
        Ok((StatusCode::CREATED, Json(started)))
    }
}

/// Filters of the session list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only sessions in this state (`active`, `finished`, `abandoned`).
    pub state: Option<String>,
    /// At most this many (default 100, at most 10,000).
    pub limit: Option<u32>,
}

/// The sessions of the token's organisation (every session for the administrator), newest first.
#[utoipa::path(
    get, path = "/sessions", tag = "sessions",
    params(ListQuery),
    responses(
        (status = 200, description = "Sessions", body = SessionList),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    Caller(caller): Caller,
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SessionList>, Problem> {
    let Query(q) = query.map_err(|e| Problem::new("invalid-parameter", e.body_text()))?;
    let st = match q.state.as_deref() {
        None => None,
        Some("active") => Some(SessionState::Active),
        Some("finished") => Some(SessionState::Finished),
        Some("abandoned") => Some(SessionState::Abandoned),
        Some(other) => {
            return Err(Problem::new(
                "invalid-parameter",
                format!("state `{other}`: use active, finished or abandoned"),
            ));
        }
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 10_000);
    let org = caller.organisation().map(str::to_owned);
    let jauge = state.jauge;
    let sessions = state
        .blocking(move || {
            jauge
                .store()
                .session_statuses(org.as_deref(), st, limit)
                .map_err(from_store)
        })
        .await?;
    Ok(Json(SessionList {
        sessions: sessions.into_iter().map(SessionInfo::from).collect(),
    }))
}

/// A session's state.
#[utoipa::path(
    get, path = "/sessions/{session}", tag = "sessions",
    params(("session" = String, Path, description = "The session's id")),
    responses(
        (status = 200, description = "The session", body = SessionInfo),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session for this token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(uid): PathParam,
) -> Result<Json<SessionInfo>, Problem> {
    reach(&state, &caller, &uid).await?;
    let st = lookup::status(&state, &uid)
        .await?
        .ok_or_else(|| not_found("…"))?;
    state.durable(state.durable.current()).await?;
    Ok(Json(st.into()))
}

/// The question awaiting an answer: the same until it is answered, `null` when none is left.
#[utoipa::path(
    get, path = "/sessions/{session}/question", tag = "sessions",
    params(("session" = String, Path, description = "The session's id")),
    responses(
        (status = 200, description = "The question awaiting an answer", body = QuestionState),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session for this token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`session-closed`: finished or abandoned", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn question(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(uid): PathParam,
) -> Result<Json<QuestionState>, Problem> {
    let slot = reach(&state, &caller, &uid).await?;
    session_ops::question(&state, uid, slot).await.map(Json)
}

/// Answer the question awaiting one. The answer is durably recorded before the response, which
/// carries the next question.
#[utoipa::path(
    post, path = "/sessions/{session}/answers", tag = "sessions",
    params(("session" = String, Path, description = "The session's id")),
    request_body = SubmitAnswer,
    responses(
        (status = 200, description = "Recorded; the next question (`null` when none is left)", body = AnswerAccepted),
        (status = 400, description = "`malformed-json`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session for this token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`step-conflict`: not the step awaiting an answer (a repeated or stale submit; `expected_step` says which), nothing recorded; `session-closed`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`body-too-large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported-media-type`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid-answer` (does not fit the question: ask again) or `invalid-body`; nothing recorded", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn answer(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(uid): PathParam,
    ApiJson(body): ApiJson<SubmitAnswer>,
) -> Result<Json<AnswerAccepted>, Problem> {
    let slot = reach(&state, &caller, &uid).await?;
    session_ops::answer(&state, uid, slot, body).await.map(Json)
}

/// Finish the session once no question is left: records the profile and returns it (finishing
/// a finished session again returns it again).
#[utoipa::path(
    post, path = "/sessions/{session}/finish", tag = "sessions",
    params(("session" = String, Path, description = "The session's id")),
    responses(
        (status = 200, description = "The agent's profile (keys of `jauge profile show --json`), the session and the questions missed", body = Finished),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session for this token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`session-not-over` (questions remain) or `session-closed` (abandoned)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn finish(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(uid): PathParam,
) -> Result<Json<Finished>, Problem> {
    let slot = reach(&state, &caller, &uid).await?;
    session_ops::finish(&state, uid, slot).await.map(Json)
}

/// Abandon the session: its answers are kept, its link stops working, the agent may start a
/// new one. Abandoning an abandoned session changes nothing.
#[utoipa::path(
    post, path = "/sessions/{session}/abandon", tag = "sessions",
    params(("session" = String, Path, description = "The session's id")),
    responses(
        (status = 200, description = "Abandoned", body = SessionInfo),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session for this token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`session-closed`: already finished", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn abandon(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(uid): PathParam,
) -> Result<Json<SessionInfo>, Problem> {
    let slot = reach(&state, &caller, &uid).await?;
    let guard = slot.assessment.clone().lock_owned().await;
    let jauge = state.jauge;
    let durable = state.durable.clone();
    let u = uid.clone();
    let (r, target) = state
        .blocking(move || {
            let mut guard = guard;
            let r = (|| {
                let mut store = jauge.store();
                let st = lookup::status_in(&store, &u)?;
                match st.state {
                    SessionState::Finished => {
                        return Err(Problem::new(
                            "session-closed",
                            format!("session {u} is finished: it cannot be abandoned"),
                        ));
                    }
                    SessionState::Abandoned => return Ok((st, false)),
                    SessionState::Active => {}
                }
                store
                    .abandon_session(st.id, jiff::Timestamp::now())
                    .map_err(from_store)?;
                *guard = None;
                let st = lookup::status_in(&store, &u)?;
                Ok((st, true))
            })();
            Ok(match r {
                Ok((st, true)) => (Ok(st), durable.committed()),
                other => (other.map(|(st, _)| st), durable.current()),
            })
        })
        .await?;
    state.durable(target).await?;
    let st = r?;
    state.cache.remove(&uid);
    Ok(Json(st.into()))
}

/// Give the session a new agent link (the previous one stops working), e.g. when the first was
/// lost: links are stored hashed and cannot be shown again.
#[utoipa::path(
    post, path = "/sessions/{session}/link", tag = "sessions",
    params(("session" = String, Path, description = "The session's id")),
    responses(
        (status = 200, description = "The new link", body = SessionLink),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session for this token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`session-closed`: finished or abandoned", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn new_link(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(uid): PathParam,
) -> Result<Json<SessionLink>, Problem> {
    reach(&state, &caller, &uid).await?;
    let jauge = state.jauge;
    let durable = state.durable.clone();
    let u = uid.clone();
    let (r, target) = state
        .blocking(move || {
            let r = (|| {
                let mut store = jauge.store();
                let st = lookup::status_in(&store, &u)?;
                store.create_session_link(st.id).map_err(from_store)
            })();
            Ok((r, durable.committed()))
        })
        .await?;
    state.durable(target).await?;
    let link = r?;
    Ok(Json(SessionLink {
        session: uid,
        agent_url: agent_url(&link),
    }))
}
