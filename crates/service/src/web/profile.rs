//! The profile page of a finished session: per competence the level out of the maximum, the
//! pix and their interval in words, a bar chart as inline SVG (with a text alternative) and the
//! same data as a table; then the questions missed with their explanations.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jauge::store::SessionStatus;
use serde::Serialize;

use super::i18n::{UiLang, text};
use super::markdown;
use super::render::{Csrf, page, ui_lang};
use crate::session_ops::finished_view;
use crate::state::AppState;

/// The highest level (SCORING.md: level = ⌊pix / 8⌋, 0–8).
pub const MAX_LEVEL: u32 = 8;
/// The most pix of one competence.
pub const MAX_PIX: u32 = 64;

#[derive(Serialize)]
struct Row {
    code: String,
    title: String,
    assessed: bool,
    level: u32,
    pix: u32,
    low: u32,
    high: u32,
    level_text: String,
    interval_text: String,
    // the chart's geometry (SVG user units)
    y: u32,
    text_y: u32,
    bar: u32,
    low_x: u32,
    high_x: u32,
    value_x: u32,
}

#[derive(Serialize)]
struct Missed {
    competence: String,
    question: String,
    explanation: String,
}

#[derive(Serialize)]
struct ProfilePage {
    rows: Vec<Row>,
    total: u32,
    chart_height: u32,
    /// Where the bars start and how long a full one is (SVG user units).
    bar_x: u32,
    bar_w: u32,
    missed: Vec<Missed>,
}

const LABEL_W: u32 = 44;
const BAR_W: u32 = 300;
const ROW_H: u32 = 34;

fn x(pix: u32) -> u32 {
    LABEL_W + BAR_W * pix.min(MAX_PIX) / MAX_PIX
}

/// Renders the profile of the finished session `st`.
pub async fn render(
    state: &AppState,
    st: SessionStatus,
    headers: &HeaderMap,
    query_lang: Option<&str>,
    csrf: &Csrf,
) -> Response {
    let jauge = state.jauge;
    let uid = st.uid.clone();
    let finished = state.blocking(move || finished_view(jauge, &st)).await;
    let (lang, _) = ui_lang(headers, query_lang, UiLang::Fr);
    let f = match finished {
        Ok(f) => f,
        Err(p) => {
            tracing::error!(problem = %p.detail, "the profile could not be read");
            return page(
                StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "message.html",
                lang,
                format!("{} – Jauge", text(lang, "failure_title")),
                csrf,
                serde_json::json!({"heading": text(lang, "failure_title"), "body": text(lang, "failure"), "back": null}),
            );
        }
    };
    let framework = &jauge.bank().framework;
    let title_of = |code: &str| {
        framework
            .competence(code)
            .map(|c| c.title.get(lang.bank()).clone())
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    for c in f
        .competences
        .iter()
        .filter(|c| c.session.as_deref() == Some(uid.as_str()))
    {
        let i = rows.len() as u32;
        let (pix, low, high) = (
            c.pix.unwrap_or(0),
            c.pix_low.unwrap_or(0),
            c.pix_high.unwrap_or(0),
        );
        let level = u32::from(c.level.unwrap_or(0));
        let assessed = c.pix.is_some();
        rows.push(Row {
            code: c.code.clone(),
            title: title_of(&c.code),
            assessed,
            level,
            pix,
            low,
            high,
            level_text: if assessed {
                text(lang, "level_of")
                    .replace("{level}", &level.to_string())
                    .replace("{max}", &MAX_LEVEL.to_string())
            } else {
                text(lang, "not_assessed").into()
            },
            interval_text: if assessed {
                text(lang, "interval_words")
                    .replace("{low}", &low.to_string())
                    .replace("{high}", &high.to_string())
            } else {
                String::new()
            },
            y: 8 + i * ROW_H,
            text_y: 8 + i * ROW_H + 17,
            bar: x(pix) - LABEL_W,
            low_x: x(low),
            high_x: x(high),
            value_x: x(high.max(pix)) + 6,
        });
    }
    let missed = f
        .missed
        .iter()
        .map(|m| Missed {
            competence: m.competence.clone(),
            // blanks numbered as on the question page
            question: markdown::block(&markdown::with_blanks(
                &m.question,
                &jauge
                    .bank()
                    .item(&m.item)
                    .map(|i| i.kind.blanks().iter().map(|b| b.id.clone()).collect::<Vec<_>>())
                    .unwrap_or_default(),
            )),
            explanation: markdown::block(&m.explanation),
        })
        .collect();
    let n = rows.len() as u32;
    page(
        StatusCode::OK,
        "profile.html",
        lang,
        format!("{} – Jauge", text(lang, "profile_title")),
        csrf,
        ProfilePage {
            total: rows.iter().map(|r| r.pix).sum(),
            rows,
            chart_height: 16 + n * ROW_H,
            bar_x: LABEL_W,
            bar_w: BAR_W,
            missed,
        },
    )
}
