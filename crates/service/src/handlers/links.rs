//! `/api/v1/links/{link}`: the agent's own access to one session, by the secret of its
//! `agent_url`, without a token. A link reaches its session only, and only while the session is
//! active: once finished or abandoned it answers 410 and records nothing.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;

use crate::cache::Slot;
use crate::dto::{AnswerAccepted, Finished, QuestionState, SubmitAnswer};
use crate::extract::{ApiJson, PathParam};
use crate::lookup;
use crate::problem::Problem;
use crate::session_ops;
use crate::state::AppState;

/// The session of `link` if it is active (404 unknown, 410 over), rate-limited per session.
pub async fn reach(state: &AppState, link: &str) -> Result<(String, Arc<Slot>), Problem> {
    let st = match lookup::active_by_link(state, link).await {
        Ok(st) => st,
        Err(p) => {
            if p.name() == "link-expired" {
                // the state that closed it is durable before it is told
                state.durable(state.durable.current()).await?;
            }
            return Err(p);
        }
    };
    state
        .limiter
        .check(&format!("session:{}", st.uid))
        .map_err(|w| state.limiter.problem(w))?;
    let slot = state.cache.get_or_insert(&st.uid, st.organisation);
    Ok((st.uid, slot))
}

/// The question awaiting an answer in the link's session.
#[utoipa::path(
    get, path = "/links/{link}/question", tag = "agent link",
    params(("link" = String, Path, description = "The secret at the end of the session's `agent_url`")),
    responses(
        (status = 200, description = "The question awaiting an answer (`null` when none is left)", body = QuestionState),
        (status = 404, description = "`link-not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`link-expired`: the session is finished or abandoned", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn question(
    State(state): State<AppState>,
    PathParam(link): PathParam,
) -> Result<Json<QuestionState>, Problem> {
    let (uid, slot) = reach(&state, &link).await?;
    session_ops::question(&state, uid, slot).await.map(Json)
}

/// Answer the question awaiting one in the link's session (as the token's endpoint does).
#[utoipa::path(
    post, path = "/links/{link}/answers", tag = "agent link",
    params(("link" = String, Path, description = "The secret at the end of the session's `agent_url`")),
    request_body = SubmitAnswer,
    responses(
        (status = 200, description = "Recorded; the next question", body = AnswerAccepted),
        (status = 400, description = "`malformed-json`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`link-not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`step-conflict`, nothing recorded", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`link-expired`, nothing recorded", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`body-too-large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported-media-type`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid-answer` or `invalid-body`, nothing recorded", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn answer(
    State(state): State<AppState>,
    PathParam(link): PathParam,
    ApiJson(body): ApiJson<SubmitAnswer>,
) -> Result<Json<AnswerAccepted>, Problem> {
    let (uid, slot) = reach(&state, &link).await?;
    session_ops::answer(&state, uid, slot, body).await.map(Json)
}

/// Finish the link's session once no question is left; the link then stops working.
#[utoipa::path(
    post, path = "/links/{link}/finish", tag = "agent link",
    params(("link" = String, Path, description = "The secret at the end of the session's `agent_url`")),
    responses(
        (status = 200, description = "The agent's profile and the questions missed", body = Finished),
        (status = 404, description = "`link-not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`session-not-over`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`link-expired`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn finish(
    State(state): State<AppState>,
    PathParam(link): PathParam,
) -> Result<Json<Finished>, Problem> {
    let (uid, slot) = reach(&state, &link).await?;
    session_ops::finish(&state, uid, slot).await.map(Json)
}
