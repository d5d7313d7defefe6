//! Typed errors of the engine.

use thiserror::Error;

/// What can go wrong when setting up or running adaptive tests.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EngineError {
    /// The exposure control parameters do not match the items.
    #[error("{got} exposure control parameters for {expected} items")]
    ExposureParams {
        /// Items in the pool.
        expected: usize,
        /// Parameters given.
        got: usize,
    },
    /// Fewer true abilities or answer rows than examinees asked for.
    #[error("{expected} examinees asked for but the abilities or answers cover {got}")]
    Examinees {
        /// Examinees asked for.
        expected: usize,
        /// Rows available.
        got: usize,
    },
    /// Sympson–Hetter cannot reach the target: a test of `length` items at a maximum exposure
    /// rate r needs at least length ÷ r usable items.
    #[error(
        "exposure target {target} is infeasible: {length} items per test at a rate of at most {target} need at least {needed} usable items, the pool has {usable}; raise --exposure-target or shorten the test"
    )]
    InfeasibleExposure {
        /// The target maximum exposure rate r.
        target: f64,
        /// The test length.
        length: usize,
        /// ⌈length ÷ r⌉.
        needed: usize,
        /// Items available.
        usable: usize,
    },
    /// An invalid setting (named, with what is expected).
    #[error("invalid setting: {0}")]
    Setting(String),
    /// The plan names a competence that has no live item.
    #[error("competence {0} has no live item in the pool")]
    EmptyCompetence(String),
    /// A response was given to something other than the item the session is waiting for.
    #[error("the session is waiting for an answer to `{expected}`, not to `{got}`")]
    UnexpectedItem {
        /// The item shown.
        expected: String,
        /// The item answered.
        got: String,
    },
    /// An answer arrived while no question was shown.
    #[error("no question is waiting for an answer")]
    NoPendingItem,
    /// A replayed response does not match what the session would have shown.
    #[error("replay diverged at step {step}: the session would show `{expected}`, the record has `{got}`")]
    ReplayDiverged {
        /// The step (0-based).
        step: usize,
        /// The item the session chooses.
        expected: String,
        /// The recorded item.
        got: String,
    },
}
