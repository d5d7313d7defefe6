//! `/api/v1/exports`: an organisation's own profiles and responses, as `jauge export` writes
//! them (CSV, JSON Lines or Parquet), streamed. An organisation's token exports its own
//! organisation only; every export is recorded in the audit log with the token's public id.

use std::io::Read;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jauge::store::{Scope, Store};
use jauge_export::{Filter, Format, Protected, Target};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::extract::{Caller, PathParam};
use crate::problem::{Problem, from_store};
use crate::state::AppState;

/// The file format of an export.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Comma-separated values with a header (default).
    #[default]
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// Apache Parquet.
    Parquet,
}

/// What to export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// The format (`csv`, `jsonl`, `parquet`; default `csv`).
    #[serde(default)]
    pub format: ExportFormat,
    /// Only this campaign.
    pub campaign: Option<String>,
    /// From this time on (RFC 3339, inclusive).
    pub since: Option<String>,
    /// Up to this time (RFC 3339, inclusive).
    pub until: Option<String>,
    /// Profiles: one row per finished session rather than per agent.
    #[serde(default)]
    pub all_sessions: bool,
    /// Sessions of simulated agents too (left out by default); the export then gains a
    /// `simulated` column.
    #[serde(default)]
    pub include_simulated: bool,
    /// The administrator's filter on one organisation (an organisation's token always exports
    /// its own).
    pub organisation: Option<String>,
}

fn time(field: &str, v: Option<&str>) -> Result<Option<jiff::Timestamp>, Problem> {
    v.map(|s| {
        s.parse().map_err(|_| {
            Problem::new(
                "invalid-parameter",
                format!("`{field}`: `{s}` is not an RFC 3339 time (2026-06-30T12:00:00Z)"),
            )
        })
    })
    .transpose()
}

/// Export the organisation's profiles (`profiles`: columns of `jauge export`) or responses
/// (`responses`: columns of `jauge export --responses`).
#[utoipa::path(
    get, path = "/exports/{kind}", tag = "exports",
    params(("kind" = String, Path, description = "`profiles` or `responses`"), ExportQuery),
    responses(
        (status = 200, description = "The export file (text/csv, application/jsonl or application/vnd.apache.parquet)", content_type = "text/csv"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown kind, or another organisation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn export(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(kind): PathParam,
    query: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let Query(q) = query.map_err(|e| Problem::new("invalid-parameter", e.body_text()))?;
    let responses = match kind.as_str() {
        "profiles" => false,
        "responses" => true,
        _ => {
            return Err(Problem::new("not-found", "exports are `profiles` or `responses`"));
        }
    };
    let organisation = match (&caller, q.organisation) {
        (Scope::Organisation { code, .. }, Some(o)) if &o != code => {
            return Err(Problem::new(
                "organisation-not-found",
                "this token exports its own organisation only",
            ));
        }
        (Scope::Organisation { code, .. }, _) => Some(code.clone()),
        (Scope::Admin { .. }, o) => o,
    };
    let filter = Filter {
        organisation,
        campaign: q.campaign,
        since: time("since", q.since.as_deref())?,
        until: time("until", q.until.as_deref())?,
        include_simulated: q.include_simulated,
    };
    let (format, mime, ext) = match q.format {
        ExportFormat::Csv => (Format::Csv, "text/csv; charset=utf-8", "csv"),
        ExportFormat::Jsonl => (Format::Jsonl, "application/jsonl", "jsonl"),
        ExportFormat::Parquet => (Format::Parquet, "application/vnd.apache.parquet", "parquet"),
    };
    let all_sessions = q.all_sessions;
    let db = state.db.clone();
    let jauge = state.jauge;
    let who = caller.token().to_owned();
    state.durable(state.durable.current()).await?;
    // the export is written (privately, put in place only when complete) beside the database,
    // opened, then unlinked: it is streamed from the open file and leaves nothing behind
    let file = state
        .blocking(move || {
            let dir = db.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
            let path = dir.join(format!(
                ".jauge-api-export-{}-{}.{ext}",
                std::process::id(),
                jiff::Timestamp::now().as_nanosecond()
            ));
            let result = (|| {
                let mut store = Store::open_existing(&db).map_err(from_store)?;
                // who asked, beside the export's own audit entry (which names the OS account)
                store
                    .audit(
                        "api export",
                        &format!(
                            "{} by token {who}{}",
                            if responses { "responses" } else { "profiles" },
                            filter
                                .organisation
                                .as_ref()
                                .map(|o| format!(", organisation {o}"))
                                .unwrap_or_default()
                        ),
                    )
                    .map_err(from_store)?;
                let protected = Protected::new().database(&db);
                let target = Target::new(format, &path, &protected);
                let codes: Vec<String> = jauge
                    .bank()
                    .framework
                    .competences
                    .iter()
                    .map(|c| c.code.clone())
                    .collect();
                let written = if responses {
                    jauge_export::export_responses(&mut store, &filter, target, &mut |_| {})
                } else {
                    jauge_export::export_profiles(
                        &mut store,
                        &codes,
                        &filter,
                        all_sessions,
                        target,
                        &mut |_| {},
                    )
                };
                written.map_err(|e| Problem::internal(&e))?;
                std::fs::File::open(&path).map_err(|e| Problem::internal(&e))
            })();
            let _ = std::fs::remove_file(&path);
            result
        })
        .await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let mut file = file;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match file.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    if tx.blocking_send(Ok(Bytes::copy_from_slice(&buf[..n]))).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let mut r = Body::from_stream(stream).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{kind}.{ext}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}
