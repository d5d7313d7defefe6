//! The agents' pages, server-rendered (issue #15): the session link (`agent_url` = `/s/<link>`)
//! opens a welcome page, then one question per page, then the profile. Pages work without
//! JavaScript (there is none); templates and the stylesheet are compiled into the binary.
//!
//! Security: the link is the capability (no agent id in any URL); every form carries a CSRF
//! token that must equal the `jauge_csrf` cookie (`HttpOnly; SameSite=Strict`); every page is
//! sent with a Content-Security-Policy without scripts, `X-Frame-Options: DENY`,
//! `Referrer-Policy: no-referrer` (the link is a secret) and `Cache-Control: no-store`.

mod i18n;
mod markdown;
mod pages;
mod profile;
mod render;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub use i18n::UiLang;

/// The routes of the pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{link}", get(pages::entry))
        .route("/s/{link}/question", get(pages::question).post(pages::answer))
        .route("/assets/{file}", get(render::asset))
}
