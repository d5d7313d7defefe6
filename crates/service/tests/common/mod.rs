//! A service in the test process: a fresh database with organisations and tokens, the router
//! called directly (no socket), and helpers to read the database behind it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use jauge::store::Store;
use jauge_service::durable::DurabilityThreads;
use jauge_service::server::{ServeConfig, open};
use jauge_service::state::AppState;
use serde_json::{Value, json};
use tower::ServiceExt;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The bundled item bank.
pub fn bank() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../item-bank")
}

/// A fresh directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!(
            "jauge-service-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A reply: status, headers, JSON body (`Null` when not JSON), raw body.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub raw: Vec<u8>,
}

impl Reply {
    /// The problem type's name (`step-conflict`…), for a problem.
    pub fn problem(&self) -> &str {
        self.json["type"]
            .as_str()
            .unwrap_or("")
            .trim_start_matches("/problems/")
    }
}

/// One service and its database.
pub struct App {
    pub router: Router,
    pub state: AppState,
    pub threads: Option<DurabilityThreads>,
    pub db: PathBuf,
    pub dir: std::sync::Arc<TempDir>,
    /// Token of organisation `a`, of organisation `b`, and the administrator's.
    pub a: String,
    pub b: String,
    pub admin: String,
}

/// Settings for an app.
pub fn config(db: PathBuf) -> ServeConfig {
    ServeConfig::new(db, bank())
}

impl App {
    /// A fresh app with organisations `a` and `b`, a token for each and an admin token.
    pub fn new(name: &str) -> Self {
        Self::with(name, |_| {})
    }

    /// The same, the configuration adjusted by `f`.
    pub fn with(name: &str, f: impl FnOnce(&mut ServeConfig)) -> Self {
        let dir = std::sync::Arc::new(TempDir::new(name));
        let db = dir.0.join("jauge.db");
        let (a, b, admin) = {
            let mut s = Store::open(&db).unwrap();
            s.create_organisation("a", "A").unwrap();
            s.create_organisation("b", "B").unwrap();
            (
                s.create_token(Some("a"), "").unwrap().token,
                s.create_token(Some("b"), "").unwrap().token,
                s.create_token(None, "").unwrap().token,
            )
        };
        let mut c = config(db.clone());
        f(&mut c);
        let (state, threads) = open(&c).unwrap();
        Self {
            router: jauge_service::router(state.clone()),
            state,
            threads: Some(threads),
            db,
            dir,
            a,
            b,
            admin,
        }
    }

    /// A second service on the same database (another process would behave the same).
    pub fn twin(&self) -> Self {
        let (state, threads) = open(&config(self.db.clone())).unwrap();
        Self {
            router: jauge_service::router(state.clone()),
            state,
            threads: Some(threads),
            db: self.db.clone(),
            dir: self.dir.clone(),
            a: self.a.clone(),
            b: self.b.clone(),
            admin: self.admin.clone(),
        }
    }

    /// A request with a raw body and content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        let resp = self
            .router
            .clone()
            .oneshot(b.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let raw = resp.into_body().collect().await.unwrap().to_bytes().to_vec();
        let json = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            json,
            raw,
        }
    }

    /// A JSON request.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        match body {
            Some(b) => {
                self.raw(
                    method,
                    path,
                    token,
                    Some("application/json"),
                    serde_json::to_vec(&b).unwrap(),
                )
                .await
            }
            None => self.raw(method, path, token, None, Vec::new()).await,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// Starts a session for `agent` with `token` on competence 1.1.
    pub async fn start(&self, token: &str, agent: &str) -> Value {
        let r = self
            .post(
                "/api/v1/sessions",
                Some(token),
                json!({"agent": agent, "competences": ["1.1"], "seed": 7}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
        r.json
    }

    /// Responses recorded in the database for session `uid`.
    pub fn responses(&self, uid: &str) -> Vec<jauge::store::ResponseRecord> {
        let s = Store::open_existing(&self.db).unwrap();
        let rec = s.session(uid).unwrap().unwrap();
        s.responses(rec.id).unwrap()
    }

    /// Every response in the database.
    pub fn response_count(&self) -> i64 {
        let s = Store::open_existing(&self.db).unwrap();
        s.connection()
            .query_row("SELECT count(*) FROM response", [], |r| r.get(0))
            .unwrap()
    }
}

/// A valid answer to `q` (a question as the API shows it): the first option, or a text, or a
/// number.
pub fn some_answer(q: &Value) -> Value {
    match q["type"].as_str().unwrap() {
        "single" | "multiple" => json!({"kind": "options", "value": [q["options"][0]["id"]]}),
        "number" => json!({"kind": "number", "value": "1"}),
        _ => {
            let n = q["blanks"].as_array().map_or(1, |b| b.len().max(1));
            json!({"kind": "texts", "value": vec!["réponse"; n]})
        }
    }
}

/// Answers every question of the session at `base` (`/api/v1/sessions/ID` or
/// `/api/v1/links/L`) from `q`; returns the number of answers.
pub async fn answer_all(app: &App, base: &str, token: Option<&str>, mut q: Value) -> usize {
    let mut n = 0;
    while !q.is_null() {
        let r = app
            .post(
                &format!("{base}/answers"),
                token,
                json!({"step": q["step"], "answer": some_answer(&q)}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        n += 1;
        q = r.json["question"].clone();
    }
    n
}
