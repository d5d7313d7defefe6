//! Load generator for `jauge serve`: N simulated agents, each taking full sessions over HTTP as
//! fast as it can (or with a think time), against a server on a loopback address only, bounded
//! in requests and in time. It reports durable answers per second, the latency of an answer
//! (commit and next question), errors, and — when it started the server itself — the server's
//! CPU and memory per session in progress; and, in the same run, the file system's raw rate of
//! durable single-row commits (SQLite, WAL, `synchronous = FULL`), to which the service's rate is
//! compared.
#![deny(missing_docs)]

pub mod agent;
pub mod client;
pub mod raw;
pub mod server;
pub mod verify;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::time::{Duration, Instant};

pub use agent::{Ack, AgentReport};
pub use client::Client;

/// A run's settings.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The server (a loopback address).
    pub addr: SocketAddr,
    /// API tokens; agent k uses token k mod n.
    pub tokens: Vec<String>,
    /// Simulated agents, each with one session in progress at a time.
    pub agents: usize,
    /// Competences of each session (empty: all 16, a full profile).
    pub competences: Vec<String>,
    /// Mean think time before each answer (0: as fast as possible).
    pub think: Duration,
    /// The run stops after this long…
    pub duration: Duration,
    /// …or after this many requests.
    pub max_requests: u64,
    /// Sessions per agent (then it stops).
    pub sessions_per_agent: u64,
    /// A prefix making the agents' ids unique.
    pub prefix: String,
    /// Keep every acknowledged answer (for checking).
    pub log_acks: bool,
    /// Retry quietly through server outages (kill tests).
    pub tolerate_outages: bool,
    /// Seed each session from its agent (reproducible sessions).
    pub seeded: bool,
}

impl RunConfig {
    /// Defaults: 30 s, 10 million requests at most, unlimited sessions per agent.
    pub fn new(addr: SocketAddr, tokens: Vec<String>, agents: usize) -> Self {
        Self {
            addr,
            tokens,
            agents,
            competences: Vec::new(),
            think: Duration::ZERO,
            duration: Duration::from_secs(30),
            max_requests: 10_000_000,
            sessions_per_agent: u64::MAX,
            prefix: "agent".into(),
            log_acks: false,
            tolerate_outages: false,
            seeded: false,
        }
    }
}

/// A run's outcome.
#[derive(Debug, Default, Clone)]
pub struct RunReport {
    /// Wall time of the run, seconds.
    pub seconds: f64,
    /// Answers acknowledged.
    pub answers: u64,
    /// Sessions started and finished.
    pub sessions_started: u64,
    /// Sessions finished.
    pub sessions_finished: u64,
    /// Unexpected replies and failures, with a sample of each status.
    pub errors: Vec<(u16, String)>,
    /// Requests that got no reply.
    pub outages: u64,
    /// 409 replies to answers.
    pub conflicts: u64,
    /// Latencies of acknowledged answers, microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// Acknowledged answers, when logged.
    pub acks: Vec<Ack>,
    /// Sessions left unfinished at the end.
    pub unfinished: Vec<String>,
}

impl RunReport {
    /// Answers per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.answers as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// The `q`-quantile of the answers' latency, milliseconds (nearest rank).
    pub fn latency_ms(&self, q: f64) -> Option<f64> {
        if self.latencies_us.is_empty() {
            return None;
        }
        let n = self.latencies_us.len();
        let k = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
        Some(f64::from(self.latencies_us[k]) / 1000.0)
    }
}

/// Runs the agents until the duration, the request budget or every agent's sessions are spent.
pub async fn run(config: &RunConfig) -> anyhow::Result<RunReport> {
    run_until(config, Arc::new(AtomicBool::new(false))).await
}

/// The same, also stopping (at each agent's next request) when `stop` is set.
pub async fn run_until(config: &RunConfig, stop: Arc<AtomicBool>) -> anyhow::Result<RunReport> {
    anyhow::ensure!(!config.tokens.is_empty(), "at least one token is needed");
    anyhow::ensure!(config.agents > 0, "at least one agent is needed");
    anyhow::ensure!(
        config.duration <= Duration::from_secs(3600),
        "a run lasts at most an hour"
    );
    let client = Client::new(config.addr, config.agents + 16, Duration::from_secs(30))?;
    let shared = Arc::new(agent::Shared {
        client,
        tokens: config.tokens.clone(),
        competences: config.competences.clone(),
        think: config.think,
        deadline: Instant::now() + config.duration,
        budget: AtomicU64::new(config.max_requests),
        stop,
        prefix: config.prefix.clone(),
        log_acks: config.log_acks,
        tolerate_outages: config.tolerate_outages,
        seeded: config.seeded,
        sessions_per_agent: config.sessions_per_agent,
    });
    let start = Instant::now();
    let tasks: Vec<_> = (0..config.agents)
        .map(|k| tokio::spawn(agent::run(shared.clone(), k)))
        .collect();
    let mut report = RunReport::default();
    for t in tasks {
        let r = t.await?;
        report.answers += r.answers;
        report.sessions_started += r.sessions_started;
        report.sessions_finished += r.sessions_finished;
        report.errors.extend(r.errors);
        report.outages += r.outages;
        report.conflicts += r.conflicts;
        report.latencies_us.extend(r.latencies_us);
        report.acks.extend(r.acks);
        report.unfinished.extend(r.unfinished);
    }
    report.seconds = start.elapsed().as_secs_f64();
    report.latencies_us.sort_unstable();
    Ok(report)
}
