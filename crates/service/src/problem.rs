//! Errors as `application/problem+json` (RFC 9457): a stable `type` per kind of error, a short
//! `title`, the HTTP `status`, a `detail` for this occurrence, and sometimes extension members
//! (`expected_step`, `session`). Internal errors say only that something went wrong: the cause
//! goes to the log, never to the client (no stack trace, no SQL, no file path).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jauge::Error;
use jauge::store::StoreError;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Every kind of error the service reports: its `type` (appended to `/problems/`), its status
/// and its title. The list is part of the API: a type is never renamed.
pub const KINDS: &[(&str, u16, &str)] = &[
    ("unauthorized", 401, "Missing or invalid token"),
    ("forbidden", 403, "Not allowed with this token"),
    ("not-found", 404, "No such resource"),
    ("method-not-allowed", 405, "Method not allowed"),
    ("session-not-found", 404, "No such session"),
    ("agent-not-found", 404, "No such agent"),
    ("organisation-not-found", 404, "No such organisation"),
    ("campaign-not-found", 404, "No such campaign"),
    ("token-not-found", 404, "No such token"),
    ("link-not-found", 404, "No such session link"),
    ("link-expired", 410, "The session of this link is over"),
    (
        "step-conflict",
        409,
        "This step is not the one awaiting an answer",
    ),
    ("session-closed", 409, "The session is finished or abandoned"),
    ("session-not-over", 409, "Questions remain in the session"),
    ("session-in-progress", 409, "The agent has an unfinished session"),
    (
        "bank-changed",
        409,
        "The session was started on another version of the item bank",
    ),
    (
        "campaign-not-open",
        409,
        "The campaign does not accept sessions now",
    ),
    ("already-exists", 409, "It already exists"),
    ("invalid-answer", 422, "The answer does not fit the question"),
    ("invalid-body", 422, "The request body does not match the schema"),
    ("invalid-parameter", 422, "A parameter is invalid"),
    ("malformed-json", 400, "The request body is not valid JSON"),
    ("unsupported-media-type", 415, "The body must be application/json"),
    ("body-too-large", 413, "The request body is too large"),
    ("rate-limited", 429, "Too many requests with this credential"),
    ("timeout", 503, "The request took too long"),
    ("unavailable", 503, "The service cannot serve this now"),
    ("internal", 500, "Internal error"),
];

/// A problem detail (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of error: `/problems/<kind>` (stable).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of error (the same for every occurrence).
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time, and what to do.
    pub detail: String,
    /// Extension members (e.g. `expected_step`, `session`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: Map<String, Value>,
    /// Seconds to wait before retrying (also in the `Retry-After` header).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    /// A problem of kind `kind` (one of [`KINDS`]) with `detail`.
    pub fn new(kind: &str, detail: impl Into<String>) -> Self {
        let (name, status, title) =
            KINDS
                .iter()
                .find(|(k, _, _)| *k == kind)
                .copied()
                .unwrap_or(("internal", 500, "Internal error"));
        Self {
            kind: format!("/problems/{name}"),
            title,
            status,
            detail: detail.into(),
            extra: Map::new(),
            retry_after: None,
        }
    }

    /// Adds an extension member.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// An internal error: the cause is logged, the client only learns that it happened.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            "internal",
            "the service met an internal error; nothing was acknowledged, retry later",
        )
    }

    /// The kind, without the `/problems/` prefix.
    pub fn name(&self) -> &str {
        self.kind.trim_start_matches("/problems/")
    }

    /// 401 without a usable token.
    pub fn unauthorized() -> Self {
        Self::new(
            "unauthorized",
            "send `Authorization: Bearer <token>` with a valid token (`jauge token create`)",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{}".to_vec());
        let mut r = (status, body).into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

/// The problem for an error of the store.
pub fn from_store(e: StoreError) -> Problem {
    match e {
        StoreError::NotFound { what, id } => {
            let kind = match what {
                "agent" => "agent-not-found",
                "organisation" => "organisation-not-found",
                "campaign" => "campaign-not-found",
                "session" => "session-not-found",
                "token" => "token-not-found",
                _ => "not-found",
            };
            // agents' ids are personal data: never echoed
            let detail = if what == "agent" {
                "no such agent in the organisations this token reaches".to_owned()
            } else {
                format!("no {what} `{id}` in the organisations this token reaches")
            };
            Problem::new(kind, detail)
        }
        StoreError::InvalidId { what, reason, .. } => {
            Problem::new("invalid-parameter", format!("invalid {what}: {reason}"))
        }
        StoreError::AlreadyExists { what, id } => {
            Problem::new("already-exists", format!("{what} `{id}` already exists"))
        }
        StoreError::SessionInProgress { session } => Problem::new(
            "session-in-progress",
            "the agent has an unfinished session: continue it (`\"resume\": true`) or abandon it",
        )
        .with("session", session),
        StoreError::SessionState { session, state, .. } => Problem::new(
            "session-closed",
            format!("session {session} is {state}: nothing more can be recorded in it"),
        )
        .with("session", session),
        StoreError::OutOfOrder {
            session,
            expected,
            got,
        } => Problem::new(
            "step-conflict",
            format!(
                "step {} was already answered or is not shown (session {session} awaits step {}); \
                 nothing was recorded: GET the question again",
                got + 1,
                expected + 1
            ),
        )
        .with("expected_step", expected + 1),
        StoreError::Conflict { session, .. } => Problem::new(
            "step-conflict",
            format!(
                "session {session} is being answered elsewhere at the same time; nothing was recorded: GET the question again"
            ),
        )
        .with("session", session),
        StoreError::NoSpace { .. } => {
            tracing::error!("write refused: no space left on the database's file system");
            let mut p = Problem::new(
                "unavailable",
                "the service cannot record anything now (its storage is full); what was recorded before is intact: retry later",
            );
            p.retry_after = Some(60);
            p
        }
        e if e.is_busy() => {
            let mut p = Problem::new(
                "unavailable",
                "the database is busy (another process holds it); retry in a moment",
            );
            p.retry_after = Some(1);
            p
        }
        other => Problem::internal(&other),
    }
}

/// The problem for an error of the facade.
pub fn from_facade(e: Error) -> Problem {
    match e {
        Error::Store(s) => from_store(s),
        Error::Refused(r) => Problem::new(
            "invalid-answer",
            format!("{r}; nothing was recorded, answer again"),
        ),
        Error::UnknownCampaign(name) => Problem::new(
            "campaign-not-found",
            format!("no campaign `{name}` in the organisations this token reaches"),
        ),
        Error::CampaignNotOpen { name, why } => {
            Problem::new("campaign-not-open", format!("campaign `{name}` is {why}"))
        }
        Error::Plan(why) => Problem::new("invalid-parameter", format!("invalid plan: {why}")),
        Error::Engine(e) => Problem::new("invalid-parameter", format!("invalid plan: {e}")),
        Error::BankChanged { session, .. } => Problem::new(
            "bank-changed",
            format!(
                "session {session} was started on another version of the item bank: it cannot go on; \
                 abandon it and start a new one"
            ),
        )
        .with("session", session),
        Error::Unfinished { session } => from_store(StoreError::SessionInProgress { session }),
        Error::UnknownAgent(_) => Problem::new(
            "agent-not-found",
            "no such agent in the organisations this token reaches",
        ),
        Error::NothingToResume(_) => Problem::new("session-not-found", "the agent has no unfinished session"),
        Error::NoQuestion => Problem::new(
            "step-conflict",
            "no question is waiting for an answer; nothing was recorded: GET the question",
        ),
        Error::NotFinished => Problem::new(
            "session-not-over",
            "questions remain: answer them (GET the question) before finishing",
        ),
        other => Problem::internal(&other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_unique_and_documented_statuses() {
        let mut names: Vec<&str> = KINDS.iter().map(|k| k.0).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
        for (k, status, _) in KINDS {
            assert!(StatusCode::from_u16(*status).is_ok(), "{k}");
            assert!(k.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
        }
        let p = Problem::new("step-conflict", "x").with("expected_step", 3);
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["type"], "/problems/step-conflict");
        assert_eq!(v["status"], 409);
        assert_eq!(v["expected_step"], 3);
    }
}
