//! Time, questions and the record of each answer.

/// A source of time, in milliseconds (injectable so that tests need no clock).
pub trait Clock {
    /// Now, in milliseconds since some epoch.
    fn now_ms(&self) -> u64;
}

/// A clock that says what it is told.
#[derive(Debug, Default)]
pub struct ManualClock(pub std::cell::Cell<u64>);

impl ManualClock {
    /// Moves the clock forward.
    pub fn advance(&self, ms: u64) {
        self.0.set(self.0.get() + ms);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.get()
    }
}

/// How an answer was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerStatus {
    /// In time (or untimed).
    Answered,
    /// After the limit × time factor: scored 0, raw answer kept.
    TimedOut,
}

/// One administered question, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The item id.
    pub item: String,
    /// Its competence.
    pub competence: String,
    /// The raw correctness of the answer.
    pub raw: bool,
    /// The score used (0 if timed out).
    pub score: bool,
    /// Shown at (ms).
    pub shown_at: u64,
    /// Answered at (ms).
    pub answered_at: u64,
    /// How it was taken.
    pub status: AnswerStatus,
    /// A pretest item (never used for θ).
    pub pretest: bool,
}

/// The question to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// Position in the session (0-based).
    pub step: usize,
    /// Index of the item in the pool.
    pub item: usize,
    /// The item id.
    pub id: String,
    /// Its competence.
    pub competence: String,
    /// When it was shown (ms).
    pub shown_at: u64,
    /// Time allowed (ms) for a timed question: limit × time factor.
    pub allowed_ms: Option<u64>,
    /// A pretest item.
    pub pretest: bool,
}
