//! Group commit. Requests commit their transactions without syncing them (the store's deferred
//! durability, `jauge_store::WalSync`), count them, and wait before they answer until a sync
//! that began after their commit has finished. One thread does the syncs: while it syncs, the
//! commits of the requests arriving meanwhile pile up, and its next sync covers them all. A
//! request is thus acknowledged only once its answer is on the disk, and the disk does one sync
//! per batch rather than one per answer.
//!
//! A second thread checkpoints the log into the database (passive checkpoints on its own
//! connection), so that no request waits for a checkpoint.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use jauge::store::{Store, WalSync};
use tokio::sync::watch;

use crate::metrics::Metrics;

/// The sync could not be done: nothing since the last good sync may be acknowledged.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the database's log could not be synced to the disk: {0}")]
pub struct SyncFailed(String);

struct Inner {
    /// Commits counted so far (a commit is counted after it returned).
    commits: AtomicU64,
    /// The highest count a waiter asked to be synced, and whether to stop.
    wanted: Mutex<(u64, bool)>,
    wake: Condvar,
    /// The count covered by the last finished sync.
    synced: watch::Sender<u64>,
    failed: Mutex<Option<SyncFailed>>,
    stop_checkpoints: AtomicBool,
}

/// The group-commit coordinator (cheap to clone).
#[derive(Clone)]
pub struct Durability {
    inner: Arc<Inner>,
}

/// The threads behind a [`Durability`], joined on shutdown.
pub struct DurabilityThreads {
    syncer: Option<JoinHandle<()>>,
    checkpointer: Option<JoinHandle<()>>,
    inner: Arc<Inner>,
}

impl Durability {
    /// Starts the sync thread on `wal` and the checkpoint thread on its own connection to `db`.
    pub fn start(wal: WalSync, db: &Path, metrics: Metrics) -> std::io::Result<(Self, DurabilityThreads)> {
        let (synced, _) = watch::channel(0);
        let inner = Arc::new(Inner {
            commits: AtomicU64::new(0),
            wanted: Mutex::new((0, false)),
            wake: Condvar::new(),
            synced,
            failed: Mutex::new(None),
            stop_checkpoints: AtomicBool::new(false),
        });
        let syncer = {
            let inner = inner.clone();
            let metrics = metrics.clone();
            std::thread::Builder::new()
                .name("jauge-sync".into())
                .spawn(move || sync_loop(&inner, &wal, &metrics))?
        };
        let checkpointer = {
            let inner = inner.clone();
            let db = db.to_path_buf();
            std::thread::Builder::new()
                .name("jauge-checkpoint".into())
                .spawn(move || checkpoint_loop(&inner, &db, &metrics))?
        };
        Ok((
            Self { inner: inner.clone() },
            DurabilityThreads {
                syncer: Some(syncer),
                checkpointer: Some(checkpointer),
                inner,
            },
        ))
    }

    /// Counts a commit that just returned; returns the count to wait for.
    pub fn committed(&self) -> u64 {
        self.inner.commits.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The count of every commit so far (what a request that only read must wait for, since it
    /// may have read any of them).
    pub fn current(&self) -> u64 {
        self.inner.commits.load(Ordering::SeqCst)
    }

    /// Whether a sync failed (the service then refuses to acknowledge anything).
    pub fn failed(&self) -> Option<SyncFailed> {
        self.inner
            .failed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits until every commit counted up to `target` is on the disk.
    pub async fn wait(&self, target: u64) -> Result<(), SyncFailed> {
        let mut rx = self.inner.synced.subscribe();
        if *rx.borrow() >= target {
            return self.failed().map_or(Ok(()), Err);
        }
        {
            let mut w = self.inner.wanted.lock().unwrap_or_else(|e| e.into_inner());
            if w.0 < target {
                w.0 = target;
                self.inner.wake.notify_one();
            }
        }
        let ok = rx.wait_for(|&s| s >= target).await.is_ok();
        match self.failed() {
            Some(f) => Err(f),
            None if ok => Ok(()),
            None => Err(SyncFailed("the sync thread stopped".into())),
        }
    }

    /// Waits until everything committed so far is on the disk.
    pub async fn wait_current(&self) -> Result<(), SyncFailed> {
        self.wait(self.current()).await
    }
}

impl DurabilityThreads {
    /// Syncs what remains, then stops both threads.
    pub fn stop(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        {
            let mut w = self.inner.wanted.lock().unwrap_or_else(|e| e.into_inner());
            w.0 = self.inner.commits.load(Ordering::SeqCst);
            w.1 = true;
            self.inner.wake.notify_one();
        }
        self.inner.stop_checkpoints.store(true, Ordering::SeqCst);
        if let Some(t) = self.syncer.take() {
            let _ = t.join();
        }
        if let Some(t) = self.checkpointer.take() {
            let _ = t.join();
        }
    }
}

impl Drop for DurabilityThreads {
    fn drop(&mut self) {
        self.stop_now();
    }
}

fn sync_loop(inner: &Inner, wal: &WalSync, metrics: &Metrics) {
    let mut done = 0u64;
    loop {
        let stopping = {
            let mut w = inner.wanted.lock().unwrap_or_else(|e| e.into_inner());
            while w.0 <= done && !w.1 {
                w = inner.wake.wait(w).unwrap_or_else(|e| e.into_inner());
            }
            w.1 && w.0 <= done
        };
        if stopping {
            // a last sync for commits nobody waited for
            let _ = wal.sync();
            return;
        }
        // every commit counted before this load returned before it: the sync covers them
        let target = inner.commits.load(Ordering::SeqCst);
        let start = Instant::now();
        match wal.sync() {
            Ok(()) => {
                metrics.sync_seconds.observe(start.elapsed().as_secs_f64());
                metrics.commits_per_sync.observe((target - done) as f64);
                done = target;
            }
            Err(e) => {
                let f = SyncFailed(e.to_string());
                tracing::error!(error = %f, "sync failed: the service stops acknowledging writes");
                *inner.failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(f);
                // wake every waiter: they see the failure
                inner.synced.send_replace(u64::MAX);
                return;
            }
        }
        inner.synced.send_replace(done);
    }
}

fn checkpoint_loop(inner: &Inner, db: &Path, metrics: &Metrics) {
    let store = match Store::open_existing(db) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "the checkpoint thread cannot open the database");
            return;
        }
    };
    let mut last = Instant::now();
    let mut seen = (0, 0);
    while !inner.stop_checkpoints.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
        if last.elapsed() < Duration::from_millis(500) {
            continue;
        }
        last = Instant::now();
        let start = Instant::now();
        match store.checkpoint_passive() {
            Ok((log, done)) => {
                if done > 0 && (log, done) != seen {
                    metrics.checkpoint_seconds.observe(start.elapsed().as_secs_f64());
                }
                seen = (log, done);
                tracing::trace!(log, done, "checkpoint");
            }
            Err(e) if e.is_busy() => {}
            Err(e) => tracing::warn!(error = %e, "checkpoint failed"),
        }
    }
}
