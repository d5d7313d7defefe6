//! Rendering: the templates (compiled into the binary), the headers every page carries, the
//! CSRF token and the page language, and the stylesheet.

use std::sync::OnceLock;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::Environment;
use serde::Serialize;

use super::i18n::{UiLang, texts};
use crate::state::AppState;

/// The Content-Security-Policy of every page: no script at all, styles and images from the
/// service only, forms posted to the service only, never framed.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The stylesheet served at `/assets/jauge.css` (another theme: `--assets DIR`).
pub const STYLESHEET: &str = include_str!("assets/jauge.css");

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut e = Environment::new();
        for (name, src) in [
            ("base.html", include_str!("templates/base.html")),
            ("welcome.html", include_str!("templates/welcome.html")),
            ("question.html", include_str!("templates/question.html")),
            ("profile.html", include_str!("templates/profile.html")),
            ("message.html", include_str!("templates/message.html")),
            ("demo.html", include_str!("templates/demo.html")),
        ] {
            e.add_template(name, src).expect("the bundled templates parse");
        }
        e
    })
}

/// What every page's template receives besides its own data.
#[derive(Serialize)]
pub struct Frame<'a, T: Serialize> {
    /// The page's texts.
    pub t: std::collections::BTreeMap<&'static str, &'static str>,
    /// `fr` or `en`.
    pub lang: &'static str,
    /// The other language's code.
    pub other_lang: &'static str,
    /// The page's title (the `<title>`).
    pub title: String,
    /// The CSRF token for forms.
    pub csrf: &'a str,
    /// The page's own data.
    pub page: T,
}

/// A page rendered from `template`, with the security headers and the cookies.
pub fn page<T: Serialize>(
    status: StatusCode,
    template: &str,
    lang: UiLang,
    title: String,
    csrf: &Csrf,
    data: T,
) -> Response {
    let frame = Frame {
        t: texts(lang),
        lang: lang.code(),
        other_lang: lang.other().code(),
        title,
        csrf: &csrf.token,
        page: data,
    };
    let body = env().get_template(template).and_then(|t| t.render(&frame));
    match body {
        Ok(html) => {
            let mut r = (status, html).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            secure(h);
            if csrf.fresh
                && let Ok(v) = HeaderValue::from_str(&format!(
                    "jauge_csrf={}; Path=/; HttpOnly; SameSite=Strict",
                    csrf.token
                ))
            {
                h.append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => {
            tracing::error!(error = %e, template, "a page could not be rendered");
            let mut r = (StatusCode::INTERNAL_SERVER_ERROR, "Jauge: internal error.\n").into_response();
            secure(r.headers_mut());
            r
        }
    }
}

/// The headers of every page.
pub fn secure(h: &mut HeaderMap) {
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A redirection after a form (303: the browser then GETs `to`).
pub fn see_other(to: &str, lang_cookie: Option<UiLang>) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(to) {
        h.insert(header::LOCATION, v);
    }
    if let Some(l) = lang_cookie {
        set_lang(h, l);
    }
    secure(h);
    r
}

/// Remembers the page language chosen (cookie `jauge_lang`).
pub fn set_lang(h: &mut HeaderMap, l: UiLang) {
    if let Ok(v) = HeaderValue::from_str(&format!(
        "jauge_lang={}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict",
        l.code()
    )) {
        h.append(header::SET_COOKIE, v);
    }
}

/// A cookie's value.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The CSRF token of the browser (its cookie), or a new one to set.
pub struct Csrf {
    /// 32 hex digits.
    pub token: String,
    /// Not yet in a cookie: set it with the page.
    pub fresh: bool,
}

impl Csrf {
    /// The browser's token, or a new random one.
    pub fn of(headers: &HeaderMap) -> Self {
        match cookie(headers, "jauge_csrf").filter(|t| is_token(t)) {
            Some(t) => Self {
                token: t.to_owned(),
                fresh: false,
            },
            None => Self {
                token: rand::random::<[u8; 16]>()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
                fresh: true,
            },
        }
    }

    /// Whether a form's token is the cookie's (compared in constant time).
    pub fn matches(headers: &HeaderMap, form_token: &str) -> bool {
        let Some(c) = cookie(headers, "jauge_csrf").filter(|t| is_token(t)) else {
            return false;
        };
        c.len() == form_token.len()
            && c.bytes()
                .zip(form_token.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

fn is_token(t: &str) -> bool {
    t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The page language: `?lang=` when given, else the cookie, else `default`.
pub fn ui_lang(headers: &HeaderMap, query: Option<&str>, default: UiLang) -> (UiLang, bool) {
    if let Some(l) = query.and_then(UiLang::parse) {
        return (l, true);
    }
    (
        cookie(headers, "jauge_lang")
            .and_then(UiLang::parse)
            .unwrap_or(default),
        false,
    )
}

/// The type of an asset, by its extension.
fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e).to_ascii_lowercase();
    match ext.as_str() {
        "css" => "text/css; charset=utf-8",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Whether `path` is a plain relative path: segments of letters, digits, `.`, `_`, `-`, none
/// starting with a dot (no `..`, no hidden file), at most 8 deep.
fn plain_path(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    segments.len() <= 8
        && segments.iter().all(|s| {
            !s.is_empty()
                && !s.starts_with('.')
                && s.len() <= 128
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

fn asset_response(body: Vec<u8>, name: &str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(name)));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

fn no_asset() -> Response {
    let mut r = (StatusCode::NOT_FOUND, "no such asset\n").into_response();
    secure(r.headers_mut());
    r
}

/// `/assets/{file}`: from the operator's folder (`--assets DIR`) when it holds the file, else
/// the bundled stylesheet (`jauge.css`, the only bundled asset).
pub async fn asset(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    if !plain_path(&file) {
        return no_asset();
    }
    if let Some(dir) = &state.web.assets {
        let path = dir.join(&file);
        // read off the runtime's threads; a file that is not there falls back to the bundle
        let read = tokio::task::spawn_blocking(move || {
            let meta = std::fs::metadata(&path).ok()?;
            if !meta.is_file() || meta.len() > 16 * 1024 * 1024 {
                return None;
            }
            std::fs::read(&path).ok()
        })
        .await
        .ok()
        .flatten();
        if let Some(body) = read {
            return asset_response(body, &file);
        }
    }
    if file == "jauge.css" {
        return asset_response(STYLESHEET.as_bytes().to_vec(), &file);
    }
    no_asset()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_paths_stay_inside_the_folder() {
        for ok in [
            "jauge.css",
            "dsfr/dsfr.min.css",
            "fonts/Marianne-Regular.woff2",
            "a_b-c.1.png",
        ] {
            assert!(plain_path(ok), "{ok}");
        }
        for bad in [
            "",
            "../secret",
            "a/../../b",
            ".env",
            "a//b",
            "/etc/passwd",
            "a\\b",
            "dsfr/.hidden",
            "é.css",
        ] {
            assert!(!plain_path(bad), "{bad}");
        }
        assert_eq!(content_type("x/Marianne.WOFF2"), "font/woff2");
        assert_eq!(content_type("jauge.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("README"), "application/octet-stream");
    }
}
