//! Operations: `/healthz`, `/metrics`, and the pages that document the problem types.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::dto::Health;
use crate::extract::PathParam;
use crate::problem::{KINDS, Problem};
use crate::state::AppState;

/// Whether the service can serve: the database answers and its log can be synced. No token.
#[utoipa::path(
    get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "Serving", body = Health),
        (status = 503, description = "Not serving (database unreachable, or a sync failed)", body = Health),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let jauge = state.jauge;
    let db_ok = state
        .blocking(move || Ok(jauge.store().active_sessions().is_ok()))
        .await
        .unwrap_or(false);
    let ok = db_ok && state.durable.failed().is_none();
    let h = Health {
        status: if ok { "ok" } else { "failing" }.into(),
        bank_version: jauge.bank_version().into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(h))
}

/// Metrics in the Prometheus text format. No token: expose it to the monitoring network only.
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain"))
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let jauge = state.jauge;
    if let Ok(Ok(n)) = state.blocking(move || Ok(jauge.store().active_sessions())).await {
        state.metrics.sessions_in_progress.set(n as i64);
    }
    state.metrics.sessions_cached.set(state.cache.len() as i64);
    let mut r = state.metrics.render().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

/// What a problem type means (the `type` of every problem this service returns resolves here).
pub async fn problem_page(PathParam(name): PathParam) -> Response {
    match KINDS.iter().find(|(k, _, _)| *k == name) {
        Some((k, status, title)) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!(
                "Jauge problem type `{k}`\nHTTP status: {status}\n{title}.\nSee docs/service.md (\"Errors\") for what to do.\n"
            ),
        )
            .into_response(),
        None => Problem::new("not-found", "no such problem type").into_response(),
    }
}

/// 404 for any path that is not served.
pub async fn not_found() -> Problem {
    Problem::new("not-found", "no such resource: see /api/docs for the API")
}

/// 405 for a method that the path does not take.
pub async fn method_not_allowed() -> Problem {
    Problem::new(
        "method-not-allowed",
        "this path does not take this method: see /api/docs",
    )
}
