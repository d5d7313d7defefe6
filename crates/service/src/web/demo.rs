//! `jauge serve --demo`: a start page (`/demo`, and `/` sends there) where anyone starts a
//! session by typing an agent id, for trainers and evaluators. Off by default: without
//! `--demo` these routes answer 404. The page says that it is a demo mode. Sessions started
//! here belong to no organisation and are recorded like any other.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jauge::{Error, Lang, PlanChoice, StartOptions, SystemClock};
use serde::Serialize;

use super::i18n::{UiLang, text};
use super::pages::LangQuery;
use super::render::{Csrf, page, see_other, set_lang, ui_lang};
use crate::problem::{Problem, from_facade, from_store};
use crate::state::AppState;

/// A competence to choose.
#[derive(Serialize)]
struct Choice {
    code: String,
    title: String,
    selected: bool,
}

/// The start page's data.
#[derive(Serialize)]
struct DemoPage {
    agent: String,
    competences: Vec<Choice>,
    all_selected: bool,
    qlang: &'static str,
    error: Option<String>,
}

fn disabled() -> Response {
    Problem::new(
        "not-found",
        "no such page: the demo start page exists only with `jauge serve --demo`",
    )
    .into_response()
}

#[allow(clippy::too_many_arguments)]
fn demo_page(
    state: &AppState,
    status: StatusCode,
    lang: UiLang,
    csrf: &Csrf,
    agent: &str,
    competence: &str,
    qlang: UiLang,
    error: Option<String>,
) -> Response {
    let framework = &state.jauge.bank().framework;
    let competences = framework
        .competences
        .iter()
        .map(|c| Choice {
            code: c.code.clone(),
            title: c.title.get(lang.bank()).clone(),
            selected: c.code == competence,
        })
        .collect::<Vec<_>>();
    let all_selected = !competences.iter().any(|c| c.selected);
    let title = if error.is_some() {
        format!(
            "{} : {} – Jauge",
            text(lang, "error_title"),
            text(lang, "demo_title")
        )
    } else {
        format!("{} – Jauge", text(lang, "demo_title"))
    };
    page(
        status,
        "demo.html",
        lang,
        title,
        csrf,
        DemoPage {
            agent: agent.to_owned(),
            competences,
            all_selected,
            qlang: qlang.code(),
            error,
        },
    )
}

/// `GET /`: the start page in demo mode, else 404.
pub async fn root(State(state): State<AppState>) -> Response {
    if !state.web.demo {
        return disabled();
    }
    see_other("/demo", None)
}

/// `GET /demo`: the start page (demo mode only).
pub async fn form(State(state): State<AppState>, Query(q): Query<LangQuery>, headers: HeaderMap) -> Response {
    if !state.web.demo {
        return disabled();
    }
    let csrf = Csrf::of(&headers);
    let (lang, chosen) = ui_lang(&headers, q.lang.as_deref(), UiLang::Fr);
    let mut r = demo_page(&state, StatusCode::OK, lang, &csrf, "", "", lang, None);
    if chosen {
        set_lang(r.headers_mut(), lang);
    }
    r
}

/// `POST /demo`: starts a session for the agent typed (or continues its unfinished one) and
/// sends the browser to its link.
pub async fn start(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if !state.web.demo {
        return disabled();
    }
    let csrf = Csrf::of(&headers);
    let (lang, _) = ui_lang(&headers, None, UiLang::Fr);
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map_or("", |(_, v)| v.as_str());
    let agent = get("agent").trim().to_owned();
    let competence = get("competence").to_owned();
    let qlang = UiLang::parse(get("qlang")).unwrap_or(lang);
    if !Csrf::matches(&headers, get("csrf")) {
        return demo_page(
            &state,
            StatusCode::FORBIDDEN,
            lang,
            &csrf,
            &agent,
            &competence,
            qlang,
            Some(text(lang, "err_csrf").to_owned()),
        );
    }
    if agent.is_empty() || jauge::store::validate_agent_id(&agent).is_err() {
        return demo_page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            &csrf,
            &agent,
            &competence,
            qlang,
            Some(text(lang, "err_agent").to_owned()),
        );
    }
    let plan = if competence.is_empty() || competence == "all" {
        PlanChoice::All
    } else {
        PlanChoice::Competences(vec![competence.clone()])
    };
    let jauge = state.jauge;
    let durable = state.durable.clone();
    let opts = StartOptions {
        agent: agent.clone(),
        organisation: None,
        plan,
        lang: match qlang {
            UiLang::Fr => Lang::Fr,
            UiLang::En => Lang::En,
        },
        seed: None,
        simulated: false,
    };
    let started = state
        .blocking(move || {
            let r = (|| -> Result<String, Problem> {
                let mut a = match jauge.start(&opts, &SystemClock) {
                    Ok(a) => a,
                    Err(Error::Unfinished { session }) => jauge.assessment(&session).map_err(from_facade)?,
                    Err(e) => return Err(from_facade(e)),
                };
                a.next_question(&SystemClock).map_err(from_facade)?;
                jauge.store().create_session_link(a.key()).map_err(from_store)
            })();
            Ok((r, durable.committed()))
        })
        .await;
    let link = match started {
        Ok((r, target)) => match state.durable(target).await {
            Ok(()) => r,
            Err(p) => Err(p),
        },
        Err(p) => Err(p),
    };
    match link {
        Ok(link) => {
            state.metrics.sessions_started.inc();
            see_other(&format!("/s/{link}"), None)
        }
        Err(p) => demo_page(
            &state,
            StatusCode::from_u16(p.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
            lang,
            &csrf,
            &agent,
            &competence,
            qlang,
            Some(text(lang, "err_demo").replace("{reason}", &p.detail)),
        ),
    }
}
