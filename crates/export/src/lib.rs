//! Exports for analysts: the latest profile per agent or every finished session, the long
//! response table that calibration reads, and aggregates per organisation or campaign with small
//! groups suppressed — in CSV, JSON Lines or Parquet, streamed (memory does not grow with the
//! number of rows), with agent and session ids optionally pseudonymised by a keyed hash.
//!
//! Columns, types and the pseudonymisation are fixed by the product's interface contract
//! (`CONTRACTS.md`, "Exports"). Every export is recorded in the store's audit log.
#![deny(missing_docs)]

mod error;
mod output;
mod pseudonym;
mod queries;
mod sink;

pub use error::ExportError;
pub use output::Protected;
pub use pseudonym::{MAX_KEY_FILE_BYTES, MIN_KEY_BYTES, Pseudonymiser, create_key_file, key_weakness};
pub use queries::{Filter, GroupBy, Target, export_aggregate, export_profiles, export_responses};
pub use sink::{Cell, ColType, Column, Format};

/// The crate's result type.
pub type Result<T, E = ExportError> = std::result::Result<T, E>;
