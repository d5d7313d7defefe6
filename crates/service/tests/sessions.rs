//! Sessions over the API: a whole session, repeated and stale submits, malformed input (each
//! with its documented status, nothing recorded), the agent's link, and statelessness (two
//! services on one database, a restart).

mod common;

use axum::http::{Method, StatusCode};
use common::{App, answer_all, some_answer};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_session_then_its_profile() {
    let app = App::new("whole");
    let s = app.start(&app.a, "camille@a.fr").await;
    let id = s["session"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    assert!(s["agent_url"].as_str().unwrap().starts_with("/s/"));
    assert_eq!(s["progress"]["answered"], 0);
    let q = s["question"].clone();
    assert_eq!(q["step"], 1);
    assert_eq!(q["competence"], "1.1");
    for key in ["solution", "accepted", "explanation", "answer", "correct"] {
        assert!(q.get(key).is_none(), "a question never carries `{key}`: {q}");
    }
    // the same question until answered
    let again = app
        .get(&format!("/api/v1/sessions/{id}/question"), Some(&app.a))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json["question"], q);
    let base = format!("/api/v1/sessions/{id}");
    let n = answer_all(&app, &base, Some(&app.a), q).await;
    assert!((4..=20).contains(&n), "{n} questions");
    assert_eq!(app.responses(&id).len(), n);
    let none = app.get(&format!("{base}/question"), Some(&app.a)).await;
    assert_eq!(none.json["question"], Value::Null);
    assert_eq!(none.json["progress"]["answered"], n);
    let f = app.post(&format!("{base}/finish"), Some(&app.a), json!({})).await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.json);
    for key in [
        "agent",
        "total_pix",
        "bank_version",
        "scoring_version",
        "competences",
        "session",
        "missed",
    ] {
        assert!(f.json.get(key).is_some(), "finish has `{key}`");
    }
    assert_eq!(f.json["competences"].as_array().unwrap().len(), 16);
    let c11 = f.json["competences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "1.1")
        .unwrap();
    assert!(c11["level"].is_u64() && c11["theta"].is_f64());
    // a retry of the finish returns the same profile
    let f2 = app.post(&format!("{base}/finish"), Some(&app.a), json!({})).await;
    assert_eq!(f2.status, StatusCode::OK);
    assert_eq!(f2.json, f.json);
    let p = app
        .get("/api/v1/agents/camille%40a.fr/profile", Some(&app.a))
        .await;
    assert_eq!(p.status, StatusCode::OK);
    for key in [
        "agent",
        "total_pix",
        "bank_version",
        "scoring_version",
        "competences",
    ] {
        assert_eq!(p.json[key], f.json[key], "{key}");
    }
    let h = app
        .get("/api/v1/agents/camille%40a.fr/history", Some(&app.a))
        .await;
    assert_eq!(h.json["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(h.json["sessions"][0]["session"], id.as_str());
    // nothing more goes into a finished session
    let late = app
        .post(
            &format!("{base}/answers"),
            Some(&app.a),
            json!({"step": n + 1, "answer": {"kind": "texts", "value": ["x"]}}),
        )
        .await;
    assert_eq!(
        (late.status, late.problem()),
        (StatusCode::CONFLICT, "session-closed")
    );
    assert_eq!(app.responses(&id).len(), n);
    let info = app.get(&base, Some(&app.a)).await;
    assert_eq!(info.json["state"], "finished");
    assert_eq!(info.json["answered"], n);
    // the organisation's exports hold the session
    let e = app.get("/api/v1/exports/responses", Some(&app.a)).await;
    assert_eq!(e.status, StatusCode::OK);
    assert!(
        e.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = String::from_utf8(e.raw).unwrap();
    assert_eq!(csv.lines().count(), n + 1, "{csv}");
    assert!(csv.lines().skip(1).all(|l| l.starts_with(&id)));
    let e = app
        .get("/api/v1/exports/profiles?format=jsonl", Some(&app.a))
        .await;
    let rows: Vec<Value> = String::from_utf8(e.raw)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["agent"], "camille@a.fr");
    let e = app
        .get("/api/v1/exports/profiles?format=parquet", Some(&app.a))
        .await;
    assert!(e.raw.starts_with(b"PAR1"), "a Parquet file");
    let bad = app.get("/api/v1/exports/profiles?format=xls", Some(&app.a)).await;
    assert_eq!((bad.status.as_u16(), bad.problem()), (422, "invalid-parameter"));
    let bad = app.get("/api/v1/exports/everything", Some(&app.a)).await;
    assert_eq!(bad.status.as_u16(), 404);
    let leftovers: Vec<_> = std::fs::read_dir(&app.dir.0)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("export"))
        .collect();
    assert!(leftovers.is_empty(), "no export file left beside the database");
    // a new session for the same agent
    app.start(&app.a, "camille@a.fr").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_stale_and_concurrent_submits_are_refused_and_never_recorded_twice() {
    let app = App::new("repeat");
    let s = app.start(&app.a, "dominique@a.fr").await;
    let id = s["session"].as_str().unwrap();
    let base = format!("/api/v1/sessions/{id}");
    let q1 = s["question"].clone();
    let body1 = json!({"step": 1, "answer": some_answer(&q1)});
    let r = app
        .post(&format!("{base}/answers"), Some(&app.a), body1.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["recorded"]["step"], 1);
    let q2 = r.json["question"].clone();
    assert_eq!(q2["step"], 2);
    // the same step again (a retry after a lost reply)
    let again = app.post(&format!("{base}/answers"), Some(&app.a), body1).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.problem(), "step-conflict");
    assert_eq!(again.json["expected_step"], 2);
    assert_eq!(
        again.headers["content-type"], "application/problem+json",
        "a problem document"
    );
    // a step from the future
    let ahead = app
        .post(
            &format!("{base}/answers"),
            Some(&app.a),
            json!({"step": 5, "answer": some_answer(&q2)}),
        )
        .await;
    assert_eq!(
        (ahead.status, ahead.problem()),
        (StatusCode::CONFLICT, "step-conflict")
    );
    // the right step naming another item (a stale tab)
    let wrong_item = app
        .post(
            &format!("{base}/answers"),
            Some(&app.a),
            json!({"step": 2, "item": "not-this-one", "answer": some_answer(&q2)}),
        )
        .await;
    assert_eq!(wrong_item.status, StatusCode::CONFLICT);
    assert_eq!(app.responses(id).len(), 1);
    // two tabs submitting step 2 at once: one is recorded, the other refused
    let body2 = json!({"step": 2, "item": q2["item"], "answer": some_answer(&q2)});
    let path = format!("{base}/answers");
    let (x, y) = tokio::join!(
        app.post(&path, Some(&app.a), body2.clone()),
        app.post(&path, Some(&app.a), body2.clone())
    );
    let mut statuses = [x.status.as_u16(), y.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let recorded = app.responses(id);
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded.iter().map(|r| r.step).collect::<Vec<_>>(), [0, 1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_its_status_and_records_nothing() {
    let app = App::with("bad", |c| c.limits.body_bytes = 4096);
    let s = app.start(&app.a, "eve@a.fr").await;
    let other = app
        .post(
            "/api/v1/sessions",
            Some(&app.a),
            json!({"agent": "frank@a.fr", "competences": ["1.2"]}),
        )
        .await
        .json;
    let id = s["session"].as_str().unwrap();
    let path = format!("/api/v1/sessions/{id}/answers");
    let q = s["question"].clone();
    let good = json!({"step": 1, "answer": some_answer(&q)});
    let huge = json!({"step": 1, "answer": {"kind": "texts", "value": ["x".repeat(10_000)]}});
    let big_but_allowed = json!({"step": 1, "answer": {"kind": "texts", "value": ["x".repeat(1_900)]}});
    // (what, content type, body, status, problem type)
    type Case<'a> = (&'a str, Option<&'a str>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "malformed JSON",
            Some("application/json"),
            b"{\"step\": 1, \"answer\": ".to_vec(),
            400,
            "malformed-json",
        ),
        (
            "not JSON at all",
            Some("application/json"),
            b"step=1".to_vec(),
            400,
            "malformed-json",
        ),
        (
            "trailing garbage",
            Some("application/json"),
            format!("{good} x").into_bytes(),
            400,
            "malformed-json",
        ),
        (
            "step as a string",
            Some("application/json"),
            br#"{"step": "1", "answer": {"kind": "texts", "value": ["x"]}}"#.to_vec(),
            422,
            "invalid-body",
        ),
        (
            "negative step",
            Some("application/json"),
            br#"{"step": -1, "answer": {"kind": "texts", "value": ["x"]}}"#.to_vec(),
            422,
            "invalid-body",
        ),
        (
            "value not a list",
            Some("application/json"),
            br#"{"step": 1, "answer": {"kind": "texts", "value": "x"}}"#.to_vec(),
            422,
            "invalid-body",
        ),
        (
            "unknown kind",
            Some("application/json"),
            br#"{"step": 1, "answer": {"kind": "essay", "value": "x"}}"#.to_vec(),
            422,
            "invalid-body",
        ),
        (
            "missing answer",
            Some("application/json"),
            br#"{"step": 1}"#.to_vec(),
            422,
            "invalid-body",
        ),
        (
            "unknown field",
            Some("application/json"),
            br#"{"step": 1, "answer": {"kind": "texts", "value": ["x"]}, "score": 1}"#.to_vec(),
            422,
            "invalid-body",
        ),
        (
            "unknown field in the answer",
            Some("application/json"),
            br#"{"step": 1, "answer": {"kind": "texts", "value": ["x"], "correct": true}}"#.to_vec(),
            422,
            "invalid-body",
        ),
        (
            "a JSON array",
            Some("application/json"),
            b"[]".to_vec(),
            422,
            "invalid-body",
        ),
        (
            "huge body",
            Some("application/json"),
            serde_json::to_vec(&huge).unwrap(),
            413,
            "body-too-large",
        ),
        (
            "no content type",
            None,
            serde_json::to_vec(&good).unwrap(),
            415,
            "unsupported-media-type",
        ),
        (
            "form content type",
            Some("application/x-www-form-urlencoded"),
            b"step=1".to_vec(),
            415,
            "unsupported-media-type",
        ),
        (
            "too many options",
            Some("application/json"),
            serde_json::to_vec(&json!({"step": 1, "answer": {"kind": "options", "value": vec!["a"; 100]}}))
                .unwrap(),
            422,
            "invalid-body",
        ),
    ];
    for (what, ct, body, status, kind) in cases {
        let r = app.raw(Method::POST, &path, Some(&app.a), ct, body).await;
        assert_eq!(r.status.as_u16(), status, "{what}: {}", r.json);
        assert_eq!(r.problem(), kind, "{what}");
        assert_eq!(r.headers["content-type"], "application/problem+json", "{what}");
        assert!(r.json["detail"].as_str().is_some_and(|d| !d.is_empty()), "{what}");
        assert_eq!(app.response_count(), 0, "{what}: nothing recorded");
    }
    // an answer that does not fit the question: 422, asked again
    let misfit = match q["type"].as_str().unwrap() {
        "single" | "multiple" => json!({"kind": "texts", "value": ["x"]}),
        _ => json!({"kind": "options", "value": ["zz"]}),
    };
    let r = app
        .post(&path, Some(&app.a), json!({"step": 1, "answer": misfit}))
        .await;
    assert_eq!((r.status.as_u16(), r.problem()), (422, "invalid-answer"));
    assert_eq!(app.response_count(), 0);
    // an answer meant for another session (its step and item): refused, nothing recorded
    let oq = other["question"].clone();
    assert_ne!(oq["item"], q["item"]);
    let cross = app
        .post(
            &path,
            Some(&app.a),
            json!({"step": 1, "item": oq["item"], "answer": some_answer(&oq)}),
        )
        .await;
    assert_eq!((cross.status.as_u16(), cross.problem()), (409, "step-conflict"));
    let other_id = other["session"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/sessions/{other_id}/answers"),
            Some(&app.a),
            json!({"step": 1, "answer": some_answer(&oq)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let oq2 = r.json["question"].clone();
    let cross = app
        .post(
            &path,
            Some(&app.a),
            json!({"step": 2, "answer": some_answer(&oq2)}),
        )
        .await;
    assert_eq!((cross.status.as_u16(), cross.problem()), (409, "step-conflict"));
    assert!(app.responses(id).is_empty());
    // the largest answer the limit lets through is judged like any other
    let r = app.post(&path, Some(&app.a), big_but_allowed).await;
    assert!(
        r.status == StatusCode::OK || r.problem() == "invalid-answer",
        "{}",
        r.json
    );
    // an unknown session
    let r = app
        .post(
            "/api/v1/sessions/00000000000000000000000000000000/answers",
            Some(&app.a),
            good.clone(),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.problem()), (404, "session-not-found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_link_reaches_one_session_until_it_is_over() {
    let app = App::new("link");
    let s = app.start(&app.a, "gael@a.fr").await;
    let id = s["session"].as_str().unwrap().to_owned();
    let link = s["agent_url"]
        .as_str()
        .unwrap()
        .trim_start_matches("/s/")
        .to_owned();
    assert_eq!(link.len(), 48);
    let base = format!("/api/v1/links/{link}");
    // no token needed
    let q = app.get(&format!("{base}/question"), None).await;
    assert_eq!(q.status, StatusCode::OK);
    assert_eq!(q.json["question"], s["question"]);
    // the page at agent_url is the welcome page (tests/web.rs follows the pages)
    let page = app.get(s["agent_url"].as_str().unwrap(), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    assert!(String::from_utf8_lossy(&page.raw).contains("Bienvenue"));
    // an unknown or malformed link
    for bad in ["0".repeat(48), "x".into(), link.to_uppercase()] {
        let r = app.get(&format!("/api/v1/links/{bad}/question"), None).await;
        assert_eq!((r.status.as_u16(), r.problem()), (404, "link-not-found"), "{bad}");
    }
    let n = answer_all(&app, &base, None, q.json["question"].clone()).await;
    assert_eq!(app.responses(&id).len(), n);
    let f = app.post(&format!("{base}/finish"), None, json!({})).await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(f.json["session"], id.as_str());
    // useless once the session is over: 410, nothing recorded
    let after = app
        .post(
            &format!("{base}/answers"),
            None,
            json!({"step": n + 1, "answer": {"kind": "texts", "value": ["x"]}}),
        )
        .await;
    assert_eq!((after.status.as_u16(), after.problem()), (410, "link-expired"));
    for path in [format!("{base}/question")] {
        assert_eq!(app.get(&path, None).await.status.as_u16(), 410);
    }
    assert_eq!(
        app.post(&format!("{base}/finish"), None, json!({}))
            .await
            .status
            .as_u16(),
        410
    );
    // the page of a finished session shows its profile (read only)
    let done = app.get(s["agent_url"].as_str().unwrap(), None).await;
    assert_eq!(done.status.as_u16(), 200);
    assert!(String::from_utf8_lossy(&done.raw).contains("Votre profil"));
    assert_eq!(app.responses(&id).len(), n);
    // an abandoned session's link too; a new link replaces the old one
    let s2 = app.start(&app.a, "gael@a.fr").await;
    let id2 = s2["session"].as_str().unwrap();
    let old = s2["agent_url"]
        .as_str()
        .unwrap()
        .trim_start_matches("/s/")
        .to_owned();
    let fresh = app
        .post(&format!("/api/v1/sessions/{id2}/link"), Some(&app.a), json!({}))
        .await;
    assert_eq!(fresh.status, StatusCode::OK);
    let new = fresh.json["agent_url"]
        .as_str()
        .unwrap()
        .trim_start_matches("/s/")
        .to_owned();
    assert_eq!(
        app.get(&format!("/api/v1/links/{old}/question"), None)
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/links/{new}/question"), None)
            .await
            .status
            .as_u16(),
        200
    );
    let ab = app
        .post(
            &format!("/api/v1/sessions/{id2}/abandon"),
            Some(&app.a),
            json!({}),
        )
        .await;
    assert_eq!(
        (ab.status.as_u16(), ab.json["state"].as_str()),
        (200, Some("abandoned"))
    );
    let r = app
        .post(
            &format!("/api/v1/links/{new}/answers"),
            None,
            json!({"step": 1, "answer": some_answer(&s2["question"])}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 410);
    assert!(app.responses(id2).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_service_on_the_database_serves_any_request() {
    let one = App::new("twins");
    let two = one.twin();
    let s = one.start(&one.a, "henri@a.fr").await;
    let id = s["session"].as_str().unwrap();
    let path = format!("/api/v1/sessions/{id}/answers");
    let q1 = s["question"].clone();
    // answered through the other service: the first one's copy is now behind
    let r = two
        .post(
            &path,
            Some(&two.a),
            json!({"step": 1, "answer": some_answer(&q1)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let q2 = r.json["question"].clone();
    let seen = one
        .get(&format!("/api/v1/sessions/{id}/question"), Some(&one.a))
        .await;
    assert_eq!(seen.json["question"], q2, "the first service rebuilt the session");
    // a submit on a stale copy, without reading first
    let r = two
        .post(
            &path,
            Some(&two.a),
            json!({"step": 2, "answer": some_answer(&q2)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let q3 = r.json["question"].clone();
    let r = one
        .post(
            &path,
            Some(&one.a),
            json!({"step": 3, "answer": some_answer(&q3)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    // the stale step on the first one: refused
    let r = one
        .post(
            &path,
            Some(&one.a),
            json!({"step": 2, "answer": some_answer(&q2)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(one.responses(id).len(), 3);
    // a service started afresh (a restart) continues where the session stands
    let mut three = one.twin();
    let r = three
        .get(&format!("/api/v1/sessions/{id}/question"), Some(&three.a))
        .await;
    assert_eq!(r.json["question"]["step"], 4);
    let n = answer_all(
        &three,
        &format!("/api/v1/sessions/{id}"),
        Some(&three.a),
        r.json["question"].clone(),
    )
    .await;
    assert_eq!(three.responses(id).len(), 3 + n);
    // finished elsewhere: the first service's copy refuses to go on
    let f = three
        .post(
            &format!("/api/v1/sessions/{id}/finish"),
            Some(&three.a),
            json!({}),
        )
        .await;
    assert_eq!(f.status, StatusCode::OK);
    let r = one
        .get(&format!("/api/v1/sessions/{id}/question"), Some(&one.a))
        .await;
    assert_eq!((r.status.as_u16(), r.problem()), (409, "session-closed"));
    three.threads.take().unwrap().stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_a_session_checks_its_parameters() {
    let app = App::new("start");
    let cases = [
        (json!({"agent": ""}), 422, "invalid-parameter"),
        (json!({"agent": "x\u{7}y"}), 422, "invalid-parameter"),
        (json!({"agent": "a".repeat(300)}), 422, "invalid-parameter"),
        (
            json!({"agent": "x", "competences": ["9.9"]}),
            422,
            "invalid-parameter",
        ),
        (json!({"agent": "x", "competences": []}), 422, "invalid-body"),
        (
            json!({"agent": "x", "competences": ["1.1"], "campaign": "c"}),
            422,
            "invalid-body",
        ),
        (
            json!({"agent": "x", "campaign": "nope"}),
            404,
            "campaign-not-found",
        ),
        (json!({"agent": "x", "lang": "de"}), 422, "invalid-body"),
        (
            json!({"agent": "x", "organisation": "b"}),
            404,
            "organisation-not-found",
        ),
        (json!({"agent": "x", "colour": "blue"}), 422, "invalid-body"),
        (json!({"agent": 5}), 422, "invalid-body"),
    ];
    for (body, status, kind) in cases {
        let r = app.post("/api/v1/sessions", Some(&app.a), body.clone()).await;
        assert_eq!(
            (r.status.as_u16(), r.problem()),
            (status, kind),
            "{body}: {}",
            r.json
        );
    }
    // one unfinished session per agent: 409 naming it, or continued with resume
    let s = app.start(&app.a, "ines@a.fr").await;
    let r = app
        .post("/api/v1/sessions", Some(&app.a), json!({"agent": "ines@a.fr"}))
        .await;
    assert_eq!((r.status.as_u16(), r.problem()), (409, "session-in-progress"));
    assert_eq!(r.json["session"], s["session"]);
    let r = app
        .post(
            "/api/v1/sessions",
            Some(&app.a),
            json!({"agent": "ines@a.fr", "resume": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["session"], s["session"]);
    assert_eq!(r.json["question"], s["question"]);
    assert_ne!(r.json["agent_url"], s["agent_url"], "a new link");
    // English
    let en = app
        .post(
            "/api/v1/sessions",
            Some(&app.a),
            json!({"agent": "jo@a.fr", "competences": ["1.1"], "lang": "en"}),
        )
        .await;
    assert_eq!(en.json["question"]["lang"], "en");
    // a campaign of the organisation
    let c = app
        .post(
            "/api/v1/campaigns",
            Some(&app.a),
            json!({"name": "spring", "plan": {"competences": ["1.2"], "max_items": 4}}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.json);
    assert_eq!(c.json["organisation"], "a");
    let r = app
        .post(
            "/api/v1/sessions",
            Some(&app.a),
            json!({"agent": "kim@a.fr", "campaign": "spring"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json["question"]["competence"], "1.2");
    // not reachable from another organisation
    let r = app
        .post(
            "/api/v1/sessions",
            Some(&app.b),
            json!({"agent": "kim@b.fr", "campaign": "spring"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.problem()), (404, "campaign-not-found"));
}
