//! Authentication and isolation on every endpoint: no token (or a malformed, unknown or revoked
//! one) is 401; another organisation's token is 404 for anything of organisation `a`, and its
//! lists hold nothing of `a`. The table covers every operation of the OpenAPI description that
//! takes a token (the test fails when an endpoint is added without a row).

mod common;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use common::{App, some_answer};
use jauge::store::Store;
use serde_json::{Value, json};

struct Case {
    method: Method,
    /// The path as in the OpenAPI description (for the coverage check).
    template: &'static str,
    path: String,
    body: Option<Value>,
    /// The problem another organisation's token gets.
    other: &'static str,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_refuses_strangers() {
    let app = App::new("isolation");
    let s = app.start(&app.a, "amelie@a.fr").await;
    let sid = s["session"].as_str().unwrap().to_owned();
    let q = s["question"].clone();
    let c = app
        .post(
            "/api/v1/campaigns",
            Some(&app.a),
            json!({"name": "camp-a", "plan": {"competences": ["1.1"]}}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED);
    let agent = "amelie%40a.fr";
    let answer = json!({"step": 1, "answer": some_answer(&q)});
    let case =
        |method: Method, template: &'static str, path: String, body: Option<Value>, other: &'static str| {
            Case {
                method,
                template,
                path,
                body,
                other,
            }
        };
    let cases = vec![
        case(
            Method::GET,
            "/api/v1/sessions/{session}",
            format!("/api/v1/sessions/{sid}"),
            None,
            "session-not-found",
        ),
        case(
            Method::GET,
            "/api/v1/sessions/{session}/question",
            format!("/api/v1/sessions/{sid}/question"),
            None,
            "session-not-found",
        ),
        case(
            Method::POST,
            "/api/v1/sessions/{session}/answers",
            format!("/api/v1/sessions/{sid}/answers"),
            Some(answer.clone()),
            "session-not-found",
        ),
        case(
            Method::POST,
            "/api/v1/sessions/{session}/finish",
            format!("/api/v1/sessions/{sid}/finish"),
            Some(json!({})),
            "session-not-found",
        ),
        case(
            Method::POST,
            "/api/v1/sessions/{session}/abandon",
            format!("/api/v1/sessions/{sid}/abandon"),
            Some(json!({})),
            "session-not-found",
        ),
        case(
            Method::POST,
            "/api/v1/sessions/{session}/link",
            format!("/api/v1/sessions/{sid}/link"),
            Some(json!({})),
            "session-not-found",
        ),
        case(
            Method::POST,
            "/api/v1/sessions",
            "/api/v1/sessions".into(),
            Some(json!({"agent": "amelie@a.fr"})),
            "agent-not-found",
        ),
        case(
            Method::GET,
            "/api/v1/agents/{agent}",
            format!("/api/v1/agents/{agent}"),
            None,
            "agent-not-found",
        ),
        case(
            Method::DELETE,
            "/api/v1/agents/{agent}",
            format!("/api/v1/agents/{agent}"),
            None,
            "agent-not-found",
        ),
        case(
            Method::GET,
            "/api/v1/agents/{agent}/profile",
            format!("/api/v1/agents/{agent}/profile"),
            None,
            "agent-not-found",
        ),
        case(
            Method::GET,
            "/api/v1/agents/{agent}/history",
            format!("/api/v1/agents/{agent}/history"),
            None,
            "agent-not-found",
        ),
        case(
            Method::GET,
            "/api/v1/agents/{agent}/record",
            format!("/api/v1/agents/{agent}/record"),
            None,
            "agent-not-found",
        ),
        case(
            Method::PUT,
            "/api/v1/agents/{agent}/adjustments",
            format!("/api/v1/agents/{agent}/adjustments"),
            Some(json!({"adjustments": ["screen-reader"]})),
            "agent-not-found",
        ),
        case(
            Method::GET,
            "/api/v1/agents",
            "/api/v1/agents?organisation=a".into(),
            None,
            "organisation-not-found",
        ),
        case(
            Method::GET,
            "/api/v1/campaigns/{campaign}",
            "/api/v1/campaigns/camp-a".into(),
            None,
            "campaign-not-found",
        ),
        case(
            Method::POST,
            "/api/v1/campaigns",
            "/api/v1/campaigns".into(),
            Some(json!({"name": "camp-x", "organisation": "a"})),
            "organisation-not-found",
        ),
        case(
            Method::GET,
            "/api/v1/exports/{kind}",
            "/api/v1/exports/responses?organisation=a".into(),
            None,
            "organisation-not-found",
        ),
        // lists: another organisation gets its own (empty) list, checked below
        case(
            Method::GET,
            "/api/v1/sessions",
            "/api/v1/sessions".into(),
            None,
            "",
        ),
        case(
            Method::GET,
            "/api/v1/organisations",
            "/api/v1/organisations".into(),
            None,
            "",
        ),
        case(
            Method::GET,
            "/api/v1/campaigns",
            "/api/v1/campaigns".into(),
            None,
            "",
        ),
        case(
            Method::POST,
            "/api/v1/organisations",
            "/api/v1/organisations".into(),
            Some(json!({"code": "c", "name": "C"})),
            "forbidden",
        ),
    ];

    // every operation with a token is in the table
    let doc = serde_json::to_value(jauge_service::openapi()).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("security").is_some() {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let tested: BTreeSet<(String, String)> = cases
        .iter()
        .map(|c| (c.method.as_str().to_owned(), c.template.to_owned()))
        .collect();
    assert_eq!(
        documented, tested,
        "every endpoint with a token has an isolation case"
    );

    let revoked = {
        let mut st = Store::open_existing(&app.db).unwrap();
        let t = st.create_token(Some("a"), "to revoke").unwrap();
        st.revoke_token(&t.info.public_id).unwrap();
        t.token
    };
    let mut forged = app.a.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    for c in &cases {
        for (who, token) in [
            ("no token", None),
            ("malformed token", Some("not-a-token")),
            ("forged token", Some(forged.as_str())),
            ("revoked token", Some(revoked.as_str())),
        ] {
            let r = app.call(c.method.clone(), &c.path, token, c.body.clone()).await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{} {} with {who}",
                c.method,
                c.path
            );
            assert_eq!(r.problem(), "unauthorized");
            assert_eq!(r.headers["www-authenticate"], "Bearer");
        }
        let r = app
            .call(c.method.clone(), &c.path, Some(&app.b), c.body.clone())
            .await;
        if c.other.is_empty() {
            assert_eq!(r.status, StatusCode::OK, "{} {}", c.method, c.path);
            let text = String::from_utf8_lossy(&r.raw);
            assert!(
                !text.contains(&sid) && !text.contains("amelie") && !text.contains("camp-a"),
                "{text}"
            );
            assert!(
                !text.contains("\"a\""),
                "organisation a is not listed to b: {text}"
            );
        } else {
            let expected = if c.other == "forbidden" { 403 } else { 404 };
            assert_eq!(
                (r.status.as_u16(), r.problem()),
                (expected, c.other),
                "{} {} with another organisation's token: {}",
                c.method,
                c.path,
                r.json
            );
            assert!(
                !String::from_utf8_lossy(&r.raw).contains("amelie"),
                "no agent id echoed"
            );
        }
    }
    // nothing of a's moved
    assert!(app.responses(&sid).is_empty());
    let info = app.get(&format!("/api/v1/sessions/{sid}"), Some(&app.a)).await;
    assert_eq!(info.json["state"], "active");
    let agent_info = app.get("/api/v1/agents/amelie%40a.fr", Some(&app.a)).await;
    assert_eq!(agent_info.status, StatusCode::OK);
    assert_eq!(agent_info.json["adjustments"], json!([]));
    // b's own export holds nothing of a's
    let e = app.get("/api/v1/exports/responses", Some(&app.b)).await;
    assert_eq!(e.status, StatusCode::OK);
    assert_eq!(String::from_utf8_lossy(&e.raw).lines().count(), 1, "header only");
    // the administrator reaches everything
    for c in cases.iter().filter(|c| c.method == Method::GET) {
        let r = app.call(c.method.clone(), &c.path, Some(&app.admin), None).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{} {} as administrator: {}",
            c.method,
            c.path,
            r.json
        );
    }
    // an organisation's lists hold its own data
    let l = app.get("/api/v1/sessions", Some(&app.a)).await;
    assert_eq!(l.json["sessions"][0]["session"], sid.as_str());
    let l = app.get("/api/v1/agents", Some(&app.a)).await;
    assert_eq!(l.json["agents"][0]["agent"], "amelie@a.fr");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_endpoints_and_errors_outside_the_api() {
    let app = App::new("open");
    let h = app.get("/healthz", None).await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.json["status"], "ok");
    let m = app.get("/metrics", None).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(
        m.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = String::from_utf8_lossy(&m.raw);
    for name in [
        "jauge_http_requests_total",
        "jauge_answers_committed_total",
        "jauge_sessions_in_progress",
        "jauge_commit_sync_seconds",
    ] {
        assert!(text.contains(name), "{name} in /metrics");
    }
    let d = app.get("/api/openapi.json", None).await;
    assert_eq!(d.json["openapi"], "3.1.0");
    let docs = app.get("/api/docs/", None).await;
    assert_eq!(docs.status, StatusCode::OK);
    let html = String::from_utf8_lossy(&docs.raw);
    assert!(html.contains("swagger"), "the documentation page");
    assert!(
        !html.contains("https://"),
        "no asset fetched from the internet: {html}"
    );
    let nf = app.get("/nowhere", None).await;
    assert_eq!((nf.status.as_u16(), nf.problem()), (404, "not-found"));
    let na = app.call(Method::DELETE, "/healthz", None, None).await;
    assert_eq!((na.status.as_u16(), na.problem()), (405, "method-not-allowed"));
    let p = app.get("/problems/step-conflict", None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&p.raw).contains("409"));
}
