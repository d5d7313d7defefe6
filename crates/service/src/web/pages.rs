//! The agent's pages: the entry (`/s/{link}`: welcome, resume or profile), the question page
//! and its form.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jauge::store::SessionState;
use serde::{Deserialize, Serialize};

use super::i18n::{UiLang, duration, text};
use super::markdown;
use super::profile;
use super::render::{Csrf, page, see_other, set_lang, ui_lang};
use crate::dto::{AnswerBody, Question, QuestionState, QuestionType, SubmitAnswer};
use crate::extract::PathParam;
use crate::handlers::links::reach;
use crate::lookup;
use crate::problem::Problem;
use crate::session_ops;
use crate::state::AppState;

/// `?lang=fr|en`: the page language chosen.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    /// `fr` or `en`.
    pub lang: Option<String>,
}

/// A message page (unknown link, session over, failure…).
#[derive(Serialize)]
struct Message {
    heading: String,
    body: String,
    back: Option<String>,
}

fn message(
    status: StatusCode,
    lang: UiLang,
    heading: &str,
    body: &str,
    back: Option<String>,
    csrf: &Csrf,
) -> Response {
    page(
        status,
        "message.html",
        lang,
        format!("{heading} – Jauge"),
        csrf,
        Message {
            heading: text(lang, heading).into(),
            body: text(lang, body).into(),
            back,
        },
    )
}

fn failure(p: &Problem, lang: UiLang, csrf: &Csrf, back: Option<String>) -> Response {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match p.name() {
        "link-not-found" => message(
            StatusCode::NOT_FOUND,
            lang,
            "not_found_title",
            "not_found",
            None,
            csrf,
        ),
        "link-expired" | "session-closed" => {
            message(StatusCode::GONE, lang, "over_title", "over", None, csrf)
        }
        _ => message(status, lang, "failure_title", "failure", back, csrf),
    }
}

fn default_lang(q: Option<&Question>) -> UiLang {
    q.and_then(|q| UiLang::parse(&q.lang)).unwrap_or(UiLang::Fr)
}

/// The welcome page's data.
#[derive(Serialize)]
struct Welcome {
    link: String,
    length: String,
    resumed: bool,
}

/// `GET /s/{link}`: the welcome page of a session not yet begun, the question awaiting an
/// answer of a session begun (closing the browser and opening the link again continues there),
/// the profile of a finished session.
pub async fn entry(
    State(state): State<AppState>,
    PathParam(link): PathParam,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let csrf = Csrf::of(&headers);
    let (lang0, _) = ui_lang(&headers, q.lang.as_deref(), UiLang::Fr);
    let st = match lookup::by_link(&state, &link).await {
        Ok(Some(st)) => st,
        Ok(None) => {
            return message(
                StatusCode::NOT_FOUND,
                lang0,
                "not_found_title",
                "not_found",
                None,
                &csrf,
            );
        }
        Err(p) => return failure(&p, lang0, &csrf, None),
    };
    match st.state {
        SessionState::Abandoned => {
            return message(StatusCode::GONE, lang0, "over_title", "over", None, &csrf);
        }
        SessionState::Finished => {
            let mut r = profile::render(&state, st, &headers, q.lang.as_deref(), &csrf).await;
            if let Some(l) = q.lang.as_deref().and_then(UiLang::parse) {
                set_lang(r.headers_mut(), l);
            }
            return r;
        }
        SessionState::Active => {}
    }
    if st.answered > 0 && q.lang.is_none() {
        return see_other(&format!("/s/{link}/question#question"), None);
    }
    let qs = match current(&state, &link).await {
        Ok(qs) => qs,
        Err(p) => return failure(&p, lang0, &csrf, None),
    };
    let Some(question) = qs.question else {
        return finish_and_show(&state, &link).await;
    };
    let (lang, chosen) = ui_lang(&headers, q.lang.as_deref(), default_lang(Some(&question)));
    let left = qs.progress.left_max.max(1);
    let minutes = (left as f64 * 1.0).ceil() as usize;
    let length = text(lang, "minutes")
        .replace("{n}", &minutes.max(1).to_string())
        .replace("{q}", &left.to_string());
    let mut r = page(
        StatusCode::OK,
        "welcome.html",
        lang,
        format!("{} – Jauge", text(lang, "welcome_title")),
        &csrf,
        Welcome {
            link,
            length,
            resumed: st.answered > 0,
        },
    );
    if chosen {
        set_lang(r.headers_mut(), lang);
    }
    r
}

async fn current(state: &AppState, link: &str) -> Result<QuestionState, Problem> {
    let (uid, slot) = reach(state, link).await?;
    session_ops::question(state, uid, slot).await
}

async fn finish_and_show(state: &AppState, link: &str) -> Response {
    let r = match reach(state, link).await {
        Ok((uid, slot)) => session_ops::finish(state, uid, slot).await.map(|_| ()),
        Err(p) if p.name() == "link-expired" => Ok(()),
        Err(p) => Err(p),
    };
    match r {
        Ok(()) => see_other(&format!("/s/{link}"), None),
        Err(p) => failure(
            &p,
            UiLang::Fr,
            &Csrf::of(&HeaderMap::new()),
            Some(format!("/s/{link}")),
        ),
    }
}

/// An option as shown.
#[derive(Serialize)]
struct OptionView {
    id: String,
    html: String,
    checked: bool,
}

/// A text field (a blank, the text answer or the number).
#[derive(Serialize)]
struct FieldView {
    n: usize,
    value: String,
    error: Option<String>,
}

/// An error in the summary, linked to its field.
#[derive(Serialize)]
struct ErrorLink {
    href: String,
    message: String,
}

/// The question page's data.
#[derive(Serialize)]
struct QuestionPage {
    link: String,
    step: usize,
    item: String,
    progress: String,
    competence: String,
    competence_title: String,
    kind: &'static str,
    /// The bank's question type (`blanks_any_order`…), on the form for tests and themes.
    qtype: &'static str,
    qlang: String,
    html: String,
    options: Vec<OptionView>,
    fields: Vec<FieldView>,
    unit: Option<String>,
    timed: Option<String>,
    errors: Vec<ErrorLink>,
    choice_error: Option<String>,
    notice: Option<String>,
}

fn kind_name(k: QuestionType) -> &'static str {
    match k {
        QuestionType::Single => "single",
        QuestionType::Multiple => "multiple",
        QuestionType::Text => "text",
        QuestionType::Blanks => "blanks",
        QuestionType::BlanksAnyOrder => "blanks",
        QuestionType::Number => "number",
    }
}

fn type_name(k: QuestionType) -> &'static str {
    match k {
        QuestionType::Single => "single",
        QuestionType::Multiple => "multiple",
        QuestionType::Text => "text",
        QuestionType::Blanks => "blanks",
        QuestionType::BlanksAnyOrder => "blanks_any_order",
        QuestionType::Number => "number",
    }
}

/// What the agent typed or ticked, kept when an answer is refused.
#[derive(Default)]
struct Typed {
    choices: Vec<String>,
    texts: Vec<String>,
}

fn progress_text(lang: UiLang, q: &Question, qs_answered: usize, left_min: usize, left_max: usize) -> String {
    let total = (qs_answered + (left_min + left_max).div_ceil(2)).max(q.step);
    text(lang, "question_of")
        .replace("{n}", &q.step.to_string())
        .replace("{total}", &total.to_string())
}

#[allow(clippy::too_many_arguments)]
fn question_page(
    status: StatusCode,
    lang: UiLang,
    link: &str,
    qs: &QuestionState,
    q: &Question,
    typed: &Typed,
    errors: Vec<(String, String)>,
    notice: Option<String>,
    csrf: &Csrf,
) -> Response {
    let blanks: Vec<String> = q.blanks.iter().map(|b| b.id.clone()).collect();
    let kind = kind_name(q.kind);
    let html = markdown::block(&markdown::with_blanks(&q.text, &blanks));
    let options = q
        .options
        .iter()
        .map(|o| OptionView {
            id: o.id.clone(),
            html: markdown::inline(&o.text),
            checked: typed.choices.contains(&o.id),
        })
        .collect();
    let n_fields = match kind {
        "text" | "number" => 1,
        "blanks" => blanks.len().max(1),
        _ => 0,
    };
    let field_error = |n: usize| {
        errors
            .iter()
            .find(|(f, _)| *f == format!("field-{n}"))
            .map(|(_, m)| m.clone())
    };
    let fields = (1..=n_fields)
        .map(|n| FieldView {
            n,
            value: typed.texts.get(n - 1).cloned().unwrap_or_default(),
            error: field_error(n),
        })
        .collect();
    let choice_error = errors.iter().find(|(f, _)| f == "choice").map(|(_, m)| m.clone());
    let title_core = format!(
        "{} – {}",
        progress_text(
            lang,
            q,
            qs.progress.answered,
            qs.progress.left_min,
            qs.progress.left_max
        ),
        q.competence_title
    );
    let title = if errors.is_empty() {
        format!("{title_core} – Jauge")
    } else {
        format!("{} : {title_core} – Jauge", text(lang, "error_title"))
    };
    let data = QuestionPage {
        link: link.to_owned(),
        step: q.step,
        item: q.item.clone(),
        progress: progress_text(
            lang,
            q,
            qs.progress.answered,
            qs.progress.left_min,
            qs.progress.left_max,
        ),
        competence: q.competence.clone(),
        competence_title: q.competence_title.clone(),
        kind,
        qtype: type_name(q.kind),
        qlang: q.lang.clone(),
        html,
        options,
        fields,
        unit: q.unit.clone().filter(|u| !u.trim().is_empty()),
        timed: q
            .allowed_seconds
            .map(|s| text(lang, "timed").replace("{time}", &duration(s))),
        errors: errors
            .iter()
            .map(|(f, m)| ErrorLink {
                href: if f == "choice" {
                    "#opt-1".into()
                } else {
                    format!("#{f}")
                },
                message: m.clone(),
            })
            .collect(),
        choice_error,
        notice,
    };
    page(status, "question.html", lang, title, csrf, data)
}

/// `GET /s/{link}/question`: the question awaiting an answer.
pub async fn question(
    State(state): State<AppState>,
    PathParam(link): PathParam,
    Query(lq): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let csrf = Csrf::of(&headers);
    let qs = match current(&state, &link).await {
        Ok(qs) => qs,
        Err(p) if p.name() == "link-expired" => return see_other(&format!("/s/{link}"), None),
        Err(p) => {
            let (lang, _) = ui_lang(&headers, lq.lang.as_deref(), UiLang::Fr);
            return failure(&p, lang, &csrf, None);
        }
    };
    let Some(q) = qs.question.clone() else {
        return finish_and_show(&state, &link).await;
    };
    let (lang, chosen) = ui_lang(&headers, lq.lang.as_deref(), default_lang(Some(&q)));
    let mut r = question_page(
        StatusCode::OK,
        lang,
        &link,
        &qs,
        &q,
        &Typed::default(),
        Vec::new(),
        None,
        &csrf,
    );
    if chosen {
        set_lang(r.headers_mut(), lang);
    }
    r
}

/// `POST /s/{link}/question`: an answer (or "I don't know") to the question shown. Recorded,
/// the browser is sent to the next question (or the profile); refused, the page comes back with
/// the error linked to its field and what was typed kept.
pub async fn answer(
    State(state): State<AppState>,
    PathParam(link): PathParam,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let csrf = Csrf::of(&headers);
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let back = format!("/s/{link}/question#question");
    if !Csrf::matches(&headers, get("csrf").unwrap_or("")) {
        let (lang, _) = ui_lang(&headers, None, UiLang::Fr);
        return message(
            StatusCode::FORBIDDEN,
            lang,
            "error_title",
            "err_csrf",
            Some(back),
            &csrf,
        );
    }
    let qs = match current(&state, &link).await {
        Ok(qs) => qs,
        Err(p) if p.name() == "link-expired" => return see_other(&format!("/s/{link}"), None),
        Err(p) => {
            let (lang, _) = ui_lang(&headers, None, UiLang::Fr);
            return failure(&p, lang, &csrf, None);
        }
    };
    let Some(q) = qs.question.clone() else {
        return finish_and_show(&state, &link).await;
    };
    let (lang, _) = ui_lang(&headers, None, default_lang(Some(&q)));
    let step: Option<usize> = get("step").and_then(|s| s.parse().ok());
    if step != Some(q.step) {
        let notice = Some(text(lang, "err_moved").to_owned());
        return question_page(
            StatusCode::CONFLICT,
            lang,
            &link,
            &qs,
            &q,
            &Typed::default(),
            Vec::new(),
            notice,
            &csrf,
        );
    }
    let choices: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "choice")
        .map(|(_, v)| v.clone())
        .collect();
    let n_fields = match q.kind {
        QuestionType::Text | QuestionType::Number => 1,
        QuestionType::Blanks | QuestionType::BlanksAnyOrder => q.blanks.len().max(1),
        _ => 0,
    };
    let texts: Vec<String> = (1..=n_fields)
        .map(|n| get(&format!("field-{n}")).unwrap_or("").to_owned())
        .collect();
    let typed = Typed { choices, texts };
    let answer = if get("action") == Some("dontknow") {
        AnswerBody::Dontknow
    } else {
        let mut errors = Vec::new();
        let body = match q.kind {
            QuestionType::Single | QuestionType::Multiple => {
                if typed.choices.is_empty() {
                    let key = if q.kind == QuestionType::Single {
                        "err_empty_one"
                    } else {
                        "err_empty_many"
                    };
                    errors.push(("choice".to_owned(), text(lang, key).to_owned()));
                }
                AnswerBody::Options(typed.choices.clone())
            }
            QuestionType::Number => {
                if typed.texts[0].trim().is_empty() {
                    errors.push(("field-1".into(), text(lang, "err_empty_number").into()));
                }
                AnswerBody::Number(typed.texts[0].clone())
            }
            QuestionType::Text => {
                if typed.texts[0].trim().is_empty() {
                    errors.push(("field-1".into(), text(lang, "err_empty_text").into()));
                }
                AnswerBody::Texts(typed.texts.clone())
            }
            QuestionType::Blanks | QuestionType::BlanksAnyOrder => {
                for (i, t) in typed.texts.iter().enumerate() {
                    if t.trim().is_empty() {
                        errors.push((
                            format!("field-{}", i + 1),
                            text(lang, "err_empty_blank").replace("{n}", &(i + 1).to_string()),
                        ));
                    }
                }
                AnswerBody::Texts(typed.texts.clone())
            }
        };
        if !errors.is_empty() {
            return question_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                &link,
                &qs,
                &q,
                &typed,
                errors,
                None,
                &csrf,
            );
        }
        body
    };
    let submitted = match reach(&state, &link).await {
        Ok((uid, slot)) => {
            session_ops::answer(
                &state,
                uid,
                slot,
                SubmitAnswer {
                    step: q.step,
                    item: Some(q.item.clone()),
                    answer,
                },
            )
            .await
        }
        Err(p) => Err(p),
    };
    match submitted {
        Ok(acc) if acc.question.is_none() => finish_and_show(&state, &link).await,
        Ok(_) => see_other(&back, None),
        Err(p) if p.name() == "invalid-answer" || p.name() == "invalid-body" => {
            let msg = if q.kind == QuestionType::Number {
                text(lang, "err_number").replace("{input}", typed.texts[0].trim())
            } else {
                text(lang, "err_invalid").to_owned()
            };
            let field = if matches!(q.kind, QuestionType::Single | QuestionType::Multiple) {
                "choice".to_owned()
            } else {
                "field-1".to_owned()
            };
            question_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                &link,
                &qs,
                &q,
                &typed,
                vec![(field, msg)],
                None,
                &csrf,
            )
        }
        Err(p) if p.name() == "step-conflict" => see_other(&back, None),
        Err(p) if p.name() == "link-expired" => see_other(&format!("/s/{link}"), None),
        Err(p) => failure(&p, lang, &csrf, Some(back)),
    }
}
