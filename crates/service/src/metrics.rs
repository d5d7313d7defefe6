//! `/metrics` in the Prometheus text format (0.0.4): requests and latency by route (the route's
//! template, never a path holding an id or a link), answers committed, sessions in progress,
//! the time of the syncs that make commits durable and how many commits each covers.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
};

/// The service's metrics (cheap to clone: every field is a shared handle).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Requests by route template, method and status.
    pub requests: IntCounterVec,
    /// Request latency by route template and method, seconds.
    pub latency: HistogramVec,
    /// Answers durably recorded.
    pub answers: IntCounter,
    /// Sessions started.
    pub sessions_started: IntCounter,
    /// Sessions finished.
    pub sessions_finished: IntCounter,
    /// Active sessions in the database (set when scraped).
    pub sessions_in_progress: IntGauge,
    /// Sessions held in memory.
    pub sessions_cached: IntGauge,
    /// Duration of each sync of the log (one per batch of commits), seconds.
    pub sync_seconds: Histogram,
    /// Commits made durable by each sync.
    pub commits_per_sync: Histogram,
    /// Duration of the checkpoints that copied frames, seconds.
    pub checkpoint_seconds: Histogram,
    /// Time from an answer's commit to its acknowledgement (waiting for the group's sync).
    pub commit_wait_seconds: Histogram,
}

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "jauge_http_requests_total",
                "HTTP requests by route, method and status.",
            ),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "jauge_http_request_duration_seconds",
                "HTTP request latency by route and method, from the request's head to the response's head.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route", "method"],
        )
        .expect("valid metric");
        let answers = IntCounter::new(
            "jauge_answers_committed_total",
            "Answers durably recorded (acknowledged).",
        )
        .expect("valid metric");
        let sessions_started =
            IntCounter::new("jauge_sessions_started_total", "Sessions started.").expect("valid metric");
        let sessions_finished =
            IntCounter::new("jauge_sessions_finished_total", "Sessions finished.").expect("valid metric");
        let sessions_in_progress = IntGauge::new(
            "jauge_sessions_in_progress",
            "Active (unfinished, not abandoned) sessions in the database.",
        )
        .expect("valid metric");
        let sessions_cached =
            IntGauge::new("jauge_sessions_cached", "Sessions held in this process's memory.")
                .expect("valid metric");
        let histogram = |name: &str, help: &str, buckets: Vec<f64>| {
            Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets)).expect("valid metric")
        };
        let sync_seconds = histogram(
            "jauge_commit_sync_seconds",
            "Duration of each sync of the write-ahead log (one per group of commits).",
            LATENCY_BUCKETS.to_vec(),
        );
        let commits_per_sync = histogram(
            "jauge_commits_per_sync",
            "Commits made durable by one sync.",
            vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0],
        );
        let checkpoint_seconds = histogram(
            "jauge_checkpoint_seconds",
            "Duration of the checkpoints that copied the log into the database.",
            LATENCY_BUCKETS.to_vec(),
        );
        let commit_wait_seconds = histogram(
            "jauge_commit_wait_seconds",
            "Time from a request's commit to the end of the sync that makes it durable.",
            LATENCY_BUCKETS.to_vec(),
        );
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(answers.clone()),
            Box::new(sessions_started.clone()),
            Box::new(sessions_finished.clone()),
            Box::new(sessions_in_progress.clone()),
            Box::new(sessions_cached.clone()),
            Box::new(sync_seconds.clone()),
            Box::new(commits_per_sync.clone()),
            Box::new(checkpoint_seconds.clone()),
            Box::new(commit_wait_seconds.clone()),
        ] {
            registry.register(c).expect("unique metric names");
        }
        Self {
            registry,
            requests,
            latency,
            answers,
            sessions_started,
            sessions_finished,
            sessions_in_progress,
            sessions_cached,
            sync_seconds,
            commits_per_sync,
            checkpoint_seconds,
            commit_wait_seconds,
        }
    }

    /// Records one request.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        self.latency.with_label_values(&[route, method]).observe(seconds);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let enc = prometheus::TextEncoder::new();
        if enc.encode(&self.registry.gather(), &mut buf).is_err() {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
