//! `/api/v1/agents`: an organisation's agents, their profiles and history, the right of access
//! (everything stored about one) and the right to erasure.

use axum::Json;
use axum::extract::{Query, State};
use jauge::Agent;
use jauge::store::{ProfileSnapshot, ResponseRecord, Scope, SessionRecord};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use crate::dto::{
    Adjustments, AgentInfo, AgentList, AgentRecord, CompetenceResult, Erased, History, HistorySession,
    Profile, time,
};
use crate::extract::{ApiJson, Caller, PathParam};
use crate::problem::{Problem, from_facade, from_store};
use crate::state::AppState;

fn not_found() -> Problem {
    Problem::new(
        "agent-not-found",
        "no such agent in the organisations this token reaches",
    )
}

/// The agent `id` if the caller reaches it (run on a blocking thread).
fn reach(jauge: &jauge::Jauge, caller: &Scope, id: &str) -> Result<Agent, Problem> {
    match jauge.store().agent(id).map_err(from_store)? {
        Some(a) if caller.reaches(a.organisation.as_deref()) => Ok(a),
        _ => Err(not_found()),
    }
}

/// Filters of the agent list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgentQuery {
    /// Only the agents of this organisation (the administrator's filter; an organisation's
    /// token lists its own agents).
    pub organisation: Option<String>,
}

/// The agents of the token's organisation (every agent, or one organisation's, for the
/// administrator).
#[utoipa::path(
    get, path = "/agents", tag = "agents",
    params(AgentQuery),
    responses(
        (status = 200, description = "Agents", body = AgentList),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Another organisation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    Caller(caller): Caller,
    State(state): State<AppState>,
    query: Result<Query<AgentQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AgentList>, Problem> {
    let Query(q) = query.map_err(|e| Problem::new("invalid-parameter", e.body_text()))?;
    let org = match (&caller, q.organisation) {
        (Scope::Organisation { code, .. }, Some(o)) if &o != code => {
            return Err(Problem::new(
                "organisation-not-found",
                "this token reaches its own organisation only",
            ));
        }
        (Scope::Organisation { code, .. }, _) => Some(code.clone()),
        (Scope::Admin { .. }, o) => o,
    };
    let jauge = state.jauge;
    let agents = state
        .blocking(move || jauge.agents(org.as_deref()).map_err(from_facade))
        .await?;
    Ok(Json(AgentList {
        agents: agents.into_iter().map(AgentInfo::from).collect(),
    }))
}

/// An agent.
#[utoipa::path(
    get, path = "/agents/{agent}", tag = "agents",
    params(("agent" = String, Path, description = "The agent's id (percent-encoded)")),
    responses(
        (status = 200, description = "The agent", body = AgentInfo),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent for this token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(id): PathParam,
) -> Result<Json<AgentInfo>, Problem> {
    let jauge = state.jauge;
    let a = state.blocking(move || reach(jauge, &caller, &id)).await?;
    Ok(Json(a.into()))
}

/// The agent's profile: the latest finished result per competence, every competence listed.
#[utoipa::path(
    get, path = "/agents/{agent}/profile", tag = "agents",
    params(("agent" = String, Path, description = "The agent's id (percent-encoded)")),
    responses(
        (status = 200, description = "As `jauge profile show --json`", body = Profile),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent for this token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn profile(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(id): PathParam,
) -> Result<Json<Profile>, Problem> {
    let jauge = state.jauge;
    let p = state
        .blocking(move || {
            reach(jauge, &caller, &id)?;
            jauge.profile(&id).map_err(from_facade)
        })
        .await?;
    state.durable(state.durable.current()).await?;
    Ok(Json(p.into()))
}

/// The agent's finished sessions with their results, oldest first.
#[utoipa::path(
    get, path = "/agents/{agent}/history", tag = "agents",
    params(("agent" = String, Path, description = "The agent's id (percent-encoded)")),
    responses(
        (status = 200, description = "As `jauge profile history --json`", body = History),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent for this token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn history(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(id): PathParam,
) -> Result<Json<History>, Problem> {
    let jauge = state.jauge;
    let h = state
        .blocking(move || {
            let a = reach(jauge, &caller, &id)?;
            let h = jauge.history(&id).map_err(from_facade)?;
            Ok(History {
                agent: a.external_id,
                sessions: h
                    .into_iter()
                    .map(|s| HistorySession {
                        session: s.session,
                        finished_at: s.finished_at.map(time),
                        bank_version: s.bank_version,
                        scoring_version: s.scoring_version,
                        structure: s.structure,
                        simulated: s.simulated,
                        competences: s.competences.iter().map(CompetenceResult::from).collect(),
                    })
                    .collect(),
            })
        })
        .await?;
    state.durable(state.durable.current()).await?;
    Ok(Json(h))
}

fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

fn snapshot_json(p: &ProfileSnapshot) -> Value {
    json!({
        "code": p.competence, "level": p.level, "pix": p.pix, "pix_low": p.pix_low, "pix_high": p.pix_high,
        "theta": num(p.theta), "se": num(p.se), "assessed_at": time(p.assessed_at), "capped_at": p.capped_at,
    })
}

fn response_json(r: &ResponseRecord) -> Value {
    json!({
        "step": r.step, "item": r.item, "competence": r.competence,
        "answer": serde_json::from_str::<Value>(&r.raw_answer).unwrap_or(Value::String(r.raw_answer.clone())),
        "options_order": r.options_order, "score": r.score, "credit": num(r.credit), "status": r.status,
        "pretest": r.pretest, "shown_at": time(r.shown_at), "answered_at": time(r.answered_at),
        "theta": r.theta.map(num), "se": r.se.map(num),
    })
}

fn session_json(s: &SessionRecord) -> Value {
    json!({
        "session": s.uid, "campaign": s.campaign, "state": s.state.as_str(), "seed": s.seed,
        "plan": serde_json::from_str::<Value>(&s.plan).unwrap_or(Value::String(s.plan.clone())),
        "engine_version": s.engine_version, "bank_version": s.bank_version,
        "scoring_version": s.scoring_version, "lang": s.lang, "started_at": time(s.started_at),
        "finished_at": s.finished_at.map(time),
        "pending_item": s.pending.as_ref().map(|p| p.item.clone()),
    })
}

/// Everything stored about the agent (the right of access): the same document as
/// `jauge agent show --json`.
#[utoipa::path(
    get, path = "/agents/{agent}/record", tag = "agents",
    params(("agent" = String, Path, description = "The agent's id (percent-encoded)")),
    responses(
        (status = 200, description = "Everything stored about the agent", body = AgentRecord),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent for this token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn record(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(id): PathParam,
) -> Result<Json<AgentRecord>, Problem> {
    let jauge = state.jauge;
    let rec = state
        .blocking(move || {
            reach(jauge, &caller, &id)?;
            jauge.store().agent_record(&id).map_err(from_store)
        })
        .await?;
    state.durable(state.durable.current()).await?;
    Ok(Json(AgentRecord {
        agent: rec.agent.external_id,
        organisation: rec.agent.organisation,
        adjustments: rec.agent.adjustments,
        time_factor: rec.agent.time_factor,
        created_at: time(rec.agent.created_at),
        sessions: rec
            .sessions
            .iter()
            .map(|(s, rs, ps)| {
                let mut v = session_json(s);
                v["responses"] = rs.iter().map(response_json).collect();
                v["profile"] = ps.iter().map(snapshot_json).collect();
                v
            })
            .collect(),
    }))
}

/// Erase the agent (the right to erasure): its identity and every link from its sessions to it
/// are removed; its anonymous responses stay for calibration and aggregates; an unfinished
/// session is abandoned. Exports made before are not reached.
#[utoipa::path(
    delete, path = "/agents/{agent}", tag = "agents",
    params(("agent" = String, Path, description = "The agent's id (percent-encoded)")),
    responses(
        (status = 200, description = "Erased", body = Erased),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent for this token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn erase(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(id): PathParam,
) -> Result<Json<Erased>, Problem> {
    let jauge = state.jauge;
    let durable = state.durable.clone();
    let who = format!("api erase (token {})", caller.token());
    let (r, target) = state
        .blocking(move || {
            let r = (|| {
                reach(jauge, &caller, &id)?;
                let mut store = jauge.store();
                let sessions = store.agent_record(&id).map_err(from_store)?.sessions;
                let uids: Vec<String> = sessions.iter().map(|(s, _, _)| s.uid.clone()).collect();
                let e = store.erase_agent(&id, &who).map_err(from_store)?;
                Ok((e, uids))
            })();
            Ok((r, durable.committed()))
        })
        .await?;
    state.durable(target).await?;
    let (e, uids) = r?;
    for u in uids {
        state.cache.remove(&u);
    }
    Ok(Json(Erased {
        erased: true,
        sessions_kept_anonymous: e.sessions_kept_anonymous,
        files_rewritten: e.rewritten,
    }))
}

/// Set the agent's accessibility adjustments and time factor, for the sessions started
/// afterwards.
#[utoipa::path(
    put, path = "/agents/{agent}/adjustments", tag = "agents",
    params(("agent" = String, Path, description = "The agent's id (percent-encoded)")),
    request_body = Adjustments,
    responses(
        (status = 200, description = "The agent", body = AgentInfo),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent for this token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid adjustment or factor", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn adjust(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(id): PathParam,
    ApiJson(body): ApiJson<Adjustments>,
) -> Result<Json<AgentInfo>, Problem> {
    let jauge = state.jauge;
    let durable = state.durable.clone();
    let (r, target) = state
        .blocking(move || {
            let r = (|| {
                reach(jauge, &caller, &id)?;
                let factor = body
                    .time_factor
                    .unwrap_or(if body.adjustments.is_empty() { 1.0 } else { 1.5 });
                jauge
                    .set_adjustments(&id, &body.adjustments, factor)
                    .map_err(from_facade)
            })();
            Ok((r, durable.committed()))
        })
        .await?;
    state.durable(target).await?;
    Ok(Json(r?.into()))
}
