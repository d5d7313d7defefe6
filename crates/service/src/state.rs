//! The state every request shares, and the way requests reach the facade: blocking work (every
//! call into the facade or the store) runs on tokio's blocking threads, a bounded number at a
//! time, never on the threads that drive the connections.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jauge::Jauge;
use tokio::sync::Semaphore;

use crate::cache::SessionCache;
use crate::durable::Durability;
use crate::limits::RateLimiter;
use crate::metrics::Metrics;
use crate::problem::Problem;

/// The service's limits and settings that requests consult.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body accepted, bytes.
    pub body_bytes: usize,
    /// Longest a request may take (exports excepted).
    pub request_timeout: Duration,
    /// Longest an export may take.
    pub export_timeout: Duration,
    /// Requests per second per token or session link (bursts of twice that).
    pub rate_per_second: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: 64 * 1024,
            request_timeout: Duration::from_secs(30),
            export_timeout: Duration::from_secs(600),
            rate_per_second: 1000,
        }
    }
}

/// What every request shares.
pub struct Shared {
    /// The facade (leaked: it lives as long as the process, and sessions borrow it).
    pub jauge: &'static Jauge,
    /// The database file (exports open their own connection to it).
    pub db: PathBuf,
    /// Group commit.
    pub durable: Durability,
    /// Sessions in memory.
    pub cache: SessionCache,
    /// Metrics.
    pub metrics: Metrics,
    /// Per-credential rate limit.
    pub limiter: RateLimiter,
    /// Limits.
    pub limits: Limits,
    /// The pages' options (demo mode, another theme).
    pub web: crate::web::WebOptions,
    blocking: Semaphore,
}

/// The state handed to handlers.
pub type AppState = Arc<Shared>;

impl Shared {
    /// The shared state.
    pub fn new(
        jauge: &'static Jauge,
        db: PathBuf,
        durable: Durability,
        metrics: Metrics,
        limits: Limits,
        cache: SessionCache,
    ) -> Self {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            jauge,
            db,
            durable,
            cache,
            metrics,
            limiter: RateLimiter::new(limits.rate_per_second),
            limits,
            web: crate::web::WebOptions::default(),
            blocking: Semaphore::new(threads * 4),
        }
    }

    /// Runs `f` on a blocking thread (at most a few at a time) and returns its result; a panic
    /// in `f` becomes an internal error.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, Problem>
    where
        F: FnOnce() -> Result<T, Problem> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self.blocking.acquire().await.map_err(|e| Problem::internal(&e))?;
        match tokio::task::spawn_blocking(f).await {
            Ok(r) => r,
            Err(e) => Err(Problem::internal(&e)),
        }
    }

    /// Waits until everything this request committed (`target`) is durable.
    pub async fn durable(&self, target: u64) -> Result<(), Problem> {
        self.durable.wait(target).await.map_err(|e| {
            let mut p = Problem::new(
                "unavailable",
                "the database cannot be written to the disk: nothing was acknowledged; the operator must look at the server",
            );
            tracing::error!(error = %e, "acknowledgement refused");
            p.retry_after = Some(60);
            p
        })
    }
}
