//! The agent's pages over HTTP (the router in the process): welcome, one question per page of
//! every type met, "Je ne sais pas", errors linked to their field with the answer kept, CSRF,
//! resume through the link, the profile; the security headers of every page.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use common::App;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    html: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn send(
    app: &App,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    form: Option<&[(&str, &str)]>,
) -> Page {
    let mut b = Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    let body = match form {
        Some(f) => {
            b = b.header("content-type", "application/x-www-form-urlencoded");
            Body::from(serde_urlencoded::to_string(f).unwrap())
        }
        None => Body::empty(),
    };
    let resp = app.router.clone().oneshot(b.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let raw = resp.into_body().collect().await.unwrap().to_bytes();
    Page {
        status,
        headers,
        html: String::from_utf8(raw.to_vec()).unwrap(),
    }
}

/// The value of the first `attr="…"` after `marker` in `html`.
fn attr_after<'a>(html: &'a str, marker: &str, attr: &str) -> Option<&'a str> {
    let at = html.find(marker)?;
    let rest = &html[at..];
    let start = rest.find(&format!("{attr}=\""))? + attr.len() + 2;
    let end = rest[start..].find('"')?;
    Some(&rest[start..start + end])
}

fn assert_secure(p: &Page) {
    let h = &p.headers;
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    for c in h.get_all("set-cookie") {
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict"), "{c}");
    }
    assert!(!p.html.contains("<script"), "no script in a page");
}

fn csrf_cookie(p: &Page) -> String {
    let c = p
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("jauge_csrf="))
        .expect("a csrf cookie");
    c.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn an_agent_takes_a_session_in_pages_from_welcome_to_profile() {
    let app = App::new("web-flow");
    let started = app
        .post(
            "/api/v1/sessions",
            Some(&app.a),
            json!({"agent": "agent.web@example.fr", "competences": ["1.1"], "seed": 11}),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.json);
    let url = started.json["agent_url"].as_str().unwrap().to_owned();
    assert!(!url.contains("agent.web"), "the link holds no agent id");

    // welcome
    let w = send(&app, Method::GET, &url, None, None).await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.html);
    assert_secure(&w);
    assert!(
        w.html.contains("<html lang=\"fr\">") && w.html.contains("Je ne sais pas"),
        "{}",
        w.html
    );
    assert!(w.html.contains("enregistrée"), "says answers are saved");
    assert!(!w.html.contains("agent.web"), "no agent id on the page");
    let cookie = csrf_cookie(&w);
    let token = cookie.trim_start_matches("jauge_csrf=").to_owned();
    let qurl = format!("{url}/question");

    let mut seen = std::collections::BTreeSet::new();
    let mut checked_errors = false;
    let mut checked_number = false;
    let mut answered = 0;
    let mut resumed = false;
    loop {
        let q = send(&app, Method::GET, &qurl, Some(&cookie), None).await;
        if q.status == StatusCode::SEE_OTHER {
            assert_eq!(q.location(), url);
            break;
        }
        assert_eq!(q.status, StatusCode::OK, "{}", q.html);
        assert_secure(&q);
        assert!(
            q.html.contains(&format!("Question {} sur environ", answered + 1)),
            "{}",
            q.html
        );
        assert!(q.html.contains("<title>Question"), "the title names the question");
        assert!(q.html.contains("autofocus"), "focus moves to the question");
        assert!(q.html.len() < 50_000, "a question page under 50 KB");
        let step = attr_after(&q.html, "name=\"step\"", "value").unwrap().to_owned();
        let kind = if q.html.contains("type=\"radio\"") {
            "single"
        } else if q.html.contains("type=\"checkbox\"") {
            "multiple"
        } else if q.html.contains("inputmode=\"decimal\"") {
            "number"
        } else if q.html.contains("id=\"field-2\"") || q.html.contains("blanks-hint") {
            "blanks"
        } else {
            "text"
        };
        seen.insert(kind);
        if kind == "single" || kind == "multiple" {
            assert!(
                q.html.contains("<fieldset") && q.html.contains("<legend>"),
                "{}",
                q.html
            );
        } else {
            assert!(q.html.contains("<label for=\"field-1\">"), "{}", q.html);
        }

        // a form without the CSRF token records nothing
        if !checked_errors {
            let before = app.response_count();
            let r = send(
                &app,
                Method::POST,
                &qurl,
                Some(&cookie),
                Some(&[
                    ("csrf", "0123456789abcdef0123456789abcdef"),
                    ("step", &step),
                    ("action", "dontknow"),
                ]),
            )
            .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
            let r = send(
                &app,
                Method::POST,
                &qurl,
                None,
                Some(&[("csrf", &token), ("step", &step), ("action", "dontknow")]),
            )
            .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "no cookie, no answer");
            assert_eq!(app.response_count(), before, "nothing recorded");

            // an empty answer: the error is linked to its field and announced
            let r = send(
                &app,
                Method::POST,
                &qurl,
                Some(&cookie),
                Some(&[("csrf", &token), ("step", &step), ("action", "answer")]),
            )
            .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.html);
            assert!(r.html.contains("role=\"alert\""), "{}", r.html);
            assert!(r.html.contains("aria-invalid=\"true\""), "{}", r.html);
            assert!(r.html.contains("<title>Erreur"), "{}", r.html);
            let href = attr_after(&r.html, "class=\"error-summary\"", "href").unwrap();
            let id = href.trim_start_matches('#');
            assert!(
                r.html.contains(&format!("id=\"{id}\"")),
                "the error links to its field"
            );
            assert_eq!(app.response_count(), before, "nothing recorded");
            checked_errors = true;
        }

        // resume: the link continues at the question shown
        if answered == 2 && !resumed {
            let r = send(&app, Method::GET, &url, None, None).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
            assert!(r.location().starts_with(&qurl), "{}", r.location());
            let again = send(&app, Method::GET, &qurl, None, None).await;
            assert_eq!(attr_after(&again.html, "name=\"step\"", "value").unwrap(), step);
            resumed = true;
        }

        let mut form: Vec<(String, String)> = vec![
            ("csrf".into(), token.clone()),
            ("step".into(), step.clone()),
            ("action".into(), "answer".into()),
        ];
        if answered % 4 == 3 {
            form[2].1 = "dontknow".into();
        } else {
            match kind {
                "single" | "multiple" => {
                    let v = attr_after(&q.html, "name=\"choice\"", "value").unwrap();
                    form.push(("choice".into(), v.into()));
                }
                "number" => {
                    if !checked_number {
                        let r = send(
                            &app,
                            Method::POST,
                            &qurl,
                            Some(&cookie),
                            Some(&[
                                ("csrf", &token),
                                ("step", &step),
                                ("action", "answer"),
                                ("field-1", "douze"),
                            ]),
                        )
                        .await;
                        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.html);
                        assert!(r.html.contains("value=\"douze\""), "the answer is kept");
                        assert!(r.html.contains("n&#x27;est pas un nombre"), "{}", r.html);
                        checked_number = true;
                    }
                    form.push(("field-1".into(), "1".into()));
                }
                _ => {
                    for n in 1..=8 {
                        if q.html.contains(&format!("id=\"field-{n}\"")) {
                            form.push((format!("field-{n}"), "réponse".into()));
                        }
                    }
                }
            }
        }
        let f: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let r = send(&app, Method::POST, &qurl, Some(&cookie), Some(&f)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
        answered += 1;
        if r.location() == url {
            break;
        }
        assert!(r.location().starts_with(&qurl));
        assert!(answered < 200, "the session ends");
    }
    assert!(answered >= 3 && resumed, "{answered}");

    // the profile
    let p = send(&app, Method::GET, &url, Some(&cookie), None).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert_secure(&p);
    assert!(p.html.contains("<svg role=\"img\""), "{}", p.html);
    assert!(p.html.contains("<title id=\"chart-title\">"));
    assert!(p.html.contains("<th scope=\"col\">"), "the same data as a table");
    assert!(
        p.html.contains("niveau ") && p.html.contains(" sur 8"),
        "{}",
        p.html
    );
    assert!(p.html.contains("Questions manquées"), "{}", p.html);
    assert!(!p.html.contains("agent.web"), "no agent id on the page");
    // in English
    let en = send(&app, Method::GET, &format!("{url}?lang=en"), Some(&cookie), None).await;
    assert!(
        en.html.contains("<html lang=\"en\">") && en.html.contains("Your profile"),
        "{}",
        en.html
    );
    assert!(
        en.headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("jauge_lang=en"))
    );
    // the JSON of the link still says the session is over
    let j = app
        .get(
            &format!("/api/v1/links/{}/question", url.trim_start_matches("/s/")),
            None,
        )
        .await;
    assert_eq!(j.status, StatusCode::GONE);
    // "Je ne sais pas" is recorded as such
    let uid = started.json["session"].as_str().unwrap();
    let statuses: Vec<String> = app.responses(uid).iter().map(|r| format!("{:?}", r)).collect();
    assert!(
        statuses.iter().any(|s| s.to_lowercase().contains("dontknow")),
        "{statuses:?}"
    );
    eprintln!("types met: {seen:?}, {answered} answers");
}

#[tokio::test]
async fn unknown_links_and_the_stylesheet() {
    let app = App::new("web-misc");
    let r = send(&app, Method::GET, &format!("/s/{}", "0".repeat(48)), None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_secure(&r);
    assert!(r.html.contains("aucune session"));
    let r = send(&app, Method::GET, "/s/nope", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let css = send(&app, Method::GET, "/assets/jauge.css", None, None).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(css.html.contains("@media print"));
}

#[tokio::test]
async fn the_demo_start_page_exists_only_with_demo() {
    // off by default: no start page
    let app = App::new("web-demo-off");
    for path in ["/", "/demo"] {
        let r = send(&app, Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    let r = send(
        &app,
        Method::POST,
        "/demo",
        None,
        Some(&[("agent", "someone@example.fr")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.response_count(), 0);

    // with --demo
    let app = App::with("web-demo-on", |c| c.web.demo = true);
    let r = send(&app, Method::GET, "/", None, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/demo");
    let form = send(&app, Method::GET, "/demo", None, None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_secure(&form);
    assert!(
        form.html.contains("Mode démonstration") && form.html.contains("désactivé par défaut"),
        "the page says it is a demo mode, off by default: {}",
        form.html
    );
    assert!(form.html.contains("<label for=\"agent\">"));
    assert!(form.html.contains("<label for=\"competence\">"));
    let cookie = csrf_cookie(&form);
    let token = cookie.trim_start_matches("jauge_csrf=").to_owned();

    // no token: refused, nothing started
    let r = send(
        &app,
        Method::POST,
        "/demo",
        Some(&cookie),
        Some(&[("agent", "a@example.fr"), ("competence", "1.1")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // an empty agent id: the error linked to its field
    let r = send(
        &app,
        Method::POST,
        "/demo",
        Some(&cookie),
        Some(&[("csrf", &token), ("agent", "  "), ("competence", "1.1")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.html.contains("<a href=\"#agent\">"), "{}", r.html);
    assert!(r.html.contains("aria-invalid=\"true\""));
    assert!(r.html.contains("<title>Erreur"));
    // an agent id: a session of 1.1, the browser sent to its link (no agent id in it)
    let r = send(
        &app,
        Method::POST,
        "/demo",
        Some(&cookie),
        Some(&[
            ("csrf", &token),
            ("agent", "formateur@example.fr"),
            ("competence", "1.1"),
            ("qlang", "en"),
        ]),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let link = r.location().to_owned();
    assert!(link.starts_with("/s/") && !link.contains("formateur"), "{link}");
    let w = send(&app, Method::GET, &link, Some(&cookie), None).await;
    assert_eq!(w.status, StatusCode::OK);
    assert!(w.html.contains("id=\"start\""), "the welcome page: {}", w.html);
    assert!(w.html.contains("<html lang=\"en\">"), "the session's language");
    // the same agent again: its session continues (a new link)
    let again = send(
        &app,
        Method::POST,
        "/demo",
        Some(&cookie),
        Some(&[
            ("csrf", &token),
            ("agent", "formateur@example.fr"),
            ("competence", "1.1"),
        ]),
    )
    .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.html);
    assert_ne!(again.location(), link);
    let s = jauge::store::Store::open_existing(&app.db).unwrap();
    let n: i64 = s
        .connection()
        .query_row("SELECT count(*) FROM session", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1, "one session for the agent");
}

#[tokio::test]
async fn another_theme_from_an_assets_folder() {
    let dir = common::TempDir::new("web-assets-dir");
    std::fs::write(dir.0.join("jauge.css"), "@import \"dsfr/dsfr.min.css\";\n").unwrap();
    std::fs::create_dir_all(dir.0.join("dsfr/fonts")).unwrap();
    std::fs::write(dir.0.join("dsfr/dsfr.min.css"), "body{margin:0}").unwrap();
    std::fs::write(dir.0.join("dsfr/fonts/Marianne-Regular.woff2"), b"wOF2").unwrap();
    std::fs::write(dir.0.join(".secret"), "no").unwrap();
    let assets = dir.0.clone();
    let app = App::with("web-assets", |c| c.web.assets = Some(assets));
    let css = send(&app, Method::GET, "/assets/jauge.css", None, None).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.html.starts_with("@import"),
        "the operator's stylesheet: {}",
        css.html
    );
    let inner = send(&app, Method::GET, "/assets/dsfr/dsfr.min.css", None, None).await;
    assert_eq!(inner.status, StatusCode::OK);
    assert!(
        inner.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let font = send(
        &app,
        Method::GET,
        "/assets/dsfr/fonts/Marianne-Regular.woff2",
        None,
        None,
    )
    .await;
    assert_eq!(font.status, StatusCode::OK);
    assert_eq!(font.headers["content-type"], "font/woff2");
    for bad in [
        "/assets/.secret",
        "/assets/..%2F..%2Fetc%2Fpasswd",
        "/assets/dsfr/../.secret",
        "/assets/missing.css",
    ] {
        let r = send(&app, Method::GET, bad, None, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
    }
    // the pages' CSP lets the theme's fonts load from the service
    let page = send(&app, Method::GET, &format!("/s/{}", "0".repeat(48)), None, None).await;
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("font-src 'self'")
    );
}
