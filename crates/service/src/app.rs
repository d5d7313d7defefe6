//! The router: the API under `/api/v1` (described by the OpenAPI document generated from the
//! handlers), its description at `/api/openapi.json`, the interactive documentation at
//! `/api/docs` (Swagger UI, served from the binary), the agents' links under `/s`, and the
//! operations' endpoints; then the layers every request goes through.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::handlers::{agents, exports, links, ops, organisations, sessions};
use crate::limits;
use crate::state::AppState;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An organisation's token or the administrator's (`jauge token create`), \
                         sent as `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Jauge",
        description = "Adaptive assessment of the digital competencies of public servants.\n\n\
            An organisation's application starts a session for an agent, shows each question and \
            sends each answer; every answer is durably recorded before the next question is \
            returned. A repeated or stale answer (the same step twice, two tabs, a retry after a \
            timeout) is refused with 409 and never recorded twice. Errors are \
            `application/problem+json` (RFC 9457) with a stable `type`. The agent may instead \
            use the session's own link (`agent_url`), a capability for that session only. \
            See docs/service.md.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    modifiers(&Security),
    tags(
        (name = "sessions", description = "Assessment sessions, with an organisation's token"),
        (name = "agent link", description = "One session, by the secret of its `agent_url` (no token)"),
        (name = "agents", description = "An organisation's agents: profiles, history, access and erasure"),
        (name = "organisations", description = "Organisations"),
        (name = "campaigns", description = "Campaigns: named plans"),
        (name = "exports", description = "An organisation's own data for analysts"),
        (name = "operations", description = "Health and metrics (no token)"),
    )
)]
struct ApiDoc;

/// The API's routes with their OpenAPI description (state not yet given).
fn api() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .routes(routes!(sessions::start, sessions::list))
        .routes(routes!(sessions::get))
        .routes(routes!(sessions::question))
        .routes(routes!(sessions::answer))
        .routes(routes!(sessions::finish))
        .routes(routes!(sessions::abandon))
        .routes(routes!(sessions::new_link))
        .routes(routes!(links::question))
        .routes(routes!(links::answer))
        .routes(routes!(links::finish))
        .routes(routes!(agents::list))
        .routes(routes!(agents::get, agents::erase))
        .routes(routes!(agents::profile))
        .routes(routes!(agents::history))
        .routes(routes!(agents::record))
        .routes(routes!(agents::adjust))
        .routes(routes!(
            organisations::list_organisations,
            organisations::create_organisation
        ))
        .routes(routes!(
            organisations::list_campaigns,
            organisations::create_campaign
        ))
        .routes(routes!(organisations::get_campaign));
    let exports = OpenApiRouter::new().routes(routes!(exports::export));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", v1.merge(exports))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::metrics))
}

/// The OpenAPI 3.1 description of the API, as served at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().split_for_parts().1
}

/// The OpenAPI description as pretty JSON (what `docs/openapi.json` holds).
pub fn openapi_json() -> String {
    let mut s = openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (api, doc) = api().split_for_parts();
    let export_path = "/api/v1/exports/{kind}";
    Router::new()
        .merge(api)
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", doc))
        .merge(crate::web::router())
        .route("/problems/{name}", get(ops::problem_page))
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            move |s, req: Request, next| {
                let is_export = req
                    .extensions()
                    .get::<MatchedPath>()
                    .is_some_and(|m| m.as_str() == export_path);
                async move {
                    if is_export {
                        limits::export_timeout(s, req, next).await
                    } else {
                        limits::timeout(s, req, next).await
                    }
                }
            },
        ))
        .layer(DefaultBodyLimit::max(state.limits.body_bytes))
        .layer(middleware::from_fn(limits::catch_panic))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// The public id of the token that made a request, filled by the token's extractor, for the log.
#[derive(Debug, Clone, Default)]
pub struct LogToken(pub Arc<OnceLock<String>>);

/// Metrics and one log line per request (the route's template, never the path: paths hold
/// agents' ids and session links), and `Cache-Control: no-store` on every response.
async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = req.method().clone();
    let token = LogToken::default();
    req.extensions_mut().insert(token.clone());
    let start = Instant::now();
    let mut resp = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    state.metrics.request(&route, method.as_str(), status, secs);
    tracing::info!(
        method = %method,
        route = %route,
        status,
        ms = secs * 1000.0,
        token = token.0.get().map_or("-", String::as_str),
        "request"
    );
    resp.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    resp
}
