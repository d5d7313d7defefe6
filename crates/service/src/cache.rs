//! Sessions held in memory between requests, so that an answer does not replay the whole session
//! from the store. The store stays the truth: a session is rebuilt from it whenever the copy
//! here may be stale —
//! - a read (`GET …/question`) compares the copy with the store's count of responses and state;
//! - a write is checked by the store itself in the response's transaction (the step must be the
//!   next one, the session active): if another process moved the session on, the commit is
//!   refused, the copy is dropped and the next request rebuilds it;
//! - a failed write leaves the copy marked, and it is rebuilt before any further use.
//!
//! Each session has its own asynchronous lock, held for the whole of a request on it, so that
//! two requests on one session (two tabs, a retry) are served one after the other and the
//! second sees what the first recorded. Idle sessions are dropped after a while; a dropped
//! session is rebuilt on its next request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jauge::Assessment;
use tokio::sync::Mutex as AsyncMutex;

/// One session's place in the cache.
pub struct Slot {
    /// The session's organisation (fixed for its life), for authorisation without a query.
    pub organisation: Option<String>,
    /// The session in memory, `None` until built (or after it was dropped as stale).
    pub assessment: Arc<AsyncMutex<Option<Assessment<'static>>>>,
    last_used: AtomicU64,
}

/// The cache of sessions.
pub struct SessionCache {
    map: Mutex<HashMap<String, Arc<Slot>>>,
    epoch: Instant,
    idle: Duration,
    capacity: usize,
}

impl SessionCache {
    /// A cache dropping sessions idle for `idle`, holding at most `capacity` of them.
    pub fn new(idle: Duration, capacity: usize) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            epoch: Instant::now(),
            idle,
            capacity: capacity.max(1),
        }
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Slot>>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The slot of session `uid`, if held.
    pub fn get(&self, uid: &str) -> Option<Arc<Slot>> {
        let slot = self.lock().get(uid).cloned()?;
        slot.last_used.store(self.now(), Ordering::Relaxed);
        Some(slot)
    }

    /// The slot of session `uid`, created empty (for a session of `organisation`) if not held.
    pub fn get_or_insert(&self, uid: &str, organisation: Option<String>) -> Arc<Slot> {
        let now = self.now();
        let mut map = self.lock();
        if let Some(s) = map.get(uid) {
            s.last_used.store(now, Ordering::Relaxed);
            return s.clone();
        }
        if map.len() >= self.capacity {
            Self::evict(&mut map, self.capacity / 10 + 1);
        }
        let slot = Arc::new(Slot {
            organisation,
            assessment: Arc::new(AsyncMutex::new(None)),
            last_used: AtomicU64::new(now),
        });
        map.insert(uid.to_owned(), slot.clone());
        slot
    }

    /// Forgets session `uid` (finished, abandoned, erased).
    pub fn remove(&self, uid: &str) {
        self.lock().remove(uid);
    }

    /// How many sessions are held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the sessions idle for longer than the idle time.
    pub fn sweep(&self) {
        let now = self.now();
        let idle = self.idle.as_millis() as u64;
        self.lock()
            .retain(|_, s| now.saturating_sub(s.last_used.load(Ordering::Relaxed)) < idle);
    }

    /// Drops the `n` least recently used sessions.
    fn evict(map: &mut HashMap<String, Arc<Slot>>, n: usize) {
        let mut by_age: Vec<(u64, String)> = map
            .iter()
            .map(|(k, s)| (s.last_used.load(Ordering::Relaxed), k.clone()))
            .collect();
        by_age.sort_unstable();
        for (_, k) in by_age.into_iter().take(n) {
            map.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_evicts_and_sweeps() {
        let c = SessionCache::new(Duration::from_millis(30), 10);
        for k in 0..10 {
            c.get_or_insert(&k.to_string(), None);
        }
        assert_eq!(c.len(), 10);
        std::thread::sleep(Duration::from_millis(2));
        c.get("0").unwrap();
        c.get_or_insert("new", Some("o".into()));
        assert_eq!(c.len(), 9, "the two least recently used went");
        assert!(c.get("0").is_some(), "a recently used one stayed");
        assert_eq!(c.get("new").unwrap().organisation.as_deref(), Some("o"));
        std::thread::sleep(Duration::from_millis(40));
        c.get("new");
        c.sweep();
        assert_eq!(c.len(), 1);
        c.remove("new");
        assert!(c.is_empty());
    }
}
