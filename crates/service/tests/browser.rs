//! The agent's pages in a real browser: headless Chromium (Debian's `chromium`), driven through
//! Debian's `chromedriver` which the tests start themselves, against the service listening on a
//! local port. Sessions are created through the API, as an organisation would; the agent's link
//! is then opened in the browser with JavaScript disabled and answered by keyboard only (Tab,
//! Space, arrows, typing, Enter; never a click), to the profile. axe-core (installed by
//! `.ci/browser-deps`) checks every page met at WCAG 2.0/2.1 A and AA: zero violations.
//!
//! - `every_question_type_by_keyboard_at_320_px`: the items of the example bank, one of each
//!   type (one timed), one per competence, 320 px wide, demo mode on: the session started on the
//!   demo start page (an empty agent id refused first), welcome, each type, an empty answer and
//!   a malformed number (the error linked to its field, the answer kept), "Je ne sais pas", the
//!   profile; no page scrolls sideways (reflow).
//! - `a_full_session_resumes_after_the_browser_is_closed`: the bundled bank, competence 1.1,
//!   1280 px: the browser is closed after three answers and the link opened in a new one (no
//!   cookie) continues at the question shown; then to the profile, which prints on one page.
//!   With `JAUGE_SCREENSHOTS=DIR`, it saves the screenshots of docs/web.md there.
//!
//! A missing browser, driver or axe-core fails these tests (what to install is said); only
//! `JAUGE_BROWSER_TESTS=skip`, set by hand, turns them off.

mod common;
mod webdriver;

use std::collections::BTreeSet;
use std::path::PathBuf;

use axum::routing::get;
use common::App;
use serde_json::{Value, json};
use webdriver::{Browser, Driver, axe_source, key, skipped};

/// The service on a local port, in its own runtime, for as long as this lives.
struct Server {
    base: String,
    rt: tokio::runtime::Runtime,
}

impl Server {
    fn start(app: &App) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        // a page that tells whether the browser runs scripts: <noscript> content is parsed
        // as elements only when scripting is off
        let router = app.router.clone().route(
            "/test/noscript",
            get(|| async {
                axum::response::Html(
                    "<!doctype html><title>probe</title><noscript><p id=\"off\">off</p></noscript>",
                )
            }),
        );
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        rt.spawn(async move { axum::serve(listener, router).await });
        Self { base, rt }
    }

    /// Starts a session through the API (as an organisation does); returns its `agent_url`,
    /// absolute, and the session id.
    fn start_session(&self, token: &str, agent: &str, competences: &[&str], seed: u64) -> (String, String) {
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut r = http
            .post(format!("{}/api/v1/sessions", self.base))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .send(json!({"agent": agent, "competences": competences, "seed": seed}).to_string())
            .unwrap();
        let status = r.status();
        let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        assert_eq!(status, 201, "{v}");
        let url = v["agent_url"].as_str().unwrap();
        assert!(url.starts_with("/s/") && !url.contains(agent), "{url}");
        (
            format!("{}{url}", self.base),
            v["session"].as_str().unwrap().to_owned(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // the runtime and its server stop with it
        let _ = &self.rt;
    }
}

/// The six items of the example bank (tests/bank-examples), all live, one per competence: one
/// of each question type.
fn every_type_bank() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/bank-types")
}

/// Checks that the browser does not run the pages' scripts.
fn assert_scripts_off(b: &Browser, srv: &Server) {
    b.goto(&format!("{}/test/noscript", srv.base));
    assert_eq!(
        b.read("return document.getElementById('off') !== null;"),
        true,
        "the browser runs scripts: the tests must run with JavaScript disabled"
    );
}

/// What a page shows, read from its DOM.
#[derive(Debug)]
struct Shown {
    title: String,
    h1: String,
    /// `welcome`, `question`, `profile`, `other`.
    page: String,
    /// The bank's question type (`data-type` of the form).
    qtype: String,
    fields: usize,
    options: usize,
    errors: bool,
    timed: Option<String>,
    live: usize,
}

fn shown(b: &Browser) -> Shown {
    let v = b.read(
        "const f = document.querySelector('form[data-type]'); \
         const t = document.getElementById('timed'); \
         return { title: document.title, \
           h1: (document.querySelector('h1') || {textContent: ''}).textContent.trim(), \
           page: document.getElementById('start') ? 'welcome' : f ? 'question' : document.querySelector('svg[role=img]') || document.getElementById('missed-title') ? 'profile' : 'other', \
           qtype: f ? f.dataset.type : '', \
           fields: document.querySelectorAll('input[type=text]').length, \
           options: document.querySelectorAll('input[name=choice]').length, \
           errors: document.getElementById('errors') !== null, \
           timed: t ? t.textContent.trim() : null, \
           live: document.querySelectorAll('[role=timer], [aria-live], [role=status], [role=marquee]').length };",
    );
    Shown {
        title: v["title"].as_str().unwrap().to_owned(),
        h1: v["h1"].as_str().unwrap().to_owned(),
        page: v["page"].as_str().unwrap().to_owned(),
        qtype: v["qtype"].as_str().unwrap().to_owned(),
        fields: v["fields"].as_u64().unwrap() as usize,
        options: v["options"].as_u64().unwrap() as usize,
        errors: v["errors"].as_bool().unwrap(),
        timed: v["timed"].as_str().map(str::to_owned),
        live: v["live"].as_u64().unwrap() as usize,
    }
}

/// axe-core on the page (zero violations) and, at 320 px, no sideways scrolling.
fn check(b: &Browser, axe: &str, what: &str) {
    let violations = b.axe(axe);
    assert!(
        violations.is_empty(),
        "axe-core, {what} ({}):\n{}",
        b.title(),
        violations.join("\n")
    );
    if b.width() <= 320 {
        assert!(!b.scrolls_sideways(), "{what} scrolls sideways at 320 px");
    }
}

/// Asserts a question page as it must come after every submit: the focus on its heading, the
/// progress in words in the heading and the title, nothing announced on its own.
fn assert_question_page(b: &Browser, s: &Shown) {
    assert_eq!(s.page, "question", "{s:?}");
    assert!(!s.errors, "{s:?}");
    assert_eq!(b.focused(), "question", "the focus is on the new question: {s:?}");
    assert!(
        s.h1.starts_with("Question ") && s.h1.contains(" sur environ "),
        "{s:?}"
    );
    assert!(s.title.starts_with(&s.h1), "the title names the question: {s:?}");
    assert_eq!(s.live, 0, "no live region on a question page: {s:?}");
}

/// Submits with the "Valider ma réponse" button, reached by Tab.
fn validate(b: &Browser) {
    b.tab_to("BUTTON:action=answer", 40);
    b.press(&[key::ENTER]);
}

/// From an error page: the focus is on the summary, whose first link leads to the field.
fn follow_first_error(b: &Browser, field: &str) {
    assert_eq!(b.focused(), "errors", "the error summary takes the focus");
    b.press(&[key::TAB]);
    let on = b.focused();
    assert!(on.starts_with("A:"), "the summary's link comes next: {on}");
    b.press(&[key::ENTER]);
    assert_eq!(b.focused(), field, "the summary's link leads to the field");
}

/// What the example-bank test has done once already.
#[derive(Default)]
struct Done {
    seen: BTreeSet<String>,
    dontknow: bool,
    empty_refused: bool,
    number_refused: bool,
}

#[test]
fn every_question_type_by_keyboard_at_320_px() {
    if skipped() {
        return;
    }
    let axe = axe_source();
    let app = App::with("browser-types", |c| {
        c.bank = every_type_bank();
        c.web.demo = true;
    });
    let srv = Server::start(&app);
    let driver = Driver::start();
    let b = Browser::open(&driver, 320);
    assert_scripts_off(&b, &srv);
    let all: BTreeSet<String> = [
        "single",
        "multiple",
        "text",
        "blanks",
        "blanks_any_order",
        "number",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let mut done = Done::default();

    // the session is started on the demo start page (`--demo`), by keyboard: an empty agent
    // id first (refused, linked to its field), then an id; every competence of this bank (six
    // of one item each) is the default
    b.goto(&format!("{}/demo", srv.base));
    assert_eq!(b.focused(), "heading");
    assert!(b.title().contains("Démonstration"), "{}", b.title());
    check(&b, &axe, "the demo start page");
    b.tab_to("agent", 10);
    b.press(&[key::ENTER]);
    assert!(b.title().starts_with("Erreur"), "{}", b.title());
    check(&b, &axe, "the demo start page, an empty agent id refused");
    follow_first_error(&b, "agent");
    b.type_text("agent.types@example.fr");
    b.press(&[key::ENTER]);
    let answered = example_session(&b, &axe, None, &mut done);
    let statuses: Vec<String> = {
        let s = jauge::store::Store::open_existing(&app.db).unwrap();
        let mut q = s.connection().prepare("SELECT status FROM response").unwrap();
        q.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(statuses.len(), answered, "{statuses:?}");
    assert_eq!(done.seen, all, "every question type of the bank was met");
    assert!(done.empty_refused && done.number_refused);
    // "Je ne sais pas" was recorded as such
    assert!(
        done.dontknow && statuses.iter().any(|s| s == "dontknow"),
        "{statuses:?}"
    );
}

/// One session of the example bank through the pages, by keyboard; returns the number of
/// answers given.
fn example_session(b: &Browser, axe: &str, url: Option<&str>, done: &mut Done) -> usize {
    if let Some(url) = url {
        b.goto(url);
    }
    let s = shown(b);
    assert_eq!(s.page, "welcome", "{s:?}");
    assert_eq!(b.focused(), "heading");
    check(b, axe, "welcome page");
    b.tab_to("start", 5);
    b.press(&[key::ENTER]);

    let mut steps = 0;
    loop {
        let s = shown(b);
        if s.page == "profile" {
            break;
        }
        steps += 1;
        assert!(steps < 30, "the session never ended");
        assert_question_page(b, &s);
        check(b, axe, &format!("a {} question", s.qtype));
        done.seen.insert(s.qtype.clone());
        if let Some(t) = &s.timed {
            // 90 s in the example bank, no adjustment: said in words, no countdown
            assert!(t.contains("1 min 30 s"), "{t}");
        }
        match s.qtype.as_str() {
            "single" => {
                assert!(s.options >= 2, "{s:?}");
                // the first option has the focus when the group is entered; the arrow moves
                // to the next one and selects it
                b.tab_to("opt-1", 40);
                b.press(&[key::DOWN]);
                assert_eq!(b.focused(), "opt-2");
                validate(b);
            }
            "multiple" if !done.dontknow => {
                done.dontknow = true;
                b.tab_to("BUTTON:action=dontknow", 40);
                b.press(&[key::ENTER]);
            }
            "multiple" => {
                b.tab_to("opt-1", 40);
                b.press(&[key::SPACE]);
                validate(b);
            }
            "text" if !done.empty_refused => {
                // an empty answer: refused, the error linked to the field
                done.empty_refused = true;
                b.tab_to("field-1", 40);
                b.press(&[key::ENTER]);
                let e = shown(b);
                assert!(e.errors && e.title.starts_with("Erreur"), "{e:?}");
                check(b, axe, "an empty answer refused");
                follow_first_error(b, "field-1");
                b.type_text("site:service-public.fr");
                b.press(&[key::ENTER]);
            }
            "number" if !done.number_refused => {
                // a malformed number: refused, kept, the error linked to the field
                done.number_refused = true;
                b.tab_to("field-1", 40);
                b.type_text("douze");
                b.press(&[key::ENTER]);
                let e = shown(b);
                assert!(e.errors && e.title.starts_with("Erreur"), "{e:?}");
                assert_eq!(
                    b.read("return document.getElementById('field-1').value;"),
                    "douze",
                    "the answer typed is kept"
                );
                assert_eq!(
                    b.read("return document.getElementById('field-1').getAttribute('aria-invalid');"),
                    "true"
                );
                check(b, axe, "a malformed number refused");
                follow_first_error(b, "field-1");
                b.select_all();
                b.type_text("12");
                b.press(&[key::ENTER]);
            }
            "text" | "number" | "blanks" | "blanks_any_order" => {
                answer_plainly(b, &s, &[]);
            }
            other => panic!("unknown question type {other:?}"),
        }
        let after = shown(b);
        assert!(
            !after.errors,
            "the answer was refused: {after:?} (after a {} question)",
            s.qtype
        );
    }
    assert_eq!(b.focused(), "heading");
    check(b, axe, "the profile");
    steps
}

#[test]
fn a_full_session_resumes_after_the_browser_is_closed() {
    if skipped() {
        return;
    }
    let axe = axe_source();
    let shots = std::env::var_os("JAUGE_SCREENSHOTS").map(PathBuf::from);
    let app = App::new("browser-session");
    let srv = Server::start(&app);
    let (url, uid) = srv.start_session(&app.a, "agent.session@example.fr", &["1.1"], 11);
    let driver = Driver::start();

    // the first browser: the welcome page, then three answers
    let shown_before_closing = {
        let b = Browser::open(&driver, 1280);
        assert_scripts_off(&b, &srv);
        b.goto(&url);
        assert_eq!(shown(&b).page, "welcome");
        check(&b, &axe, "welcome page");
        b.tab_to("start", 5);
        b.press(&[key::ENTER]);
        for _ in 0..3 {
            let s = shown(&b);
            assert_question_page(&b, &s);
            check(&b, &axe, &format!("a {} question", s.qtype));
            answer_plainly(&b, &s, &right_options(&app, &srv, &url));
        }
        let s = shown(&b);
        assert_question_page(&b, &s);
        let statement = b.read("return document.getElementById('statement').textContent;");
        (s.h1, statement)
        // the browser is closed here
    };
    assert_eq!(app.responses(&uid).len(), 3);

    // a new browser (no cookie): the link continues at the question shown
    let b = Browser::open(&driver, 1280);
    assert_scripts_off(&b, &srv);
    b.goto(&url);
    let s = shown(&b);
    assert_question_page(&b, &s);
    assert!(b.url().contains("/question"), "{}", b.url());
    assert_eq!(s.h1, shown_before_closing.0);
    assert_eq!(
        b.read("return document.getElementById('statement').textContent;"),
        shown_before_closing.1
    );

    let mut pages = 0;
    let mut shot_taken = false;
    loop {
        pages += 1;
        assert!(pages < 80, "the session never ended");
        let s = shown(&b);
        if s.page == "profile" {
            break;
        }
        assert_question_page(&b, &s);
        check(&b, &axe, &format!("a {} question", s.qtype));
        if let Some(dir) = &shots
            && !shot_taken
            && s.qtype == "single"
        {
            shot_taken = true;
            screenshots(&b, dir, "question");
        }
        // two answers in three right: a profile in the middle of the scale
        let tick = if pages % 3 == 0 {
            Vec::new()
        } else {
            right_options(&app, &srv, &url)
        };
        answer_plainly(&b, &s, &tick);
    }
    assert_eq!(b.focused(), "heading");
    check(&b, &axe, "the profile");
    let p = b.read(
        "return { svg: !!document.querySelector('svg[role=img] title') && !!document.querySelector('svg[role=img] desc'), \
                  th: document.querySelectorAll('.table-wrap table th[scope=col]').length, \
                  rows: document.querySelectorAll('.table-wrap table tbody tr').length, \
                  text: document.querySelector('main').textContent };",
    );
    assert_eq!(p["svg"], true, "{p}");
    assert_eq!(p["th"], 4, "{p}");
    assert_eq!(p["rows"], 1, "{p}");
    let text = p["text"].as_str().unwrap();
    assert!(text.contains("sur 8") && text.contains("/ 64"), "{text}");
    assert!(
        !text.contains("{{"),
        "blanks are numbered in the missed questions: {text}"
    );
    if let Some(dir) = &shots {
        screenshots(&b, dir, "profile");
    }
    // printed: one page (A4)
    let pdf = b.cdp(
        "Page.printToPDF",
        json!({"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": false}),
    );
    let pdf = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        pdf["data"].as_str().unwrap(),
    )
    .unwrap();
    let pages = count_pdf_pages(&pdf);
    assert_eq!(pages, 1, "the profile of one competence prints on one page");
}

/// The right options of the question shown at `url` (an agent's link), from the bank, through
/// the link's JSON endpoint (which names the item).
fn right_options(app: &App, srv: &Server, url: &str) -> Vec<String> {
    let link = url.rsplit('/').next().unwrap();
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = http
        .get(format!("{}/api/v1/links/{link}/question", srv.base))
        .call()
        .unwrap();
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    let item = v["question"]["item"].as_str().unwrap_or_default();
    match app.state.jauge.bank().item(item).map(|i| &i.kind) {
        Some(jauge::bank::Kind::Single { solution, .. }) => vec![solution.clone()],
        Some(jauge::bank::Kind::Multiple { solution, .. }) => solution.clone(),
        _ => Vec::new(),
    }
}

/// Answers a question plainly by keyboard: the options `tick` (by their values; the first
/// option when empty), or a word, or a number.
fn answer_plainly(b: &Browser, s: &Shown, tick: &[String]) {
    match s.qtype.as_str() {
        "single" | "multiple" => {
            let values: Vec<String> = b
                .read("return Array.from(document.querySelectorAll('input[name=choice]')).map(e => e.value);")
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect();
            let mut positions: Vec<usize> = values
                .iter()
                .enumerate()
                .filter(|(_, v)| tick.contains(v))
                .map(|(i, _)| i + 1)
                .collect();
            if positions.is_empty() {
                positions.push(1);
            }
            if s.qtype == "single" {
                // entering the group focuses its first option: Space ticks it, the arrows
                // move and tick
                b.tab_to("opt-1", 40);
                b.press(&[key::SPACE]);
                for _ in 1..positions[0] {
                    b.press(&[key::DOWN]);
                }
                assert_eq!(b.focused(), format!("opt-{}", positions[0]));
            } else {
                for k in positions {
                    b.tab_to(&format!("opt-{k}"), 40);
                    b.press(&[key::SPACE]);
                }
            }
            validate(b);
        }
        "number" => {
            b.tab_to("field-1", 40);
            b.type_text("10");
            b.press(&[key::ENTER]);
        }
        _ => {
            for n in 1..=s.fields {
                b.tab_to(&format!("field-{n}"), 40);
                b.type_text("réponse");
            }
            b.press(&[key::ENTER]);
        }
    }
    let after = shown(b);
    assert!(!after.errors, "a plain answer was refused: {after:?}");
}

/// The page at 320 and 1280 px, as `{name}-320.png` and `{name}-1280.png` in `dir`.
fn screenshots(b: &Browser, dir: &std::path::Path, name: &str) {
    std::fs::create_dir_all(dir).unwrap();
    for w in [320, 1280] {
        b.set_width(w);
        b.screenshot(&dir.join(format!("{name}-{w}.png")), 1600);
    }
    b.set_width(b.width());
}

/// The number of pages of a PDF (its `/Type /Page` objects).
fn count_pdf_pages(pdf: &[u8]) -> usize {
    let s = String::from_utf8_lossy(pdf);
    s.match_indices("/Type /Page")
        .filter(|(i, _)| !s[i + 11..].starts_with('s'))
        .count()
}
