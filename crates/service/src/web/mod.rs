//! The agents' pages, reached by the session link (`agent_url` = `/s/<link>`). This is where the
//! server-rendered web pages go (issue #15); until then the link answers in plain text: whether
//! it opens a session and where its question stands, and how to reach it as JSON
//! (`/api/v1/links/<link>/…`). No page pretends to be a form it is not.
//!
//! Every response carries `Cache-Control: no-store` and `Referrer-Policy: no-referrer` (the link
//! is a secret: it must not leak to another site through a `Referer` header), and
//! `X-Frame-Options: DENY`.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jauge::store::SessionState;

use crate::extract::PathParam;
use crate::problem::from_store;
use crate::state::AppState;

/// The routes under `/s`.
pub fn router() -> Router<AppState> {
    Router::new().route("/s/{link}", get(page))
}

fn text(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    r
}

async fn page(State(state): State<AppState>, PathParam(link): PathParam) -> Response {
    if !jauge::store::is_link_shaped(&link) {
        return text(
            StatusCode::NOT_FOUND,
            "Jauge: ce lien n'ouvre aucune session. / This link opens no session.\n".into(),
        );
    }
    let jauge = state.jauge;
    let l = link.clone();
    let st = state
        .blocking(move || jauge.store().session_by_link(&l).map_err(from_store))
        .await;
    match st {
        Ok(Some(s)) if s.state == SessionState::Active => text(
            StatusCode::OK,
            format!(
                "Jauge: session en cours, {answered} réponse(s) enregistrée(s). / Session in progress, {answered} answer(s) recorded.\n\n\
                 Les pages web pour passer l'évaluation dans un navigateur ne sont pas encore servies par cette version ; \
                 l'application de votre organisation affiche les questions.\n\
                 The web pages for taking the assessment in a browser are not served by this version yet; \
                 your organisation's application shows the questions.\n\n\
                 JSON: GET /api/v1/links/{link}/question, POST /api/v1/links/{link}/answers, POST /api/v1/links/{link}/finish\n",
                answered = s.answered
            ),
        ),
        Ok(Some(s)) => text(
            StatusCode::GONE,
            format!(
                "Jauge: cette session est terminée ({state}) ; le lien ne l'ouvre plus. / This session is over ({state}); the link no longer opens it.\n",
                state = s.state.as_str()
            ),
        ),
        Ok(None) => text(
            StatusCode::NOT_FOUND,
            "Jauge: ce lien n'ouvre aucune session. / This link opens no session.\n".into(),
        ),
        Err(p) => p.into_response(),
    }
}
