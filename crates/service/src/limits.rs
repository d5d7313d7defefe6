//! Limits: a rate limit per credential (token bucket), a timeout per request, and a guard that
//! turns a panic into a 500 problem (the panic's message goes to the log, not to the client).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;

use crate::problem::Problem;
use crate::state::AppState;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A token bucket per credential: `rate` requests per second, bursts of `2 × rate`.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// `rate` requests per second per credential; 0 disables the limit.
    pub fn new(rate: u32) -> Self {
        Self {
            rate: f64::from(rate),
            burst: 2.0 * f64::from(rate),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s bucket: `Err(seconds to wait)` when empty.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            // forget the credentials that have been quiet long enough to have a full bucket
            let full = Duration::from_secs_f64(self.burst / self.rate);
            map.retain(|_, b| now.duration_since(b.at) < full);
        }
        let b = map.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * self.rate).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / self.rate).ceil().max(1.0) as u64)
        }
    }

    /// The 429 problem for a credential over its limit.
    pub fn problem(&self, wait: u64) -> Problem {
        let mut p = Problem::new(
            "rate-limited",
            format!(
                "more than {} requests per second with this credential; retry in {wait} s",
                self.rate
            ),
        );
        p.retry_after = Some(wait);
        p
    }
}

/// Cuts a request off after the service's request timeout (503 `timeout`). What the request
/// committed before is kept (a retry then gets 409, as for any repeated submit).
pub async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.limits.request_timeout;
    with_timeout(limit, req, next).await
}

/// The same with the export timeout.
pub async fn export_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.limits.export_timeout;
    with_timeout(limit, req, next).await
}

async fn with_timeout(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => Problem::new(
            "timeout",
            format!(
                "the request took more than {} s; what it recorded before is kept: GET the session's state before retrying",
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}

/// Turns a panic in a handler into a 500 problem.
pub async fn catch_panic(req: Request, next: Next) -> Response {
    match std::panic::AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Problem::internal(&format!("panic in a handler: {msg}")).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_at_the_rate() {
        let r = RateLimiter::new(10);
        for _ in 0..20 {
            assert!(r.check("a").is_ok());
        }
        assert!(r.check("a").is_err(), "the burst is twice the rate");
        assert!(r.check("b").is_ok(), "one bucket per credential");
        std::thread::sleep(Duration::from_millis(250));
        assert!(r.check("a").is_ok(), "refilled");
        let off = RateLimiter::new(0);
        for _ in 0..10_000 {
            assert!(off.check("a").is_ok());
        }
    }
}
