//! A small JSON-over-HTTP/1.1 client for the service's API (keep-alive connections, a deadline
//! per request), refusing any address that is not a loopback one.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// What a request gave: a status and a JSON body (`Null` when the body is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body, parsed.
    pub body: Value,
    /// `Retry-After`, seconds.
    pub retry_after: Option<u64>,
}

/// Why a request got no reply (connection refused or reset, deadline).
#[derive(Debug)]
pub enum Failure {
    /// No connection, or it broke.
    Transport(String),
    /// No reply within the deadline.
    Timeout,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transport(e) => write!(f, "transport: {e}"),
            Self::Timeout => write!(f, "no reply within the deadline"),
        }
    }
}

impl std::error::Error for Failure {}

/// The client of one service (cheap to clone).
#[derive(Clone)]
pub struct Client {
    inner: HyperClient<HttpConnector, Full<Bytes>>,
    base: String,
    timeout: Duration,
}

/// Checks that `addr` is a loopback address: the load generator sends traffic nowhere else.
pub fn loopback_only(addr: &SocketAddr) -> anyhow::Result<()> {
    let ok = match addr.ip() {
        IpAddr::V4(v) => v.is_loopback(),
        IpAddr::V6(v) => v.is_loopback(),
    };
    anyhow::ensure!(
        ok,
        "{addr} is not a loopback address: the load generator only sends traffic to 127.0.0.0/8 or ::1"
    );
    Ok(())
}

impl Client {
    /// A client of the service at `addr` (loopback only), `max_idle` connections kept open.
    pub fn new(addr: SocketAddr, max_idle: usize, timeout: Duration) -> anyhow::Result<Self> {
        loopback_only(&addr)?;
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let inner = HyperClient::builder(TokioExecutor::new())
            .pool_max_idle_per_host(max_idle)
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Ok(Self {
            inner,
            base: format!("http://{addr}"),
            timeout,
        })
    }

    /// Sends a request; `body` as JSON when given.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Reply, Failure> {
        let mut b = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let payload = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(v).unwrap_or_default())
            }
            None => Bytes::new(),
        };
        let req = b
            .body(Full::new(payload))
            .map_err(|e| Failure::Transport(e.to_string()))?;
        let fut = async {
            let resp = self
                .inner
                .request(req)
                .await
                .map_err(|e| Failure::Transport(e.to_string()))?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok());
            let bytes = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| Failure::Transport(e.to_string()))?
                .to_bytes();
            Ok(Reply {
                status,
                body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                retry_after,
            })
        };
        tokio::time::timeout(self.timeout, fut)
            .await
            .unwrap_or(Err(Failure::Timeout))
    }

    /// `GET path`.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Result<Reply, Failure> {
        self.call(Method::GET, path, token, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Result<Reply, Failure> {
        self.call(Method::POST, path, token, Some(body)).await
    }
}
