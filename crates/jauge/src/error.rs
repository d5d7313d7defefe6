//! Typed errors of the facade.

use std::path::PathBuf;

use jauge_bank::{LoadError, Refusal, ShowError};
use jauge_engine::EngineError;
use jauge_store::StoreError;

/// What can go wrong when assessing through the facade.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bank directory cannot be read.
    #[error("{0}; pass the bank's folder with --bank")]
    BankUnreadable(#[from] LoadError),
    /// The bank has validation errors: nothing is assessed on it.
    #[error(
        "the item bank {} has {errors} error(s), e.g. {first}; run `jauge bank validate {}` and fix them",
        dir.display(), dir.display()
    )]
    InvalidBank {
        /// The bank's folder.
        dir: PathBuf,
        /// How many errors.
        errors: usize,
        /// The first one, rendered.
        first: String,
    },
    /// The store reported an error (missing, corrupt or newer database, unknown agent…).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The engine refused the plan or a response.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// No campaign of that name.
    #[error("unknown campaign `{0}`; `jauge campaign list` shows the campaigns")]
    UnknownCampaign(String),
    /// The campaign does not accept sessions now.
    #[error("campaign `{name}` is {why}")]
    CampaignNotOpen {
        /// The campaign.
        name: String,
        /// `not open yet (opens …)` or `closed (since …)`.
        why: String,
    },
    /// A plan that does not fit the bank.
    #[error("invalid plan: {0}")]
    Plan(String),
    /// The session was started on another version of the bank.
    #[error(
        "session {session} was started on bank version {recorded}, the bank is now {current}: it cannot be resumed on a changed bank; start afresh with --new"
    )]
    BankChanged {
        /// The session's public id.
        session: String,
        /// The bank version recorded in the session.
        recorded: String,
        /// The bank loaded now.
        current: String,
    },
    /// The session was started under another scoring version: it cannot be finished under
    /// this one.
    #[error(
        "session {session} was started under scoring version {recorded}, this Jauge scores under version {current}: it cannot be resumed; abandon it and start afresh (--new; its answers are kept)"
    )]
    ScoringChanged {
        /// The session's public id.
        session: String,
        /// The scoring version recorded in the session.
        recorded: String,
        /// This build's.
        current: String,
    },
    /// This engine does not replay the session as the engine that started it chose its
    /// questions (an upgrade changed the selection).
    #[error(
        "session {session} was started by Jauge {recorded}; this Jauge ({current}) would not ask the same questions (they differ from question {}): it cannot be resumed here; finish it with Jauge {recorded}, or abandon it and start afresh (--new; its answers are kept)",
        step + 1
    )]
    EngineChanged {
        /// The session's public id.
        session: String,
        /// The engine version recorded in the session.
        recorded: String,
        /// This build's.
        current: String,
        /// The first step (0-based) where the replay differs.
        step: usize,
    },
    /// A session of a Jauge that did not store the settings a resume needs.
    #[error(
        "session {session} was started by Jauge {version}, which did not record the settings a resume needs: abandon it and start afresh (--new; its answers are kept)"
    )]
    SettingsNotRecorded {
        /// The session's public id.
        session: String,
        /// The engine version recorded in the session.
        version: String,
    },
    /// Simulated answers were asked for in a session not started as simulated.
    #[error(
        "session {session} is a real agent's session: simulated answers are refused (a simulation runs only in a session started as simulated)"
    )]
    NotSimulated {
        /// The session's public id.
        session: String,
    },
    /// The agent has an unfinished session and a new one was asked for.
    #[error("agent has an unfinished session ({session}); resume it (--resume) or abandon it (--new)")]
    Unfinished {
        /// The unfinished session's public id.
        session: String,
    },
    /// No such agent.
    #[error("unknown agent `{0}`")]
    UnknownAgent(String),
    /// No unfinished session to resume.
    #[error("agent `{0}` has no unfinished session")]
    NothingToResume(String),
    /// The answer is not well-formed for the question: nothing was recorded, ask again.
    #[error("{0}")]
    Refused(Refusal),
    /// An answer was submitted while no question is shown.
    #[error("no question is waiting for an answer")]
    NoQuestion,
    /// Questions remain: the session cannot be finished yet.
    #[error("the session is not over: questions remain")]
    NotFinished,
    /// A stored record cannot be read back (plan, option order).
    #[error("session {session}: unreadable record ({why})")]
    Record {
        /// The session's public id.
        session: String,
        /// What is wrong.
        why: String,
    },
    /// The option order cannot be shown.
    #[error(transparent)]
    Show(#[from] ShowError),
    /// A write failed after the engine moved on: resume the session to continue.
    #[error("the session must be resumed after a failed write")]
    MustResume,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
