//! The request limits: per-credential rate limit (429 with Retry-After), request timeout (503).

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::App;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_over_its_rate_is_told_to_wait() {
    let app = App::with("rate", |c| c.limits.rate_per_second = 5);
    let mut limited = None;
    for k in 0..30 {
        let r = app.get("/api/v1/sessions", Some(&app.a)).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((k, r));
            break;
        }
        assert_eq!(r.status, StatusCode::OK);
    }
    let (k, r) = limited.expect("the limit applies");
    assert!(k >= 10, "a burst of twice the rate is allowed ({k})");
    assert_eq!(r.problem(), "rate-limited");
    assert!(r.headers.contains_key("retry-after"));
    // another token has its own budget
    assert_eq!(
        app.get("/api/v1/sessions", Some(&app.b)).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        app.get("/api/v1/sessions", Some(&app.a)).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_its_time_gets_a_timeout_problem() {
    let app = App::with("timeout", |c| {
        c.limits.request_timeout = Duration::from_millis(300)
    });
    // another connection holds the write lock: creating a session waits for it past the timeout
    let held = jauge::store::Store::open_existing(&app.db).unwrap();
    held.connection().execute_batch("BEGIN IMMEDIATE").unwrap();
    let r = app
        .post(
            "/api/v1/sessions",
            Some(&app.a),
            serde_json::json!({"agent": "lent@a.fr", "competences": ["1.1"]}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.problem()), (503, "timeout"), "{}", r.json);
    held.connection().execute_batch("ROLLBACK").unwrap();
}
