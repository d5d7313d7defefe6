//! Extractors: the caller's token (`Authorization: Bearer …`), JSON bodies and path parameters,
//! each failing with its problem (401, 400, 413, 415, 422) rather than axum's plain-text
//! rejections.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use jauge::store::Scope;
use serde::de::DeserializeOwned;

use crate::problem::{Problem, from_store};
use crate::state::AppState;

/// The authenticated caller: what its token reaches.
#[derive(Debug, Clone)]
pub struct Caller(pub Scope);

fn bearer(parts: &Parts) -> Option<String> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let token = bearer(parts).ok_or_else(Problem::unauthorized)?;
        if !jauge::store::is_token_shaped(&token) {
            return Err(Problem::unauthorized());
        }
        let jauge = state.jauge;
        let scope = state
            .blocking(move || jauge.store().authenticate(&token).map_err(from_store))
            .await?
            .ok_or_else(Problem::unauthorized)?;
        state
            .limiter
            .check(scope.token())
            .map_err(|wait| state.limiter.problem(wait))?;
        if let Some(t) = parts.extensions.get::<crate::app::LogToken>() {
            let _ = t.0.set(scope.token().to_owned());
        }
        Ok(Caller(scope))
    }
}

/// A JSON body of type `T`: 415 without a JSON content type, 413 over the body limit, 400 when
/// it is not JSON, 422 when it does not fit the schema (wrong type, missing or unknown field).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Problem> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        if !json {
            return Err(Problem::new(
                "unsupported-media-type",
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| body_problem(&e, state.limits.body_bytes))?;
        parse(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body into `T`, with the problems of [`ApiJson`].
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = T::deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    value.map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Syntax | Category::Eof | Category::Io => {
                Problem::new("malformed-json", format!("the body is not valid JSON: {e}"))
            }
            Category::Data => Problem::new("invalid-body", format!("the body does not fit the schema: {e}")),
        }
    })
}

fn body_problem(e: &BytesRejection, limit: usize) -> Problem {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        Problem::new(
            "body-too-large",
            format!("the body is larger than the limit of {limit} bytes"),
        )
    } else {
        Problem::new("malformed-json", format!("the body could not be read: {e}"))
    }
}

/// A session id, a link or an agent id from the path (already percent-decoded by axum).
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let axum::extract::Path(v): axum::extract::Path<String> =
            axum::extract::Path::from_request_parts(parts, state)
                .await
                .map_err(|_| Problem::new("not-found", "no such resource"))?;
        Ok(Self(v))
    }
}
