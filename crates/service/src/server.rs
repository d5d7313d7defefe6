//! Running the service: open the facade with deferred durability, start the group-commit
//! threads, accept connections (HTTP/1.1, keep-alive, a deadline on request heads) until SIGTERM
//! or SIGINT, then stop accepting, let the requests in flight finish (their answers committed
//! and synced), sync a last time and return.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use jauge::Jauge;
use tokio::net::TcpListener;

use crate::cache::SessionCache;
use crate::durable::Durability;
use crate::metrics::Metrics;
use crate::state::{AppState, Limits, Shared};

/// How to run the service.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The database file.
    pub db: PathBuf,
    /// The item bank's folder.
    pub bank: PathBuf,
    /// Request limits.
    pub limits: Limits,
    /// Sessions idle this long are dropped from memory (rebuilt from the store when used again).
    pub cache_idle: Duration,
    /// At most this many sessions in memory.
    pub cache_capacity: usize,
    /// On shutdown, how long requests in flight may take to finish.
    pub shutdown_grace: Duration,
    /// Threads driving connections (default: one per core).
    pub workers: Option<usize>,
    /// The pages' options (`--demo`, `--assets DIR`).
    pub web: crate::web::WebOptions,
}

impl ServeConfig {
    /// The defaults for a database and a bank.
    pub fn new(db: PathBuf, bank: PathBuf) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db,
            bank,
            limits: Limits::default(),
            cache_idle: Duration::from_secs(30 * 60),
            cache_capacity: 200_000,
            shutdown_grace: Duration::from_secs(30),
            workers: None,
            web: crate::web::WebOptions::default(),
        }
    }
}

/// Why the service could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The bank or the database could not be opened.
    #[error(transparent)]
    Open(#[from] jauge::Error),
    /// The address could not be bound, or another I/O failure.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// Opens everything a service needs: the facade (leaked: it lives as long as the process), with
/// deferred durability, and the group-commit threads. Returns the state and the threads' handle
/// (dropping it syncs and stops them).
pub fn open(config: &ServeConfig) -> Result<(AppState, crate::durable::DurabilityThreads), ServeError> {
    let jauge = Jauge::open(&config.bank, &config.db)?;
    let wal = jauge
        .store()
        .defer_sync()
        .map_err(|e| ServeError::Open(jauge::Error::Store(e)))?;
    let jauge: &'static Jauge = Box::leak(Box::new(jauge));
    let metrics = Metrics::new();
    let (durable, threads) =
        Durability::start(wal, &config.db, metrics.clone()).map_err(|source| ServeError::Io {
            what: "starting the sync thread".into(),
            source,
        })?;
    let mut shared = Shared::new(
        jauge,
        config.db.clone(),
        durable,
        metrics,
        config.limits.clone(),
        SessionCache::new(config.cache_idle, config.cache_capacity),
    );
    shared.web = config.web.clone();
    let state = Arc::new(shared);
    Ok((state, threads))
}

/// Runs the service until SIGTERM or SIGINT (blocking: it builds its own runtime).
pub fn run(config: ServeConfig) -> Result<(), ServeError> {
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all().thread_name("jauge-serve");
    if let Some(n) = config.workers {
        rt.worker_threads(n.max(1));
    }
    let rt = rt.build().map_err(|source| ServeError::Io {
        what: "starting the runtime".into(),
        source,
    })?;
    let (state, threads) = open(&config)?;
    let result = rt.block_on(serve(config, state, shutdown_signal()));
    // every request is over: a last sync, then the threads stop
    threads.stop();
    rt.shutdown_timeout(Duration::from_secs(5));
    tracing::info!("stopped");
    result
}

/// Waits for SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Serves `state` on `config.listen` until `shutdown` completes, then drains.
pub async fn serve(
    config: ServeConfig,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ServeError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Io {
            what: format!("listening on {}", config.listen),
            source,
        })?;
    let local = listener.local_addr().map_err(|source| ServeError::Io {
        what: "reading the bound address".into(),
        source,
    })?;
    eprintln!("jauge serve: listening on http://{local}");
    tracing::info!(address = %local, bank = state.jauge.bank_version(), "listening");
    let app = crate::app::router(state.clone());
    let graceful = GracefulShutdown::new();
    let sweeper = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                state.cache.sweep();
            }
        })
    };
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            conn = listener.accept() => {
                let (stream, _) = match conn {
                    Ok(c) => c,
                    Err(e) => {
                        // too many open files and the like: wait a little rather than spin
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let service = TowerToHyperService::new(app.clone());
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(10))
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    sweeper.abort();
    tracing::info!("shutting down: no new connection; finishing the requests in flight");
    eprintln!("jauge serve: shutting down, finishing the requests in flight");
    if tokio::time::timeout(config.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still in flight after {} s: closing",
            config.shutdown_grace.as_secs()
        );
    }
    Ok(())
}
