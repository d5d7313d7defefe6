//! The store of Jauge: organisations, agents, campaigns, assessment sessions, their responses and
//! the profiles they produced, in one SQLite database (bundled, the embedded default).
//!
//! Durability is the point of this crate. The next item is recorded as *pending* before it is
//! shown; every response is committed in its own transaction before the next question is chosen;
//! at most one unfinished session exists per agent (a partial unique index). The database runs in
//! WAL mode with a busy timeout, and its schema is migrated on open, never destructively.
//!
//! The store knows nothing of the adaptive engine: plans are opaque JSON text written by the
//! caller, answers are raw text. Agents' identifiers (often e-mail addresses, so personal data)
//! live in their own table, apart from the assessment data they are linked to.
//!
//! ```
//! use jauge_store::{Store, NewSession};
//! let mut store = Store::open_in_memory().unwrap();
//! let agent = store.agent_or_create("camille.martin@example.gouv.fr", None).unwrap();
//! let session = store
//!     .start_session(&NewSession::new(agent.id, "{}", 42, "bank-v1"))
//!     .unwrap();
//! assert_eq!(store.active_session(agent.id).unwrap().unwrap().id, session.id);
//! ```
#![deny(missing_docs)]

mod access;
mod audit;
mod classify;
mod durability;
mod error;
mod ids;
mod lock;
mod model;
mod open;
mod privacy;
mod reuse;
mod schema;
mod scores;
mod store;

pub use access::{ApiToken, NewToken, Scope, SessionStatus, is_link_shaped, is_token_shaped, secret_hash};
pub use audit::{OsUser, os_user};
pub use durability::WalSync;
pub use error::StoreError;
pub use ids::{MAX_AGENT_ID_BYTES, normalize_agent_id, validate_agent_id, validate_code};
pub use lock::{DEFAULT_LOCK_WAIT, lock_wait, set_default_lock_wait};
pub use model::{
    Agent, AuditEntry, Campaign, NewCampaign, NewSession, NotAssessed, Organisation, Pending,
    ProfileSnapshot, ResponseRecord, SeenItem, SessionRecord, SessionState,
};
pub use privacy::{AgentRecord, Erasure, PurgeReport};
pub use schema::SCHEMA_VERSION;
pub use store::Store;

/// The SQLite binding the store is built on (for tools that read the database directly).
pub use rusqlite;

/// The crate's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
