//! The request handlers, one module per resource.

pub mod agents;
pub mod exports;
pub mod links;
pub mod ops;
pub mod organisations;
pub mod sessions;
