//! The agents' pages, server-rendered (issue #15): the session link (`agent_url` = `/s/<link>`)
//! opens a welcome page, then one question per page, then the profile. Pages work without
//! JavaScript (there is none); templates and the stylesheet are compiled into the binary.
//!
//! Security: the link is the capability (no agent id in any URL); every form carries a CSRF
//! token that must equal the `jauge_csrf` cookie (`HttpOnly; SameSite=Strict`); every page is
//! sent with a Content-Security-Policy without scripts, `X-Frame-Options: DENY`,
//! `Referrer-Policy: no-referrer` (the link is a secret) and `Cache-Control: no-store`.

mod demo;
mod i18n;
mod markdown;
mod pages;
mod profile;
mod render;

use std::path::PathBuf;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub use i18n::UiLang;

/// Options of the pages (`jauge serve --demo --assets DIR`).
#[derive(Debug, Clone, Default)]
pub struct WebOptions {
    /// A start page at `/demo` (and `/` sends there) where anyone starts a session by typing an
    /// agent id, for trainers and evaluators. Off by default.
    pub demo: bool,
    /// A folder whose files are served at `/assets/…` in place of the bundled ones: another
    /// theme (its `jauge.css` replaces the bundled stylesheet; other files, fonts or images,
    /// are served beside it). `None`: the bundled stylesheet only.
    pub assets: Option<PathBuf>,
}

/// The routes of the pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(demo::root))
        .route("/demo", get(demo::form).post(demo::start))
        .route("/s/{link}", get(pages::entry))
        .route("/s/{link}/question", get(pages::question).post(pages::answer))
        .route("/assets/{*file}", get(render::asset))
}
