//! Jauge, the library: adaptive assessment of the digital competencies of public servants.
//!
//! This crate puts the item bank (`jauge-bank`), the adaptive engine (`jauge-engine`) and the
//! store (`jauge-store`) together behind one small API for the applications that embed Jauge.
#![deny(missing_docs)]

pub mod pool;
pub mod simulation;

pub use jauge_bank as bank;
pub use jauge_engine as engine;
pub use jauge_irt as irt;
pub use jauge_store as store;
